/**
 * Fault drill across process boundaries (needs `npm run build`): a local cluster of separate
 * processes with per-service NATS users; party 2 is killed while a job runs. The coordinator
 * fails the job naming party 2 well within the deadline, the surviving parties log the abort
 * naming party 2, nothing hangs, and once party 2 is back the next job computes correctly.
 * Then the coordinator process is restarted: with JetStream it still answers for earlier jobs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { bindPrincipalSigner } from '../../services/transport/connection-signer.js';
import { startLocalCluster, type LocalCluster } from '../../services/cluster/local-cluster.js';
import { callCoordinator, waitForJob } from '../../services/cluster/coordinator-caller.js';
import { openComputeResult, prepareSeededComputeRequest } from '../../services/sdk/compute-client.js';
import type { ComputeJobResult } from '../../services/wire/compute-job.js';
import type { Principal } from '../../services/wire/api.js';
import { tsRing } from '../../crypto-core/ring/index.js';

const principal: Principal = { tenant: 't1', actor: 'drill', roles: ['client'] };
let cluster: LocalCluster;
let client: NatsConnection;
let dir: string;
const JOB_TIMEOUT_MS = 20_000;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mpc-drill-'));
  cluster = await startLocalCluster({ dir, jobTimeoutMs: JOB_TIMEOUT_MS, heWorkers: 0 });
  client = bindPrincipalSigner(await cluster.connect('gateway', 'drill-client'), cluster.gatewaySigner);
});
afterAll(async () => {
  await client?.close();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function partyKeys(): [string, string, string] {
  return [0, 1, 2].map((i) => cluster.keys[`party-${i}`]!.agreementPublicKey) as [string, string, string];
}

describe('process-level drills on a local cluster', () => {
  it('fails the job naming the missing party within the deadline, then runs the next job once it is back', async () => {
    // A job long enough to be caught running: 400 repetitions of a 50k-element product.
    const slow = prepareSeededComputeRequest('mul', [50_000], partyKeys(), { repeat: 400 });
    const t0 = Date.now();
    const { job } = await callCoordinator(client, 'jobs.submit', { principal, kind: 'mpc-compute', payload: slow.payload });
    for (;;) {
      const { job: j } = await callCoordinator(client, 'jobs.get', { principal, jobId: job.id });
      if (j.state === 'running') break;
      expect(['created', 'placed']).toContain(j.state);
      await new Promise((r) => setTimeout(r, 10));
    }
    await cluster.kill('party-2', 'SIGKILL');
    const failed = await waitForJob(client, principal, job.id, JOB_TIMEOUT_MS + 5000);
    expect(failed.state).toBe('failed');
    expect(failed.error?.party).toBe(2);
    expect(failed.error?.message).toMatch(/party 2/);
    expect(Date.now() - t0).toBeLessThan(JOB_TIMEOUT_MS);
    // The survivors were told and name the missing party in their logs.
    await new Promise((r) => setTimeout(r, 300));
    for (const p of ['party-0', 'party-1']) {
      const log = readFileSync(join(dir, 'logs', `${p}.log`), 'utf8');
      expect(log).toMatch(new RegExp(`"event":"job-(aborted|failed)","jobId":"${job.id}".*"party":2`));
    }
    // Party 2 back: the next job runs and is right.
    await cluster.restart('party-2');
    const end = Date.now() + 15_000;
    while (!(await callCoordinator(client, 'health.ready', {})).ready && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    const next = prepareSeededComputeRequest('mul', [1000], partyKeys());
    const { job: job2 } = await callCoordinator(client, 'jobs.submit', { principal, kind: 'mpc-compute', payload: next.payload });
    const done = await waitForJob(client, principal, job2.id, JOB_TIMEOUT_MS);
    expect(done.state).toBe('verified');
    const { result } = await callCoordinator(client, 'jobs.result', { principal, jobId: job2.id });
    expect(Array.from(openComputeResult(next, result as unknown as ComputeJobResult))).toEqual(Array.from(tsRing.mul(next.x, next.y)));
  });

  it('answers jobs.result for an earlier job after the coordinator process restarts', async () => {
    const req = prepareSeededComputeRequest('mul', [64], partyKeys());
    const { job } = await callCoordinator(client, 'jobs.submit', { principal, kind: 'mpc-compute', payload: req.payload });
    expect((await waitForJob(client, principal, job.id, JOB_TIMEOUT_MS)).state).toBe('verified');
    await cluster.restart('coordinator');
    const end = Date.now() + 15_000;
    for (;;) {
      const ready = await callCoordinator(client, 'health.ready', {}, 500).then((r) => r.ready, () => false);
      if (ready || Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const { job: status } = await callCoordinator(client, 'jobs.get', { principal, jobId: job.id });
    expect(status.state).toBe('verified');
    const { result } = await callCoordinator(client, 'jobs.result', { principal, jobId: job.id });
    expect(Array.from(openComputeResult(req, result as unknown as ComputeJobResult))).toEqual(Array.from(tsRing.mul(req.x, req.y)));
  });
});
