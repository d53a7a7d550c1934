/**
 * @module services/wire/tlog-witness
 * The add-checkpoint call of C2SP tlog-witness (c2sp.org/tlog-witness), carried over NATS
 * request/reply on `subjects.witness(partyId)` instead of HTTP.
 *
 * The request is the spec's body, unchanged, in `{ "addCheckpoint": "<body>" }`:
 *
 * ```
 * old <size of the last checkpoint the witness cosigned, decimal, 0 if none>\n
 * <base64 hash>\n        (zero to 63 lines: RFC 6962/9162 consistency proof from old size to the checkpoint's)
 * \n
 * <the checkpoint note, with its signatures>
 * ```
 *
 * The reply carries the spec's HTTP status and body: 200 with one or more cosignature lines;
 * 400 (malformed request or old size above the checkpoint's), 403 (no trusted log signature),
 * 404 (unknown origin), 409 (old size is not the witness's size: the body is that size and a
 * newline, content type `text/x.tlog.size`; or same size, other root), 422 (the consistency proof
 * does not verify).
 */
import { fromBase64, toBase64 } from '../../crypto-core/encoding.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';

/** The most consistency proof lines a request may carry (the spec's limit). */
export const MAX_PROOF_LINES = 63;

/** A parsed add-checkpoint request. */
export interface AddCheckpointRequest {
  oldSize: number;
  proof: Uint8Array[];
  /** The checkpoint note as sent, signatures included. */
  checkpoint: string;
}

/** HTTP statuses of the spec, as the reply carries them. */
export type WitnessStatus = 200 | 400 | 403 | 404 | 409 | 422;

/** The reply to an add-checkpoint request. */
export type AddCheckpointReply =
  | { status: 200; body: string }
  | { status: Exclude<WitnessStatus, 200>; body: string; contentType?: 'text/x.tlog.size' };

/** Formats the request body. */
export function formatAddCheckpoint(r: AddCheckpointRequest): string {
  if (!Number.isSafeInteger(r?.oldSize) || r.oldSize < 0) throw new InvalidArgumentError(`oldSize: expected a non-negative integer, got ${r?.oldSize}`);
  if (!Array.isArray(r.proof) || r.proof.length > MAX_PROOF_LINES) throw new InvalidArgumentError(`proof: expected at most ${MAX_PROOF_LINES} hashes`);
  if (r.oldSize === 0 && r.proof.length) throw new InvalidArgumentError('proof: must be empty when oldSize is 0');
  for (const h of r.proof) if (!(h instanceof Uint8Array) || h.length !== 32) throw new InvalidArgumentError('proof: each hash must be 32 bytes');
  if (typeof r.checkpoint !== 'string' || !r.checkpoint.endsWith('\n')) throw new InvalidArgumentError('checkpoint: expected a signed note ending in a newline');
  return `old ${r.oldSize}\n${r.proof.map((h) => toBase64(h) + '\n').join('')}\n${r.checkpoint}`;
}

/**
 * Parses a request body.
 * @throws InvalidArgumentError naming the malformed line (the witness answers 400).
 */
export function parseAddCheckpoint(body: unknown): AddCheckpointRequest {
  if (typeof body !== 'string') throw new InvalidArgumentError(`body: expected text, got ${typeof body}`);
  const blank = body.indexOf('\n\n');
  if (blank < 0) throw new InvalidArgumentError('body: no empty line between the old size and proof lines and the checkpoint');
  const [first, ...proofLines] = body.slice(0, blank).split('\n');
  const m = /^old (0|[1-9][0-9]*)$/.exec(first ?? '');
  if (!m) throw new InvalidArgumentError(`body: first line ${JSON.stringify(first)} is not "old <decimal size>"`);
  const oldSize = Number(m[1]);
  if (!Number.isSafeInteger(oldSize)) throw new InvalidArgumentError('body: old size is too large');
  if (proofLines.length > MAX_PROOF_LINES) throw new InvalidArgumentError(`body: ${proofLines.length} consistency proof lines, at most ${MAX_PROOF_LINES} allowed`);
  const proof = proofLines.map((l, i) => {
    let h: Uint8Array;
    try {
      h = fromBase64(l, `proof line ${i + 1}`);
    } catch (cause) {
      throw new InvalidArgumentError(`body: proof line ${i + 1} is not base64`, { cause });
    }
    if (h.length !== 32) throw new InvalidArgumentError(`body: proof line ${i + 1} holds ${h.length} bytes, expected 32`);
    return h;
  });
  if (oldSize === 0 && proof.length) throw new InvalidArgumentError('body: the proof must be empty when the old size is 0');
  return { oldSize, proof, checkpoint: body.slice(blank + 2) };
}

/** Reads a 409 reply's body (`<size>\n`), or null when it is not one. */
export function conflictSize(reply: AddCheckpointReply): number | null {
  if (reply.status !== 409 || reply.contentType !== 'text/x.tlog.size') return null;
  const m = /^(0|[1-9][0-9]*)\n$/.exec(reply.body);
  return m ? Number(m[1]) : null;
}

/** Whether `x` has the shape of an {@link AddCheckpointReply}. */
export function isAddCheckpointReply(x: unknown): x is AddCheckpointReply {
  const r = x as Partial<AddCheckpointReply> | null;
  return typeof r === 'object' && r !== null && [200, 400, 403, 404, 409, 422].includes(r.status as number) && typeof r.body === 'string';
}
