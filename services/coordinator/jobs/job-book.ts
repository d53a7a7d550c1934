/**
 * @module services/coordinator/jobs/job-book
 * The coordinator's record of jobs: creation with idempotency keys, tenant isolation on every
 * read, state changes through the table of job-state, and a listener per change (job events,
 * audit). It holds no NATS and no timers: the dispatcher drives it.
 *
 * It answers from memory. With a JetStream key-value bucket behind it ({@link JobBook.withKv})
 * every change is written through (status, result, idempotency key; never the submitted
 * payload, which holds sealed inputs and is only needed while the job runs), and a restarted
 * coordinator reloads the book: finished jobs keep their results, and jobs that were in flight
 * when it stopped are failed with `coordinator-restarted`, since their runs died with it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { JetStreamClient } from 'nats';
import { canonicalJson } from '../../../crypto-core/canonical-json.js';
import type { JobKind, JobModel, JobState, JobStatus, Principal } from '../../wire/api.js';
import { KvRecords } from '../kv-records.js';
import { ApiFailure } from '../errors.js';
import { canTransition, isTerminal, progressOf } from './job-state.js';

/** Everything the coordinator keeps about one job. */
export interface JobRecord {
  status: JobStatus;
  kind: JobKind;
  tenant: string;
  actor: string;
  payload: unknown;
  /** SHA-256 of the canonical payload: a reused idempotency key must come with the same request. */
  fingerprint: string;
  /** The requester's idempotency key, if it gave one. */
  idempotencyKey?: string;
  result?: unknown;
}

/** A job's error as its status holds it. */
export type JobError = NonNullable<JobStatus['error']>;

/** Writes one record durably (writes of one job must land in call order, the last one winning). */
type PersistJob = (record: JobRecord) => Promise<void>;

/** Called after every change of a job's status. */
export type JobListener = (record: JobRecord, previous: JobState | undefined) => void;

/** In-memory job book (a job in flight lives in the coordinator's memory only). */
export class JobBook {
  readonly #jobs = new Map<string, JobRecord>();
  readonly #byIdempotency = new Map<string, string>();
  readonly #listeners: JobListener[] = [];
  readonly #now: () => Date;
  readonly #persist: PersistJob | undefined;
  readonly #onPersistError: (e: unknown) => void;
  /** Writes in flight (the store keeps each job's writes in order, the latest winning). */
  readonly #writes = new Set<Promise<void>>();
  #store: KvRecords<JobRecord> | undefined;
  /** Jobs that were in flight in the bucket and were failed while loading it. */
  readonly failedAtLoad: JobRecord[] = [];

  /**
   * @param now - clock (tests move it).
   * @param persist - writes a record durably after each change (default: memory only).
   * @param onPersistError - called when a write-through fails (the record stays in memory).
   */
  constructor(now: () => Date = () => new Date(), persist?: PersistJob, onPersistError: (e: unknown) => void = () => undefined) {
    this.#now = now;
    this.#persist = persist;
    this.#onPersistError = onPersistError;
  }

  /**
   * A book backed by the JetStream key-value bucket `bucket` (created when absent, entries
   * expire after `maxAgeMs`, default 30 days), loaded from it. Writes are retried until they
   * land (kv-records), so a write made while the broker is away is not lost.
   *
   * Jobs the bucket holds in flight are failed: with the failure `recordedFailure` knows for
   * them (the audit trail recorded the job's end before the write landed), else with
   * `coordinator-restarted`. They are listed in {@link failedAtLoad}, for the caller to audit
   * once its listeners are attached.
   */
  static async withKv(
    js: JetStreamClient,
    opts: {
      bucket?: string;
      replicas?: number;
      maxAgeMs?: number;
      now?: () => Date;
      onPersistError?: (e: unknown) => void;
      recordedFailure?: (jobId: string) => JobError | undefined;
    } = {},
  ): Promise<JobBook> {
    const { store, records } = await KvRecords.open<JobRecord>(js, { bucket: opts.bucket ?? 'mpc_jobs', replicas: opts.replicas ?? 1, ttlMs: opts.maxAgeMs ?? 30 * 24 * 3600_000, onError: (_k, e) => opts.onPersistError?.(e) });
    // The payload (sealed inputs) is not kept beyond the run.
    const book = new JobBook(opts.now, (rec) => store.write(rec.status.id, { ...rec, payload: null }), opts.onPersistError);
    book.#store = store;
    for (const rec of records.values()) book.#load(rec, opts.recordedFailure);
    return book;
  }

  #load(rec: JobRecord, recordedFailure?: (jobId: string) => JobError | undefined): void {
    this.#jobs.set(rec.status.id, rec);
    if (rec.idempotencyKey !== undefined) this.#byIdempotency.set(`${rec.tenant}\u0000${rec.idempotencyKey}`, rec.status.id);
    if (!isTerminal(rec.status.state)) {
      const error = recordedFailure?.(rec.status.id) ?? { code: 'coordinator-restarted', message: `the coordinator restarted while job ${rec.status.id} was ${rec.status.state}` };
      this.transition(rec.status.id, 'failed', { error });
      this.failedAtLoad.push(rec);
    }
  }

  /** Stops retrying writes that have not landed (call after {@link settled} had its chance). */
  close(): void {
    this.#store?.close();
  }

  /** Resolves when every write-through started so far has landed (or failed). */
  async settled(): Promise<void> {
    while (this.#writes.size > 0) await Promise.all([...this.#writes]);
  }

  /** Registers a listener for status changes. */
  onChange(l: JobListener): void {
    this.#listeners.push(l);
  }

  /**
   * Creates a job, or returns the job an earlier request with the same idempotency key created.
   * @param opts.request - the request as submitted, when `payload` is what the coordinator made of
   *   it (an inference by model name holds the resolved id): the idempotency fingerprint is of the
   *   request, so a retry after the name's active version changed returns the job already made.
   * @param opts.model - the model version the job runs, into its status.
   * @throws ApiFailure `idempotency-conflict` when the key was used with a different request.
   */
  submit(principal: Principal, kind: JobKind, payload: unknown, idempotencyKey?: string, opts: { request?: unknown; model?: JobModel } = {}): { record: JobRecord; created: boolean } {
    const fingerprint = createHash('sha256').update(canonicalJson({ kind, payload: opts.request ?? payload })).digest('hex');
    const idemKey = idempotencyKey === undefined ? undefined : `${principal.tenant}\u0000${idempotencyKey}`;
    if (idemKey !== undefined) {
      const existing = this.#byIdempotency.get(idemKey);
      if (existing) {
        const rec = this.#jobs.get(existing)!;
        if (rec.fingerprint !== fingerprint) throw new ApiFailure('idempotency-conflict', 409, `idempotencyKey was already used for job ${existing} with a different request`);
        return { record: rec, created: false };
      }
    }
    const id = `job-${randomBytes(12).toString('base64url')}`;
    const at = this.#now().toISOString();
    const record: JobRecord = {
      status: { id, kind, state: 'created', progress: 0, createdAt: at, updatedAt: at, ...(opts.model ? { model: opts.model } : {}) },
      kind,
      tenant: principal.tenant,
      actor: principal.actor,
      payload,
      fingerprint,
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    };
    this.#jobs.set(id, record);
    if (idemKey !== undefined) this.#byIdempotency.set(idemKey, id);
    this.#emit(record, undefined);
    return { record, created: true };
  }

  /** The record of `jobId` regardless of tenant (coordinator-internal use). */
  record(jobId: string): JobRecord | undefined {
    return this.#jobs.get(jobId);
  }

  /**
   * The record of `jobId` as `principal` may see it.
   * @throws ApiFailure `unknown-job` when it does not exist or belongs to another tenant (the
   *   same answer for both, so that job ids of other tenants cannot be probed).
   */
  get(principal: Principal, jobId: string): JobRecord {
    const rec = typeof jobId === 'string' ? this.#jobs.get(jobId) : undefined;
    if (!rec || rec.tenant !== principal.tenant) throw new ApiFailure('unknown-job', 404, `jobId: no job ${JSON.stringify(jobId)} for this tenant`);
    return rec;
  }

  /**
   * Moves `jobId` to state `to` and merges `patch` into its status. Returns false (and changes
   * nothing) when the table forbids the move, e.g. a late report after a failure.
   */
  transition(jobId: string, to: JobState, patch: Partial<Pick<JobStatus, 'error' | 'stats' | 'security'>> = {}, result?: unknown): boolean {
    const rec = this.#jobs.get(jobId);
    if (!rec || !canTransition(rec.status.state, to)) return false;
    const previous = rec.status.state;
    rec.status = { ...rec.status, ...patch, state: to, progress: progressOf(to), updatedAt: this.#now().toISOString() };
    if (result !== undefined) rec.result = result;
    this.#emit(rec, previous);
    return true;
  }

  /** Whether the job has reached a terminal state. */
  isDone(jobId: string): boolean {
    const rec = this.#jobs.get(jobId);
    return rec !== undefined && isTerminal(rec.status.state);
  }

  #emit(rec: JobRecord, previous: JobState | undefined): void {
    if (this.#persist) {
      const snapshot: JobRecord = { ...rec, status: { ...rec.status } };
      const write: Promise<void> = this.#persist(snapshot)
        .catch(this.#onPersistError)
        .finally(() => this.#writes.delete(write));
      this.#writes.add(write);
    }
    for (const l of this.#listeners) {
      try {
        l(rec, previous);
      } catch {
        // A failing listener (events, audit) must not stop the job or the other listeners.
      }
    }
  }
}
