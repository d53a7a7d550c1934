/**
 * @module services/coordinator/coordinator-api
 * The api.ts methods as plain functions of the coordinator's parts: argument checks, tenant
 * isolation, idempotent submission, and the answers the gateway relays. NATS request/reply
 * wiring is in coordinator-service.
 */
import { inject, injectable } from 'tsyringe';
import type { CoordinatorMethods, Principal } from './api.js';
import { ApiFailure } from './errors.js';
import type { CoordinatorJobKind, JobBook } from './job-book.js';
import type { JobDispatcher } from './job-dispatcher.js';
import type { ServiceRegistry } from './service-registry.js';
import { JOB_BOOK, JOB_DISPATCHER, SERVICE_REGISTRY } from './tokens.js';

/** The method names of api.ts. */
export type MethodName = keyof CoordinatorMethods;
/** Every method name, for subscribing. */
export const METHOD_NAMES: readonly MethodName[] = ['registry.list', 'jobs.submit', 'jobs.get', 'jobs.result', 'health.ready'];

function checkPrincipal(p: unknown): Principal {
  const q = p as Principal;
  if (typeof q !== 'object' || q === null || typeof q.tenant !== 'string' || q.tenant.length === 0 || typeof q.actor !== 'string' || !Array.isArray(q.roles)) {
    throw new ApiFailure('invalid-request', 400, 'principal: expected { tenant, actor, roles }');
  }
  return q;
}

function checkJobIdArg(v: unknown): string {
  if (typeof v !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(v)) throw new ApiFailure('invalid-request', 400, `jobId: expected an id of [A-Za-z0-9_-], got ${JSON.stringify(v)?.slice(0, 40)}`);
  return v;
}

/** The coordinator's API. */
@injectable()
export class CoordinatorApi {
  constructor(
    @inject(JOB_BOOK) private readonly book: JobBook,
    @inject(SERVICE_REGISTRY) private readonly registry: ServiceRegistry,
    @inject(JOB_DISPATCHER) private readonly dispatcher: JobDispatcher,
  ) {}

  /**
   * Answers `method` for `req`.
   * @throws ApiFailure with the code and status the gateway maps to a problem.
   */
  async call(method: string, req: unknown): Promise<unknown> {
    const r = (req ?? {}) as Record<string, unknown>;
    switch (method) {
      case 'registry.list':
        return { services: this.registry.list() } satisfies CoordinatorMethods['registry.list']['res'];
      case 'health.ready':
        return this.#ready();
      case 'jobs.submit':
        return this.#submit(r);
      case 'jobs.get': {
        const rec = this.book.get(checkPrincipal(r.principal), checkJobIdArg(r.jobId));
        return { job: rec.status } satisfies CoordinatorMethods['jobs.get']['res'];
      }
      case 'jobs.result': {
        const rec = this.book.get(checkPrincipal(r.principal), checkJobIdArg(r.jobId));
        const st = rec.status.state;
        if (st === 'failed' || st === 'failed-verification') {
          throw new ApiFailure('job-failed', 409, `job ${rec.status.id} ended ${st}: ${rec.status.error?.message ?? ''}`, { state: st, ...(rec.status.error ? { error: rec.status.error } : {}) });
        }
        if (st !== 'verified') throw new ApiFailure('not-finished', 409, `job ${rec.status.id} is ${st}; its result is available once verified`, { state: st });
        return { jobId: rec.status.id, kind: rec.status.kind, result: rec.result } as CoordinatorMethods['jobs.result']['res'];
      }
      default:
        throw new ApiFailure('invalid-request', 400, `method: unknown method ${JSON.stringify(method)}`);
    }
  }

  #ready(): CoordinatorMethods['health.ready']['res'] {
    const services = this.registry.list();
    const parties = services.filter((s) => s.kind === 'party' && s.status === 'up').length;
    const heWorkers = services.filter((s) => s.kind === 'he-worker' && s.status === 'up').length;
    const reasons: string[] = [];
    for (const idx of [0, 1, 2]) {
      if (!services.some((s) => s.kind === 'party' && s.index === idx && s.status === 'up')) reasons.push(`party ${idx} is not up`);
    }
    return { ready: reasons.length === 0, parties, heWorkers, reasons };
  }

  #submit(r: Record<string, unknown>): CoordinatorMethods['jobs.submit']['res'] {
    const principal = checkPrincipal(r.principal);
    const kind = r.kind;
    if (typeof kind !== 'string') throw new ApiFailure('invalid-request', 400, 'kind: expected a job kind');
    const plan = this.dispatcher.plan(kind);
    if (!plan) throw new ApiFailure('not-available', 501, `kind: ${JSON.stringify(kind)} is not run by this coordinator`);
    if (r.idempotencyKey !== undefined && (typeof r.idempotencyKey !== 'string' || r.idempotencyKey.length === 0 || r.idempotencyKey.length > 200)) {
      throw new ApiFailure('invalid-request', 400, 'idempotencyKey: expected 1..200 characters');
    }
    plan.validate(r.payload);
    const { record, created } = this.book.submit(principal, kind as CoordinatorJobKind, r.payload, r.idempotencyKey as string | undefined);
    if (created) this.dispatcher.launch(record.status.id);
    return { job: record.status, created };
  }
}
