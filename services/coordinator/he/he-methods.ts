/**
 * @module services/coordinator/he/he-methods
 * The coordinator's HE path: the API methods `models.publish` (mode `he`), `models.hePlan`,
 * `he.registerKeys` and the `he-inference` job, run on HE worker services with dual execution.
 *
 * - publish: the coordinator imports the ONNX, plans it (protocols/he planHeModel) and has
 *   every up HE worker plan it too; each worker reports the SHA-256 of its plan, which must equal
 *   the coordinator's, so both halves of a later dual execution evaluate the published model.
 * - registerKeys: the client's evaluation keys (~19 MB) go to two distinct workers; the session
 *   id names those two.
 * - he-inference: the same signed request goes to both workers; each returns the result
 *   ciphertext and signs its SHA-256, and signs its output statement (job, model, input digest,
 *   result digest, session key digest) for the client, who checks both workers' signatures
 *   against its pinned keys (services/sdk/he-result-check). Evaluation is deterministic, so the hashes of honest
 *   workers are equal: `verified` when they are, `failed-verification` (with both hashes) when
 *   not. The coordinator checks an output it cannot read; the verdict, both hashes, the input
 *   hash and the plan digest go to the audit log, and the job's `job.finished` entry carries
 *   each worker's signed evaluation milliseconds (`cost.heMs`, what credits charge).
 *
 * With one worker only, see {@link HeSettings.singleWorker}: by default registration refuses
 * (`he-unverifiable`, 503), because a single worker's output cannot be checked.
 */
import { createHash, randomBytes } from 'node:crypto';
import { inject, injectable, type DependencyContainer } from 'tsyringe';
import { canonicalJson } from '../../../crypto-core/canonical-json.js';
import { fromHex } from '../../../crypto-core/encoding.js';
import { MpcError } from '../../../crypto-core/errors.js';
import type { EvalKeyBundle } from '../../../crypto-core/he/ckks-keys.js';
import { describeCkksParams, sameCkksParams } from '../../../crypto-core/he/ckks-params.js';
import type { ServiceIdentity } from '../../../crypto-core/keys/identity.js';
import { compareDualExecution } from '../../../protocols/he/dual-execution.js';
import { largestHeBatch, planHeModel, type HePlan } from '../../../protocols/he/he-plan.js';
import { publicPlan } from '../../../protocols/he/public-plan.js';
import type { ModelIR } from '../../../protocols/model/model-ir.js';
import { importOnnx } from '../../../protocols/onnx/import-onnx.js';
import { openModelVersion, type SignedModelVersion } from '../../wire/model-version.js';
import { HE_CAPABILITY, type HeReplyResults, type HeRequest, type HeRequestType, type WireEvalKeys } from '../../wire/he-messages.js';
import { signHeRequest, verifyHeReply } from '../../wire/he-signing.js';
import { planDigest } from '../../wire/plan-digest.js';
import { verifyOutputStatement, type OutputStatement } from '../../wire/output-statement.js';
import { decodeEvalKeys } from '../../wire/he-codec.js';
import { fromLargeBase64 } from '../../wire/large-base64.js';
import type { ServiceLog } from '../../transport/service-log.js';
import type { AuditEvent } from '../../wire/audit-entry.js';
import type { CoordinatorMethod, CoordinatorMethods, HeVerification, JobPayloads, JobResults, ModelRecord, Principal } from '../../wire/api.js';
import type { AuditSink } from '../audit/audit-sink.js';
import { ApiFailure } from '../errors.js';
import { checkPrincipal } from '../principal-check.js';
import { HeModelBook, type HeModelEntry, type HeSessionEntry } from './he-model-book.js';
import { DEFAULT_HE_SETTINGS, HE_MODEL_BOOK, HE_SETTINGS, HE_WORKER_LINK, type HeSettings } from './he-tokens.js';
import type { HeWorkerLink } from './he-worker-link.js';
import type { JobBook } from '../jobs/job-book.js';
import type { ServiceRegistry } from '../service-registry.js';
import { AUDIT_SINK, COORDINATOR_IDENTITY, COORDINATOR_LOG, DISPATCH_SETTINGS, JOB_BOOK, JOB_DISPATCHER, MODEL_REGISTRY, SERVICE_REGISTRY, type DispatchSettings } from '../tokens.js';
import type { JobDispatcher } from '../jobs/job-dispatcher.js';

/** The result of an `he-inference` job: api.ts's fields, with how it was verified always set. */
export type HeInferenceResult = JobResults['he-inference'] & { verification: HeVerification };

/**
 * The part of the coordinator's model catalogue (MODEL_REGISTRY) used here, typed structurally
 * so that a synchronous in-memory registry and an asynchronous persistent catalogue both fit.
 */
export interface HeModelCatalog {
  newId(): string;
  existing(name: string, version: string, fingerprint: string): ModelRecord | undefined | Promise<ModelRecord | undefined>;
  add(record: ModelRecord, fingerprint: string, outputShape?: number[]): void | Promise<void>;
}

/** The methods only this module answers (it also takes `models.publish` and `jobs.submit` of its kind). */
const HE_METHODS = ['models.hePlan', 'he.registerKeys'] as const satisfies readonly CoordinatorMethod[];

type AskOutcome<T extends HeRequestType> = { ok: true; result: HeReplyResults[T] } | { ok: false; code: string; message: string };
type RequestBody<T extends HeRequestType> = Omit<Extract<HeRequest, { type: T }>, 'requestId' | 'to' | 'issuedAt'>;

const NAME_RE = /^[A-Za-z0-9_-]{1,128}$/;
const VERSION_RE = /^[A-Za-z0-9._-]{1,64}$/;
const ID_RE = /^[A-Za-z0-9_.-]{1,128}$/;
/** A ciphertext of the largest parameter set is ~2 MB; base64 of 16 MB is ample. */
const MAX_CIPHERTEXT_CHARS = 16 << 20;
/**
 * The error bound an HE model record states: what the HE tests assert against float64 for every
 * model they run (docs/he.md; measured up to ~1e-5), as long as outputs stay below the plan's
 * maxOutputMagnitude.
 */
export const HE_DOCUMENTED_ERROR_BOUND = 1e-4;

function invalid(message: string): never {
  throw new ApiFailure('invalid-request', 400, message);
}

function checkId(v: unknown, name: string): string {
  if (typeof v !== 'string' || !ID_RE.test(v)) invalid(`${name}: expected 1..128 characters of [A-Za-z0-9_.-], got ${JSON.stringify(v)?.slice(0, 40)}`);
  return v;
}

function sha256Hex(...parts: Uint8Array[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

function short(hash: string): string {
  return hash.slice(0, 16);
}

/** The coordinator's HE methods and the runner of `he-inference` jobs. */
@injectable()
export class HeMethods {
  readonly #running = new Set<Promise<void>>();
  #nextPick = 0;

  constructor(
    @inject(HE_SETTINGS) private readonly settings: HeSettings,
    @inject(COORDINATOR_IDENTITY) private readonly identity: ServiceIdentity,
    @inject(JOB_BOOK) private readonly book: JobBook,
    @inject(SERVICE_REGISTRY) private readonly registry: ServiceRegistry,
    @inject(MODEL_REGISTRY) private readonly models: HeModelCatalog,
    @inject(AUDIT_SINK) private readonly audit: AuditSink,
    @inject(COORDINATOR_LOG) private readonly log: ServiceLog,
    @inject(HE_WORKER_LINK) private readonly link: HeWorkerLink,
    @inject(HE_MODEL_BOOK) private readonly he: HeModelBook,
    @inject(JOB_DISPATCHER) private readonly dispatcher: JobDispatcher,
  ) {}

  /**
   * Whether this module answers `method` with `req`: the two HE methods, `models.publish` with
   * mode `he`, and `jobs.submit` of kind `he-inference`.
   */
  handles(method: string, req: unknown): boolean {
    const r = (req ?? {}) as { mode?: unknown; kind?: unknown };
    return (HE_METHODS as readonly string[]).includes(method) || (method === 'models.publish' && r.mode === 'he') || (method === 'jobs.submit' && r.kind === 'he-inference');
  }

  /**
   * Answers one of the methods {@link handles} accepts.
   * @throws ApiFailure with the code and status the gateway maps to a problem.
   */
  async call(method: string, req: unknown): Promise<unknown> {
    const r = (req ?? {}) as Record<string, unknown>;
    switch (method) {
      case 'models.publish':
        return await this.publishModel(r);
      case 'models.hePlan':
        return this.hePlan(r);
      case 'he.registerKeys':
        return await this.registerKeys(r);
      case 'jobs.submit':
        return this.submitInference(r);
      default:
        invalid(`method: ${JSON.stringify(method)} is not an HE method`);
    }
  }

  /** `models.publish` with mode `he`: import, plan, register on every up worker, record. */
  async publishModel(r: Record<string, unknown>): Promise<CoordinatorMethods['models.publish']['res']> {
    const principal = checkPrincipal(r.principal);
    const { name, version, onnx, heBatch } = r as { name?: unknown; version?: unknown; onnx?: unknown; heBatch?: unknown };
    if (typeof name !== 'string' || !NAME_RE.test(name)) invalid('name: expected 1..128 characters of [A-Za-z0-9_-]');
    if (typeof version !== 'string' || !VERSION_RE.test(version)) invalid('version: expected 1..64 characters of [A-Za-z0-9._-]');
    if (r.mode !== 'he') invalid(`mode: expected "he", got ${JSON.stringify(r.mode)}`);
    if (typeof onnx !== 'string' || onnx.length === 0) invalid('onnx: expected the ONNX model as base64');
    if (heBatch !== undefined && (!Number.isSafeInteger(heBatch) || (heBatch as number) < 1 || ((heBatch as number) & ((heBatch as number) - 1)) !== 0)) invalid(`heBatch: expected a power of two >= 1, got ${JSON.stringify(heBatch)}`);
    if (r.precision !== undefined) invalid('precision: HE models are given their precision by the service (CKKS scale), not by the publisher');
    let bytes: Uint8Array;
    try {
      bytes = fromLargeBase64(onnx, 'onnx');
    } catch (e) {
      invalid((e as Error).message);
    }
    const onnxDigest = sha256Hex(bytes);
    // The owner's signed statement: the workers check it and pin its key (checked here first for a clear answer).
    const statement = checkHeStatement(r.statement, name, version, onnxDigest, principal.tenant);
    // A batch named in the request is part of it (records published without one keep their fingerprint).
    const fingerprint = createHash('sha256').update(canonicalJson({ name, version, mode: 'he', onnx: onnxDigest, ...(heBatch === undefined ? {} : { heBatch }) })).digest('hex');
    const existing = await this.models.existing(name, version, fingerprint);
    // Known to the catalogue but not planned here (the coordinator restarted with a persistent
    // catalogue): the same request re-plans it under its id, so publishing again restores it.
    if (existing && this.he.model(existing.id)) return { model: existing, created: false };
    let ir: ModelIR;
    let plan: HePlan;
    let batch: number;
    try {
      ir = importOnnx(bytes);
      // The largest batch (queries per ciphertext) that fits, unless the owner chose one.
      const largest = largestHeBatch(ir);
      if (heBatch !== undefined && (heBatch as number) > largest) invalid(`heBatch: ${String(heBatch)} queries do not fit one ciphertext of this model; at most ${largest}`);
      batch = (heBatch as number | undefined) ?? largest;
      plan = planHeModel(ir, { batch });
    } catch (e) {
      if (e instanceof ApiFailure) throw e;
      const code = e instanceof MpcError && e.code === 'he-unsupported-model' ? 'unsupported-model' : 'invalid-model';
      throw new ApiFailure(code, 400, `onnx: ${(e as Error).message}`, undefined, { cause: e });
    }
    const workers = this.#upWorkers();
    if (workers.length === 0) throw new ApiFailure('no-he-workers', 503, 'no HE worker is up to hold the model');
    const entry: HeModelEntry = { modelId: existing?.id ?? this.models.newId(), plan, wire: { format: 'onnx', onnx }, planDigest: planDigest(plan), batch, workers: new Set(), statement };
    const outcomes = await Promise.all(workers.map((w) => this.#ensureModel(w, entry)));
    const failed = outcomes.map((o, i) => (o.ok ? undefined : `${workers[i]}: ${o.code}: ${o.message}`)).filter((m) => m !== undefined);
    const refusal = outcomes.find((o) => !o.ok && o.code.startsWith('model-version-'));
    if (refusal && !refusal.ok) throw new ApiFailure('model-version-refused', 422, `${refusal.code}: model ${name} ${version} was refused by the HE workers: ${failed.join('; ')}`.slice(0, 1000));
    if (failed.length > 0) throw new ApiFailure('model-publish-failed', 502, `model ${name} ${version} was not registered on every HE worker: ${failed.join('; ')}`);
    await this.he.addModel(entry);
    if (existing) {
      this.log.info('he-model-restored', { modelId: existing.id, planDigest: entry.planDigest });
      return { model: existing, created: false };
    }
    const model: ModelRecord = {
      id: entry.modelId,
      name,
      version,
      mode: 'he',
      inputShape: [...ir.inputShape],
      precision: { fractionBits: plan.params.scaleBits, errorBound: HE_DOCUMENTED_ERROR_BOUND, errorBoundSource: 'documented' },
      heBatch: batch,
      createdAt: new Date().toISOString(),
    };
    await this.models.add(model, fingerprint, [...ir.outputShape]);
    this.#audit({
      type: 'model.published',
      actor: principal.actor,
      tenant: principal.tenant,
      modelId: entry.modelId,
      reason: `HE model ${name} ${version} (batch ${batch}) on ${workers.join(', ')}`,
      hashes: { onnx: onnxDigest, plan: entry.planDigest },
    });
    return { model, created: true };
  }

  /** `models.hePlan`: the public part of the model's plan (no weights). */
  hePlan(r: Record<string, unknown>): CoordinatorMethods['models.hePlan']['res'] {
    checkPrincipal(r.principal);
    const entry = this.#model(checkId(r.modelId, 'modelId'));
    return { plan: publicPlan(entry.plan) };
  }

  /** `he.registerKeys`: checks the keys against the plan and loads them on two workers. */
  async registerKeys(r: Record<string, unknown>): Promise<CoordinatorMethods['he.registerKeys']['res']> {
    const principal = checkPrincipal(r.principal);
    const entry = this.#model(checkId(r.modelId, 'modelId'));
    const wire: WireEvalKeys = { params: r.params as WireEvalKeys['params'], publicKey: r.publicKey as string, relinKeys: r.relinKeys as string, galoisKeys: r.galoisKeys as string, galoisSteps: r.galoisSteps as number[] };
    let bundle: EvalKeyBundle;
    try {
      bundle = decodeEvalKeys(wire, 'keys');
    } catch (e) {
      invalid((e as Error).message);
    }
    if (!sameCkksParams(bundle.params, entry.plan.params)) {
      throw new ApiFailure('he-parameter-mismatch', 400, `params: keys made for ${describeCkksParams(bundle.params)}, model ${entry.modelId} uses ${describeCkksParams(entry.plan.params)}`);
    }
    const missing = entry.plan.galoisSteps.filter((s) => !bundle.galoisSteps.includes(s));
    if (missing.length > 0) throw new ApiFailure('he-missing-galois-keys', 400, `galoisSteps: the model rotates by ${missing.join(', ')}, the keys do not cover them`);
    const workers = this.#pickWorkers();
    const sessionId = `hs-${randomBytes(12).toString('base64url')}`;
    const outcomes = await Promise.all(
      workers.map(async (w) => {
        const m = await this.#ensureModel(w, entry);
        return m.ok ? await this.#ask<'register-session'>(w, { type: 'register-session', sessionId, evalKeys: wire }, this.settings.registerTimeoutMs) : m;
      }),
    );
    const bad = outcomes.findIndex((o) => !o.ok);
    if (bad >= 0) {
      const o = outcomes[bad] as { code: string; message: string };
      // Leave no half-registered session behind.
      await Promise.all(workers.filter((_, i) => outcomes[i]!.ok).map((w) => this.#ask<'drop-session'>(w, { type: 'drop-session', sessionId }, this.settings.evaluateTimeoutMs)));
      const status = o.code.startsWith('he-') && o.code !== 'he-worker-unreachable' && o.code !== 'he-bad-reply' ? 400 : 502;
      throw new ApiFailure(status === 400 ? o.code : 'he-register-failed', status, `keys: ${workers[bad]} refused them: ${o.code}: ${o.message}`);
    }
    const keysDigest = sha256Hex(bundle.publicKey, bundle.relinKeys, bundle.galoisKeys);
    const expiresAt = Date.now() + this.settings.sessionTtlMs;
    this.he.addSession({ sessionId, tenant: principal.tenant, modelId: entry.modelId, workers, keysDigest, expiresAt });
    this.#audit({ type: 'key.registered', actor: principal.actor, tenant: principal.tenant, keyId: sessionId, modelId: entry.modelId, reason: `HE evaluation keys on ${workers.join(', ')}`, hashes: { evalKeys: keysDigest } });
    return { sessionId, expiresAt: new Date(expiresAt).toISOString() };
  }

  /** `jobs.submit` of kind `he-inference`: checks the payload and session, creates the job, runs it in the background. */
  submitInference(r: Record<string, unknown>): CoordinatorMethods['jobs.submit']['res'] {
    const principal = checkPrincipal(r.principal);
    if (r.kind !== 'he-inference') invalid(`kind: expected "he-inference", got ${JSON.stringify(r.kind)}`);
    if (r.idempotencyKey !== undefined && (typeof r.idempotencyKey !== 'string' || r.idempotencyKey.length === 0 || r.idempotencyKey.length > 200)) invalid('idempotencyKey: expected 1..200 characters');
    const p = r.payload as Partial<JobPayloads['he-inference']> | null;
    if (typeof p !== 'object' || p === null) invalid('payload: expected { modelId, sessionId, ciphertext }');
    const modelId = checkId(p.modelId, 'payload.modelId');
    const sessionId = checkId(p.sessionId, 'payload.sessionId');
    if (typeof p.ciphertext !== 'string' || p.ciphertext.length === 0 || p.ciphertext.length > MAX_CIPHERTEXT_CHARS) invalid(`payload.ciphertext: expected base64 of at most ${MAX_CIPHERTEXT_CHARS} characters`);
    try {
      // Only to refuse non-base64 here, by name, rather than as a failed job.
      fromLargeBase64(p.ciphertext, 'payload.ciphertext');
    } catch (e) {
      invalid((e as Error).message);
    }
    this.#model(modelId);
    const session = this.#session(principal, sessionId);
    if (session.modelId !== modelId) invalid(`payload.sessionId: session ${sessionId} holds keys for model ${session.modelId}, not ${modelId}`);
    const payload: JobPayloads['he-inference'] = { modelId, sessionId, ciphertext: p.ciphertext };
    const { record, created } = this.book.submit(principal, 'he-inference', payload, r.idempotencyKey as string | undefined);
    if (created) this.launch(record.status.id);
    return { job: record.status, created };
  }

  /** Starts `runInference(jobId)` in the background and tracks it for {@link idle}. */
  launch(jobId: string): void {
    const p = this.runInference(jobId).finally(() => this.#running.delete(p));
    this.#running.add(p);
  }

  /** Resolves when every launched job has ended. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  /** Runs an `he-inference` job to a terminal state. Never throws. */
  async runInference(jobId: string): Promise<void> {
    try {
      await this.#run(jobId);
    } catch (e) {
      this.#fail(jobId, 'coordinator-error', e instanceof Error ? e.message : String(e));
    }
  }

  async #run(jobId: string): Promise<void> {
    const rec = this.book.record(jobId);
    if (!rec || rec.kind !== 'he-inference') return;
    const p = rec.payload as JobPayloads['he-inference'];
    const session = this.he.session(p.sessionId);
    const entry = this.he.model(p.modelId);
    if (!session || !entry) return this.#fail(jobId, 'he-unknown-session', `sessionId: session ${p.sessionId} is gone; register the keys again`);
    if (Date.now() > session.expiresAt) return this.#fail(jobId, 'he-session-expired', `sessionId: session ${p.sessionId} expired; register the keys again`);
    let pair: [string, string];
    let mode: 'dual' | 'repeated';
    if (session.workers.length >= 2) {
      pair = [session.workers[0]!, session.workers[1]!];
      mode = 'dual';
    } else if (this.settings.singleWorker === 'repeat') {
      pair = [session.workers[0]!, session.workers[0]!];
      mode = 'repeated';
    } else return this.#fail(jobId, 'he-unverifiable', `session ${p.sessionId} is held by one HE worker only; dual execution needs two`);
    this.book.transition(jobId, 'placed');
    this.book.transition(jobId, 'running');
    const t0 = performance.now();
    const [ra, rb] = await Promise.all(pair.map((w) => this.#evaluateOn(w, entry, jobId, p)));
    session.expiresAt = Date.now() + this.settings.sessionTtlMs;
    if (!ra!.ok || !rb!.ok) {
      const [w, o] = !ra!.ok ? [pair[0], ra!] : [pair[1], rb! as { code: string; message: string }];
      return this.#fail(jobId, o.code, `${w}: ${o.message}`);
    }
    let a: Uint8Array;
    let b: Uint8Array;
    try {
      a = fromLargeBase64(ra.result.ciphertext, `${pair[0]}.ciphertext`);
      b = fromLargeBase64(rb.result.ciphertext, `${pair[1]}.ciphertext`);
    } catch (e) {
      return this.#fail(jobId, 'he-bad-reply', (e as Error).message);
    }
    const cmp = compareDualExecution({ bytes: a, sha256: ra.result.sha256 }, { bytes: b, sha256: rb.result.sha256 });
    const inputDigest = sha256Hex(fromLargeBase64(p.ciphertext, 'payload.ciphertext'));
    const unsigned = pair.findIndex((w, i) => !this.#signedStatement(w, [ra, rb][i]!.result, { jobId, kind: 'he-inference', subject: p.modelId, party: w, inputDigest, outputDigest: [ra, rb][i]!.result.sha256, clientPublicKey: session.keysDigest }));
    if (unsigned >= 0) return this.#fail(jobId, 'he-bad-reply', `${pair[unsigned]}: its output statement is not signed by it for this job, input and session`);
    // What each worker signed it spent evaluating: the job's cost (no MPC party ran it).
    const heMs = [ra.result.ms, rb.result.ms].map((ms) => (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? Math.round(ms) : undefined));
    const unpriced = heMs.findIndex((ms) => ms === undefined);
    if (unpriced >= 0) return this.#fail(jobId, 'he-bad-reply', `${pair[unpriced]}: its reply states no valid evaluation milliseconds (${String(JSON.stringify([ra.result.ms, rb.result.ms][unpriced])).slice(0, 40)})`);
    const signatures: [string, string] = [ra.result.statementSignature, rb.result.statementSignature];
    const result: HeInferenceResult = { ciphertext: ra.result.ciphertext, sha256: cmp.hashA, verification: { mode, workers: pair, hashes: [cmp.hashA, cmp.hashB], signatures } };
    const cost = { computeMs: [0, 0, 0], bytesSent: [0, 0, 0], heMs: heMs as number[] };
    this.book.transition(jobId, 'finished', { stats: { rounds: 1, bytesPerParty: a.length, durationMs: performance.now() - t0, cost } }, result);
    const hashes = { input: inputDigest, resultA: cmp.hashA, resultB: cmp.hashB, plan: entry.planDigest };
    const who = mode === 'dual' ? `${pair[0]} and ${pair[1]}` : `${pair[0]} twice (single worker)`;
    if (cmp.verified) {
      const event: AuditEvent = { type: 'job.verified', actor: this.settings.id, jobId, tenant: rec.tenant, reason: `HE ${mode} execution on ${who}: result hashes equal`, hashes };
      this.dispatcher.withVerdict(jobId, event, () => this.book.transition(jobId, 'verified'));
      this.log.info('he-verified', { jobId, mode, workers: pair.join(','), sha256: cmp.hashA });
    } else {
      const why = cmp.hashA !== ra.result.sha256 || cmp.hashB !== rb.result.sha256 ? 'a worker signed a hash that does not match the bytes it sent' : 'the two results differ';
      const message = `HE ${mode} execution on ${who}: ${why} (${pair[0]} ${short(cmp.hashA)}..., ${pair[1]} ${short(cmp.hashB)}...)`;
      const event: AuditEvent = { type: 'job.failed-verification', actor: this.settings.id, jobId, tenant: rec.tenant, reason: message.slice(0, 200), hashes };
      this.dispatcher.withVerdict(jobId, event, () => this.book.transition(jobId, 'failed-verification', { error: { code: 'he-result-mismatch', message } }));
      this.log.warn('he-failed-verification', { jobId, workers: pair.join(','), hashA: cmp.hashA, hashB: cmp.hashB });
    }
  }

  /** Evaluates on one worker; a worker that lost the model (restart) gets it again, once. */
  async #evaluateOn(worker: string, entry: HeModelEntry, jobId: string, p: JobPayloads['he-inference']): Promise<AskOutcome<'evaluate'>> {
    const body: RequestBody<'evaluate'> = { type: 'evaluate', jobId, sessionId: p.sessionId, modelId: p.modelId, ciphertext: p.ciphertext };
    let out = await this.#ask(worker, body, this.settings.evaluateTimeoutMs);
    if (!out.ok && out.code === 'he-unknown-model') {
      entry.workers.delete(worker);
      const m = await this.#ensureModel(worker, entry);
      if (!m.ok) return m;
      out = await this.#ask(worker, body, this.settings.evaluateTimeoutMs);
    }
    return out;
  }

  /** Whether `worker` (as registered) signed `statement` in its evaluate reply. */
  #signedStatement(worker: string, result: HeReplyResults['evaluate'], statement: OutputStatement): boolean {
    const key = this.registry.trusted(worker)?.signingPublicKey;
    return key !== undefined && verifyOutputStatement(statement, result.statementSignature, key);
  }

  async #ensureModel(worker: string, entry: HeModelEntry): Promise<AskOutcome<'register-model'>> {
    if (entry.workers.has(worker)) return { ok: true, result: { planDigest: entry.planDigest } };
    const out = await this.#ask<'register-model'>(worker, { type: 'register-model', modelId: entry.modelId, model: entry.wire, ...(entry.batch > 1 ? { batch: entry.batch } : {}), ...(entry.statement ? { statement: entry.statement } : {}) }, this.settings.registerTimeoutMs);
    if (!out.ok) return out;
    if (out.result.planDigest !== entry.planDigest) {
      return { ok: false, code: 'he-plan-mismatch', message: `${worker} planned model ${entry.modelId} as ${short(String(out.result.planDigest))}..., the coordinator as ${short(entry.planDigest)}...` };
    }
    entry.workers.add(worker);
    return out;
  }

  /** Signs a request to `worker`, sends it, and checks the reply is signed by that worker and answers this request. */
  async #ask<T extends HeRequestType>(worker: string, body: RequestBody<T>, timeoutMs: number): Promise<AskOutcome<T>> {
    const trusted = this.registry.trusted(worker);
    if (!trusted || trusted.kind !== 'he-worker') return { ok: false, code: 'he-worker-unknown', message: `${worker} is not a trusted HE worker` };
    const requestId = randomBytes(12).toString('base64url');
    const request = { ...body, requestId, to: worker, issuedAt: Date.now() } as unknown as HeRequest;
    const outcome = await this.link.request(worker, signHeRequest(request, this.identity.signing), timeoutMs);
    if ('unreachable' in outcome) return { ok: false, code: 'he-worker-unreachable', message: outcome.unreachable };
    const reply = verifyHeReply(outcome.reply, fromHex(trusted.signingPublicKey, 'signingPublicKey', 32));
    if (!reply || reply.requestId !== requestId || reply.from !== worker) return { ok: false, code: 'he-bad-reply', message: `${worker}: reply is not signed by it or answers another request` };
    if (!reply.ok) return { ok: false, code: String(reply.error?.code ?? 'he-worker-error'), message: String(reply.error?.message ?? '') };
    return { ok: true, result: reply.result as HeReplyResults[T] };
  }

  #upWorkers(): string[] {
    return this.registry
      .list()
      .filter((s) => s.kind === 'he-worker' && s.status === 'up' && this.registry.capabilities(s.id).includes(HE_CAPABILITY))
      .map((s) => s.id)
      .sort();
  }

  /** Two distinct up workers, rotating the starting point so sessions spread over the pool. */
  #pickWorkers(): string[] {
    const up = this.#upWorkers();
    if (up.length === 0) throw new ApiFailure('no-he-workers', 503, 'no HE worker is up');
    if (up.length === 1 && this.settings.singleWorker === 'fail') {
      throw new ApiFailure('he-unverifiable', 503, `only one HE worker (${up[0]}) is up; dual execution needs two`);
    }
    const start = this.#nextPick++ % up.length;
    return up.length === 1 ? [up[0]!] : [up[start]!, up[(start + 1) % up.length]!];
  }

  #model(modelId: string): HeModelEntry {
    const entry = this.he.model(modelId);
    if (!entry) throw new ApiFailure('unknown-model', 404, `modelId: no HE model ${JSON.stringify(modelId)}`);
    return entry;
  }

  #session(principal: Principal, sessionId: string): HeSessionEntry {
    const now = Date.now();
    this.he.purge(now, 24 * 3600_000);
    const s = this.he.session(sessionId);
    // Another tenant's session reads as unknown, so ids cannot be probed.
    if (!s || s.tenant !== principal.tenant) throw new ApiFailure('he-unknown-session', 404, `sessionId: no HE key session ${JSON.stringify(sessionId)} for this tenant; register the keys first`);
    if (now > s.expiresAt) throw new ApiFailure('he-session-expired', 410, `sessionId: session ${sessionId} expired; register the keys again`);
    return s;
  }

  #fail(jobId: string, code: string, message: string): void {
    this.log.warn('job-failed', { jobId, code, message: message.slice(0, 300) });
    this.book.transition(jobId, 'failed', { error: { code, message } });
  }

  #audit(event: AuditEvent): void {
    try {
      void Promise.resolve(this.audit.append(event)).catch((e: unknown) => this.log.warn('audit-append-failed', { type: event.type, message: String(e) }));
    } catch (e) {
      this.log.warn('audit-append-failed', { type: event.type, message: String(e) });
    }
  }
}

/** What the HE part needs beyond the coordinator's own tokens. */
export interface HeParts {
  link: HeWorkerLink;
  settings?: Partial<HeSettings>;
  /** The HE model book (default: in memory; HeModelBook.withKv for one that survives a restart). */
  book?: HeModelBook;
}

/**
 * Registers the HE tokens in a coordinator's container (the one composeCoordinator made) and
 * resolves {@link HeMethods}. The audit actor defaults to the coordinator's service id.
 */
export function registerHeMethods(container: DependencyContainer, parts: HeParts): HeMethods {
  const dispatch = container.resolve<DispatchSettings>(DISPATCH_SETTINGS);
  container.register(HE_SETTINGS, { useValue: { ...DEFAULT_HE_SETTINGS, id: dispatch.id, ...parts.settings } });
  container.register(HE_WORKER_LINK, { useValue: parts.link });
  container.register(HE_MODEL_BOOK, { useValue: parts.book ?? new HeModelBook() });
  return container.resolve(HeMethods);
}

/**
 * The owner-signed statement of HE version `name` `version` with ONNX digest `onnxSha256`.
 * @throws ApiFailure `model-version-refused` (422) naming what is wrong: missing, not verifying, or stating something else.
 */
function checkHeStatement(statement: unknown, name: string, version: string, onnxSha256: string, tenant: string): SignedModelVersion {
  const refuse = (reason: string, message: string): never => {
    throw new ApiFailure('model-version-refused', 422, `model-version-${reason}: ${message}`);
  };
  if (statement === undefined || statement === null) refuse('unsigned', `statement: HE model ${name} ${version} has no owner-signed version statement; the HE workers register only versions their owner signed`);
  const body = openModelVersion(statement);
  if (!body) return refuse('bad-signature', `statement: the version statement of HE model ${name} ${version} is malformed or its signature does not verify`);
  if (body.mode !== 'he' || body.name !== name || body.version !== version || body.onnxSha256 !== onnxSha256 || (body.owner !== undefined && body.owner.tenant !== tenant)) {
    refuse('mismatch', `statement: differs from the request (mode ${body.mode}, name, version, owner or ONNX digest) of HE model ${name} ${version}`);
  }
  return statement as SignedModelVersion;
}
