/**
 * @module services/gateway/problems
 * The one catalogue of HTTP errors the gateway answers, as RFC 9457 problem details
 * (`application/problem+json`). Every problem has a stable `type` URI under
 * {@link PROBLEM_BASE_URI}, a status and a title; clients branch on `type`, never on the
 * human `detail`. docs/errors.md lists the same table (a test keeps the two in step).
 */
import { MpcError } from '../../crypto-core/errors.js';

/** Base of every problem `type` URI. Stable: changing it breaks every client that branches on `type`. */
export const PROBLEM_BASE_URI = 'https://mpc.example/problems/';

/** Media type of a problem body (RFC 9457 section 3). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** A catalogue row: HTTP status, a short title, and when it happens (for docs/errors.md). */
export interface ProblemDefinition {
  readonly status: number;
  readonly title: string;
  readonly when: string;
}

/** Every problem the gateway can answer, by its stable code (the last segment of its `type`). */
export const problemCatalogue = {
  'malformed-json': { status: 400, title: 'Malformed JSON body', when: 'the body is sent as application/json but is empty or not valid JSON' },
  validation: { status: 400, title: 'Request failed validation', when: 'the body, path parameters or query string do not match the route schema (wrong type, missing or unknown field), or a number is outside the fixed-point range (an analytics query constant beyond |v| <= 2^38)' },
  'invalid-ciphertext': {
    status: 400,
    title: 'Ciphertext or share has the wrong form',
    when: 'a sealed share or ciphertext is not canonical base64, decodes to a length that cannot be a sealed share pair for the declared shape, differs from the digest the signed upload manifest gives it, or does not open at the party it was sealed to (tampered, or sealed to another key or request); `errors[]` names the field (`body/sealedShares/1`)',
  },
  'model-version-refused': {
    status: 422,
    title: 'Model version refused by the parties or HE workers',
    when: 'the parties refused an MPC model version, or the coordinator or the HE workers an HE version: no owner-signed version statement (`model-version-unsigned`), a signature that does not verify (`model-version-bad-signature`), a statement naming another name, version, owner or box digest than the request (`model-version-mismatch`), or a key other than the one pinned at the model name\'s first version (`model-version-owner-key`); the detail starts with that code and `errors[]` names `body/statement`',
  },
  'invalid-idempotency-key': { status: 400, title: 'Invalid Idempotency-Key header', when: 'the Idempotency-Key header is empty, too long or has characters outside [A-Za-z0-9._:-]' },
  unauthenticated: { status: 401, title: 'Authentication required', when: 'no API key or request signature was presented' },
  'invalid-credentials': { status: 401, title: 'Invalid credentials', when: 'the API key is unknown or wrong, or the request signature does not verify' },
  'signature-expired': { status: 401, title: 'Request signature outside the time window', when: 'the signed timestamp is older or further in the future than the allowed clock skew, or the signature was already used' },
  'credits-exhausted': { status: 402, title: 'Credits exhausted', when: "the tenant's credit budget (coordinator config `credits.budgets`) is used up by its finished jobs, priced from the parties' signed costs; the job was not created. Usage and balance: `mpc credits --export` over an audit export" },
  'activation-refused': { status: 403, title: 'Activation not approved', when: "the deployment requires operators' approval of model activations (coordinator config `governance.activationQuorum`) and the request's `approvals` do not carry valid, recent `model-activation` signatures of that many organisations for this name, version and model id; the detail says which approval failed and why" },
  forbidden: { status: 403, title: 'Role not allowed', when: 'the authenticated identity has none of the roles the route requires, or the coordinator refused the principal' },
  'not-found': { status: 404, title: 'Not found', when: 'the job, model, dataset or route does not exist, or belongs to another tenant (indistinguishable on purpose)' },
  'residency-unplaceable': { status: 409, title: 'Residency cannot be met', when: "a data set's hospital-signed manifest binds its shares to one region (`residency`) and some party slot has no party configured in that region (coordinator config `services[].region`); the job was not created. The detail names the constraint and the slot" },
  'residency-refused': { status: 409, title: 'Residency refused by a party', when: "a party refused to store a data set's or model's shares because their owner-signed residency names another region than the party's own (party config `region`): the coordinator placed them there against the rule, or its `services[].region` disagrees with the parties'. Nothing was stored at any party; the detail names the party and both regions" },
  conflict: { status: 409, title: 'Conflict', when: 'the request conflicts with the current state (for example a result asked for before the job finished, or an idempotency key reused with a different body)' },
  'session-expired': { status: 410, title: 'Key session expired', when: 'the HE key session named by the request expired (idle longer than its lifetime); register the evaluation keys again and resubmit' },
  'payload-too-large': { status: 413, title: 'Payload too large', when: 'the body exceeds the route\'s size limit (publish routes 32 MiB by default, HE sessions 128 MiB, others 1 MiB; the gateway reads a refused body of up to 512 MiB to its end so the client gets this reply)' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type', when: 'a body was sent with a content type other than application/json (text/plain included)' },
  'rate-limited': { status: 429, title: 'Too many requests', when: 'the authenticated identity (or the client address before authentication) exceeded its request rate' },
  internal: { status: 500, title: 'Internal error', when: 'an unexpected failure inside the gateway; the detail is withheld and the request id is logged' },
  'not-available': { status: 501, title: 'Not available yet', when: 'the operation is part of the API but its backing service (for example analytics) is not deployed' },
  'coordinator-error': { status: 502, title: 'Coordinator error', when: 'the coordinator answered with a malformed reply or an internal error, or a service behind it failed the operation (model-publish-failed, he-register-failed)' },
  'coordinator-unavailable': { status: 503, title: 'Coordinator unavailable', when: 'NATS is not connected or no coordinator is listening' },
  'service-unavailable': { status: 503, title: 'Compute service unavailable', when: 'the coordinator answers but the services the operation needs are not up: no HE worker (no-he-workers), or one only where dual execution needs two (he-unverifiable)' },
  'coordinator-timeout': { status: 504, title: 'Coordinator did not answer in time', when: 'the coordinator did not reply within the configured timeout' },
} as const satisfies Record<string, ProblemDefinition>;

/** Stable code of a catalogued problem. */
export type ProblemCode = keyof typeof problemCatalogue;

/** The RFC 9457 body the gateway sends. `errors` lists individual validation failures. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  errors?: { path: string; message: string }[];
}

/** The `type` URI of a problem code. */
export function problemType(code: ProblemCode): string {
  return `${PROBLEM_BASE_URI}${code}`;
}

/** Whether `code` names a catalogued problem. */
export function isProblemCode(code: string): code is ProblemCode {
  return Object.hasOwn(problemCatalogue, code);
}

/**
 * An error that becomes one catalogued problem response. Throw it from a handler or hook; the
 * gateway's error handler renders it, so the status and type always come from the catalogue.
 */
export class ProblemError extends MpcError {
  readonly problem: ProblemCode;
  readonly status: number;
  readonly errors?: { path: string; message: string }[];
  /** Extra headers to send with the problem (for example `Retry-After`). */
  readonly headers?: Record<string, string>;
  /** The coordinator's error this problem was made from (its code and detail), for routes that look closer. */
  readonly upstream?: { code: string; detail?: Record<string, unknown> };
  constructor(
    problem: ProblemCode,
    detail: string,
    options?: { cause?: unknown; errors?: { path: string; message: string }[]; headers?: Record<string, string>; upstream?: { code: string; detail?: Record<string, unknown> } },
  ) {
    super(`problem-${problem}`, detail, options);
    this.problem = problem;
    this.status = problemCatalogue[problem].status;
    this.errors = options?.errors;
    this.headers = options?.headers;
    this.upstream = options?.upstream;
  }
}

/** The problem body for `err`, with the request URL as `instance` and the request id. */
export function problemBody(err: ProblemError, instance?: string, requestId?: string): ProblemBody {
  const def = problemCatalogue[err.problem];
  const body: ProblemBody = { type: problemType(err.problem), title: def.title, status: def.status, detail: err.message };
  if (instance !== undefined) body.instance = instance;
  if (requestId !== undefined) body.requestId = requestId;
  if (err.errors && err.errors.length > 0) body.errors = err.errors;
  return body;
}

/** JSON schema of a problem body, used as the error response schema of every route. */
export const problemSchema = {
  $id: 'Problem',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
} as const;
