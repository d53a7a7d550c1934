/**
 * @module services/wire/he-messages
 * The request/reply protocol between the coordinator and an HE worker service, on the worker's
 * `subjects.jobDispatch(id)` (the subject the coordinator already dispatches on) with health on
 * `subjects.health(id)`. Requests are signed by the coordinator (domain {@link HE_REQUEST_DOMAIN})
 * and name their addressee, a fresh request id and the time they were issued, so a worker runs
 * only what its coordinator sent to it, and only once. Replies are signed by the worker (domain
 * {@link HE_REPLY_DOMAIN}) and name the request id, so the coordinator can attribute each result
 * hash of a dual execution to the worker that produced it.
 *
 * Large requests (a session's evaluation keys, ~19 MB) and replies travel in the pieces of
 * services/transport/chunked-message; every reply ends with an empty message (sentinel), so
 * the requester reads pieces until the sentinel. Binary fields are base64.
 */
import type { SignedModelVersion } from './model-version.js';
import type { CkksParams } from '../../crypto-core/he/ckks-params.js';
import { piecesFor } from './chunked-message.js';

/**
 * Largest `he.registerKeys` request (gateway -> coordinator) and HE worker request, reassembled
 * from its pieces: N = 16384 evaluation keys are ~80 MB as base64 (the gateway's
 * heSessionBodyLimit is 128 MiB), with room for the JSON and signature around them.
 */
export const HE_SESSION_REQUEST_MAX_BYTES = 192 << 20;

/** Largest reply the coordinator reassembles from a worker's pieces (a result ciphertext is a few MB). */
export const HE_REPLY_MAX_BYTES = 64 << 20;
/**
 * Messages a worker may send to one request's reply subject (its NATS `allow_responses.max`):
 * the pieces of a {@link HE_REPLY_MAX_BYTES} reply on a server whose max_payload is 64 KiB or
 * more, plus the empty end message. nats-server's default of one response would drop every
 * piece after the first and the end message ("Publish Violation").
 */
export const HE_REPLY_MAX_MESSAGES = piecesFor(HE_REPLY_MAX_BYTES, 64 << 10) + 1;

/** Domain of coordinator -> worker requests. */
export const HE_REQUEST_DOMAIN = 'mpc-he-request/v1';
/** Domain of worker -> coordinator replies. */
export const HE_REPLY_DOMAIN = 'mpc-he-reply/v1';
/** Job kind an HE worker announces as its capability. */
export const HE_CAPABILITY = 'he-inference';

/** A serialized model: the ONNX file, or a ModelIR whose tensors are plain number arrays. */
export type WireModel = { format: 'onnx'; onnx: string } | { format: 'ir'; ir: WireModelIR };

/** ModelIR as JSON: tensors as `{ shape, data: number[] }`. */
export interface WireModelIR {
  inputShape: number[];
  outputShape: number[];
  layers: Record<string, unknown>[];
}

/** An EvalKeyBundle as JSON (keys base64). */
export interface WireEvalKeys {
  params: CkksParams;
  publicKey: string;
  relinKeys: string;
  galoisKeys: string;
  galoisSteps: number[];
}

/** Fields every request carries. */
interface RequestHead {
  /** Random id, unique per request (replay protection). */
  requestId: string;
  /** Service id of the addressee. */
  to: string;
  /** Epoch ms. */
  issuedAt: number;
}

/** Coordinator -> worker. */
export type HeRequest =
  /** `batch`: queries per ciphertext the model is planned for (protocols/he planHeModel; absent: 1). */
  | (RequestHead & { type: 'register-model'; modelId: string; model: WireModel; batch?: number; statement?: SignedModelVersion })
  | (RequestHead & { type: 'register-session'; sessionId: string; evalKeys: WireEvalKeys })
  | (RequestHead & { type: 'drop-session'; sessionId: string })
  | (RequestHead & { type: 'evaluate'; jobId: string; sessionId: string; modelId: string; ciphertext: string });

/** Type of a request. */
export type HeRequestType = HeRequest['type'];

/** What each request type answers on success. */
export interface HeReplyResults {
  /** `planDigest`: SHA-256 of the plan the worker made (plan-digest.ts); equal on every worker for one model. */
  'register-model': { planDigest: string };
  'register-session': { sessionId: string };
  'drop-session': { dropped: boolean };
  /**
   * The result ciphertext (base64), the SHA-256 (hex) the worker computed over its bytes, and
   * the worker's signature (base64) of its output statement (wire/output-statement: job, model,
   * input and result digests, the session's key digest), which the client checks.
   */
  evaluate: { ciphertext: string; sha256: string; ms: number; statementSignature: string };
}

/** Worker -> coordinator. */
export type HeReply =
  | { ok: true; requestId: string; from: string; result: HeReplyResults[HeRequestType] }
  /** `code`: the stable code of the worker's named error (e.g. he-malformed-data, he-unknown-session). */
  | { ok: false; requestId: string; from: string; error: { code: string; name: string; message: string } };

/** How old (or how far in the future) a request may be, ms. */
export const HE_REQUEST_MAX_AGE_MS = 5 * 60_000;
