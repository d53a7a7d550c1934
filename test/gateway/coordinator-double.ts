/**
 * @module test/gateway/coordinator-double
 * A TEST DOUBLE of the coordinator, for testing the gateway's HTTP layer: a real NATS responder
 * (on a real nats-server) that answers the api.ts methods the gateway calls from a small
 * in-memory job table, enforcing tenant isolation and idempotency keys the way the coordinator
 * contract says. It runs no computation; it records every call so tests can assert, for
 * example, that a rejected request never reached `jobs.submit`.
 */
import { connect, type NatsConnection, type Subscription } from 'nats';
import { subjects, type CoordinatorMethod, type JobStatus, type Principal, type ServiceRecord } from '../../services/wire/api.js';
import { splitMessage } from '../../services/wire/chunked-message.js';
import { MerkleTree } from '../../crypto-core/merkle/index.js';
import { signCheckpoint, type NoteVerifier } from '../../crypto-core/checkpoint/index.js';
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';
import { AUDIT_ENTRY_VERSION, encodeAuditEntry, type AuditEntry, type AuditEvent } from '../../services/wire/audit-entry.js';

interface StoredJob {
  tenant: string;
  status: JobStatus;
  payload: Record<string, unknown>;
  result?: Record<string, unknown>;
}

/** A recorded call. */
export interface RecordedCall {
  method: string;
  body: Record<string, unknown>;
}

/** Methods the double answers; anything else has no responder (NATS 503). */
const ANSWERED: CoordinatorMethod[] = [
  'registry.list',
  'jobs.submit',
  'jobs.get',
  'jobs.result',
  'health.ready',
  'models.publish',
  'models.list',
  'he.registerKeys',
  'models.hePlan',
  'datasets.upload',
  'audit.checkpoint',
  'audit.entries',
  'audit.proof',
  'audit.export',
  'audit.denial',
];

function apiError(status: number, code: string, message: string) {
  return { error: { status, code, message } };
}

/** The coordinator double. */
export class CoordinatorDouble {
  readonly calls: RecordedCall[] = [];
  readonly jobs = new Map<string, StoredJob>();
  readonly idempotency = new Map<string, string>();
  /** Methods that receive requests but never reply (to provoke gateway timeouts). */
  readonly silent = new Set<string>();
  /** Services returned by registry.list. */
  services: ServiceRecord[] = [];
  /** Per-method handlers that take precedence over the built-in answers (tests plug in HE stand-ins here). */
  readonly handlers: Partial<Record<CoordinatorMethod, (body: Record<string, unknown>) => unknown>> = {};
  /** Creates a job of `kind` for `principal` (handlers of other submission methods use it). */
  createJob(principal: Principal, kind: string, payload: Record<string, unknown>): JobStatus {
    const id = `job-${this.#next++}`;
    const now = new Date(Date.UTC(2026, 0, 1, 0, 0, this.#next)).toISOString();
    const status = { id, kind, state: 'created', progress: 0, createdAt: now, updatedAt: now } as unknown as JobStatus;
    this.jobs.set(id, { tenant: principal.tenant, status, payload });
    return status;
  }
  /** Called after a job is created (tests start "running" it from here). */
  onSubmit?: (jobId: string) => void;
  /** When set, jobs.result returns this for every job (the SDK test fills it from real parties). */
  resultFor?: (job: StoredJob) => Record<string, unknown> | undefined;
  /** A small real audit log (canonical entries, RFC 9162 tree, signed checkpoints) behind the audit methods. */
  readonly audit = new DoubleAuditLog();
  readonly nc: NatsConnection;
  readonly #subs: Subscription[] = [];
  readonly #served = new Set<CoordinatorMethod>();
  #next = 1;

  private constructor(nc: NatsConnection) {
    this.nc = nc;
  }

  static async start(url: string): Promise<CoordinatorDouble> {
    const nc = await connect({ servers: url, name: 'coordinator-double' });
    const d = new CoordinatorDouble(nc);
    for (const m of ANSWERED) d.#subscribe(m);
    await nc.flush();
    return d;
  }

  /** Answers `method` with `handler` from now on (subscribing when the double did not answer it before). */
  async serve(method: CoordinatorMethod, handler: (body: Record<string, unknown>) => unknown): Promise<void> {
    this.handlers[method] = handler;
    if (!this.#served.has(method)) {
      this.#subscribe(method);
      await this.nc.flush();
    }
  }

  #subscribe(m: CoordinatorMethod): void {
    this.#served.add(m);
    const nc = this.nc;
    this.#subs.push(
      nc.subscribe(subjects.api(m), {
        callback: async (err, msg) => {
          if (err) return;
          const body = JSON.parse(Buffer.from(msg.data).toString('utf8')) as Record<string, unknown>;
          this.calls.push({ method: m, body });
          if (this.silent.has(m)) return;
          let answer: unknown;
          try {
            answer = await this.#handle(m, body);
          } catch (e) {
            answer = apiError(500, 'internal', `double: ${(e as Error).message}`);
          }
          const reply = Buffer.from(JSON.stringify(answer));
          // As the coordinator does: a reply beyond max_payload goes in pieces, ended by an empty message.
          const pieces = splitMessage(reply, nc.info?.max_payload ?? 1 << 20);
          if (pieces.length === 1) return void msg.respond(reply);
          if (body.acceptChunks !== true) return void msg.respond(Buffer.from(JSON.stringify(apiError(413, 'result-too-large', 'reply too large'))));
          for (const p of pieces) msg.respond(p);
          msg.respond(new Uint8Array(0));
        },
      }),
    );
  }

  /** Calls of one method. */
  callsOf(method: CoordinatorMethod): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Changes a job's state and publishes the event on its events subject. */
  advance(jobId: string, state: JobStatus['state'], progress: number, extra: Partial<JobStatus> = {}): void {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`no job ${jobId}`);
    job.status = { ...job.status, ...extra, state, progress, updatedAt: new Date(Date.parse(job.status.updatedAt) + 1000).toISOString() };
    if (!this.nc.isClosed()) this.nc.publish(subjects.jobEvents(jobId), Buffer.from(JSON.stringify(job.status)));
  }

  async stop(): Promise<void> {
    for (const s of this.#subs) s.unsubscribe();
    await this.nc.drain();
  }

  #handle(method: CoordinatorMethod, body: Record<string, unknown>): unknown | Promise<unknown> {
    const custom = this.handlers[method];
    if (custom) return custom(body);
    const principal = body.principal as Principal | undefined;
    switch (method) {
      case 'registry.list':
        return { services: this.services };
      case 'health.ready':
        return { ready: this.services.length >= 3, parties: this.services.length, heWorkers: 0, reasons: this.services.length >= 3 ? [] : ['fewer than 3 parties registered'] };
      case 'jobs.submit': {
        const key = body.idempotencyKey as string | undefined;
        const scoped = key === undefined ? undefined : `${principal!.tenant}/${key}`;
        if (scoped && this.idempotency.has(scoped)) return { job: this.jobs.get(this.idempotency.get(scoped)!)!.status, created: false };
        const id = `job-${this.#next++}`;
        const now = new Date(Date.UTC(2026, 0, 1, 0, 0, this.#next)).toISOString();
        const status: JobStatus = { id, kind: body.kind as JobStatus['kind'], state: 'created', progress: 0, createdAt: now, updatedAt: now };
        this.jobs.set(id, { tenant: principal!.tenant, status, payload: body.payload as Record<string, unknown> });
        if (scoped) this.idempotency.set(scoped, id);
        if (this.onSubmit) setImmediate(this.onSubmit, id);
        return { job: status, created: true };
      }
      case 'jobs.get':
      case 'jobs.result': {
        const job = this.jobs.get(body.jobId as string);
        // Another tenant's job is indistinguishable from a missing one.
        if (!job || job.tenant !== principal!.tenant) return apiError(404, 'not-found', `no job ${String(body.jobId)}`);
        if (method === 'jobs.get') return { job: { ...job.status, secretShare: 'must-not-leak' } };
        if (job.status.state !== 'verified') return apiError(409, 'not-finished', `job ${job.status.id} is ${job.status.state}`);
        const result = this.resultFor?.(job) ?? job.result;
        if (!result) return apiError(500, 'internal', 'no result stored');
        return { jobId: job.status.id, kind: job.status.kind, result };
      }
      case 'models.publish':
        return { model: { id: `${String(body.name)}-${String(body.version)}`, name: body.name, version: body.version, mode: body.mode, createdAt: '2026-01-01T00:00:00.000Z' }, created: true };
      case 'models.list':
        return { models: [] };
      case 'he.registerKeys':
        return { sessionId: 'session-1', expiresAt: '2026-01-02T00:00:00.000Z' };
      case 'datasets.upload':
        return { dataset: { id: `ds-${String(body.name)}`, name: body.name, rows: body.rows, schema: body.schema, createdAt: '2026-01-01T00:00:00.000Z' }, created: true };
      case 'audit.checkpoint':
        return { checkpoint: this.audit.size === 0 ? null : this.audit.checkpoint() };
      case 'audit.entries': {
        const from = body.from as number;
        // An extra field the response schema must drop.
        const entries = this.audit.entries.slice(from, from + (body.limit as number)).map((e) => ({ ...e, shares: 'must-not-leak' }));
        return { entries, treeSize: this.audit.size };
      }
      case 'audit.proof': {
        const treeSize = (body.treeSize as number | undefined) ?? this.audit.size;
        const index = body.index as number;
        if (index >= treeSize || treeSize > this.audit.size) return apiError(404, 'not-found', `no entry ${index} in a tree of size ${treeSize}`);
        const hex = (hs: Uint8Array[]) => hs.map((h) => Buffer.from(h).toString('hex'));
        const t = this.audit.tree;
        const out: Record<string, unknown> = {
          inclusion: { leafIndex: index, treeSize, leafHash: Buffer.from(t.leafHash(index)).toString('hex'), rootHash: Buffer.from(t.root(treeSize)).toString('hex'), proof: hex(t.inclusionProof(index, treeSize)) },
        };
        const fromSize = body.fromSize as number | undefined;
        if (fromSize !== undefined) {
          out.consistency = { size1: fromSize, size2: treeSize, root1: Buffer.from(t.root(fromSize)).toString('hex'), root2: Buffer.from(t.root(treeSize)).toString('hex'), proof: hex(t.consistencyProof(fromSize, treeSize)) };
        }
        return out;
      }
      case 'audit.export':
        return { checkpoint: this.audit.size === 0 ? null : this.audit.checkpoint(), entries: this.audit.entries };
      case 'audit.denial':
        return { recorded: true };
      default:
        return apiError(501, 'not-available', method);
    }
  }
}

/** The double's audit log: real canonical entries, Merkle tree and Ed25519-signed checkpoints. */
export class DoubleAuditLog {
  readonly origin = 'mpc.example/audit-test';
  readonly #secretKey: Uint8Array;
  readonly verifier: NoteVerifier;
  readonly entries: AuditEntry[] = [];
  tree = new MerkleTree();

  constructor() {
    const k = generateSigningKeyPair();
    this.#secretKey = k.secretKey;
    this.verifier = { name: this.origin, publicKey: k.publicKey };
  }

  get size(): number {
    return this.entries.length;
  }

  append(event: AuditEvent): AuditEntry {
    const entry = { ...event, v: AUDIT_ENTRY_VERSION, seq: this.entries.length, time: new Date(Date.UTC(2026, 0, 1, 0, 0, this.entries.length)).toISOString() } as AuditEntry;
    this.entries.push(entry);
    this.tree.appendEntry(encodeAuditEntry(entry));
    return entry;
  }

  /** A signed checkpoint of the first `size` entries (default: all). */
  checkpoint(size = this.size): string {
    return signCheckpoint({ origin: this.origin, size, rootHash: this.tree.root(size), time: new Date(Date.UTC(2026, 0, 2)) }, { name: this.origin, secretKey: this.#secretKey });
  }
}
