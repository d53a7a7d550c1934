/**
 * @module services/coordinator/audit/audit-memory-log
 * The audit log of a coordinator without JetStream (`"audit": "memory"`): the same RFC 9162
 * Merkle tree, canonical entry bytes and signed C2SP checkpoints as services/audit AuditLog,
 * kept in this process only. Auditors read and verify it through the same API; what it does
 * not give is durability: a restarted coordinator starts an empty log (and its first checkpoint
 * then contradicts any earlier one an auditor kept, which is how they would notice).
 */
import { signCheckpoint, type NoteVerifier } from '../../../crypto-core/checkpoint/index.js';
import { InvalidArgumentError } from '../../../crypto-core/errors.js';
import { signingPublicKey } from '../../../crypto-core/keys/signing.js';
import { MerkleTree } from '../../../crypto-core/merkle/merkle-tree.js';
import { AUDIT_ENTRY_VERSION, encodeAuditEntry, validateAuditEvent, type AuditEntry, type AuditEvent } from '../../wire/audit-entry.js';
import type { AppendResult, ConsistencyProof, InclusionProof } from '../../audit/audit-log.js';
import type { AuditSink } from './audit-sink.js';

/** An in-memory, signed Merkle audit log (see the module comment). */
export class MemoryMerkleLog implements AuditSink {
  readonly #tree = new MerkleTree();
  readonly #entries: AuditEntry[] = [];
  readonly #bytes: Uint8Array[] = [];
  readonly #signer: { origin: string; secretKey: Uint8Array };
  readonly #now: () => Date;
  #lastCheckpoint: string | null = null;

  /**
   * @param signer - checkpoint origin (key name) and the coordinator's Ed25519 secret key.
   * @param now - clock (default: system time).
   */
  constructor(signer: { origin: string; secretKey: Uint8Array }, now: () => Date = () => new Date()) {
    if (typeof signer?.origin !== 'string' || signer.origin.length === 0) throw new InvalidArgumentError('signer.origin: expected a non-empty key name');
    signingPublicKey(signer.secretKey);
    this.#signer = signer;
    this.#now = now;
  }

  /** Number of entries. */
  get size(): number {
    return this.#tree.size;
  }

  /** The verifier of this log's checkpoints. */
  get verifier(): NoteVerifier {
    return { name: this.#signer.origin, publicKey: signingPublicKey(this.#signer.secretKey) };
  }

  /** The events appended so far, in order (as MemoryAuditSink exposes them). */
  get events(): AuditEvent[] {
    return this.#entries.map(({ v: _v, seq: _s, time: _t, ...event }) => event);
  }

  /** The events recorded for `jobId`, in order. */
  eventsOf(jobId: string): AuditEvent[] {
    return this.events.filter((e) => e.jobId === jobId);
  }

  /**
   * Appends one event (validated by the audit entry rules); times never decrease.
   * @throws AuditEntryError for an invalid event.
   */
  append(event: AuditEvent): Promise<AppendResult> {
    let clean: AuditEvent;
    try {
      clean = validateAuditEvent(event);
    } catch (e) {
      return Promise.reject(e);
    }
    const last = this.#entries.at(-1);
    const ms = Math.max(this.#now().getTime(), last ? Date.parse(last.time) : 0);
    const entry: AuditEntry = { ...clean, v: AUDIT_ENTRY_VERSION, seq: this.size, time: new Date(ms).toISOString() };
    const bytes = encodeAuditEntry(entry);
    const r = this.#tree.appendEntry(bytes);
    this.#entries.push(entry);
    this.#bytes.push(bytes);
    return Promise.resolve(r);
  }

  /** Appends are immediate; present for the AuditLog interface. */
  async flush(): Promise<void> {}

  /** Signs a checkpoint of the current tree and returns the note. */
  async checkpoint(): Promise<string> {
    const size = this.size;
    const s = this.#signer;
    this.#lastCheckpoint = signCheckpoint({ origin: s.origin, size, rootHash: this.#tree.root(size), time: this.#now() }, { name: s.origin, secretKey: s.secretKey });
    return this.#lastCheckpoint;
  }

  /** The latest checkpoint note, or null before the first. */
  async latestCheckpoint(): Promise<string | null> {
    return this.#lastCheckpoint;
  }

  /** Entries [from, to) (default: to the end). @throws InvalidArgumentError out of range. */
  entries(q: { from: number; to?: number }): AuditEntry[] {
    const to = q.to ?? this.size;
    checkRange('query.from', q.from, this.size);
    checkRange('query.to', to, this.size);
    return this.#entries.slice(q.from, to).map((e) => structuredClone(e));
  }

  /** The canonical bytes of entry `index` (a copy). */
  entryBytes(index: number): Uint8Array {
    checkRange('index', index, this.size - 1);
    return this.#bytes[index]!.slice();
  }

  /** Inclusion proof of entry `index` in the tree of `treeSize` entries. */
  inclusionProof(index: number, treeSize: number = this.size): InclusionProof {
    const proof = this.#tree.inclusionProof(index, treeSize);
    return { leafIndex: index, treeSize, leafHash: this.#tree.leafHash(index), rootHash: this.#tree.root(treeSize), proof };
  }

  /** Consistency proof between the trees of `size1` and `size2` entries. */
  consistencyProof(size1: number, size2: number = this.size): ConsistencyProof {
    const proof = this.#tree.consistencyProof(size1, size2);
    return { size1, size2, root1: this.#tree.root(size1), root2: this.#tree.root(size2), proof };
  }
}

function checkRange(name: string, v: unknown, max: number): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) throw new InvalidArgumentError(`${name}: expected an integer in [0, ${max}], got ${String(v)}`);
}
