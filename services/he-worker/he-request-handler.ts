/**
 * @module services/he-worker/he-request-handler
 * What an HE worker does with one coordinator request, apart from NATS: verify the signature,
 * the addressee, the age and the request id (once only); decode; run it on the thread pool;
 * answer a signed reply. A bad request (malformed base64, a ciphertext of another key or
 * parameter set, missing Galois keys, an unknown session) is a reply with the named error's
 * code: nothing here throws, so the service stays up whatever arrives.
 *
 * An evaluation's reply carries the worker's signed output statement (wire/output-statement),
 * bound to the session's key digest, so the client checks which workers produced its result.
 */
import { createHash } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import { MpcError } from '../../crypto-core/errors.js';
import type { EvalKeyBundle } from '../../crypto-core/he/ckks-keys.js';
import type { ServiceIdentity } from '../../crypto-core/keys/identity.js';
import type { HePlan } from '../../protocols/he/he-plan.js';
import { planHeModel } from '../../protocols/he/he-plan.js';
import type { Signed } from '../wire/job-messages.js';
import { fromLargeBase64 } from '../wire/large-base64.js';
import type { ServiceLog } from '../transport/service-log.js';
import { type HeReply, type HeReplyResults, type HeRequest, type HeRequestType } from '../wire/he-messages.js';
import { HeRequestRefusedError, HeUnknownSessionError } from './errors.js';
import { signHeReply, verifyHeRequest } from '../wire/he-signing.js';
import { planDigest } from '../wire/plan-digest.js';
import { openModelVersion } from '../wire/model-version.js';
import { HE_WORKER_IDENTITY, HE_WORKER_LOG, HE_WORKER_POOL, HE_WORKER_SETTINGS, type HeWorkerSettings } from './tokens.js';
import { decodeEvalKeys, modelFromWire } from '../wire/he-codec.js';
import { bytesDigest, heKeysDigest, signOutputStatement } from '../wire/output-statement.js';

/** The part of {@link HeWorkerPool} the service uses (the pool implements it). */
export interface HeEvaluationPool {
  registerModel(modelId: string, plan: HePlan): void;
  registerSession(bundle: EvalKeyBundle, sessionId?: string): Promise<string>;
  dropSession(sessionId: string): boolean;
  evaluate(request: { sessionId: string; modelId: string; ciphertext: Uint8Array }): Promise<{ bytes: Uint8Array; sha256: string; ms: number }>;
  stats(): { queued: number };
}

const ID_RE = /^[A-Za-z0-9_.-]{1,128}$/;
/** Key digests kept for this many sessions at most (the pool holds far fewer sessions). */
const MAX_KEY_DIGESTS = 4096;

function checkId(v: unknown, name: string): string {
  if (typeof v !== 'string' || !ID_RE.test(v)) throw new HeRequestRefusedError('malformed-request', `${name}: expected 1..128 characters of [A-Za-z0-9_.-], got ${JSON.stringify(v)?.slice(0, 40)}`);
  return v;
}

/** Handles coordinator requests for one HE worker service. */
@injectable()
export class HeRequestHandler {
  /** Request ids seen within the acceptance window, with their issue time (replay protection). */
  readonly #seen = new Map<string, number>();
  /** Owner keys pinned per model name at its first registered version (for the life of this process). */
  readonly #ownerKeys = new Map<string, string>();
  /** SHA-256 of each registered session's keys, by session id (the statement names it). */
  readonly #keyDigests = new Map<string, string>();
  #active = 0;

  constructor(
    @inject(HE_WORKER_SETTINGS) private readonly settings: HeWorkerSettings,
    @inject(HE_WORKER_IDENTITY) private readonly identity: ServiceIdentity,
    @inject(HE_WORKER_POOL) private readonly pool: HeEvaluationPool,
    @inject(HE_WORKER_LOG) private readonly log: ServiceLog,
  ) {}

  /** Requests being handled now. */
  get active(): number {
    return this.#active;
  }

  /** Answers one raw (parsed JSON) request with a signed reply. Never throws. */
  async handle(raw: unknown, now: number = Date.now()): Promise<Signed<HeReply>> {
    const requestId = typeof (raw as { body?: { requestId?: unknown } } | null)?.body?.requestId === 'string' ? (raw as { body: { requestId: string } }).body.requestId.slice(0, 128) : '';
    this.#active++;
    try {
      const req = this.#verify(raw, now);
      const result = await this.#run(req);
      return this.#sign({ ok: true, requestId: req.requestId, from: this.settings.id, result });
    } catch (e) {
      const error = e instanceof MpcError ? { code: e.code, name: e.name, message: e.message } : { code: 'internal', name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e) };
      this.log.warn('he-request-failed', { requestId, code: error.code, message: error.message.slice(0, 300) });
      return this.#sign({ ok: false, requestId, from: this.settings.id, error });
    } finally {
      this.#active--;
    }
  }

  #sign(reply: HeReply): Signed<HeReply> {
    return signHeReply(reply, this.identity.signing);
  }

  #verify(raw: unknown, now: number): HeRequest {
    const req = verifyHeRequest(raw, this.settings.coordinatorKey);
    if (!req) throw new HeRequestRefusedError('bad-signature', 'request: not signed by the coordinator this worker trusts');
    if (typeof req !== 'object' || req === null) throw new HeRequestRefusedError('malformed-request', 'request: expected an object');
    if (req.to !== this.settings.id) throw new HeRequestRefusedError('wrong-addressee', `request.to: addressed to ${JSON.stringify(req.to)}, this is ${this.settings.id}`);
    checkId(req.requestId, 'request.requestId');
    if (typeof req.issuedAt !== 'number' || Math.abs(now - req.issuedAt) > this.settings.maxRequestAgeMs) {
      throw new HeRequestRefusedError('stale-request', `request.issuedAt: ${String(req.issuedAt)} is more than ${this.settings.maxRequestAgeMs} ms from now`);
    }
    for (const [id, at] of this.#seen) if (Math.abs(now - at) > this.settings.maxRequestAgeMs) this.#seen.delete(id);
    if (this.#seen.has(req.requestId)) throw new HeRequestRefusedError('replayed-request', `request.requestId: ${req.requestId} was already handled`);
    this.#seen.set(req.requestId, req.issuedAt);
    return req;
  }

  /**
   * The owner-signed version statement of a model registration: it must verify, be an HE
   * statement, name the SHA-256 of the ONNX bytes given, and be signed by the key pinned at the
   * name's first version (services/wire/model-version). Only ONNX is registered (its digest is
   * what the owner signed). @throws HeRequestRefusedError `model-version-<reason>`.
   */
  #checkVersion(req: Extract<HeRequest, { type: 'register-model' }>): { name: string; publicKey: string } {
    if (req.statement === undefined) throw new HeRequestRefusedError('model-version-unsigned', `request.statement: model ${req.modelId} has no owner-signed version statement; this worker registers only versions their owner signed`);
    const body = openModelVersion(req.statement);
    if (!body || body.mode !== 'he') throw new HeRequestRefusedError('model-version-bad-signature', `request.statement: the version statement of model ${req.modelId} is malformed, not an HE statement, or its signature does not verify`);
    if (req.model?.format !== 'onnx') throw new HeRequestRefusedError('model-version-mismatch', `request.model: this worker registers owner-signed ONNX only, got format ${JSON.stringify((req.model as { format?: unknown } | undefined)?.format)}`);
    const digest = createHash('sha256').update(fromLargeBase64(req.model.onnx, 'request.model.onnx')).digest('hex');
    if (digest !== body.onnxSha256) throw new HeRequestRefusedError('model-version-mismatch', `request.model: the ONNX bytes of model ${req.modelId} differ from the owner-signed digest of ${body.name} ${body.version}`);
    const pinned = this.#ownerKeys.get(body.name);
    if (pinned !== undefined && pinned !== req.statement.publicKey) {
      throw new HeRequestRefusedError('model-version-owner-key', `request.statement: model ${body.name} ${body.version} is signed by key ${req.statement.publicKey.slice(0, 16)}…, not the owner key ${pinned.slice(0, 16)}… pinned at the name's first version`);
    }
    return { name: body.name, publicKey: req.statement.publicKey };
  }

  async #run(req: HeRequest): Promise<HeReplyResults[HeRequestType]> {
    switch (req.type) {
      case 'register-model': {
        const modelId = checkId(req.modelId, 'request.modelId');
        // The batch the coordinator planned for (the planner refuses one that is not a power of two or does not fit).
        if (req.batch !== undefined && !Number.isSafeInteger(req.batch)) throw new HeRequestRefusedError('malformed-request', `request.batch: expected an integer, got ${JSON.stringify(req.batch)}`);
        const version = this.#checkVersion(req);
        const plan = planHeModel(modelFromWire(req.model, 'request.model'), req.batch === undefined ? {} : { batch: req.batch });
        this.#ownerKeys.set(version.name, version.publicKey);
        this.pool.registerModel(modelId, plan);
        const digest = planDigest(plan);
        this.log.info('he-model-registered', { modelId, planDigest: digest });
        return { planDigest: digest };
      }
      case 'register-session': {
        const sessionId = checkId(req.sessionId, 'request.sessionId');
        const bundle = decodeEvalKeys(req.evalKeys, 'request.evalKeys');
        const registered = await this.pool.registerSession(bundle, sessionId);
        this.#keyDigests.delete(registered);
        this.#keyDigests.set(registered, heKeysDigest(bundle));
        if (this.#keyDigests.size > MAX_KEY_DIGESTS) this.#keyDigests.delete(this.#keyDigests.keys().next().value as string);
        return { sessionId: registered };
      }
      case 'drop-session': {
        const sessionId = checkId(req.sessionId, 'request.sessionId');
        this.#keyDigests.delete(sessionId);
        return { dropped: this.pool.dropSession(sessionId) };
      }
      case 'evaluate': {
        const jobId = checkId(req.jobId, 'request.jobId');
        const sessionId = checkId(req.sessionId, 'request.sessionId');
        const modelId = checkId(req.modelId, 'request.modelId');
        const ciphertext = fromLargeBase64(req.ciphertext, 'request.ciphertext');
        const r = await this.pool.evaluate({ sessionId, modelId, ciphertext });
        const keys = this.#keyDigests.get(sessionId);
        // The pool evaluated, so it holds the session; a digest missing here means it was evicted from this map only.
        if (keys === undefined) throw new HeUnknownSessionError(`sessionId '${sessionId}': no key digest kept for it; register the keys again`);
        const statement = { jobId, kind: 'he-inference' as const, subject: modelId, party: this.settings.id, inputDigest: bytesDigest(ciphertext), outputDigest: r.sha256, clientPublicKey: keys };
        return { ciphertext: Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength).toString('base64'), sha256: r.sha256, ms: r.ms, statementSignature: signOutputStatement(statement, this.identity.signing) };
      }
      default:
        throw new HeRequestRefusedError('malformed-request', `request.type: unknown type ${JSON.stringify((req as { type?: unknown }).type)}`);
    }
  }
}
