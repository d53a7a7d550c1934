/**
 * @module services/gateway/coordinator-client
 * How the gateway talks to the coordinator: request/reply over NATS, one subject per method,
 * JSON both ways, a reply that is either the response or an `ApiError`. Failures of the
 * transport become catalogued problems here, so routes only see a response or a
 * {@link ProblemError}: no answer in time is a 504, nobody listening or NATS down is a 503
 * (or, for optional services such as analytics, a 501), an `ApiError` becomes the problem of
 * its code (see {@link problemFromApiError}; docs/errors.md lists the mapping).
 */
import { ErrorCode, NatsError, RequestStrategy, type NatsConnection, type Subscription } from 'nats';
import { MessageAssembler, splitMessage } from '../wire/chunked-message.js';
import { subjects, type ApiError, type CoordinatorMethod, type CoordinatorMethods, type JobStatus } from '../wire/api.js';
import { isProblemCode, ProblemError, type ProblemCode } from './problems.js';
import { signRequestEnvelope, type PrincipalSigner } from '../wire/principal-envelope.js';
import { principalSignerOf } from '../transport/connection-signer.js';
import { ConnectionWatch, guardedRequest } from '../transport/connection-watch.js';

/** Options of one call. */
export interface CallOptions {
  /** Problem to answer when no coordinator listens on the method (default `coordinator-unavailable`). */
  unavailable?: ProblemCode;
  /** Overrides the client's default timeout (milliseconds). */
  timeoutMs?: number;
  /**
   * The reply may exceed NATS max_payload (results, exports): ask the coordinator for pieces
   * (`acceptChunks: true`, ended by an empty message) and reassemble them.
   */
  chunked?: boolean;
  /**
   * The request may exceed NATS max_payload (a session's HE evaluation keys): send it in pieces
   * (wire/chunked-message), which the coordinator reassembles up to its limit for the method.
   */
  requestPieces?: boolean;
}

/** A job status change as the gateway streams it. */
export type JobEventHandler = (job: JobStatus) => void;

/** The coordinator as the gateway sees it. */
export interface CoordinatorClient {
  /** Calls `method` and resolves with its response, or rejects with a {@link ProblemError}. */
  call<M extends CoordinatorMethod>(method: M, req: CoordinatorMethods[M]['req'], opts?: CallOptions): Promise<CoordinatorMethods[M]['res']>;
  /** Subscribes to status changes of one job; returns the function that ends the subscription. */
  subscribeJobEvents(jobId: string, onEvent: JobEventHandler): () => void;
  /** Whether the NATS connection is up (a cheap local check for readiness). */
  connected(): boolean;
}

/** Status codes the coordinator may put in an `ApiError`, mapped to problems when its code is not one of ours. */
const STATUS_PROBLEMS: Record<number, ProblemCode> = {
  400: 'validation',
  401: 'invalid-credentials',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  413: 'payload-too-large',
  429: 'rate-limited',
  501: 'not-available',
  503: 'coordinator-unavailable',
  504: 'coordinator-timeout',
};

/**
 * Coordinator error codes that have a problem of another name. The HE codes are listed
 * whatever status they come with, so a client sees the same type for the same cause.
 */
const CODE_PROBLEMS: Record<string, ProblemCode> = {
  'invalid-argument': 'validation',
  'invalid-request': 'validation',
  'permission-denied': 'forbidden',
  'unknown-job': 'not-found',
  'unknown-model': 'not-found',
  'unknown-dataset': 'not-found',
  'not-finished': 'conflict',
  'idempotency-conflict': 'conflict',
  'he-unknown-session': 'not-found',
  'he-session-expired': 'session-expired',
  'he-unverifiable': 'service-unavailable',
  'no-he-workers': 'service-unavailable',
  'he-missing-galois-keys': 'validation',
  'he-parameter-mismatch': 'validation',
  'not-orphan': 'conflict',
  // A party is down: the coordinator answers, the services the operation needs do not.
  'parties-unavailable': 'service-unavailable',
  // The coordinator does not trust this gateway's envelope: a deployment fault, not the client's.
  'envelope-refused': 'coordinator-error',
};

/**
 * The request field a coordinator error code is about, as a path of the HTTP request
 * (`body/<field>`, as schema validation names them). It goes in the problem's `errors`, so a
 * client can tell an unknown key session from an unknown model (both `not-found`) without
 * reading the human `detail`.
 */
const CODE_FIELDS: Record<string, string> = {
  'he-unknown-session': 'body/sessionId',
  'he-session-expired': 'body/sessionId',
  'he-missing-galois-keys': 'body/galoisSteps',
  'he-parameter-mismatch': 'body/params',
};

/** Turns an `ApiError` reply into the problem the client sees. */
export function problemFromApiError(method: string, e: ApiError['error']): ProblemError {
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : `${method} failed`;
  let problem: ProblemCode | undefined = (Object.hasOwn(CODE_PROBLEMS, code) ? CODE_PROBLEMS[code] : undefined) ?? (isProblemCode(code) ? code : undefined);
  if (problem === undefined) problem = STATUS_PROBLEMS[e.status];
  // A 5xx or unknown status from the coordinator is its failure, not the client's.
  if (problem === undefined || problem === 'internal') problem = 'coordinator-error';
  // A query error names the part of the query at fault (`/aggregates/1/column`): as a request path.
  const queryPath = method === 'analytics.query' && typeof e.detail?.path === 'string' ? `body/query${e.detail.path}` : undefined;
  const field = queryPath ?? (Object.hasOwn(CODE_FIELDS, code) ? CODE_FIELDS[code] : undefined);
  const upstream = { code, ...(e.detail === undefined ? {} : { detail: e.detail }) };
  return new ProblemError(problem, message, { upstream, ...(field === undefined ? {} : { errors: [{ path: field, message }] }) });
}

function isApiError(v: unknown): v is ApiError {
  if (typeof v !== 'object' || v === null || !('error' in v)) return false;
  const e = (v as { error: unknown }).error;
  return typeof e === 'object' && e !== null && typeof (e as { status?: unknown }).status === 'number';
}

/** Job ids become NATS subject tokens: only this alphabet is safe (no `.`, `*`, `>`). */
export const JOB_ID_PATTERN = '^[A-Za-z0-9_-]{1,128}$';
const JOB_ID_RE = new RegExp(JOB_ID_PATTERN);

/** {@link CoordinatorClient} over a NATS connection. */
export class NatsCoordinatorClient implements CoordinatorClient {
  readonly #nc: NatsConnection;
  readonly #timeoutMs: number;
  readonly #signer: PrincipalSigner | undefined;

  /**
   * @param nc - an open NATS connection; the client does not close it.
   * @param timeoutMs - default reply timeout per call.
   * @param signer - the gateway key every request's envelope is signed with (wire/principal-envelope;
   *   default: the key bound to `nc`, transport/connection-signer). Without one requests go
   *   unsigned and the coordinator answers only readiness and the registry.
   */
  constructor(nc: NatsConnection, timeoutMs = 10_000, signer?: PrincipalSigner) {
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new RangeError(`timeoutMs: expected positive integer, got ${timeoutMs}`);
    this.#nc = nc;
    this.#timeoutMs = timeoutMs;
    this.#signer = signer;
  }

  connected(): boolean {
    return !this.#nc.isClosed() && this.#nc.info !== undefined && ConnectionWatch.of(this.#nc).connected;
  }

  async call<M extends CoordinatorMethod>(method: M, req: CoordinatorMethods[M]['req'], opts: CallOptions = {}): Promise<CoordinatorMethods[M]['res']> {
    if (this.#nc.isClosed()) throw new ProblemError('coordinator-unavailable', 'the gateway has no NATS connection to the coordinator');
    const timeout = opts.timeoutMs ?? this.#timeoutMs;
    const signer = this.#signer ?? principalSignerOf(this.#nc);
    const sent = signer ? signRequestEnvelope(signer, method, req as object, { acceptChunks: opts.chunked === true }) : opts.chunked ? { ...(req as object), acceptChunks: true } : req;
    const payload = Buffer.from(JSON.stringify(sent));
    const max = this.#nc.info?.max_payload;
    // Requests go whole unless the caller allows pieces: say so plainly instead of a transport error.
    const pieces = opts.requestPieces === true && max !== undefined ? splitMessage(payload, max) : [payload];
    if (max !== undefined && pieces[pieces.length - 1]!.length > max - 1024) {
      throw new ProblemError('payload-too-large', `the ${method} request is ${payload.length} bytes, more than the message bus carries (max_payload ${max} bytes)`);
    }
    let raw: Uint8Array;
    try {
      // Not sent while the connection redials (nats.js would drop it and wait out the timeout),
      // and failed at once when the connection drops before the reply: coordinator-unavailable.
      raw = await guardedRequest(this.#nc, method, timeout, async (ms) => {
        // All pieces but the last are published first; the last one carries the reply subject.
        for (const piece of pieces.slice(0, -1)) this.#nc.publish(subjects.api(method), piece);
        const last = pieces[pieces.length - 1]!;
        return opts.chunked ? await this.#requestChunked(method, last, ms) : (await this.#nc.request(subjects.api(method), last, { timeout: ms })).data;
      });
    } catch (cause) {
      if (cause instanceof ProblemError) throw cause;
      if (cause instanceof NatsError && cause.code === ErrorCode.Timeout) {
        throw new ProblemError('coordinator-timeout', `the coordinator did not answer ${method} within ${timeout} ms`, { cause });
      }
      if (cause instanceof NatsError && cause.code === ErrorCode.NoResponders) {
        const problem = opts.unavailable ?? 'coordinator-unavailable';
        throw new ProblemError(problem, problem === 'not-available' ? `${method} is not available on this deployment (no service answers it)` : `no coordinator is listening for ${method}`, { cause });
      }
      throw new ProblemError('coordinator-unavailable', `request ${method} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(raw).toString('utf8'));
    } catch (cause) {
      throw new ProblemError('coordinator-error', `the coordinator answered ${method} with a reply that is not JSON`, { cause });
    }
    if (isApiError(body)) throw problemFromApiError(method, body.error);
    if (typeof body !== 'object' || body === null) throw new ProblemError('coordinator-error', `the coordinator answered ${method} with a non-object reply`);
    return body as CoordinatorMethods[M]['res'];
  }

  async #requestChunked(method: CoordinatorMethod, payload: Uint8Array, timeout: number): Promise<Uint8Array> {
    const replies = await this.#nc.requestMany(subjects.api(method), payload, { strategy: RequestStrategy.SentinelMsg, maxWait: timeout });
    const assembler = new MessageAssembler();
    for await (const m of replies) {
      if (m.data.length === 0) break;
      const whole = assembler.push(m.data);
      if (whole) return whole;
    }
    throw new ProblemError('coordinator-timeout', `no complete reply to ${method} within ${timeout} ms`);
  }

  subscribeJobEvents(jobId: string, onEvent: JobEventHandler): () => void {
    if (!JOB_ID_RE.test(jobId)) throw new ProblemError('validation', `jobId: expected ${JOB_ID_PATTERN}, got ${JSON.stringify(jobId.slice(0, 40))}`);
    const sub: Subscription = this.#nc.subscribe(subjects.jobEvents(jobId), {
      callback: (err, msg) => {
        if (err) return;
        try {
          const body = JSON.parse(Buffer.from(msg.data).toString('utf8')) as unknown;
          // Events are a JobStatus, or wrap it as { job }: accept both shapes.
          const job = (typeof body === 'object' && body !== null && 'job' in body ? (body as { job: unknown }).job : body) as JobStatus;
          if (typeof job === 'object' && job !== null && typeof job.state === 'string') onEvent(job);
        } catch {
          // A malformed event is dropped: the stream's final state is re-read with jobs.get.
        }
      },
    });
    return () => sub.unsubscribe();
  }
}
