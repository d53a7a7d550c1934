/**
 * @module services/audit/audit-log
 * The coordinator's append-only audit log: RFC 9162 Merkle tree in memory, entries durable in
 * a NATS JetStream stream, signed C2SP checkpoints in a second stream.
 *
 * JetStream layout (names configurable, see {@link AuditLogOptions}):
 * - stream `MPC_AUDIT`, subject `mpc.audit.entries`: one message per entry, the entry's RFC 8785
 *   canonical JSON bytes. File storage, `num_replicas` = replicas (1 on one server, the cluster
 *   size when clustered), `deny_delete` and `deny_purge` so the server itself refuses to drop
 *   entries. Stream sequence s holds Merkle leaf s-1.
 * - stream `MPC_AUDIT_CHECKPOINTS`, subject `mpc.audit.checkpoints`: every signed checkpoint
 *   note, in order; the latest is the last message.
 *
 * One writer per log: every publish carries `expect.lastSequence` = the index the entry is meant
 * to have, so two writers can never interleave and no index is skipped or taken twice; a writer
 * that lost the race gets AuditWriterConflictError, catches up from the stream and continues.
 * Appends are batched: up to `batchSize` publishes are in flight before their acks are awaited,
 * which is what gives thousands of durable appends per second (each ack means the entry is in
 * the server's file store, on a quorum of replicas when clustered). Publishes go out with one
 * shared ack inbox (async-publisher.ts) rather than a request object each.
 *
 * Queries by job, actor and type use in-memory indexes built while the log is read; the whole
 * log is held in memory by the coordinator (entry bytes plus ~100 bytes per entry of tree and
 * index), which is fine up to some millions of entries.
 */
import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager, type NatsConnection, type NatsError, type PubAck } from 'nats';
import { openCheckpoint, signCheckpoint, type NoteVerifier } from '../../crypto-core/checkpoint/index.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { MerkleTree } from '../../crypto-core/merkle/merkle-tree.js';
import { bytesEqual } from '../../crypto-core/merkle/hashing.js';
import { signingPublicKey } from '../../crypto-core/keys/signing.js';
import { AUDIT_ENTRY_VERSION, decodeAuditEntry, encodeAuditEntry, validateAuditEvent, type AuditEntry, type AuditEvent, type AuditEventType } from '../wire/audit-entry.js';
import { EntryStore, MAX_ENTRY_BYTES } from './entry-store.js';
import { AuditStorageError, AuditWriterConflictError } from './errors.js';
import { readStreamRange } from './stream-reader.js';
import { AsyncJetStreamPublisher, DUPLICATE_MSG_ID, JetStreamPublishError } from './async-publisher.js';

/** Default stream and subject names. */
export const AUDIT_DEFAULTS = {
  stream: 'MPC_AUDIT',
  subject: 'mpc.audit.entries',
  checkpointStream: 'MPC_AUDIT_CHECKPOINTS',
  checkpointSubject: 'mpc.audit.checkpoints',
} as const;

/** Options of {@link AuditLog.open}. */
export interface AuditLogOptions {
  /** Entry stream name (default MPC_AUDIT). */
  stream?: string;
  /** Entry subject (default mpc.audit.entries). */
  subject?: string;
  /** Checkpoint stream name (default MPC_AUDIT_CHECKPOINTS). */
  checkpointStream?: string;
  /** Checkpoint subject (default mpc.audit.checkpoints). */
  checkpointSubject?: string;
  /** JetStream replicas when the streams are created (default 1; the cluster size when clustered). */
  replicas?: number;
  /** The coordinator's checkpoint key: origin (= key name) and Ed25519 secret key. Required to append or sign. */
  signer?: { origin: string; secretKey: Uint8Array };
  /** Open without writing: no stream creation, no appends, no checkpoints (exports, auditors). */
  readOnly?: boolean;
  /** Clock (default: system time). */
  now?: () => Date;
  /** Maximum publishes in flight per batch (default 1024). */
  batchSize?: number;
  /**
   * The connection, for the fast publish path (one ack inbox instead of a request per entry).
   * Taken from the JetStream client when omitted; without one, `js.publish` is used.
   */
  nc?: NatsConnection;
  /** Use `js.publish` even when a connection is available (default false). */
  requestPerPublish?: boolean;
}

/** Where an appended entry landed. */
export interface AppendResult {
  index: number;
  leafHash: Uint8Array;
}

/** An inclusion proof with everything a verifier needs. */
export interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  leafHash: Uint8Array;
  rootHash: Uint8Array;
  proof: Uint8Array[];
}

/** A consistency proof with both roots. */
export interface ConsistencyProof {
  size1: number;
  size2: number;
  root1: Uint8Array;
  root2: Uint8Array;
  proof: Uint8Array[];
}

/** Entry selections of {@link AuditLog.entries}. */
export type AuditQuery =
  | { from: number; to?: number }
  | { jobId: string }
  | { actor: string }
  | { type: AuditEventType; since?: Date | string; until?: Date | string };

interface Pending {
  event: AuditEvent;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

const WRONG_LAST_SEQUENCE = 10071;

type ResolvedOptions = Required<Omit<AuditLogOptions, 'signer' | 'nc'>> & Pick<AuditLogOptions, 'signer' | 'nc'>;

/** The audit log of one coordinator. Create with {@link AuditLog.open}. */
export class AuditLog {
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #opts: ResolvedOptions;
  readonly #tree = new MerkleTree();
  readonly #store = new EntryStore();
  /** First 6 bytes of a leaf hash (as a number) -> index, for proofs by leaf hash. */
  readonly #byLeaf = new Map<number, number | number[]>();
  /** Event id -> index, for entries that carry one (the outbox's dedup check). */
  readonly #byId = new Map<string, number>();
  #pending: Pending[] = [];
  #flushing: Promise<void> | null = null;
  #lastCheckpoint: string | null = null;
  #publisher: AsyncJetStreamPublisher | null = null;

  private constructor(js: JetStreamClient, jsm: JetStreamManager, opts: ResolvedOptions) {
    this.#js = js;
    this.#jsm = jsm;
    this.#opts = opts;
    if (opts.nc && !opts.requestPerPublish && !opts.readOnly) this.#publisher = new AsyncJetStreamPublisher(opts.nc, opts.stream);
  }

  /** Stops the fast publisher's ack subscription (after waiting for appends in flight). */
  async close(): Promise<void> {
    await this.flush();
    this.#publisher?.close();
  }

  /**
   * Opens the log: creates the streams if missing (unless read-only), reads every stored entry
   * to rebuild the tree, and, when a signer is given, checks that the rebuilt tree reproduces the
   * latest checkpoint this key signed (so storage tampering is noticed at start).
   * @throws AuditStorageError when the stream has a gap, an invalid entry, or disagrees with the
   *   latest signed checkpoint; InvalidArgumentError for bad options.
   */
  static async open(js: JetStreamClient, opts: AuditLogOptions = {}): Promise<AuditLog> {
    const o: ResolvedOptions = {
      stream: opts.stream ?? AUDIT_DEFAULTS.stream,
      subject: opts.subject ?? AUDIT_DEFAULTS.subject,
      checkpointStream: opts.checkpointStream ?? AUDIT_DEFAULTS.checkpointStream,
      checkpointSubject: opts.checkpointSubject ?? AUDIT_DEFAULTS.checkpointSubject,
      replicas: opts.replicas ?? 1,
      readOnly: opts.readOnly ?? false,
      now: opts.now ?? (() => new Date()),
      batchSize: opts.batchSize ?? 1024,
      requestPerPublish: opts.requestPerPublish ?? false,
      signer: opts.signer,
      // nats.js's JetStream client carries its connection as `nc` (not in the interface).
      nc: opts.nc ?? (js as unknown as { nc?: NatsConnection }).nc,
    };
    if (!Number.isInteger(o.replicas) || o.replicas < 1 || o.replicas > 5) throw new InvalidArgumentError(`replicas: expected an integer 1..5, got ${o.replicas}`);
    if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new InvalidArgumentError(`batchSize: expected a positive integer, got ${o.batchSize}`);
    if (o.signer) signingPublicKey(o.signer.secretKey);
    const jsm = await js.jetstreamManager();
    const log = new AuditLog(js, jsm, o);
    if (!o.readOnly) await log.#ensureStreams();
    await log.#catchUp();
    log.#lastCheckpoint = await log.#readLatestCheckpoint();
    if (log.#lastCheckpoint !== null && o.signer) log.#checkAgainstCheckpoint(log.#lastCheckpoint);
    return log;
  }

  /** Number of entries (acknowledged by storage). */
  get size(): number {
    return this.#tree.size;
  }

  /** The checkpoint origin (key name), when a signer is configured. */
  get origin(): string | undefined {
    return this.#opts.signer?.origin;
  }

  /** The verifier of this log's checkpoints (origin and public key), when a signer is configured. */
  get verifier(): NoteVerifier | undefined {
    const s = this.#opts.signer;
    return s ? { name: s.origin, publicKey: signingPublicKey(s.secretKey) } : undefined;
  }

  /** RFC 9162 root of the first `size` entries (default: all). */
  root(size: number = this.size): Uint8Array {
    return this.#tree.root(size);
  }

  /**
   * Appends one event; resolves once the entry is durable in JetStream, with its index and
   * leaf hash. Concurrent calls are batched and get consecutive indexes in call order.
   * @throws AuditEntryError (synchronously rejected) for an invalid event;
   *   AuditWriterConflictError when another writer appended first; AuditStorageError otherwise.
   */
  append(event: AuditEvent): Promise<AppendResult> {
    if (this.#opts.readOnly) return Promise.reject(new AuditStorageError('append: the log was opened read-only'));
    let clean: AuditEvent;
    try {
      clean = validateAuditEvent(event);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.#pending.push({ event: clean, resolve, reject });
      this.#startFlushing();
    });
  }

  #startFlushing(): void {
    this.#flushing ??= this.#flushLoop().finally(() => {
      this.#flushing = null;
      // An append made after the loop's last check but before this ran (its caller reacted to an
      // earlier append resolving) would otherwise wait for the next append.
      if (this.#pending.length > 0) this.#startFlushing();
    });
  }

  /** The index of the entry whose event id is `id`, if the log holds one. */
  indexOfId(id: string): number | undefined {
    return this.#byId.get(id);
  }

  /**
   * Reads entries stored behind this log's back or whose acks were lost (a fault), so that
   * {@link indexOfId} and {@link size} tell what the stream really holds.
   * @throws AuditStorageError when the stream cannot be read or holds an invalid entry.
   */
  async refresh(): Promise<void> {
    if (this.#flushing) await this.flush();
    // One round trip first: a request made while the client is reconnecting is dropped by
    // nats.js and would wait out its whole timeout; a ping fails at the next dial instead.
    try {
      await this.#opts.nc?.flush();
    } catch (e) {
      throw new AuditStorageError(`stream ${this.#opts.stream}: the broker is not reachable (${(e as Error).message})`, { cause: e });
    }
    await this.#catchUp();
  }

  /** Resolves when every append made so far has settled. */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #flushLoop(): Promise<void> {
    // Yield once so that appends made in the same tick join the first batch.
    await new Promise((r) => setImmediate(r));
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#opts.batchSize);
      await this.#publishBatch(batch);
    }
  }

  async #publishBatch(batch: Pending[]): Promise<void> {
    const base = this.#tree.size;
    let lastMs = this.#store.lastTimeMs;
    const entries = batch.map((p, i): AuditEntry => {
      // Times never decrease along the log, so time-range queries can binary-search.
      const ms = Math.max(this.#opts.now().getTime(), lastMs);
      lastMs = ms;
      return { ...p.event, v: AUDIT_ENTRY_VERSION, seq: base + i, time: new Date(ms).toISOString() };
    });
    const encoded = entries.map(encodeAuditEntry);
    const acks = await Promise.allSettled(
      encoded.map((bytes, i) => {
        if (bytes.length > MAX_ENTRY_BYTES) return Promise.reject(new AuditStorageError(`entry of ${bytes.length} bytes exceeds ${MAX_ENTRY_BYTES}`));
        // An entry with an id also carries it as Nats-Msg-Id: the server drops a second copy within its duplicate window.
        const msgID = entries[i]!.id;
        if (this.#publisher) return this.#publisher.publish(this.#opts.subject, bytes, base + i, msgID);
        return this.#js.publish(this.#opts.subject, bytes, { ...(msgID ? { msgID } : {}), expect: { lastSequence: base + i, streamName: this.#opts.stream } }).then((ack: PubAck) => (ack.duplicate ? Promise.reject(new JetStreamPublishError(`JetStream already holds this message id at sequence ${ack.seq}`, DUPLICATE_MSG_ID)) : ack.seq));
      }),
    );
    let failedAt = -1;
    for (let i = 0; i < batch.length; i++) {
      const a = acks[i]!;
      if (a.status === 'fulfilled' && a.value === base + i + 1 && failedAt < 0) {
        // The event was validated on append; its entry needs no second decode.
        batch[i]!.resolve(this.#add(encoded[i]!, entries[i]!));
      } else if (failedAt < 0) {
        failedAt = i;
      }
    }
    if (failedAt < 0) return;
    // Something else wrote to the stream, or an ack was lost: read what is really there, then
    // settle each remaining append by whether its exact bytes landed at its index.
    let caughtUp: unknown = null;
    try {
      // A round trip first: with the broker away, a stream read would be dropped unsent and wait
      // out its timeout (5 s by default); the ping fails at the client's next dial instead.
      await this.#opts.nc?.flush();
      await this.#catchUp();
    } catch (e) {
      caughtUp = e;
    }
    for (let i = failedAt; i < batch.length; i++) {
      const idx = base + i;
      if (caughtUp === null && idx < this.#tree.size && bytesEqual(this.#store.bytes(idx), encoded[i]!)) {
        batch[i]!.resolve({ index: idx, leafHash: this.#tree.leafHash(idx) });
        continue;
      }
      const a = acks[i]!;
      const err = a.status === 'rejected' ? (a.reason as NatsError | JetStreamPublishError) : null;
      const code = err instanceof JetStreamPublishError ? err.errCode : (err as NatsError | null)?.api_error?.err_code;
      if (code === WRONG_LAST_SEQUENCE || (a.status === 'fulfilled' && caughtUp === null)) {
        batch[i]!.reject(new AuditWriterConflictError(`append: another writer appended at index ${idx}; this log caught up to size ${this.#tree.size}, retry the append`, { cause: err ?? undefined }));
      } else {
        batch[i]!.reject(new AuditStorageError(`append: JetStream did not store entry ${idx}: ${err?.message ?? String(caughtUp)}`, { cause: err ?? caughtUp }));
      }
    }
  }

  #add(bytes: Uint8Array, entry?: AuditEntry): AppendResult {
    const e = entry ?? decodeAuditEntry(bytes, `entry ${this.#tree.size}`);
    const { index, leafHash } = this.#tree.appendEntry(bytes);
    this.#store.add(bytes, { type: e.type, actor: e.actor, jobId: e.jobId, timeMs: Date.parse(e.time) });
    if (e.id !== undefined && !this.#byId.has(e.id)) this.#byId.set(e.id, index);
    const k = leafKey(leafHash);
    const prev = this.#byLeaf.get(k);
    if (prev === undefined) this.#byLeaf.set(k, index);
    else this.#byLeaf.set(k, Array.isArray(prev) ? [...prev, index] : [prev, index]);
    return { index, leafHash };
  }

  async #ensureStreams(): Promise<void> {
    const base = { storage: StorageType.File, num_replicas: this.#opts.replicas, retention: RetentionPolicy.Limits, discard: DiscardPolicy.New, deny_delete: true, deny_purge: true, allow_direct: true };
    for (const [name, subject] of [[this.#opts.stream, this.#opts.subject], [this.#opts.checkpointStream, this.#opts.checkpointSubject]] as const) {
      try {
        await this.#jsm.streams.info(name);
      } catch (e) {
        if ((e as NatsError).api_error?.err_code !== 10059) throw new AuditStorageError(`stream ${name}: ${(e as Error).message}`, { cause: e });
        await this.#jsm.streams.add({ ...base, name, subjects: [subject] });
      }
    }
  }

  /** Reads every stored entry after the ones already held, checking order and validity. */
  async #catchUp(): Promise<void> {
    let last: number;
    try {
      last = (await this.#jsm.streams.info(this.#opts.stream)).state.last_seq;
    } catch (e) {
      if ((e as NatsError).api_error?.err_code === 10059) return;
      throw new AuditStorageError(`stream ${this.#opts.stream}: ${(e as Error).message}`, { cause: e });
    }
    const start = this.#tree.size + 1;
    if (last < start) return;
    await readStreamRange(this.#js, this.#opts.stream, this.#opts.subject, start, last, (m) => {
      const expected = this.#tree.size + 1;
      if (m.seq !== expected) throw new AuditStorageError(`stream ${this.#opts.stream}: expected sequence ${expected}, found ${m.seq} (a gap: entries were removed)`);
      let entry: AuditEntry;
      try {
        entry = decodeAuditEntry(m.data, `stored entry ${m.seq - 1}`);
      } catch (e) {
        throw new AuditStorageError(`stream ${this.#opts.stream}: ${(e as Error).message}`, { cause: e });
      }
      if (entry.seq !== m.seq - 1) throw new AuditStorageError(`stream ${this.#opts.stream}: message ${m.seq} holds entry seq ${entry.seq}, expected ${m.seq - 1}`);
      this.#add(m.data, entry);
    });
  }

  async #readLatestCheckpoint(): Promise<string | null> {
    try {
      const m = await this.#jsm.streams.getMessage(this.#opts.checkpointStream, { last_by_subj: this.#opts.checkpointSubject });
      return new TextDecoder().decode(m.data);
    } catch (e) {
      const code = (e as NatsError).api_error?.err_code;
      // 10037: no message found; 10059: stream not found. Either way there is no checkpoint yet.
      if (code === 10037 || code === 10059) return null;
      throw new AuditStorageError(`stream ${this.#opts.checkpointStream}: ${(e as Error).message}`, { cause: e });
    }
  }

  #checkAgainstCheckpoint(note: string): void {
    const v = this.verifier!;
    const opened = openCheckpoint(note, v);
    if (!opened.ok) throw new AuditStorageError(`latest checkpoint in ${this.#opts.checkpointStream} does not verify under this coordinator's key: ${opened.reason}`);
    const cp = opened.checkpoint;
    if (cp.size > this.size) throw new AuditStorageError(`stream ${this.#opts.stream} holds ${this.size} entries but checkpoint covers ${cp.size}: entries were lost`);
    if (!bytesEqual(this.#tree.root(cp.size), cp.rootHash)) throw new AuditStorageError(`stream ${this.#opts.stream}: the first ${cp.size} entries do not reproduce the signed checkpoint root (storage was altered)`);
  }

  /**
   * Signs a checkpoint of the current tree (size, root, time), stores it in the checkpoint
   * stream and returns the C2SP note text. Appends still in flight are not covered.
   * @throws AuditStorageError when read-only, without a signer, or when storing fails.
   */
  async checkpoint(): Promise<string> {
    const s = this.#opts.signer;
    if (this.#opts.readOnly || !s) throw new AuditStorageError('checkpoint: needs a writable log opened with a signer');
    const size = this.size;
    const note = signCheckpoint({ origin: s.origin, size, rootHash: this.#tree.root(size), time: this.#opts.now() }, { name: s.origin, secretKey: s.secretKey });
    try {
      await this.#js.publish(this.#opts.checkpointSubject, new TextEncoder().encode(note), { expect: { streamName: this.#opts.checkpointStream } });
    } catch (e) {
      throw new AuditStorageError(`checkpoint: JetStream did not store it: ${(e as Error).message}`, { cause: e });
    }
    this.#lastCheckpoint = note;
    return note;
  }

  /**
   * Stores `note` again with witness cosignature lines (C2SP tlog-cosignature) appended, as the
   * newest message of the checkpoint stream, so exports carry the cosigned form. The note must
   * be one this log signed and the latest it stored; the lines are not checked here (the
   * coordinator's cosigner and every verifier do that).
   * @throws AuditStorageError when read-only, the note is not the latest, or storing fails.
   */
  async addCosignatures(note: string, lines: readonly string[]): Promise<string> {
    const latest = this.#lastCheckpoint;
    if (this.#opts.readOnly || !this.#opts.signer) throw new AuditStorageError('addCosignatures: needs a writable log opened with a signer');
    const body = (n: string): string => n.slice(0, n.indexOf('\n\n') + 1);
    if (latest === null || body(latest) !== body(note)) throw new AuditStorageError('addCosignatures: the note is not the latest checkpoint of this log');
    const cosigned = latest + lines.join('');
    try {
      await this.#js.publish(this.#opts.checkpointSubject, new TextEncoder().encode(cosigned), { expect: { streamName: this.#opts.checkpointStream } });
    } catch (e) {
      throw new AuditStorageError(`addCosignatures: JetStream did not store it: ${(e as Error).message}`, { cause: e });
    }
    if (this.#lastCheckpoint === latest) this.#lastCheckpoint = cosigned;
    return cosigned;
  }

  /** The latest stored checkpoint note, or null when none was signed yet. */
  async latestCheckpoint(): Promise<string | null> {
    if (this.#opts.readOnly) this.#lastCheckpoint = await this.#readLatestCheckpoint();
    return this.#lastCheckpoint;
  }

  /** Every stored checkpoint note, oldest first. */
  async checkpoints(): Promise<string[]> {
    const out: string[] = [];
    let last: number;
    try {
      last = (await this.#jsm.streams.info(this.#opts.checkpointStream)).state.last_seq;
    } catch (e) {
      if ((e as NatsError).api_error?.err_code === 10059) return out;
      throw e;
    }
    if (last === 0) return out;
    await readStreamRange(this.#js, this.#opts.checkpointStream, this.#opts.checkpointSubject, 1, last, (m) => {
      out.push(new TextDecoder().decode(m.data));
    });
    return out;
  }

  /**
   * Entries selected by index range [from, to), job id, actor, or type within a time window
   * (since inclusive, until exclusive). Job, actor and type use in-memory indexes.
   */
  entries(query: AuditQuery): AuditEntry[] {
    if (typeof query !== 'object' || query === null) throw new InvalidArgumentError('query: expected an object');
    if ('from' in query) {
      const to = query.to ?? this.size;
      checkRange('query.from', query.from, this.size);
      checkRange('query.to', to, this.size);
      const out: AuditEntry[] = [];
      for (let i = query.from; i < to; i++) out.push(this.#store.entry(i));
      return out;
    }
    if ('jobId' in query) return this.#store.indicesBy('jobId', query.jobId).map((i) => this.#store.entry(i));
    if ('actor' in query) return this.#store.indicesBy('actor', query.actor).map((i) => this.#store.entry(i));
    if ('type' in query) {
      const since = query.since === undefined ? -Infinity : new Date(query.since).getTime();
      const until = query.until === undefined ? Infinity : new Date(query.until).getTime();
      if (Number.isNaN(since) || Number.isNaN(until)) throw new InvalidArgumentError('query.since/until: expected dates');
      return this.#store.indicesBy('type', query.type).filter((i) => this.#store.timeMs(i) >= since && this.#store.timeMs(i) < until).map((i) => this.#store.entry(i));
    }
    throw new InvalidArgumentError('query: expected {from, to}, {jobId}, {actor} or {type, since, until}');
  }

  /** The stored bytes of entry `index` (a copy). */
  entryBytes(index: number): Uint8Array {
    checkRange('index', index, this.size - 1);
    return this.#store.bytes(index).slice();
  }

  /**
   * Inclusion proof of an entry, given by index or by its leaf hash, in the tree of `treeSize`
   * entries (default: all).
   * @throws InvalidArgumentError for an index or size out of range or an unknown leaf hash.
   */
  inclusionProof(entry: number | Uint8Array, treeSize: number = this.size): InclusionProof {
    const leafIndex = typeof entry === 'number' ? entry : this.#indexOfLeaf(entry);
    const proof = this.#tree.inclusionProof(leafIndex, treeSize);
    return { leafIndex, treeSize, leafHash: this.#tree.leafHash(leafIndex), rootHash: this.#tree.root(treeSize), proof };
  }

  /** Consistency proof between the trees of `size1` and `size2` entries (default: all). */
  consistencyProof(size1: number, size2: number = this.size): ConsistencyProof {
    const proof = this.#tree.consistencyProof(size1, size2);
    return { size1, size2, root1: this.#tree.root(size1), root2: this.#tree.root(size2), proof };
  }

  #indexOfLeaf(h: Uint8Array): number {
    if (!(h instanceof Uint8Array) || h.length !== 32) throw new InvalidArgumentError('leafHash: expected a 32-byte Uint8Array');
    const hit = this.#byLeaf.get(leafKey(h));
    for (const i of hit === undefined ? [] : Array.isArray(hit) ? hit : [hit]) if (bytesEqual(this.#tree.leafHash(i), h)) return i;
    throw new InvalidArgumentError('leafHash: no entry with this leaf hash');
  }

  /** JSON Lines: every entry's exact stored bytes followed by a newline. */
  exportJsonl(from = 0, to: number = this.size): Uint8Array {
    checkRange('from', from, this.size);
    checkRange('to', to, this.size);
    let total = 0;
    for (let i = from; i < to; i++) total += this.#store.bytes(i).length + 1;
    const out = new Uint8Array(total);
    let off = 0;
    for (let i = from; i < to; i++) {
      const b = this.#store.bytes(i);
      out.set(b, off);
      out[off + b.length] = 0x0a;
      off += b.length + 1;
    }
    return out;
  }

  /** CSV for spreadsheets (not for verification: use the JSON Lines): one row per entry. */
  exportCsv(): string {
    const cols = ['seq', 'time', 'type', 'actor', 'tenant', 'jobId', 'modelId', 'datasetId', 'keyId', 'serviceId', 'party', 'version', 'reason', 'hashes', 'leafHash'] as const;
    const rows = [cols.join(',')];
    for (let i = 0; i < this.size; i++) {
      const e = this.#store.entry(i) as unknown as Record<string, unknown>;
      rows.push(
        cols
          .map((c) => {
            const v = c === 'leafHash' ? Buffer.from(this.#tree.leafHash(i)).toString('hex') : c === 'hashes' && e.hashes ? Object.entries(e.hashes as Record<string, string>).map(([k, h]) => `${k}=${h}`).join(' ') : e[c];
            return csvField(v === undefined ? '' : String(v));
          })
          .join(','),
      );
    }
    return rows.join('\r\n') + '\r\n';
  }
}

function leafKey(h: Uint8Array): number {
  // 48 bits fit a safe integer; collisions are resolved by comparing the full hash.
  return h[0]! * 2 ** 40 + h[1]! * 2 ** 32 + ((h[2]! << 24) >>> 0) + (h[3]! << 16) + (h[4]! << 8) + h[5]!;
}

function checkRange(name: string, v: unknown, max: number): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) throw new InvalidArgumentError(`${name}: expected an integer in [0, ${max}], got ${String(v)}`);
}

/** RFC 4180 quoting; a leading formula character is prefixed so spreadsheets do not evaluate it. */
function csvField(s: string): string {
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
