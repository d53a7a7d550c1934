/**
 * @module services/coordinator/governance/service-kpis
 * The network's KPIs (docs/governance.md, "KPIs") as the coordinator serves them: the pure tally
 * of services/audit/kpis over its own Merkle log, folded in as the log grows, so a recomputation
 * over an export gives the same report. `kpis.get` needs the `auditor` role (or admin): the
 * numbers span every tenant.
 */
import { KpiTally, type KpiReport } from '../../audit/kpis.js';
import type { CreditPricing } from '../../audit/credits.js';
import { checkPrincipal, requireRole } from '../principal-check.js';
import type { CreditsLogReader } from './tenant-budgets.js';

/** `kpis.get` (an ApiExtension of CoordinatorApi). */
export class ServiceKpis {
  readonly #tally: KpiTally;
  readonly #log: CreditsLogReader;

  constructor(log: CreditsLogReader, pricing?: Partial<CreditPricing>) {
    this.#log = log;
    this.#tally = new KpiTally(pricing);
  }

  /** The report over the whole log now. */
  report(): KpiReport {
    const size = this.#log.size;
    if (size > this.#tally.entries) for (const e of this.#log.entries({ from: this.#tally.entries, to: size })) this.#tally.add(e);
    return this.#tally.report();
  }

  handles(method: string): boolean {
    return method === 'kpis.get';
  }

  async call(_method: string, req: unknown): Promise<unknown> {
    requireRole(checkPrincipal((req as { principal?: unknown } | undefined)?.principal), 'auditor', 'reading the KPIs');
    return this.report();
  }
}
