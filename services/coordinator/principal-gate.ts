/**
 * @module services/coordinator/principal-gate
 * What a request from the broker passes before any coordinator method sees it: the principal
 * it carries is believed only inside an envelope (services/wire/principal-envelope) signed by a
 * gateway key this coordinator trusts, recent (within `windowMs` of this coordinator's clock,
 * either way) and not seen before (its nonce is remembered for as long as it could be fresh).
 * Everything else is refused with `envelope-refused` (401), whose `detail.reason` says which
 * check failed. Only {@link UNSIGNED_METHODS} (readiness and the registry: no principal, no
 * tenant data) answer unsigned requests, so probes and health checks need no gateway key.
 *
 * A coordinator configured with no gateway keys answers only those methods over the broker:
 * the safe default. In-process callers (tests, composition) call `CoordinatorApi.call`, which
 * this gate does not guard.
 *
 * The nonce cache is per process: coordinators sharing the `coordinator` queue group do not
 * share it, so an envelope replayed to another instance within the window is not caught (a
 * known limitation until the cache lives in JetStream KV).
 */
import { fromHex } from '../../crypto-core/encoding.js';
import type { CoordinatorMethod } from '../wire/api.js';
import { NONCE_RE, verifyRequestEnvelope, type PrincipalEnvelope } from '../wire/principal-envelope.js';
import { ApiFailure } from './errors.js';
import { SeenNonces } from './seen-nonces.js';

/** A gateway key the coordinator trusts to assert principals, from its configuration. */
export interface TrustedGateway {
  id: string;
  /** Ed25519 public key, hex. */
  signingPublicKey: string;
}

/** Methods that take no principal and answer unsigned requests (readiness probes, the service list). */
export const UNSIGNED_METHODS: readonly CoordinatorMethod[] = ['health.ready', 'registry.list'];

/** Why an envelope was refused (`detail.reason` of the failure). */
export type EnvelopeRefusal = 'unsigned' | 'malformed' | 'unknown-gateway' | 'bad-signature' | 'stale' | 'replayed' | 'busy';

/** Options of {@link PrincipalGate}. */
export interface PrincipalGateOptions {
  /** Largest difference between an envelope's time and this coordinator's clock (default 30 s). */
  windowMs?: number;
  now?: () => number;
  /** Most nonces remembered at once (default 1,000,000). */
  maxNonces?: number;
}

function refuse(reason: EnvelopeRefusal, message: string): never {
  throw new ApiFailure('envelope-refused', 401, message, { reason });
}

/** The check of requests arriving over the broker. */
export class PrincipalGate {
  readonly #keys = new Map<string, Uint8Array>();
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #seen: SeenNonces;

  /** @throws RangeError / InvalidArgumentError for a malformed window or gateway key. */
  constructor(gateways: readonly TrustedGateway[], opts: PrincipalGateOptions = {}) {
    for (const [i, g] of gateways.entries()) this.#keys.set(g.id, fromHex(g.signingPublicKey, `gateways[${i}].signingPublicKey`, 32));
    this.#windowMs = opts.windowMs ?? 30_000;
    if (!Number.isInteger(this.#windowMs) || this.#windowMs <= 0) throw new RangeError(`windowMs: expected positive integer, got ${this.#windowMs}`);
    this.#now = opts.now ?? Date.now;
    this.#seen = new SeenNonces(opts.maxNonces);
  }

  /**
   * The request a method may act on: `req` itself for an unsigned method, else the request
   * inside a valid envelope (with `acceptChunks` carried over).
   * @throws ApiFailure `envelope-refused` (401) naming the failed check.
   */
  admit(method: string, req: unknown): unknown {
    if ((UNSIGNED_METHODS as readonly string[]).includes(method)) return req;
    const r = req as { signed?: unknown; envelope?: unknown; acceptChunks?: unknown } | null;
    if (typeof r !== 'object' || r === null || r.envelope === undefined) {
      refuse('unsigned', `${method}: the coordinator accepts a principal only inside an envelope signed by a trusted gateway; this request has none (call through the gateway)`);
    }
    const e = r.envelope as Partial<PrincipalEnvelope> | null;
    if (typeof r.signed !== 'string' || typeof e !== 'object' || e === null || typeof e.gateway !== 'string' || !Number.isSafeInteger(e.at) || typeof e.nonce !== 'string' || !NONCE_RE.test(e.nonce) || typeof e.signature !== 'string') {
      refuse('malformed', `${method}: envelope: expected { signed, envelope: { gateway, at, nonce, signature } }`);
    }
    const key = this.#keys.get(e.gateway);
    if (!key) refuse('unknown-gateway', `${method}: envelope: ${JSON.stringify(e.gateway.slice(0, 64))} is not a gateway this coordinator trusts`);
    // Cheap checks before the signature; the nonce is recorded only once the signature holds.
    const now = this.#now();
    if (Math.abs(now - e.at!) > this.#windowMs) refuse('stale', `${method}: envelope: signed at ${e.at}, outside ${this.#windowMs} ms of the coordinator's clock (${now})`);
    let inner: unknown;
    try {
      inner = JSON.parse(r.signed);
    } catch {
      refuse('malformed', `${method}: envelope: the signed request is not JSON`);
    }
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) refuse('malformed', `${method}: envelope: the signed request is not a JSON object`);
    const principal = (inner as { principal?: unknown }).principal;
    if (!verifyRequestEnvelope(key, method, principal, r.signed, e as PrincipalEnvelope)) {
      refuse('bad-signature', `${method}: envelope: the signature of gateway ${e.gateway} does not verify for this method, principal and request`);
    }
    const seen = this.#seen.record(e.nonce, now, now + 2 * this.#windowMs);
    if (seen === 'replayed') refuse('replayed', `${method}: envelope: nonce ${e.nonce} was already used`);
    if (seen === 'full') refuse('busy', `${method}: envelope: too many envelopes within the replay window; retry`);
    return r.acceptChunks === true ? { ...(inner as object), acceptChunks: true } : inner;
  }
}
