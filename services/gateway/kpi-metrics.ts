/**
 * @module services/gateway/kpi-metrics
 * The coordinator's KPI report (services/audit/kpis, from the audit log) in Prometheus text
 * format, appended to the gateway's own /metrics at each scrape: `mpc_kpi_*` gauges (latency
 * quantiles in seconds, as Prometheus names them).
 */
import type { KpiReport } from '../wire/governance-reports.js';
import { Gauge, MetricsRegistry } from './metrics.js';

/** The exposition of `r`. */
export function kpiExposition(r: KpiReport): string {
  const reg = new MetricsRegistry();
  const latency = reg.register(new Gauge('mpc_kpi_job_latency_seconds', 'Job latency from creation to its terminal audit entry, by kind and quantile (nearest rank)'));
  const ended = reg.register(new Gauge('mpc_kpi_jobs_ended', 'Jobs ended according to the audit log, by kind and outcome'));
  const errorRate = reg.register(new Gauge('mpc_kpi_job_error_rate', 'Share of ended jobs that failed or failed verification, by kind'));
  const cost = reg.register(new Gauge('mpc_kpi_cost_per_request_millicredits', 'Mean price of the jobs with a signed cost (services/audit/credits pricing)'));
  const vf = reg.register(new Gauge('mpc_kpi_verification_failures', 'Jobs ended failed-verification according to the audit log'));
  const acc = reg.register(new Gauge('mpc_kpi_accusations', 'Signed accusations (verification.failed entries) in the audit log'));
  const q = reg.register(new Gauge('mpc_kpi_quarantines', 'party.quarantined entries in the audit log'));
  const ri = reg.register(new Gauge('mpc_kpi_reinstatements', 'party.reinstated entries in the audit log'));
  for (const k of r.kinds) {
    if (k.latencyMs.p50 !== null) latency.set({ kind: k.kind, quantile: '0.5' }, k.latencyMs.p50 / 1000);
    if (k.latencyMs.p95 !== null) latency.set({ kind: k.kind, quantile: '0.95' }, k.latencyMs.p95 / 1000);
    ended.set({ kind: k.kind, outcome: 'verified' }, k.verified);
    ended.set({ kind: k.kind, outcome: 'failed' }, k.failed);
    ended.set({ kind: k.kind, outcome: 'failed-verification' }, k.failedVerification);
    errorRate.set({ kind: k.kind }, k.errorRate);
  }
  if (r.costPerRequest.meanMillicredits !== null) cost.set({}, r.costPerRequest.meanMillicredits);
  vf.set({}, r.verificationFailures);
  acc.set({}, r.accusations);
  q.set({}, r.quarantines);
  ri.set({}, r.reinstatements);
  return reg.expose();
}
