/**
 * @module crypto-core/checkpoint/checkpoint
 * C2SP tlog checkpoints (c2sp.org/tlog-checkpoint): a signed note whose text is
 *
 * ```
 * <origin>\n
 * <tree size, decimal, no leading zeros>\n
 * <base64 root hash>\n
 * [extension lines]
 * ```
 *
 * Our checkpoints carry one extension line, `time <RFC 3339 UTC>`, the moment the coordinator
 * signed, so an auditor can tell a stale head from a fresh one; standard tooling treats it as an
 * opaque extension (covered by the signature) and still reads origin, size and root. The key
 * name is the origin, as in the transparency-dev logs.
 */
import { fromBase64, toBase64 } from '../encoding.js';
import { InvalidArgumentError } from '../errors.js';
import { CheckpointFormatError } from './errors.js';
import { isValidKeyName, signNote, verifyNote, type NoteSigner, type NoteVerifier } from './signed-note.js';

/** A tree head. */
export interface Checkpoint {
  /** Unique identity of the log, e.g. `mpc.example/audit`; also the signing key name. */
  origin: string;
  /** Number of entries. */
  size: number;
  /** RFC 9162 root of the first `size` entries (32 bytes). */
  rootHash: Uint8Array;
  /** When the head was signed (from the `time` extension line), if present. */
  time?: Date;
  /** Other extension lines, passed through unchanged. */
  extensions?: string[];
}

/** Outcome of {@link openCheckpoint}. */
export type CheckpointVerification = { ok: true; checkpoint: Checkpoint; text: string } | { ok: false; reason: string };

const TIME_PREFIX = 'time ';

/** The checkpoint note text (unsigned body). */
export function formatCheckpoint(cp: Checkpoint): string {
  if (!isValidKeyName(cp?.origin)) throw new InvalidArgumentError(`origin: expected a non-empty name without spaces or '+', got ${JSON.stringify(cp?.origin)}`);
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) throw new InvalidArgumentError(`size: expected a non-negative integer, got ${cp.size}`);
  if (!(cp.rootHash instanceof Uint8Array) || cp.rootHash.length !== 32) throw new InvalidArgumentError('rootHash: expected a 32-byte Uint8Array');
  const lines = [cp.origin, String(cp.size), toBase64(cp.rootHash)];
  if (cp.time !== undefined) {
    if (!(cp.time instanceof Date) || Number.isNaN(cp.time.getTime())) throw new InvalidArgumentError('time: expected a valid Date');
    lines.push(TIME_PREFIX + cp.time.toISOString());
  }
  for (const e of cp.extensions ?? []) {
    if (typeof e !== 'string' || e.length === 0 || e.includes('\n')) throw new InvalidArgumentError('extensions: each line must be a non-empty string without newline');
    lines.push(e);
  }
  return lines.map((l) => l + '\n').join('');
}

/**
 * Parses checkpoint note text.
 * @throws CheckpointFormatError naming the malformed line.
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string' || !text.endsWith('\n')) throw new CheckpointFormatError('checkpoint: text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new CheckpointFormatError(`checkpoint: expected at least 3 lines (origin, size, root), got ${lines.length}`);
  const [origin, sizeText, rootText, ...ext] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) throw new CheckpointFormatError('checkpoint: empty origin line');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw new CheckpointFormatError(`checkpoint: tree size ${JSON.stringify(sizeText)} is not a decimal without leading zeros`);
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new CheckpointFormatError(`checkpoint: tree size ${sizeText} is too large`);
  let rootHash: Uint8Array;
  try {
    rootHash = fromBase64(rootText, 'root hash');
  } catch (e) {
    throw new CheckpointFormatError('checkpoint: root hash line is not standard base64', { cause: e });
  }
  if (rootHash.length !== 32) throw new CheckpointFormatError(`checkpoint: root hash has ${rootHash.length} bytes, expected 32`);
  const cp: Checkpoint = { origin, size, rootHash };
  const extensions: string[] = [];
  for (const e of ext) {
    if (e.length === 0) throw new CheckpointFormatError('checkpoint: empty extension line');
    if (e.startsWith(TIME_PREFIX) && cp.time === undefined) {
      const t = new Date(e.slice(TIME_PREFIX.length));
      if (Number.isNaN(t.getTime())) throw new CheckpointFormatError(`checkpoint: bad time extension ${JSON.stringify(e)}`);
      cp.time = t;
    } else {
      extensions.push(e);
    }
  }
  if (extensions.length) cp.extensions = extensions;
  return cp;
}

/** Formats and signs `cp`; the signer's key name must equal the origin. Returns the note text. */
export function signCheckpoint(cp: Checkpoint, signer: NoteSigner): string {
  if (signer?.name !== cp?.origin) throw new InvalidArgumentError(`signer.name: must equal the checkpoint origin ${JSON.stringify(cp?.origin)}, got ${JSON.stringify(signer?.name)}`);
  return signNote(formatCheckpoint(cp), signer);
}

/**
 * Verifies a checkpoint note under `verifier` and parses it. Never throws. The origin must
 * equal the verifier's key name, so a head of another log signed by the same key is refused.
 */
export function openCheckpoint(note: string, verifier: NoteVerifier): CheckpointVerification {
  const v = verifyNote(note, verifier);
  if (!v.ok) return v;
  try {
    const checkpoint = parseCheckpoint(v.text);
    if (checkpoint.origin !== verifier.name) return { ok: false, reason: `checkpoint origin ${JSON.stringify(checkpoint.origin)} differs from the key name ${JSON.stringify(verifier.name)}` };
    return { ok: true, checkpoint, text: v.text };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}
