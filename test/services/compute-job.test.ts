/**
 * End to end in one process over a real nats-server: the coordinator's API (submit with an
 * idempotency key, get, result with tenant isolation), signed dispatch to three parties, the
 * products over sealed channels, output commitments verified, and the client's checked open
 * compared with the same product in the clear (integers mod 2^64, tolerance 0).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { bindPrincipalSigner } from '../../services/transport/connection-signer.js';
import { useNatsServer } from '../helpers/nats-server.js';
import { startInProcessCluster, type InProcessCluster } from '../../services/cluster/in-process-cluster.js';
import { callCoordinator, CoordinatorCallError, waitForJob } from '../../services/cluster/coordinator-caller.js';
import { openComputeResult, prepareComputeRequest, prepareSeededComputeRequest } from '../../services/sdk/compute-client.js';
import type { ComputeJobResult, ComputeOp } from '../../services/wire/compute-job.js';
import type { Principal } from '../../services/wire/api.js';
import type { MemoryAuditSink } from '../../services/coordinator/audit/audit-sink.js';
import { Prg } from '../../crypto-core/prg.js';
import { tsRing } from '../../crypto-core/ring/index.js';

// The NATS default max_payload (1 MiB), so that large messages are chunked.
const server = useNatsServer({ maxPayload: 1 << 20 });
let cluster: InProcessCluster;
let client: NatsConnection;
const alice: Principal = { tenant: 'hospital-a', actor: 'key-a', roles: ['client'] };
const mallory: Principal = { tenant: 'hospital-b', actor: 'key-b', roles: ['client'] };

beforeAll(async () => {
  cluster = await startInProcessCluster({ nats: { servers: server().url } });
  client = bindPrincipalSigner(await connect({ servers: server().url }), cluster.gatewaySigner);
  await cluster.ready();
});
afterAll(async () => {
  await client?.close();
  await cluster?.stop();
});

function plain(op: ComputeOp, dims: number[], x: BigUint64Array, y: BigUint64Array): BigUint64Array {
  if (op === 'mul') return tsRing.mul(x, y);
  if (op === 'dot') return tsRing.matmul(x, y, 1, dims[0]!, 1);
  return tsRing.matmul(x, y, dims[0]!, dims[1]!, dims[2]!);
}

async function runJob(op: ComputeOp, dims: number[], nx: number, ny: number): Promise<void> {
  const prg = Prg.random();
  const x = prg.u64(nx);
  const y = prg.u64(ny);
  const req = prepareComputeRequest(op, dims, x, y, cluster.partyAgreementKeys);
  const { job, created } = await callCoordinator(client, 'jobs.submit', { principal: alice, kind: 'mpc-compute', payload: req.payload });
  expect(created).toBe(true);
  const done = await waitForJob(client, alice, job.id);
  expect(done.error).toBeUndefined();
  expect(done.state).toBe('verified');
  expect(done.stats?.rounds).toBe(1);
  const { result } = await callCoordinator(client, 'jobs.result', { principal: alice, jobId: job.id });
  const z = openComputeResult(req, result as unknown as ComputeJobResult);
  expect(Array.from(z)).toEqual(Array.from(plain(op, dims, x, y)));
}

describe('mpc-compute jobs through the coordinator', () => {
  it('multiplies 1000 secret-shared pairs exactly (tolerance 0 mod 2^64) and publishes each state change as a job event', async () => {
    const events: { id: string; state: string }[] = [];
    const sub = client.subscribe('mpc.coord.events.>', { callback: (_e, m) => events.push(JSON.parse(new TextDecoder().decode(m.data)) as { id: string; state: string }) });
    await client.flush();
    await runJob('mul', [1000], 1000, 1000);
    await client.flush();
    await new Promise((r) => setTimeout(r, 50));
    sub.unsubscribe();
    const id = events[0]!.id;
    expect(events.filter((e) => e.id === id).map((e) => e.state)).toEqual(['created', 'placed', 'running', 'finished', 'verified']);
  });

  it('computes a 7x300x5 matrix product and a 2000-element dot product exactly', async () => {
    await runJob('matmul', [7, 300, 5], 7 * 300, 300 * 5);
    await runJob('dot', [2000], 2000, 2000);
  });

  it('multiplies 150k seed-compressed operands (1 round, 1.2 MB messages chunked) exactly', async () => {
    const req = prepareSeededComputeRequest('mul', [150_000], cluster.partyAgreementKeys);
    const { job } = await callCoordinator(client, 'jobs.submit', { principal: alice, kind: 'mpc-compute', payload: req.payload });
    const done = await waitForJob(client, alice, job.id);
    expect(done.state).toBe('verified');
    expect(done.stats).toMatchObject({ rounds: 1, bytesPerParty: 150_000 * 8 });
    const { result } = await callCoordinator(client, 'jobs.result', { principal: alice, jobId: job.id });
    const z = openComputeResult(req, result as unknown as ComputeJobResult);
    const want = tsRing.mul(req.x, req.y);
    expect(z.length).toBe(want.length);
    expect(z.every((v, i) => v === want[i])).toBe(true);
  });

  it('returns the same job for a repeated idempotency key and refuses it for a different request', async () => {
    const prg = Prg.random();
    const r1 = prepareComputeRequest('mul', [4], prg.u64(4), prg.u64(4), cluster.partyAgreementKeys);
    const r2 = prepareComputeRequest('mul', [4], prg.u64(4), prg.u64(4), cluster.partyAgreementKeys);
    const a = await callCoordinator(client, 'jobs.submit', { principal: alice, idempotencyKey: 'k1', kind: 'mpc-compute', payload: r1.payload });
    const b = await callCoordinator(client, 'jobs.submit', { principal: alice, idempotencyKey: 'k1', kind: 'mpc-compute', payload: r1.payload });
    expect(b.created).toBe(false);
    expect(b.job.id).toBe(a.job.id);
    const err = await callCoordinator(client, 'jobs.submit', { principal: alice, idempotencyKey: 'k1', kind: 'mpc-compute', payload: r2.payload }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CoordinatorCallError);
    expect((err as CoordinatorCallError).code).toBe('idempotency-conflict');
    await waitForJob(client, alice, a.job.id);
  });

  it('hides a job and its result from another tenant', async () => {
    const prg = Prg.random();
    const r = prepareComputeRequest('mul', [3], prg.u64(3), prg.u64(3), cluster.partyAgreementKeys);
    const { job } = await callCoordinator(client, 'jobs.submit', { principal: alice, kind: 'mpc-compute', payload: r.payload });
    await waitForJob(client, alice, job.id);
    for (const method of ['jobs.get', 'jobs.result'] as const) {
      const err = await callCoordinator(client, method, { principal: mallory, jobId: job.id }).catch((e: unknown) => e);
      expect((err as CoordinatorCallError).code).toBe('unknown-job');
      expect((err as CoordinatorCallError).status).toBe(404);
    }
  });

  it('rejects malformed submissions with a message naming the field', async () => {
    const err = await callCoordinator(client, 'jobs.submit', { principal: alice, kind: 'mpc-compute', payload: { op: 'mul', dims: [0], clientPublicKey: 'zz', sealedInputs: [] } }).catch((e: unknown) => e);
    expect((err as CoordinatorCallError).code).toBe('invalid-request');
    expect((err as CoordinatorCallError).message).toMatch(/dims/);
  });

  it('lists the registry, reports readiness and writes audit events for each state', async () => {
    const { services } = await callCoordinator(client, 'registry.list', {});
    expect(services.filter((s) => s.kind === 'party' && s.status === 'up').map((s) => s.index).sort()).toEqual([0, 1, 2]);
    const ready = await callCoordinator(client, 'health.ready', {});
    expect(ready).toMatchObject({ ready: true, parties: 3, reasons: [] });
    const events = (cluster.audit as MemoryAuditSink).events;
    const types = events.map((e) => e.type);
    for (const t of ['job.created', 'job.placed', 'job.started', 'job.finished', 'job.verified']) expect(types).toContain(t);
    // The verdict entry carries digests of each party's output commitments, never outputs.
    const verified = events.find((e) => e.type === 'job.verified')!;
    expect(Object.keys(verified.hashes ?? {}).sort()).toEqual(['commitments-party0', 'commitments-party1', 'commitments-party2']);
  });
});
