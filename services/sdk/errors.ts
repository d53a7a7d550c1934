/**
 * @module services/sdk/errors
 * Errors the SDK throws: a problem answered by the gateway (with its stable `type`), a job
 * that ended without a result, and a wait that ran out of time. Each extends `MpcError` with
 * a stable `code`, so the CLI maps them to exit codes without parsing messages.
 */
import { InvalidArgumentError, MpcError } from '../../crypto-core/errors.js';

/** The gateway answered with an RFC 9457 problem. */
export class GatewayProblemError extends MpcError {
  /** HTTP status. */
  readonly status: number;
  /** Stable problem type URI (see docs/errors.md). */
  readonly type: string;
  readonly title: string;
  readonly requestId?: string;
  readonly errors?: { path: string; message: string }[];
  constructor(status: number, body: { type?: string; title?: string; detail?: string; requestId?: string; errors?: { path: string; message: string }[] }, options?: { cause?: unknown }) {
    const type = typeof body.type === 'string' ? body.type : 'about:blank';
    super('gateway-problem', `${status} ${body.title ?? 'HTTP error'}: ${body.detail ?? '(no detail)'}`, options);
    this.status = status;
    this.type = type;
    this.title = body.title ?? '';
    this.requestId = body.requestId;
    this.errors = body.errors;
  }
  /** The last segment of the type URI (`validation`, `not-found`, ...). */
  get problem(): string {
    return this.type.slice(this.type.lastIndexOf('/') + 1);
  }
}

/**
 * The gateway could not be reached, or the connection dropped before its reply was read (the
 * gateway restarting, a network fault). What the request did is unknown: a request with an
 * idempotency key (uploads, publishes, submissions) may be sent again with the same key.
 */
export class GatewayUnreachableError extends MpcError {
  /** The gateway URL. */
  readonly url: string;
  constructor(url: string, what: string, options?: { cause?: unknown }) {
    const cause = options?.cause as { message?: string; cause?: { code?: string; message?: string } } | undefined;
    const why = cause?.cause?.code ?? cause?.cause?.message ?? cause?.message ?? 'no answer';
    super('gateway-unreachable', `${what} ${url}: ${why}`, options);
    this.url = url;
  }
}

/** A job ended in `failed` or `failed-verification`. */
export class JobFailedError extends MpcError {
  readonly jobId: string;
  readonly state: string;
  readonly party?: number;
  /** The coordinator's error code for the failure (e.g. `party-unavailable`, `he-result-mismatch`). */
  readonly failureCode?: string;
  constructor(jobId: string, state: string, error: { code: string; message: string; party?: number } | undefined) {
    super('job-failed', `job ${jobId} ended ${state}${error ? `: ${error.code}: ${error.message}` : ''}`);
    this.jobId = jobId;
    this.state = state;
    this.party = error?.party;
    this.failureCode = error?.code;
  }
}

/** Waiting for a job exceeded the caller's timeout. */
export class JobTimeoutError extends MpcError {
  readonly jobId: string;
  constructor(jobId: string, timeoutMs: number) {
    super('job-timeout', `job ${jobId} did not finish within ${timeoutMs} ms`);
    this.jobId = jobId;
  }
}

/** The registry does not list three parties with keys, so inputs cannot be sealed. */
export class RegistryError extends MpcError {
  constructor(message: string) {
    super('registry', message);
  }
}

/**
 * A result is not signed by the pinned parties (or, for HE, by two distinct pinned workers):
 * assembled by someone who holds only the client's public key (the gateway, the coordinator),
 * or moved from another job or request. Nothing of it was opened.
 */
export class ResultSignatureError extends MpcError {
  /** The party (index) or HE worker (service id) whose signature is missing or wrong. */
  readonly party: number | string;
  constructor(jobId: string, party: number | string, reason: string) {
    super('result-signature', `job ${jobId}: ${typeof party === 'number' ? `party ${party}` : `HE worker ${party}`}'s output ${reason}; the result is refused unopened`);
    this.party = party;
  }
}

/**
 * An input value outside the bound the model was published with (`precision.inputBound` of its
 * record): the owner's publish-time range check assumed every input within it, and the parties
 * cannot check sealed inputs, so the SDK refuses before anything is sent.
 */
export class InputBoundError extends InvalidArgumentError {
  /** The model whose record states the bound. */
  readonly modelId: string;
  /** The stated bound: every input value must have |v| <= bound. */
  readonly bound: number;
  /** Index of the first value outside it in the row-major input data. */
  readonly index: number;
  constructor(modelId: string, bound: number, index: number, value: number) {
    super(`input.data[${index}]: ${String(value)} is outside the input bound |v| <= ${bound} stated when model ${modelId} was published (precision.inputBound)`);
    this.modelId = modelId;
    this.bound = bound;
    this.index = index;
  }
}
