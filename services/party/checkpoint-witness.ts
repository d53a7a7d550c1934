/**
 * @module services/party/checkpoint-witness
 * The party as a witness of the coordinator's audit log (C2SP tlog-witness add-checkpoint,
 * C2SP tlog-cosignature v1): it cosigns a checkpoint only when
 *
 * 1. the request parses (else 400) and names the log it witnesses (else 404);
 * 2. the log key signed the checkpoint (else 403);
 * 3. the old size is not above the checkpoint's (else 400) and equals the size of the last
 *    checkpoint this witness cosigned (else 409 with that size, `text/x.tlog.size`);
 * 4. the RFC 6962 consistency proof from that checkpoint's root to the new root verifies (else
 *    422), or, at equal sizes, the roots are equal (else 409);
 *
 * and then it first stores the new checkpoint durably, then answers with its cosignature. So a
 * coordinator that shows one history to this witness cannot get a cosignature for another:
 * a second tree of the same size is a 409, a tree that does not extend the one cosigned before
 * has no consistency proof (422), and a smaller tree is a 409 too (its old size is not ours).
 *
 * State: one JSON file (`witness-state.json` in the party's state folder: origin, size, root,
 * the cosigned note), written to a temporary file, fsynced, renamed over the old one and the
 * folder fsynced, mode 0600. Check and update run synchronously in one call, so two requests
 * can never interleave between the check and the write (the race the spec warns of). A file
 * that does not parse, or whose checkpoint does not verify under the log key, stops the
 * witness at start (WitnessStateError), so a damaged state is never silently taken for "never
 * cosigned", which would let the next checkpoint start a new history.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { replaceFileDurably } from './durable-file.js';
import { openCheckpoint, type NoteVerifier } from '../../crypto-core/checkpoint/index.js';
import { fromBase64, toBase64 } from '../../crypto-core/encoding.js';
import { InvalidArgumentError, MpcError } from '../../crypto-core/errors.js';
import { bytesEqual } from '../../crypto-core/merkle/hashing.js';
import { verifyConsistency } from '../../crypto-core/merkle/proof-verify.js';
import { cosignCheckpoint, type CosignerKey } from '../wire/tlog-cosignature.js';
import { parseAddCheckpoint, type AddCheckpointReply } from '../wire/tlog-witness.js';

/** The witness state file could not be read (damaged, or not ours). */
export class WitnessStateError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('witness-state', message, options);
  }
}

/** What the witness remembers of the log: the last checkpoint it cosigned. */
export interface WitnessRecord {
  origin: string;
  size: number;
  /** Base64 root hash. */
  rootHash: string;
  /** The checkpoint note as it was cosigned (log signature only). */
  note: string;
}

/** Options of {@link CheckpointWitness}. */
export interface CheckpointWitnessOptions {
  /** The witness key: name (the party id) and Ed25519 secret key. */
  key: CosignerKey;
  /** The log this witness follows: origin (= key name) and the log's Ed25519 public key. */
  log: NoteVerifier;
  /** The durable state file (0600). */
  stateFile: string;
  /** Clock, for cosignature timestamps (default: Date.now). */
  now?: () => number;
}

/** A C2SP tlog witness of one log, with durable state. */
export class CheckpointWitness {
  readonly #key: CosignerKey;
  readonly #log: NoteVerifier;
  readonly #file: string;
  readonly #now: () => number;
  #state: WitnessRecord | null;

  constructor(opts: CheckpointWitnessOptions) {
    if (!opts?.stateFile) throw new InvalidArgumentError('stateFile: expected a path');
    this.#key = opts.key;
    this.#log = opts.log;
    this.#file = opts.stateFile;
    this.#now = opts.now ?? Date.now;
    this.#state = this.#load();
  }

  /** The last cosigned checkpoint, or null before the first. */
  get state(): Readonly<WitnessRecord> | null {
    return this.#state;
  }

  #load(): WitnessRecord | null {
    let text: string;
    try {
      text = readFileSync(this.#file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new WitnessStateError(`${this.#file}: ${(e as Error).message}`, { cause: e });
    }
    let r: WitnessRecord;
    try {
      r = JSON.parse(text) as WitnessRecord;
    } catch (cause) {
      throw new WitnessStateError(`${this.#file}: not JSON (damaged witness state; restore it from a backup rather than deleting it, or the witness forgets what it cosigned)`, { cause });
    }
    const opened = typeof r?.note === 'string' ? openCheckpoint(r.note, this.#log) : { ok: false as const, reason: 'no note' };
    if (!opened.ok || r.origin !== this.#log.name || opened.checkpoint.size !== r.size || toBase64(opened.checkpoint.rootHash) !== r.rootHash) {
      throw new WitnessStateError(`${this.#file}: the stored checkpoint does not verify under the log key of ${this.#log.name}${opened.ok ? '' : ` (${opened.reason})`}`);
    }
    return r;
  }

  #store(r: WitnessRecord): void {
    const dir = dirname(this.#file);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    replaceFileDurably(this.#file, JSON.stringify(r) + '\n');
    this.#state = r;
  }

  /**
   * Answers an add-checkpoint request body (wire/tlog-witness). Synchronous: the check against
   * the stored size and the durable update of it happen with nothing in between.
   */
  addCheckpoint(body: unknown): AddCheckpointReply {
    let req: ReturnType<typeof parseAddCheckpoint>;
    try {
      req = parseAddCheckpoint(body);
    } catch (e) {
      return { status: 400, body: `${(e as Error).message}\n` };
    }
    const origin = req.checkpoint.slice(0, req.checkpoint.indexOf('\n'));
    if (origin !== this.#log.name) return { status: 404, body: `unknown log origin ${JSON.stringify(origin)}; this witness follows ${this.#log.name}\n` };
    const opened = openCheckpoint(req.checkpoint, this.#log);
    if (!opened.ok) return { status: 403, body: `the checkpoint has no valid signature by the log key of ${this.#log.name}: ${opened.reason}\n` };
    const cp = opened.checkpoint;
    if (req.oldSize > cp.size) return { status: 400, body: `old size ${req.oldSize} is above the checkpoint size ${cp.size}\n` };
    const mine = this.#state;
    const mySize = mine?.size ?? 0;
    if (req.oldSize !== mySize) return { status: 409, body: `${mySize}\n`, contentType: 'text/x.tlog.size' };
    // A tree of size 0 is extended by every tree (RFC 9162 has no proof from it; the request carries none).
    if (mine && mine.size > 0) {
      const myRoot = fromBase64(mine.rootHash, 'rootHash');
      if (cp.size === mine.size) {
        if (!bytesEqual(myRoot, cp.rootHash)) return { status: 409, body: `${mySize}\n`, contentType: 'text/x.tlog.size' };
      } else if (!verifyConsistency(mine.size, cp.size, req.proof, myRoot, cp.rootHash)) {
        return { status: 422, body: `the consistency proof from size ${mine.size} to ${cp.size} does not verify: this checkpoint does not extend the one cosigned before\n` };
      }
    }
    // Persist before answering: a witness that cosigned and then forgot could be led to cosign a fork.
    this.#store({ origin: cp.origin, size: cp.size, rootHash: toBase64(cp.rootHash), note: req.checkpoint.slice(0, req.checkpoint.indexOf('\n\n') + 2) + logSignatureLines(req.checkpoint, this.#log.name) });
    return { status: 200, body: cosignCheckpoint(opened.text, this.#key, Math.floor(this.#now() / 1000)) };
  }
}

/** The signature lines of `note` by key name `name` (the log's own), newline-terminated. */
function logSignatureLines(note: string, name: string): string {
  const sigs = note.slice(note.lastIndexOf('\n\n') + 2);
  return sigs
    .split('\n')
    .filter((l) => l.startsWith(`\u2014 ${name} `))
    .map((l) => l + '\n')
    .join('');
}
