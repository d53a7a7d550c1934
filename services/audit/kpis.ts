/**
 * @module services/audit/kpis
 * Key performance indicators from evidence (docs/governance.md, "KPIs"): a pure, deterministic
 * function of audit entries, like reputation and credits, so the numbers the coordinator serves
 * (`kpis.get`, `GET /v1/kpis`, the gateway's /metrics) can be recomputed from an export.
 *
 * Per job kind (from the `jobKind` of each `job.created` entry; jobs whose creation entry
 * predates the field count as `unknown`): jobs ended, verified, failed, failed verification,
 * the error rate (not verified / ended), and the latency from the `job.created` entry's time to
 * the terminal entry's time (log times, millisecond resolution): p50 and p95 by the nearest-rank
 * method. Across kinds: cost per request (mean millicredits of the jobs with a signed cost,
 * priced as services/audit/credits prices them), accusations (`verification.failed` entries),
 * quarantines and reinstatements. A job counts once, at its first terminal entry.
 */
import { canonicalJson } from '../../crypto-core/canonical-json.js';
import type { AuditEntry } from '../wire/audit-entry.js';
import type { CreditPricing, KpiReport, KindKpis } from '../wire/governance-reports.js';
import { checkPricing, costMillicredits } from './credits.js';

export type { KpiReport, KindKpis } from '../wire/governance-reports.js';

const TERMINAL = new Set(['job.verified', 'job.failed', 'job.failed-verification']);



/** The value at rank ceil(q n) of the sorted `xs` (nearest rank), null when empty. */
function nearestRank(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

interface KindTally {
  ended: number;
  verified: number;
  failed: number;
  failedVerification: number;
  latencies: number[];
}

/** The running tally behind {@link computeKpis}: entries folded in log order, as the log grows. */
export class KpiTally {
  readonly pricing: CreditPricing;
  #entries = 0;
  readonly #created = new Map<string, { kind: string; at: number }>();
  readonly #ended = new Set<string>();
  readonly #costed = new Set<string>();
  readonly #kinds = new Map<string, KindTally>();
  #costJobs = 0;
  #costSum = 0;
  #verificationFailures = 0;
  #accusations = 0;
  #quarantines = 0;
  #reinstatements = 0;

  constructor(pricing: Partial<CreditPricing> = {}) {
    this.pricing = checkPricing(pricing);
  }

  /** How many entries were folded in. */
  get entries(): number {
    return this.#entries;
  }

  /** Folds in the next entry of the log. */
  add(e: AuditEntry): void {
    this.#entries++;
    if (e.type === 'verification.failed') this.#accusations++;
    else if (e.type === 'party.quarantined') this.#quarantines++;
    else if (e.type === 'party.reinstated') this.#reinstatements++;
    if (e.jobId === undefined) return;
    if (e.type === 'job.created' && !this.#created.has(e.jobId)) this.#created.set(e.jobId, { kind: e.jobKind ?? 'unknown', at: Date.parse(e.time) });
    else if (e.type === 'job.finished' && e.cost !== undefined && !this.#costed.has(e.jobId)) {
      this.#costed.add(e.jobId);
      this.#costJobs++;
      this.#costSum += costMillicredits(e.cost, this.pricing);
    } else if (TERMINAL.has(e.type) && !this.#ended.has(e.jobId)) {
      this.#ended.add(e.jobId);
      const created = this.#created.get(e.jobId);
      const kind = created?.kind ?? 'unknown';
      let t = this.#kinds.get(kind);
      if (!t) this.#kinds.set(kind, (t = { ended: 0, verified: 0, failed: 0, failedVerification: 0, latencies: [] }));
      t.ended++;
      if (e.type === 'job.verified') t.verified++;
      else if (e.type === 'job.failed') t.failed++;
      else {
        t.failedVerification++;
        this.#verificationFailures++;
      }
      if (created) t.latencies.push(Date.parse(e.time) - created.at);
    }
  }

  /** The report over what was folded in. */
  report(): KpiReport {
    const kinds = [...this.#kinds.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([kind, t]): KindKpis => {
        const sorted = [...t.latencies].sort((a, b) => a - b);
        return {
          kind,
          ended: t.ended,
          verified: t.verified,
          failed: t.failed,
          failedVerification: t.failedVerification,
          errorRate: t.ended === 0 ? 0 : Math.round(((t.failed + t.failedVerification) / t.ended) * 1e6) / 1e6,
          latencyMs: { p50: nearestRank(sorted, 0.5), p95: nearestRank(sorted, 0.95) },
        };
      });
    return {
      entries: this.#entries,
      kinds,
      costPerRequest: { jobs: this.#costJobs, meanMillicredits: this.#costJobs === 0 ? null : Math.round((this.#costSum / this.#costJobs) * 1000) / 1000 },
      verificationFailures: this.#verificationFailures,
      accusations: this.#accusations,
      quarantines: this.#quarantines,
      reinstatements: this.#reinstatements,
      pricing: this.pricing,
    };
  }
}

/** The indicators of `entries` (log order). Deterministic: the same entries and pricing give the same report. */
export function computeKpis(entries: readonly AuditEntry[], pricing: Partial<CreditPricing> = {}): KpiReport {
  const tally = new KpiTally(pricing);
  for (const e of entries) tally.add(e);
  return tally.report();
}

/** The report as canonical JSON (what `kpis.get` answers and an offline recomputation prints). */
export function kpisJson(report: KpiReport): string {
  return canonicalJson(report);
}
