/**
 * @module services/gateway/authenticator
 * Who sent a request: an API key (`Authorization: Bearer <key>` or `X-Api-Key: <key>`) or an
 * Ed25519 request signature (services/gateway/request-signature). The result is the
 * {@link Principal} the gateway forwards to the coordinator; failures are catalogued problems.
 */
import type { Principal } from '../wire/api.js';
import type { ApiKeyStore } from './api-key-store.js';
import { ProblemError } from './problems.js';
import { SIGNATURE_HEADERS, verifyRequestSignature } from '../wire/request-signature.js';

/** The parts of a request authentication looks at. */
export interface AuthInput {
  method: string;
  /** Request target as sent (path and query). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** Raw body bytes (empty for none). */
  rawBody: Uint8Array;
}

/** Remembers signatures seen within the skew window, so a captured signed request cannot be replayed. */
export class SignatureReplayCache {
  readonly #seen = new Map<string, number>();
  readonly #max: number;
  constructor(max = 100_000) {
    this.#max = max;
  }
  /** Records `signature` until `expiresAt`; returns false if it was already recorded and live. */
  remember(signature: string, now: number, expiresAt: number): boolean {
    const prev = this.#seen.get(signature);
    if (prev !== undefined && prev > now) return false;
    this.#seen.set(signature, expiresAt);
    if (this.#seen.size > this.#max) {
      for (const [sig, exp] of this.#seen) {
        if (exp <= now || this.#seen.size > this.#max) this.#seen.delete(sig);
        else break;
      }
    }
    return true;
  }
}

function header(h: AuthInput['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Authenticates `req`; throws `unauthenticated`, `invalid-credentials` or `signature-expired` problems. */
export function authenticate(req: AuthInput, store: ApiKeyStore, now: number, skewMs: number, replay: SignatureReplayCache): Principal {
  const auth = header(req.headers, 'authorization');
  const apiKey = header(req.headers, 'x-api-key') ?? (auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : undefined);
  if (auth !== undefined && !auth.startsWith('Bearer ')) throw new ProblemError('invalid-credentials', 'Authorization: only the Bearer scheme is accepted');
  if (apiKey !== undefined) {
    const principal = store.authenticateKey(apiKey);
    if (!principal) throw new ProblemError('invalid-credentials', 'the API key is not valid');
    return principal;
  }
  const keyId = header(req.headers, SIGNATURE_HEADERS.keyId);
  const ts = header(req.headers, SIGNATURE_HEADERS.timestamp);
  const sig = header(req.headers, SIGNATURE_HEADERS.signature);
  if (keyId === undefined && ts === undefined && sig === undefined) {
    throw new ProblemError('unauthenticated', 'send an API key (Authorization: Bearer <key>) or a signed request (X-Mpc-Key-Id, X-Mpc-Timestamp, X-Mpc-Signature)');
  }
  if (keyId === undefined || ts === undefined || sig === undefined) {
    throw new ProblemError('invalid-credentials', 'a signed request needs all of X-Mpc-Key-Id, X-Mpc-Timestamp and X-Mpc-Signature');
  }
  if (!/^[0-9]{1,16}$/.test(ts)) throw new ProblemError('invalid-credentials', 'X-Mpc-Timestamp: expected milliseconds since the Unix epoch as a decimal integer');
  const tsMs = Number(ts);
  const ident = store.signingIdentity(keyId);
  // Verify before judging the time, so an unknown key and a bad signature look the same.
  if (!ident || !verifyRequestSignature(ident.publicKey, sig, req.method, req.url, tsMs, req.rawBody)) {
    throw new ProblemError('invalid-credentials', 'the request signature does not verify');
  }
  if (Math.abs(now - tsMs) > skewMs) {
    throw new ProblemError('signature-expired', `X-Mpc-Timestamp: ${tsMs} is more than ${skewMs} ms away from the gateway clock (${now})`);
  }
  if (!replay.remember(sig, now, tsMs + skewMs)) throw new ProblemError('signature-expired', 'this request signature was already used');
  return ident.principal;
}
