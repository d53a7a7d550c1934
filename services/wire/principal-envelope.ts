/**
 * @module services/wire/principal-envelope
 * The envelope in which the gateway asserts a principal to the coordinator. Only the gateway
 * authenticates callers (API keys, signed requests), so only a key the coordinator trusts as a
 * gateway key may say who a request is from: any other holder of broker credentials that
 * reaches `mpc.coord.api.>` is refused, whatever principal it writes.
 *
 * Wire form of a signed request (the JSON published on `subjects.api(method)`):
 *
 * ```
 * { "signed": "<the request as JSON text>", "envelope": { "gateway", "at", "nonce", "signature" }, "acceptChunks"?: true }
 * ```
 *
 * The request travels as text so that its digest is over the exact bytes signed (no
 * canonicalisation of megabytes of sealed shares). The signed message is
 *
 * ```
 * "mpc-principal-envelope/v1\n" METHOD "\n" JCS(principal | null) "\n" hex(SHA-256(text)) "\n" AT "\n" NONCE
 * ```
 *
 * Why each part: the method stops an envelope for `jobs.get` being replayed on `jobs.result`; the
 * principal is named on its own so the statement reads as "gateway G says this is P"; the
 * digest binds every other field; `at` (milliseconds since the Unix epoch) bounds replay to the
 * coordinator's window, and the nonce (16 random bytes, hex), remembered for that window, stops
 * replay inside it. `acceptChunks` only changes how the reply is framed and stays outside.
 */
import { createHash, randomBytes } from 'node:crypto';
import { canonicalJson } from '../../crypto-core/canonical-json.js';
import { sign, verifySignature } from '../../crypto-core/keys/signing.js';

/** Version label at the start of the signed message. */
export const PRINCIPAL_ENVELOPE_LABEL = 'mpc-principal-envelope/v1';

/** A gateway's signing key: its id (as the coordinator's trust list names it) and Ed25519 seed. */
export interface PrincipalSigner {
  readonly id: string;
  readonly secretKey: Uint8Array;
}

/** The envelope beside a signed request. */
export interface PrincipalEnvelope {
  /** Id of the gateway key that signed. */
  gateway: string;
  /** Signing time, milliseconds since the Unix epoch. */
  at: number;
  /** 32 hex digits, fresh per request. */
  nonce: string;
  /** Base64 of the 64-byte Ed25519 signature. */
  signature: string;
}

/** A request as it travels when signed. */
export interface SignedRequest {
  signed: string;
  envelope: PrincipalEnvelope;
  acceptChunks?: true;
}

/** Nonce form: 16 bytes as lower-case hex. */
export const NONCE_RE = /^[0-9a-f]{32}$/;

/** The bytes a gateway signs for one request. */
export function envelopeMessage(method: string, principal: unknown, text: string, at: number, nonce: string): Uint8Array {
  const digest = createHash('sha256').update(text, 'utf8').digest('hex');
  return new TextEncoder().encode(`${PRINCIPAL_ENVELOPE_LABEL}\n${method}\n${canonicalJson(principal ?? null)}\n${digest}\n${at}\n${nonce}`);
}

/**
 * Signs `req` (which carries its `principal`, or none) for `method`.
 * @param opts.now - signing time (default `Date.now()`); opts.nonce - 32 hex digits (default random).
 */
export function signRequestEnvelope(signer: PrincipalSigner, method: string, req: object, opts: { now?: number; nonce?: string; acceptChunks?: boolean } = {}): SignedRequest {
  const text = JSON.stringify(req);
  const at = opts.now ?? Date.now();
  const nonce = opts.nonce ?? randomBytes(16).toString('hex');
  // The principal as the coordinator will parse it (a member that is undefined is not sent).
  const raw = (req as { principal?: unknown }).principal;
  const principal = raw === undefined ? null : (JSON.parse(JSON.stringify(raw)) as unknown);
  const signature = Buffer.from(sign(envelopeMessage(method, principal, text, at, nonce), signer.secretKey)).toString('base64');
  return { signed: text, envelope: { gateway: signer.id, at, nonce, signature }, ...(opts.acceptChunks ? { acceptChunks: true as const } : {}) };
}

/** Whether `envelope` signs `text` (whose parsed principal is `principal`) for `method` under `publicKey`; false for any malformed input. */
export function verifyRequestEnvelope(publicKey: Uint8Array, method: string, principal: unknown, text: string, envelope: PrincipalEnvelope): boolean {
  if (typeof envelope.signature !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(envelope.signature)) return false;
  let message: Uint8Array;
  try {
    message = envelopeMessage(method, principal, text, envelope.at, envelope.nonce);
  } catch {
    return false;
  }
  return verifySignature(new Uint8Array(Buffer.from(envelope.signature, 'base64')), message, publicKey);
}
