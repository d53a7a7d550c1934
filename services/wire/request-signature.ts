/**
 * @module services/wire/request-signature
 * Ed25519-signed requests: the alternative to an API key for clients that hold a signing key.
 * Shared by the gateway (verify) and the SDK (sign), so both build the same message.
 *
 * Headers: `X-Mpc-Key-Id` (signing identity id), `X-Mpc-Timestamp` (milliseconds since the Unix
 * epoch, decimal), `X-Mpc-Signature` (base64 of the 64-byte signature). The signed message is
 *
 * ```
 * "mpc-request/v1\n" METHOD "\n" PATH "\n" TIMESTAMP "\n" hex(SHA-256(body))
 * ```
 *
 * where PATH is the request target as sent (path and query string). Why each part: the method
 * and path stop a signature for one route being replayed on another, the body hash binds the
 * payload, the timestamp bounds replay to the skew window (and the gateway remembers the
 * signatures it saw within that window), the version label keeps a future format apart.
 */
import { createHash } from 'node:crypto';
import { sign, verifySignature } from '../../crypto-core/keys/signing.js';

/** Header names (lower case, as Node presents them). */
export const SIGNATURE_HEADERS = { keyId: 'x-mpc-key-id', timestamp: 'x-mpc-timestamp', signature: 'x-mpc-signature' } as const;

/** Version label at the start of the signed message. */
export const REQUEST_SIGNATURE_LABEL = 'mpc-request/v1';

/** The bytes that are signed for one request. */
export function requestSigningMessage(method: string, path: string, timestampMs: number, body: Uint8Array): Uint8Array {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return new TextEncoder().encode(`${REQUEST_SIGNATURE_LABEL}\n${method.toUpperCase()}\n${path}\n${timestampMs}\n${bodyHash}`);
}

/**
 * The three signature headers of a request.
 * @param keyId - the signing identity id registered at the gateway.
 * @param secretKey - the 32-byte Ed25519 seed.
 */
export function signRequest(keyId: string, secretKey: Uint8Array, method: string, path: string, body: Uint8Array, timestampMs: number = Date.now()): Record<string, string> {
  const sig = sign(requestSigningMessage(method, path, timestampMs, body), secretKey);
  return {
    [SIGNATURE_HEADERS.keyId]: keyId,
    [SIGNATURE_HEADERS.timestamp]: String(timestampMs),
    [SIGNATURE_HEADERS.signature]: Buffer.from(sig).toString('base64'),
  };
}

/** Whether `signature` signs this request under `publicKey`; false for any malformed input. */
export function verifyRequestSignature(publicKey: Uint8Array, signatureB64: string, method: string, path: string, timestampMs: number, body: Uint8Array): boolean {
  if (!/^[A-Za-z0-9+/]{86}==$/.test(signatureB64)) return false;
  const sig = new Uint8Array(Buffer.from(signatureB64, 'base64'));
  return verifySignature(sig, requestSigningMessage(method, path, timestampMs, body), publicKey);
}
