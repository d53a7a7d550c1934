/**
 * @module services/audit/credits
 * Credits from evidence: a pure, deterministic function of audit entries (docs/governance.md,
 * "Credits"). Every `job.finished` entry carries the job's cost as the three parties signed it
 * in their result reports (`cost`: protocol milliseconds and bytes sent, by party index); this
 * module prices those and sums them per tenant. The coordinator can run it over its own log and
 * `mpc credits --export <dir>` runs it over an export, so anyone holding an export recomputes
 * every tenant's usage and balance and gets the same canonical JSON.
 *
 * An HE job's entry carries instead the two HE workers' signed evaluation milliseconds
 * (`cost.heMs`, its MPC numbers are zeros); they are priced like the parties' compute
 * milliseconds (`msPerCredit`: a compute-second is a credit whoever spent it).
 *
 * Pricing is in integer millicredits so that the sum does not depend on the order of floating
 * additions: a job costs `ceil(1000 * (ΣcomputeMs + ΣheMs) / msPerCredit + 1000 * ΣbytesSent / bytesPerCredit)`
 * millicredits (defaults: one credit per compute-second summed over the parties or HE workers,
 * and one per MiB sent). A job is charged once, at its first `job.finished` entry (an outbox replay of the same
 * event is one entry, see services/wire/audit-entry `id`; a second `job.finished` for the same
 * job is ignored). Jobs that fail before finishing cost nothing: no party signed a result.
 */
import { canonicalJson } from '../../crypto-core/canonical-json.js';
import type { AuditEntry, JobCost } from '../wire/audit-entry.js';
import type { CreditPricing, TenantCredits } from '../wire/governance-reports.js';

export type { CreditPricing, TenantCredits } from '../wire/governance-reports.js';


/** The default pricing. */
export const DEFAULT_CREDIT_PRICING: Readonly<CreditPricing> = Object.freeze({ msPerCredit: 1000, bytesPerCredit: 1 << 20 });


/** Everything the function computed. */
export interface CreditsReport {
  entries: number;
  pricing: CreditPricing;
  /** By tenant id, sorted. */
  tenants: TenantCredits[];
}

/** Validated pricing, defaults filled in. @throws RangeError naming the bad field. */
export function checkPricing(p: Partial<CreditPricing> = {}): CreditPricing {
  const out = { ...DEFAULT_CREDIT_PRICING, ...p };
  for (const k of ['msPerCredit', 'bytesPerCredit'] as const) {
    if (!Number.isSafeInteger(out[k]) || out[k] <= 0) throw new RangeError(`${k} must be a positive integer, got ${String(p[k])}`);
  }
  return out;
}

/** The millicredits one job with these per-party numbers costs. */
export function jobMillicredits(computeMs: number, bytesSent: number, pricing: CreditPricing): number {
  // Integer arithmetic first, one division each, one ceiling: independent of summation order.
  return Math.ceil((1000 * computeMs) / pricing.msPerCredit + (1000 * bytesSent) / pricing.bytesPerCredit);
}

/** The sums of one job's cost: compute-ms over the three parties, bytes sent, and HE-worker ms over the two workers. */
export function costSums(cost: JobCost): { computeMs: number; bytesSent: number; heMs: number } {
  const sum = (v: readonly number[] | undefined): number => (v ?? []).reduce((a, b) => a + b, 0);
  return { computeMs: sum(cost.computeMs), bytesSent: sum(cost.bytesSent), heMs: sum(cost.heMs) };
}

/** The millicredits of one job's logged cost (HE-worker ms priced as compute ms). */
export function costMillicredits(cost: JobCost, pricing: CreditPricing): number {
  const s = costSums(cost);
  return jobMillicredits(s.computeMs + s.heMs, s.bytesSent, pricing);
}

/**
 * The running tally behind {@link computeCredits}: entries are folded in one at a time (in log
 * order), so the coordinator can keep it up to date as its log grows and still get exactly the
 * report a full recomputation gives.
 */
export class CreditsLedger {
  readonly pricing: CreditPricing;
  #entries = 0;
  readonly #byTenant = new Map<string, TenantCredits>();
  readonly #charged = new Set<string>();

  constructor(pricing: Partial<CreditPricing> = {}) {
    this.pricing = checkPricing(pricing);
  }

  #tenant(id: string): TenantCredits {
    let t = this.#byTenant.get(id);
    if (!t) this.#byTenant.set(id, (t = { tenant: id, jobs: 0, computeMs: 0, bytesSent: 0, usedMillicredits: 0 }));
    return t;
  }

  /** Folds in the next entry of the log. */
  add(e: AuditEntry): void {
    this.#entries++;
    if (e.type !== 'job.finished' || e.cost === undefined || e.tenant === undefined || e.jobId === undefined) return;
    if (this.#charged.has(e.jobId)) return;
    this.#charged.add(e.jobId);
    const s = costSums(e.cost);
    const t = this.#tenant(e.tenant);
    t.jobs++;
    t.computeMs += s.computeMs;
    t.bytesSent += s.bytesSent;
    if (e.cost.heMs !== undefined) t.heMs = (t.heMs ?? 0) + s.heMs;
    t.usedMillicredits += costMillicredits(e.cost, this.pricing);
  }

  /** How many entries were folded in. */
  get entries(): number {
    return this.#entries;
  }

  /** One tenant's numbers (zeros when it has no charged job), with its balance when `budget` (credits) is given. */
  tenant(id: string, budget?: number): TenantCredits {
    const t = { ...(this.#byTenant.get(id) ?? { tenant: id, jobs: 0, computeMs: 0, bytesSent: 0, usedMillicredits: 0 }) };
    if (budget === undefined) return t;
    if (!Number.isFinite(budget) || budget < 0) throw new RangeError(`budget of ${id} must be a non-negative number of credits, got ${budget}`);
    t.budgetMillicredits = Math.round(budget * 1000);
    t.balanceMillicredits = t.budgetMillicredits - t.usedMillicredits;
    return t;
  }

  /** The report over what was folded in, with balances for the tenants in `budgets`. */
  report(budgets: Readonly<Record<string, number>> = {}): CreditsReport {
    const ids = new Set([...this.#byTenant.keys(), ...Object.keys(budgets)]);
    const tenants = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((id) => this.tenant(id, Object.hasOwn(budgets, id) ? budgets[id] : undefined));
    return { entries: this.#entries, pricing: this.pricing, tenants };
  }
}

/**
 * Usage per tenant from `entries` (log order), with balances for the tenants in `budgets`
 * (tenant -> credits). Deterministic: the same entries, pricing and budgets give the same report.
 */
export function computeCredits(entries: readonly AuditEntry[], pricing: Partial<CreditPricing> = {}, budgets: Readonly<Record<string, number>> = {}): CreditsReport {
  const ledger = new CreditsLedger(pricing);
  for (const e of entries) ledger.add(e);
  return ledger.report(budgets);
}

/** The report as canonical JSON (RFC 8785): what `mpc credits --export --json` prints. */
export function creditsJson(report: CreditsReport): string {
  return canonicalJson(report);
}

/** The report as text, one line per tenant. */
export function creditsText(report: CreditsReport): string {
  const lines = [`${report.entries} entries; 1 credit = ${report.pricing.msPerCredit} compute-ms (parties or HE workers) or ${report.pricing.bytesPerCredit} bytes sent (summed over the parties)`];
  for (const t of report.tenants) {
    const bal = t.balanceMillicredits === undefined ? '' : ` budget ${t.budgetMillicredits! / 1000} balance ${t.balanceMillicredits / 1000}${t.balanceMillicredits <= 0 ? ' EXHAUSTED' : ''}`;
    lines.push(`${t.tenant}: jobs ${t.jobs} compute-ms ${t.computeMs} bytes-sent ${t.bytesSent}${t.heMs === undefined ? '' : ` he-ms ${t.heMs}`} used ${t.usedMillicredits / 1000}${bal}`);
  }
  return lines.join('\n') + '\n';
}
