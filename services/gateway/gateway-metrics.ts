/**
 * @module services/gateway/gateway-metrics
 * The metrics the gateway exposes at `/metrics`: request latency, job states it has seen,
 * bytes and rounds of finished jobs, verification failures and access denials. The gateway
 * sees each job through submissions, status reads and event streams; it counts a job under its
 * latest known state, and its communication totals once, when first seen finished.
 */
import type { JobState, JobStatus } from '../wire/api.js';
import { Counter, Gauge, Histogram, MetricsRegistry } from './metrics.js';

/** How many jobs the state tracker remembers before forgetting the oldest. */
const MAX_TRACKED_JOBS = 10_000;

const JOB_STATES: readonly JobState[] = ['created', 'placed', 'running', 'finished', 'verified', 'failed', 'failed-verification'];

/** The gateway's metric set. */
export class GatewayMetrics {
  readonly registry = new MetricsRegistry();
  readonly requestDuration = this.registry.register(
    new Histogram('mpc_gateway_request_duration_seconds', 'HTTP request latency by method, route and status', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]),
  );
  readonly jobsByState = this.registry.register(new Gauge('mpc_gateway_jobs', 'Jobs seen by the gateway, by latest known state'));
  readonly jobBytes = this.registry.register(
    new Histogram('mpc_job_bytes_per_party', 'Bytes sent per party by finished MPC jobs', [1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]),
  );
  readonly jobRounds = this.registry.register(new Histogram('mpc_job_rounds', 'Communication rounds of finished MPC jobs', [1, 5, 10, 25, 50, 100, 250, 500, 1000]));
  readonly jobDuration = this.registry.register(new Histogram('mpc_job_duration_seconds', 'Duration of finished jobs', [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300]));
  readonly verificationFailures = this.registry.register(new Counter('mpc_verification_failures_total', 'Jobs seen in state failed-verification'));
  readonly denials = this.registry.register(new Counter('mpc_gateway_denials_total', 'Requests denied by authentication or authorization, by reason'));
  readonly jobsSubmitted = this.registry.register(new Counter('mpc_gateway_jobs_submitted_total', 'Job submissions accepted, by kind and whether a new job was created'));

  readonly #states = new Map<string, { state: JobState; statsSeen: boolean }>();

  constructor() {
    for (const s of JOB_STATES) this.jobsByState.set({ state: s }, 0);
  }

  /** Records one request. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requestDuration.observe({ method, route, status: String(status) }, seconds);
  }

  /** Records what a status says about a job (idempotent for repeated reads of one state). */
  observeJob(job: JobStatus): void {
    const prev = this.#states.get(job.id);
    if (prev && prev.state === job.state && prev.statsSeen) return;
    if (prev && prev.state !== job.state) this.jobsByState.add({ state: prev.state }, -1);
    if (!prev || prev.state !== job.state) {
      this.jobsByState.add({ state: job.state }, 1);
      if (job.state === 'failed-verification') this.verificationFailures.inc();
    }
    let statsSeen = prev?.statsSeen ?? false;
    if (!statsSeen && job.stats && (job.state === 'finished' || job.state === 'verified')) {
      this.jobBytes.observe({ kind: job.kind }, job.stats.bytesPerParty);
      this.jobRounds.observe({ kind: job.kind }, job.stats.rounds);
      this.jobDuration.observe({ kind: job.kind }, job.stats.durationMs / 1000);
      statsSeen = true;
    }
    this.#states.delete(job.id);
    this.#states.set(job.id, { state: job.state, statsSeen });
    if (this.#states.size > MAX_TRACKED_JOBS) {
      const [oldestId, oldest] = this.#states.entries().next().value as [string, { state: JobState }];
      this.#states.delete(oldestId);
      this.jobsByState.add({ state: oldest.state }, -1);
    }
  }
}
