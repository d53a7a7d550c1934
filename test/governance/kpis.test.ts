/**
 * KPIs from evidence (services/audit/kpis): the pure tally over hand-made entries (nearest-rank
 * quantiles, error rate, cost per request, counts, one count per job), then on a real cluster
 * (coordinator with the JetStream Merkle log, three parties, gateway, real nats-server): after
 * verified jobs and one that fails at the parties, `GET /v1/kpis` (auditor) equals the tally
 * recomputed over the log, a client key gets 403 problem+json, and /metrics carries the same
 * numbers as `mpc_kpi_*` gauges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Prg } from '../../crypto-core/prg.js';
import { toHex } from '../../crypto-core/encoding.js';
import { computeKpis, kpisJson } from '../../services/audit/kpis.js';
import { callCoordinator, waitForJob } from '../../services/cluster/coordinator-caller.js';
import { prepareComputeRequest } from '../../services/sdk/compute-client.js';
import type { AuditEntry, AuditEvent } from '../../services/wire/audit-entry.js';
import type { Principal } from '../../services/wire/api.js';
import { useNatsServer } from '../helpers/nats-server.js';
import { startAuditCluster, type AuditCluster } from '../audit-api/audit-cluster.js';

describe('computeKpis', () => {
  let seq = 0;
  const at = (ms: number, e: Omit<AuditEvent, 'actor'>): AuditEntry => ({ v: 1, seq: seq++, time: new Date(Date.UTC(2026, 11, 7) + ms).toISOString(), actor: 'coordinator', ...e }) as AuditEntry;
  const cost = (ms: number, bytes: number) => ({ computeMs: [ms, ms, ms], bytesSent: [bytes, bytes, bytes] });

  it('per kind: ended, outcomes, error rate and nearest-rank p50/p95 of created -> terminal; cost per request; counts', () => {
    const entries: AuditEntry[] = [];
    // 20 inference jobs of 10, 20, ..., 200 ms; the last two fail, one of them verification.
    for (let k = 1; k <= 20; k++) {
      const jobId = `i${k}`;
      entries.push(at(0, { type: 'job.created', jobId, jobKind: 'mpc-inference', tenant: 't' }));
      if (k <= 18) entries.push(at(k * 10 - 1, { type: 'job.finished', jobId, tenant: 't', cost: cost(100, 1000) }));
      entries.push(at(k * 10, { type: k <= 18 ? 'job.verified' : k === 19 ? 'job.failed' : 'job.failed-verification', jobId, tenant: 't' }));
    }
    // A replayed terminal entry counts once; a job whose creation entry predates jobKind is 'unknown'.
    entries.push(at(5000, { type: 'job.verified', jobId: 'i1', tenant: 't' }));
    entries.push(at(0, { type: 'job.created', jobId: 'old', tenant: 't' }));
    entries.push(at(7, { type: 'job.verified', jobId: 'old', tenant: 't' }));
    entries.push(at(8, { type: 'verification.failed', jobId: 'i20', party: 0, accused: [1, 2] }));
    entries.push(at(9, { type: 'party.quarantined', serviceId: 'p1', reason: 'proven' }));
    const r = computeKpis(entries, { msPerCredit: 1000, bytesPerCredit: 1 << 20 });
    expect(r.entries).toBe(entries.length);
    expect(r.kinds).toEqual([
      { kind: 'mpc-inference', ended: 20, verified: 18, failed: 1, failedVerification: 1, errorRate: 0.1, latencyMs: { p50: 100, p95: 190 } },
      { kind: 'unknown', ended: 1, verified: 1, failed: 0, failedVerification: 0, errorRate: 0, latencyMs: { p50: 7, p95: 7 } },
    ]);
    // 300 compute-ms and 3000 bytes per job: ceil(300 + 3000 * 1000 / 2^20) = ceil(302.86) = 303 millicredits.
    expect(r.costPerRequest).toEqual({ jobs: 18, meanMillicredits: 303 });
    expect(r).toMatchObject({ verificationFailures: 1, accusations: 1, quarantines: 1, reinstatements: 0 });
    expect(kpisJson(computeKpis([...entries]))).toBe(kpisJson(r));
    expect(computeKpis([]).kinds).toEqual([]);
    expect(computeKpis([]).costPerRequest).toEqual({ jobs: 0, meanMillicredits: null });
  });
});

describe('KPIs on a running cluster', () => {
  const server = useNatsServer({ jetstream: true });
  const client: Principal = { tenant: 'clinic-a', actor: 'key-a', roles: ['client'] };
  let cluster: AuditCluster;
  const prg = Prg.random();

  beforeAll(async () => {
    cluster = await startAuditCluster(server().url);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('GET /v1/kpis equals the tally over the log; /metrics has the gauges; a client gets 403', { timeout: 90_000 }, async () => {
    for (let k = 0; k < 4; k++) {
      const req = prepareComputeRequest('mul', [64], prg.u64(64), prg.u64(64), cluster.partyAgreementKeys);
      const { job } = await callCoordinator(cluster.nc, 'jobs.submit', { principal: client, kind: 'mpc-compute', payload: req.payload });
      expect((await waitForJob(cluster.nc, client, job.id)).state).toBe('verified');
    }
    // Sealed to keys no party holds: every party refuses to open its input, the job fails.
    const stranger = [0, 1, 2].map(() => toHex(randomBytes(32))) as [string, string, string];
    const bad = prepareComputeRequest('mul', [64], prg.u64(64), prg.u64(64), stranger);
    const { job } = await callCoordinator(cluster.nc, 'jobs.submit', { principal: client, kind: 'mpc-compute', payload: bad.payload });
    expect((await waitForJob(cluster.nc, client, job.id)).state).toBe('failed');
    await cluster.log.flush();

    const res = await fetch(`${cluster.gatewayUrl}/v1/kpis`, { headers: { authorization: `Bearer ${cluster.keys.auditor}` } });
    expect(res.status).toBe(200);
    const served = await res.json();
    expect(served).toEqual(JSON.parse(kpisJson(computeKpis(cluster.log.entries({ from: 0 })))));
    const compute = (served as { kinds: { kind: string }[] }).kinds.find((k) => k.kind === 'mpc-compute');
    expect(compute).toMatchObject({ ended: 5, verified: 4, failed: 1, failedVerification: 0, errorRate: 0.2 });
    expect((served as { costPerRequest: { jobs: number } }).costPerRequest.jobs).toBe(4);

    const denied = await fetch(`${cluster.gatewayUrl}/v1/kpis`, { headers: { authorization: `Bearer ${cluster.keys.client}` } });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    const metrics = await (await fetch(`${cluster.gatewayUrl}/metrics`)).text();
    expect(metrics).toContain('mpc_kpi_jobs_ended{kind="mpc-compute",outcome="verified"} 4\n');
    expect(metrics).toContain('mpc_kpi_jobs_ended{kind="mpc-compute",outcome="failed"} 1\n');
    expect(metrics).toContain('mpc_kpi_job_error_rate{kind="mpc-compute"} 0.2\n');
    expect(metrics).toMatch(/^mpc_kpi_job_latency_seconds\{kind="mpc-compute",quantile="0\.95"\} [\d.e-]+$/m);
    expect(metrics).toMatch(/^mpc_kpi_verification_failures 0$/m);
  });
});
