/**
 * @module services/coordinator/coordinator-api
 * The api.ts methods as plain functions of the coordinator's parts: argument checks, tenant
 * isolation, idempotent submission, and the answers the gateway relays. NATS request/reply
 * wiring is in coordinator-service.
 */
import { inject, injectable } from 'tsyringe';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../crypto-core/canonical-json.js';
import type { CoordinatorMethods, JobModel, JobPayloads, ModelPrecision, ModelRecord } from '../wire/api.js';
import { openModelVersion } from '../wire/model-version.js';
import type { ModelRegistry } from './models/model-registry.js';
import { activeModel, jobModelOf } from './models/active-model.js';
import { ApiFailure } from './errors.js';
import { checkPrincipal } from './principal-check.js';
import type { JobBook } from './jobs/job-book.js';
import { isJobKind, JOB_KINDS } from '../wire/job-kinds.js';
import type { JobDispatcher } from './jobs/job-dispatcher.js';
import type { ServiceRegistry } from './service-registry.js';
import { JOB_BOOK, JOB_DISPATCHER, MODEL_REGISTRY, SERVICE_REGISTRY } from './tokens.js';
import { PrincipalGate } from './principal-gate.js';
import { tracePoint } from '../transport/trace-point.js';


function checkJobIdArg(v: unknown): string {
  if (typeof v !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(v)) throw new ApiFailure('invalid-request', 400, `jobId: expected an id of [A-Za-z0-9_-], got ${JSON.stringify(v)?.slice(0, 40)}`);
  return v;
}

/**
 * Methods answered by another module (the HE path: `models.publish` with mode `he`,
 * `models.hePlan`, `he.registerKeys`, `he-inference` jobs), consulted before the built-in ones.
 */
export interface ApiExtension {
  handles(method: string, req: unknown): boolean;
  call(method: string, req: unknown): Promise<unknown>;
}

/** The coordinator's API. */
@injectable()
export class CoordinatorApi {
  readonly #extensions: ApiExtension[] = [];
  /** Checks a submission passes before its job is created (credit budgets). */
  readonly #admissions: ((p: ReturnType<typeof checkPrincipal>) => void)[] = [];
  /** What broker requests pass first (default: no gateway trusted, so only unsigned methods answer). */
  #gate = new PrincipalGate([]);

  constructor(
    @inject(JOB_BOOK) private readonly book: JobBook,
    @inject(SERVICE_REGISTRY) private readonly registry: ServiceRegistry,
    @inject(JOB_DISPATCHER) private readonly dispatcher: JobDispatcher,
    @inject(MODEL_REGISTRY) private readonly models: ModelRegistry,
  ) {}

  /** Adds a module whose methods take precedence for the requests it {@link ApiExtension.handles}. */
  extend(ext: ApiExtension): void {
    this.#extensions.push(ext);
  }

  /** Adds a check every `jobs.submit` passes before its job is created; it throws an ApiFailure to refuse. */
  admitWith(check: (p: ReturnType<typeof checkPrincipal>) => void): void {
    this.#admissions.push(check);
  }

  /** Sets the gate that requests from the broker pass before {@link call} (principal-gate). */
  guard(gate: PrincipalGate): void {
    this.#gate = gate;
  }

  /**
   * Answers a request that arrived over the broker: its principal is believed only inside an
   * envelope signed by a trusted gateway ({@link PrincipalGate.admit}), then {@link call}.
   * @throws ApiFailure `envelope-refused` (401) when the gate refuses.
   */
  async callFromBroker(method: string, req: unknown): Promise<unknown> {
    return await this.call(method, this.#gate.admit(method, req));
  }

  /**
   * Answers `method` for `req` (in-process callers; broker requests come through {@link callFromBroker}).
   * @throws ApiFailure with the code and status the gateway maps to a problem.
   */
  async call(method: string, req: unknown): Promise<unknown> {
    for (const x of this.#extensions) {
      if (!x.handles(method, req)) continue;
      // A submission an extension answers (HE inference) passes the same admission checks first.
      if (method === 'jobs.submit') for (const admit of this.#admissions) admit(checkPrincipal((req as { principal?: unknown } | null)?.principal));
      return await x.call(method, req);
    }
    const r = (req ?? {}) as Record<string, unknown>;
    switch (method) {
      case 'registry.list':
        return { services: this.registry.list() } satisfies CoordinatorMethods['registry.list']['res'];
      case 'health.ready':
        return this.#ready();
      case 'jobs.submit':
        return this.#submit(r);
      case 'models.publish':
        return await this.#publishModel(r);
      case 'models.list':
        checkPrincipal(r.principal);
        return { models: this.models.list() } satisfies CoordinatorMethods['models.list']['res'];
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

  /**
   * The model an inference runs: the id it names, or the active version of the name it names
   * (active-model), checked against the input shape.
   * @returns the payload the parties get (with the resolved id) and the version for the job status.
   */
  #resolveModel(p: JobPayloads['mpc-inference']): { payload: JobPayloads['mpc-inference']; model: JobModel } {
    const model = p.model !== undefined ? activeModel(this.models, p.model) : jobModelOf(this.models, p.modelId!);
    if (!model) throw new ApiFailure('unknown-model', 404, `payload.modelId: no MPC model ${JSON.stringify(p.modelId)}`);
    const inputShape = this.models.get(model.id)?.inputShape;
    if (inputShape && JSON.stringify(p.shape.slice(1)) !== JSON.stringify(inputShape)) {
      throw new ApiFailure('invalid-request', 400, `payload.shape: expected [batch, ${inputShape.join(', ')}] for model ${model.id}, got ${JSON.stringify(p.shape)}`);
    }
    return { payload: { ...p, modelId: model.id }, model };
  }

  async #publishModel(r: Record<string, unknown>): Promise<CoordinatorMethods['models.publish']['res']> {
    const principal = checkPrincipal(r.principal);
    const { name, version, mode } = r as { name?: unknown; version?: unknown; mode?: unknown };
    if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(name)) throw new ApiFailure('invalid-request', 400, 'name: expected 1..128 characters of [A-Za-z0-9_-]');
    if (typeof version !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(version)) throw new ApiFailure('invalid-request', 400, 'version: expected 1..64 characters of [A-Za-z0-9._-]');
    if (mode === 'he') throw new ApiFailure('not-available', 501, 'mode: HE models are served by HE workers, which this coordinator does not place');
    if (mode !== 'mpc') throw new ApiFailure('invalid-request', 400, `mode: expected "mpc" or "he", got ${JSON.stringify(mode)}`);
    const plan = this.dispatcher.plan('model-publish');
    if (!plan) throw new ApiFailure('not-available', 501, 'model publication is not run by this coordinator');
    const sealedShares = r.sealedShares;
    if (r.heBatch !== undefined) throw new ApiFailure('invalid-request', 400, 'heBatch: only HE models are batched per ciphertext');
    const precision = r.precision === undefined ? undefined : checkModelPrecision(r.precision);
    const fingerprint = createHash('sha256').update(canonicalJson({ name, version, sealedShares: sealedShares ?? null, ...(precision ? { precision } : {}) })).digest('hex');
    const existing = this.models.existing(name, version, fingerprint);
    if (existing) return { model: existing, created: false };
    // The owner's signed version statement goes to the parties untouched: they verify it and pin its key.
    const payload = { modelId: this.models.newId(), name, version, sealedShares, ...(r.statement !== undefined ? { statement: r.statement } : {}), owner: { tenant: principal.tenant } };
    plan.validate(payload);
    const { record } = this.book.submit(principal, 'model-publish', payload, typeof r.idempotencyKey === 'string' ? r.idempotencyKey : undefined);
    // Publication answers when the three parties hold the model, so a client can infer right away.
    await this.dispatcher.run(record.status.id);
    const done = this.book.record(record.status.id)!;
    if (done.status.state !== 'verified') {
      throw new ApiFailure('model-publish-failed', 502, `model ${name} ${version} was not stored by all parties: ${done.status.error?.code ?? done.status.state}: ${done.status.error?.message ?? ''}`, { jobId: done.status.id });
    }
    const stored = done.result as { modelId: string; inputShape: number[]; outputShape: number[] };
    const model: ModelRecord = { id: stored.modelId, name, version, mode: 'mpc', inputShape: stored.inputShape, ...(precision ? { precision } : {}), createdAt: new Date().toISOString() };
    // The parties stored only boxes matching the statement's digests: kept so each job can name the views it ran on.
    this.models.add(model, fingerprint, stored.outputShape, openModelVersion(r.statement)?.boxSha256?.slice() as [string, string, string] | undefined);
    return { model, created: true };
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
    tracePoint('C.submit-in');
    const principal = checkPrincipal(r.principal);
    const kind = r.kind;
    if (!isJobKind(kind)) throw new ApiFailure('invalid-request', 400, `kind: expected a job kind, got ${JSON.stringify(kind)?.slice(0, 40)}`);
    // Kinds with their own method (publication, data sets, queries) only through it: that is where their policy is checked.
    const { createdBy } = JOB_KINDS[kind];
    if (createdBy !== 'jobs.submit') throw new ApiFailure('invalid-request', 400, `kind: ${kind} jobs are created by ${createdBy}, not jobs.submit`);
    const plan = this.dispatcher.plan(kind);
    if (!plan) throw new ApiFailure('not-available', 501, `kind: ${JSON.stringify(kind)} is not run by this coordinator`);
    if (r.idempotencyKey !== undefined && (typeof r.idempotencyKey !== 'string' || r.idempotencyKey.length === 0 || r.idempotencyKey.length > 200)) {
      throw new ApiFailure('invalid-request', 400, 'idempotencyKey: expected 1..200 characters');
    }
    // Before the job exists, so a refused tenant costs no party anything.
    for (const admit of this.#admissions) admit(principal);
    plan.validate(r.payload);
    // An inference by name runs the name's active version now; the request stays what the client sent (idempotency).
    const resolved = kind === 'mpc-inference' ? this.#resolveModel(r.payload as JobPayloads['mpc-inference']) : undefined;
    const { record, created } = resolved
      ? this.book.submit(principal, kind, resolved.payload, r.idempotencyKey as string | undefined, { request: r.payload, model: resolved.model })
      : this.book.submit(principal, kind, r.payload, r.idempotencyKey as string | undefined);
    if (created) this.dispatcher.launch(record.status.id);
    return { job: record.status, created };
  }
}

/**
 * The precision an MPC publish states (wire ModelPrecision): the owner's word, kept in the record
 * for clients (the parties hold shares only and cannot check it).
 * @throws ApiFailure `invalid-request` (400) naming the field.
 */
function checkModelPrecision(v: unknown): ModelPrecision {
  const bad = (field: string, want: string, got: unknown): never => {
    throw new ApiFailure('invalid-request', 400, `precision${field}: expected ${want}, got ${JSON.stringify(got)?.slice(0, 40)}`);
  };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad('', 'an object { fractionBits, inputBound, errorBound, errorBoundSource }', v);
  const p = v as Record<string, unknown>;
  for (const k of Object.keys(p)) if (!['fractionBits', 'inputBound', 'errorBound', 'errorBoundSource'].includes(k)) bad(`.${k}`, 'no such field', p[k]);
  const f = p.fractionBits;
  if (typeof f !== 'number' || !Number.isInteger(f) || f < 0 || f > 32) bad('.fractionBits', 'an integer 0..32', f);
  const fb = f as number;
  // At most the default 2^(31 - f) (protocols/model/fixed-range fixedInputBound).
  if (typeof p.inputBound !== 'number' || !(p.inputBound > 0) || p.inputBound > 2 ** (31 - fb)) bad('.inputBound', `a number in (0, 2^${31 - fb}]`, p.inputBound);
  if (typeof p.errorBound !== 'number' || !(p.errorBound > 0) || !Number.isFinite(p.errorBound)) bad('.errorBound', 'a positive finite number', p.errorBound);
  if (p.errorBoundSource !== 'measured' && p.errorBoundSource !== 'documented') bad('.errorBoundSource', '"measured" or "documented"', p.errorBoundSource);
  return { fractionBits: fb, inputBound: p.inputBound as number, errorBound: p.errorBound as number, errorBoundSource: p.errorBoundSource as ModelPrecision['errorBoundSource'] };
}
