/**
 * @module services/wire/governance-reports
 * The shapes of the reports computed from the audit log that cross the wire (coordinator
 * `credits.get` and `kpis.get`, the gateway's `/v1/credits`, `/v1/kpis` and /metrics): the
 * functions that compute them live in services/audit (credits, kpis).
 */

/** How cost turns into credits. */
export interface CreditPricing {
  /** Compute-milliseconds (summed over the three parties, or over the two HE workers of an HE job) per credit (default 1000). */
  msPerCredit: number;
  /** Bytes sent (summed over the parties) per credit (default 1 MiB). */
  bytesPerCredit: number;
}

/** One tenant's usage and, when it has a budget, its balance. */
export interface TenantCredits {
  tenant: string;
  /** Jobs charged (`job.finished` entries with a cost). */
  jobs: number;
  /** Σ over its jobs and the three parties of protocol milliseconds, as signed. */
  computeMs: number;
  /** Σ over its jobs and the three parties of bytes sent, as signed. */
  bytesSent: number;
  /** Σ over its HE jobs and their two workers of evaluation milliseconds, as signed; present once it has an HE job charged. */
  heMs?: number;
  /** Priced usage in millicredits. */
  usedMillicredits: number;
  /** The tenant's budget in millicredits, when one is configured. */
  budgetMillicredits?: number;
  /** budget - used (may be negative: the job that crossed the budget was admitted before it ran). */
  balanceMillicredits?: number;
}

/** One job kind's indicators. */
export interface KindKpis {
  kind: string;
  ended: number;
  verified: number;
  failed: number;
  failedVerification: number;
  /** (failed + failedVerification) / ended, 0 when nothing ended; rounded to 6 digits. */
  errorRate: number;
  /** Created -> terminal entry, in ms (nearest rank); null when nothing ended. */
  latencyMs: { p50: number | null; p95: number | null };
}

/** Everything services/audit/kpis computeKpis reports. */
export interface KpiReport {
  entries: number;
  /** By kind, sorted. */
  kinds: KindKpis[];
  /** Jobs that carried a signed cost, and their mean price in millicredits (null when none). */
  costPerRequest: { jobs: number; meanMillicredits: number | null };
  /** `job.failed-verification` entries (jobs aborted by a malicious-mode check or an output check). */
  verificationFailures: number;
  /** `verification.failed` entries: the parties' signed accusations. */
  accusations: number;
  quarantines: number;
  reinstatements: number;
  pricing: CreditPricing;
}
