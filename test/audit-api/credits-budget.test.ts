/**
 * Budgets enforced at submission, on a real cluster (coordinator with the JetStream Merkle log,
 * three parties, real nats-server): clinic-a has a budget of 0.01 credits, clinic-b none. Jobs
 * of clinic-a run until its usage (the signed costs in the log) reaches the budget; the next
 * submission is refused with `credits-exhausted` (402), also through the gateway's coordinator
 * client as the problem the gateway answers, and no job is created for it (no audit entry, no
 * party report). clinic-b keeps running. `credits.get` answers the same numbers as `mpc
 * credits`' function over the log, its own tenant only unless admin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prg } from '../../crypto-core/prg.js';
import { computeCredits } from '../../services/audit/credits.js';
import { callCoordinator, waitForJob } from '../../services/cluster/coordinator-caller.js';
import { NatsCoordinatorClient } from '../../services/gateway/coordinator-client.js';
import { problemBody, ProblemError } from '../../services/gateway/problems.js';
import { prepareComputeRequest } from '../../services/sdk/compute-client.js';
import type { Principal } from '../../services/wire/api.js';
import { run as creditsCli } from '../../services/cli/commands/credits.js';
import { MpcClient } from '../../services/sdk/mpc-client.js';
import { useNatsServer } from '../helpers/nats-server.js';
import { startAuditCluster, type AuditCluster } from './audit-cluster.js';

const server = useNatsServer({ jetstream: true });
const a: Principal = { tenant: 'clinic-a', actor: 'key-a', roles: ['client'] };
const b: Principal = { tenant: 'clinic-b', actor: 'key-b', roles: ['client'] };
const admin: Principal = { tenant: 'ops', actor: 'key-ops', roles: ['admin'] };
const BUDGET = 0.01;
let cluster: AuditCluster;
const prg = Prg.random();

function submit(p: Principal): Promise<{ job: { id: string } }> {
  const req = prepareComputeRequest('mul', [2000], prg.u64(2000), prg.u64(2000), cluster.partyAgreementKeys);
  return callCoordinator(cluster.nc, 'jobs.submit', { principal: p, kind: 'mpc-compute', payload: req.payload });
}

beforeAll(async () => {
  cluster = await startAuditCluster(server().url, { credits: { budgets: { 'clinic-a': BUDGET } } });
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

describe('credit budgets at submission', () => {
  it('runs jobs until the budget is used, then refuses with credits-exhausted (402) before any party works', { timeout: 90_000 }, async () => {
    let ran = 0;
    for (;;) {
      const { job } = await submit(a);
      expect((await waitForJob(cluster.nc, a, job.id)).state).toBe('verified');
      ran++;
      await cluster.log.flush();
      const used = computeCredits(cluster.log.entries({ from: 0 })).tenants.find((t) => t.tenant === 'clinic-a')!.usedMillicredits;
      if (used >= BUDGET * 1000) break;
      expect(ran).toBeLessThan(20);
    }
    const before = cluster.log.size;
    await expect(submit(a)).rejects.toMatchObject({ code: 'credits-exhausted' });
    // Through the gateway's client: the catalogued problem, status 402, its stable type.
    const gw = new NatsCoordinatorClient(cluster.nc, 10_000);
    const req = prepareComputeRequest('mul', [4], prg.u64(4), prg.u64(4), cluster.partyAgreementKeys);
    const err = await gw.call('jobs.submit', { principal: a, kind: 'mpc-compute', payload: req.payload }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProblemError);
    expect(problemBody(err as ProblemError)).toMatchObject({ type: 'https://mpc.example/problems/credits-exhausted', status: 402, title: 'Credits exhausted' });
    expect((err as ProblemError).message).toMatch(/tenant clinic-a has used [\d.]+ of its 0.01 credits/);
    await cluster.log.flush();
    expect(cluster.log.entries({ from: before }).filter((e) => e.type === 'job.created')).toEqual([]);
    // Another tenant, without a budget, is not affected.
    const { job } = await submit(b);
    expect((await waitForJob(cluster.nc, b, job.id)).state).toBe('verified');
  });

  it('credits.get answers the ledger over the log: own tenant, any tenant for an admin', async () => {
    await cluster.log.flush();
    const report = computeCredits(cluster.log.entries({ from: 0 }), {}, { 'clinic-a': BUDGET });
    const mine = await callCoordinator(cluster.nc, 'credits.get', { principal: a });
    expect(mine.credits).toEqual(report.tenants.find((t) => t.tenant === 'clinic-a'));
    expect(mine.credits.balanceMillicredits).toBeLessThanOrEqual(0);
    await expect(callCoordinator(cluster.nc, 'credits.get', { principal: b, tenant: 'clinic-a' })).rejects.toMatchObject({ code: 'permission-denied' });
    const asAdmin = await callCoordinator(cluster.nc, 'credits.get', { principal: admin, tenant: 'clinic-b' });
    expect(asAdmin.credits).toEqual(report.tenants.find((t) => t.tenant === 'clinic-b'));
    expect(asAdmin.credits.jobs).toBe(1);
  });

  it('GET /v1/credits and `mpc credits` (online) answer the same numbers through the gateway', async () => {
    await cluster.log.flush();
    const report = computeCredits(cluster.log.entries({ from: 0 }), {}, { 'clinic-a': BUDGET });
    const mineA = report.tenants.find((t) => t.tenant === 'clinic-a');
    const client = new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.keys.client });
    expect((await client.credits()).credits).toEqual(mineA);
    const res = await fetch(`${cluster.gatewayUrl}/v1/credits?tenant=clinic-b`, { headers: { authorization: `Bearer ${cluster.keys.client}` } });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await res.json()) as { type: string }).type).toBe('https://mpc.example/problems/forbidden');
    let out = '';
    expect(await creditsCli(['--gateway', cluster.gatewayUrl, '--api-key', cluster.keys.client, '--json'], { out: (t) => void (out += t), err: () => undefined })).toBe(0);
    expect(JSON.parse(out).credits).toEqual(mineA);
    out = '';
    expect(await creditsCli(['--gateway', cluster.gatewayUrl, '--api-key', cluster.keys.client], { out: (t) => void (out += t), err: () => undefined })).toBe(0);
    expect(out).toMatch(/^clinic-a: jobs \d+ compute-ms \d+ bytes-sent \d+ used [\d.]+ budget 0.01 balance -?[\d.]+ EXHAUSTED\n$/);
  });
});
