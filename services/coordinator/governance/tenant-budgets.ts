/**
 * @module services/coordinator/governance/tenant-budgets
 * Credit budgets of tenants (docs/governance.md, "Credits"): the coordinator's usage per tenant
 * is the pure ledger of services/audit/credits over its own audit log (the `cost` of each
 * `job.finished` entry, as the parties signed it), folded in as the log grows, so `mpc credits
 * --export` over an export gives the same numbers. A submission by a tenant with a budget whose
 * balance is at or below zero is refused before the job is created (no party works):
 * `credits-exhausted` (402). Jobs still running are not counted until they finish, so a tenant
 * can overshoot its budget by the cost of the jobs it has in flight. `credits.get` answers a
 * tenant its own numbers; an admin may name any tenant.
 */
import { CreditsLedger, type CreditPricing, type TenantCredits } from '../../audit/credits.js';
import type { AuditEntry } from '../../wire/audit-entry.js';
import type { Principal } from '../../wire/api.js';
import { ApiFailure } from '../errors.js';
import { checkPrincipal, requireRole } from '../principal-check.js';

/** Budgets (tenant -> credits) and pricing, from the coordinator config's `credits`. */
export interface CreditSettings {
  budgets?: Record<string, number>;
  pricing?: Partial<CreditPricing>;
}

/** The part of the Merkle log the ledger reads. */
export interface CreditsLogReader {
  readonly size: number;
  entries(query: { from: number; to?: number }): AuditEntry[];
}

/** The budgets (an ApiExtension of CoordinatorApi for `credits.get`, and its submission check). */
export class TenantBudgets {
  readonly #ledger: CreditsLedger;
  readonly #budgets: Record<string, number>;
  readonly #log: CreditsLogReader;

  constructor(log: CreditsLogReader, settings: CreditSettings = {}) {
    this.#log = log;
    this.#ledger = new CreditsLedger(settings.pricing);
    this.#budgets = { ...(settings.budgets ?? {}) };
    for (const [t, b] of Object.entries(this.#budgets)) if (!Number.isFinite(b) || b < 0) throw new RangeError(`credits.budgets.${t}: expected a non-negative number of credits, got ${b}`);
  }

  /** Folds in the entries appended since the last call. */
  #catchUp(): void {
    const size = this.#log.size;
    if (size > this.#ledger.entries) for (const e of this.#log.entries({ from: this.#ledger.entries, to: size })) this.#ledger.add(e);
  }

  /** `tenant`'s usage and balance now. */
  of(tenant: string): TenantCredits {
    this.#catchUp();
    return this.#ledger.tenant(tenant, Object.hasOwn(this.#budgets, tenant) ? this.#budgets[tenant] : undefined);
  }

  /**
   * Refuses a submission by `principal`'s tenant when its budget is used up.
   * @throws ApiFailure `credits-exhausted` (402).
   */
  admit(principal: Principal): void {
    if (!Object.hasOwn(this.#budgets, principal.tenant)) return;
    const t = this.of(principal.tenant);
    if (t.balanceMillicredits! <= 0) {
      throw new ApiFailure('credits-exhausted', 402, `tenant ${principal.tenant} has used ${t.usedMillicredits / 1000} of its ${t.budgetMillicredits! / 1000} credits (${t.jobs} jobs); ask an operator for a larger budget`);
    }
  }

  handles(method: string): boolean {
    return method === 'credits.get';
  }

  async call(_method: string, req: unknown): Promise<unknown> {
    const r = (req ?? {}) as Record<string, unknown>;
    const principal = checkPrincipal(r.principal);
    let tenant = principal.tenant;
    if (r.tenant !== undefined) {
      if (typeof r.tenant !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/.test(r.tenant)) throw new ApiFailure('invalid-request', 400, `tenant: expected a tenant id, got ${JSON.stringify(r.tenant)?.slice(0, 40)}`);
      if (r.tenant !== tenant) requireRole(principal, 'admin', "reading another tenant's credits");
      tenant = r.tenant;
    }
    return { credits: this.of(tenant), pricing: this.#ledger.pricing };
  }
}
