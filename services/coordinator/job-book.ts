/**
 * @module services/coordinator/job-book
 * The coordinator's record of jobs: creation with idempotency keys, tenant isolation on every
 * read, state changes through the table of job-state, and a listener per change (job events,
 * audit). It holds no NATS and no timers: the dispatcher drives it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { canonicalJson } from '../../crypto-core/canonical-json.js';
import type { JobKind, JobState, JobStatus, Principal } from './api.js';
import { ApiFailure } from './errors.js';
import { canTransition, isTerminal, progressOf } from './job-state.js';

/** Kinds the coordinator runs: api.ts kinds, the generic compute job, model publication, analytics. */
export type CoordinatorJobKind = JobKind | 'mpc-compute' | 'model-publish' | 'dataset-upload' | 'dataset-delete' | 'analytics-query';

/** Everything the coordinator keeps about one job. */
export interface JobRecord {
  status: JobStatus;
  kind: CoordinatorJobKind;
  tenant: string;
  actor: string;
  payload: unknown;
  /** SHA-256 of the canonical payload: a reused idempotency key must come with the same request. */
  fingerprint: string;
  result?: unknown;
}

/** Called after every change of a job's status. */
export type JobListener = (record: JobRecord, previous: JobState | undefined) => void;

/** In-memory job book (a job in flight lives in the coordinator's memory only). */
export class JobBook {
  readonly #jobs = new Map<string, JobRecord>();
  readonly #byIdempotency = new Map<string, string>();
  readonly #listeners: JobListener[] = [];
  readonly #now: () => Date;

  constructor(now: () => Date = () => new Date()) {
    this.#now = now;
  }

  /** Registers a listener for status changes. */
  onChange(l: JobListener): void {
    this.#listeners.push(l);
  }

  /**
   * Creates a job, or returns the job an earlier request with the same idempotency key created.
   * @throws ApiFailure `idempotency-conflict` when the key was used with a different request.
   */
  submit(principal: Principal, kind: CoordinatorJobKind, payload: unknown, idempotencyKey?: string): { record: JobRecord; created: boolean } {
    const fingerprint = createHash('sha256').update(canonicalJson({ kind, payload })).digest('hex');
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
      status: { id, kind: kind as JobKind, state: 'created', progress: 0, createdAt: at, updatedAt: at },
      kind,
      tenant: principal.tenant,
      actor: principal.actor,
      payload,
      fingerprint,
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
  transition(jobId: string, to: JobState, patch: Partial<Pick<JobStatus, 'error' | 'stats'>> = {}, result?: unknown): boolean {
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
    for (const l of this.#listeners) {
      try {
        l(rec, previous);
      } catch {
        // A failing listener (events, audit) must not stop the job or the other listeners.
      }
    }
  }
}
