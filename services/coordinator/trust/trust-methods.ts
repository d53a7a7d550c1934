/**
 * @module services/coordinator/trust/trust-methods
 * `trust.rotate`: the coordinator's record of a trust-bundle rotation. Clients decide for
 * themselves whether to accept a new bundle (wire/trust-bundle `verifyRotation`); what the
 * coordinator adds is the audit entry, so that every rotation an operator hands out is in the
 * log, with the fingerprints of both bundles, where auditors (and clients) can compare it with
 * the bundle they were given.
 *
 * The coordinator records a rotation only when `current` pins exactly the parties this
 * deployment trusts (ids, indices and both keys, from its configuration) and `next` names
 * `current` as its predecessor and carries the signatures of all three of those parties: a
 * rotation the parties did not sign is refused and not logged.
 */
import { MpcError } from '../../../crypto-core/errors.js';
import type { AuditEvent } from '../../wire/audit-entry.js';
import type { CoordinatorMethods } from '../../wire/api.js';
import { parseTrustBundle, trustBundleFingerprint, verifyRotation, type TrustBundle } from '../../wire/trust-bundle.js';
import type { AuditSink } from '../audit/audit-sink.js';
import { ApiFailure } from '../errors.js';
import { checkPrincipal, requireRole } from '../principal-check.js';
import type { ServiceRegistry } from '../service-registry.js';

/** The coordinator's trust methods (an ApiExtension of CoordinatorApi). */
export class TrustMethods {
  constructor(
    private readonly registry: ServiceRegistry,
    private readonly audit: AuditSink,
  ) {}

  handles(method: string): boolean {
    return method === 'trust.rotate';
  }

  /**
   * Answers `trust.rotate`.
   * @throws ApiFailure: invalid-request 400 (a malformed bundle, naming the field),
   *   trust-bundle-mismatch 409 (`current` is not this deployment's), rotation-refused 400.
   */
  async call(method: string, req: unknown): Promise<CoordinatorMethods['trust.rotate']['res']> {
    if (method !== 'trust.rotate') throw new ApiFailure('invalid-request', 400, `method: ${JSON.stringify(method)} is not a trust method`);
    const r = (req ?? {}) as Record<string, unknown>;
    const principal = checkPrincipal(r.principal);
    requireRole(principal, 'admin', 'recording a trust bundle rotation');
    const current = this.#parse(r.current, 'current');
    const next = this.#parse(r.next, 'next');
    this.#checkDeployment(current);
    const verdict = verifyRotation(current, next);
    if (!verdict.ok) throw new ApiFailure('rotation-refused', 400, `next: ${verdict.reason}`);
    const fingerprint = trustBundleFingerprint(next);
    const previous = trustBundleFingerprint(current);
    const event: AuditEvent = {
      type: 'key.rotated',
      actor: principal.actor,
      tenant: principal.tenant,
      keyId: `trust-bundle:${fingerprint.slice(0, 32)}`,
      reason: `trust bundle of ${next.deployment} rotated, signed by ${current.parties.map((p) => p.id).join(', ')}`.slice(0, 200),
      hashes: { previous, next: fingerprint },
    };
    await this.audit.append(event);
    return { fingerprint, previous, recorded: true };
  }

  #parse(v: unknown, name: string): TrustBundle {
    try {
      return parseTrustBundle(v);
    } catch (e) {
      if (e instanceof MpcError) throw new ApiFailure('invalid-request', 400, `${name}: ${e.message}`, undefined, { cause: e });
      throw e;
    }
  }

  /** `bundle` pins exactly the parties this coordinator trusts. */
  #checkDeployment(bundle: TrustBundle): void {
    for (const p of bundle.parties) {
      const known = this.registry.trusted(p.id);
      const same = known?.kind === 'party' && known.index === p.index && known.signingPublicKey.toLowerCase() === p.signingPublicKey && known.agreementPublicKey.toLowerCase() === p.agreementPublicKey;
      if (!same) throw new ApiFailure('trust-bundle-mismatch', 409, `current.parties[${p.index}]: ${p.id} with these keys is not a party of this deployment`);
    }
  }
}
