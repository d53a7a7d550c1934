/**
 * Fault drills in one process against real nats-servers: a broker restart mid-job, a party
 * that alters its output shares, forged and replayed job messages, and three clustered
 * nats-servers with each party on a different server. Every computed answer is compared with
 * the plaintext product (integers mod 2^64, tolerance 0); a job either verifies with the right
 * answer or fails cleanly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { bindPrincipalSigner } from '../../services/transport/connection-signer.js';
import { NatsServerProcess, freePort } from '../../services/cluster/nats-server-process.js';
import { startInProcessCluster, type InProcessCluster } from '../../services/cluster/in-process-cluster.js';
import { callCoordinator, waitForJob } from '../../services/cluster/coordinator-caller.js';
import { openComputeResult, openComputeShares, prepareComputeRequest, prepareSeededComputeRequest } from '../../services/sdk/compute-client.js';
import type { ComputeJobResult } from '../../services/wire/compute-job.js';
import { type Principal, subjects } from '../../services/wire/api.js';
import { DISPATCH_DOMAIN, signMessage, type DispatchMessage, type JobOrder } from '../../services/wire/job-messages.js';
import { ComputeRunner, computePayload, openComputeInputs, runComputeOp, sealComputeOutput } from '../../services/party/runners/compute-runner.js';
import type { JobRunContext, JobRunner, JobRunOutcome } from '../../services/party/job-runner.js';
import { makeShare, openChecked } from '../../protocols/rss/replicated-share.js';
import { InconsistentShareError } from '../../protocols/rss/errors.js';
import { generateIdentity } from '../../crypto-core/keys/identity.js';
import { Prg } from '../../crypto-core/prg.js';
import { tsRing } from '../../crypto-core/ring/index.js';

const principal: Principal = { tenant: 't', actor: 'a', roles: ['client'] };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function setup(opts: Parameters<typeof startInProcessCluster>[0], url: string): Promise<{ cluster: InProcessCluster; client: NatsConnection }> {
  const cluster = await startInProcessCluster(opts);
  cleanups.push(() => cluster.stop());
  const client = bindPrincipalSigner(await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 100 }), cluster.gatewaySigner);
  cleanups.push(() => client.close());
  await cluster.ready();
  return { cluster, client };
}

/**
 * A party that adds 1 to the first element of both its output components before sealing.
 * With `commitAltered` it also commits to the altered shares (the coordinator's commitment
 * check catches that); without, it commits honestly and only the client's checked open can.
 */
class AlteringComputeRunner implements JobRunner {
  readonly kind = 'mpc-compute';
  constructor(private readonly commitAltered = false) {}
  async run(ctx: JobRunContext): Promise<JobRunOutcome> {
    const p = computePayload(ctx);
    const { x, y } = openComputeInputs(ctx, p);
    const z = await runComputeOp(ctx.protocol, p, x, y);
    const a = z.a.slice();
    const b = z.b.slice();
    a[0] = a[0]! + 1n;
    b[0] = b[0]! + 1n;
    const altered = makeShare(a, b);
    // Commit to the honest shares, release the altered ones: the commitments cannot catch it, the checked open must.
    return { result: { sealedOutput: sealComputeOutput(ctx.protocol.self, p, altered) }, output: this.commitAltered ? altered : z };
  }
}

describe('faults', () => {
  it('survives a nats-server restart mid-job: the job fails cleanly or verifies with the right answer, and the next job is right', async () => {
    const server = await NatsServerProcess.start();
    cleanups.push(() => server.stop());
    const { cluster, client } = await setup({ nats: { servers: server.url }, settings: { jobTimeoutMs: 5000 } }, server.url);
    const req = prepareSeededComputeRequest('mul', [20_000], cluster.partyAgreementKeys, { repeat: 300 });
    const { job } = await callCoordinator(client, 'jobs.submit', { principal, kind: 'mpc-compute', payload: req.payload });
    for (;;) {
      const { job: j } = await callCoordinator(client, 'jobs.get', { principal, jobId: job.id });
      if (j.state === 'running') break;
      await new Promise((r) => setTimeout(r, 5));
    }
    await server.restart(200);
    // The job in flight lives only in the coordinator's memory, which survived: ask again once reconnected.
    let status;
    for (let i = 0; ; i++) {
      try {
        status = await waitForJob(client, principal, job.id, 20_000);
        break;
      } catch (e) {
        if (i > 50) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    expect(['failed', 'verified']).toContain(status.state);
    if (status.state === 'verified') {
      const { result } = await callCoordinator(client, 'jobs.result', { principal, jobId: job.id });
      expect(Array.from(openComputeResult(req, result as unknown as ComputeJobResult))).toEqual(Array.from(tsRing.mul(req.x, req.y)));
    } else {
      expect(status.error?.code).toBeTruthy();
    }
    await cluster.ready(15_000);
    const next = prepareSeededComputeRequest('mul', [500], cluster.partyAgreementKeys);
    const { job: j2 } = await callCoordinator(client, 'jobs.submit', { principal, kind: 'mpc-compute', payload: next.payload });
    const done = await waitForJob(client, principal, j2.id, 20_000);
    expect(done.error).toBeUndefined();
    expect(done.state).toBe('verified');
    const { result } = await callCoordinator(client, 'jobs.result', { principal, jobId: j2.id });
    expect(Array.from(openComputeResult(next, result as unknown as ComputeJobResult))).toEqual(Array.from(tsRing.mul(next.x, next.y)));
  });

  it('catches a party that alters its output shares in the checked open, naming it', async () => {
    const server = await NatsServerProcess.start();
    cleanups.push(() => server.stop());
    const { cluster, client } = await setup({ nats: { servers: server.url }, runners: (i) => (i === 1 ? [new AlteringComputeRunner()] : [new ComputeRunner()]) }, server.url);
    const prg = Prg.random();
    const x = prg.u64(64);
    const y = prg.u64(64);
    const req = prepareComputeRequest('mul', [64], x, y, cluster.partyAgreementKeys);
    const { job } = await callCoordinator(client, 'jobs.submit', { principal, kind: 'mpc-compute', payload: req.payload });
    const done = await waitForJob(client, principal, job.id);
    expect(done.state).toBe('verified');
    const { result } = await callCoordinator(client, 'jobs.result', { principal, jobId: job.id });
    const shares = openComputeShares(req, result as unknown as ComputeJobResult);
    let caught: unknown;
    try {
      openChecked(shares);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InconsistentShareError);
    expect((caught as InconsistentShareError).culprit).toBe(1);
  });

  it('fails verification naming the party whose output commitments disagree with its neighbours', async () => {
    const server = await NatsServerProcess.start();
    cleanups.push(() => server.stop());
    const { cluster, client } = await setup({ nats: { servers: server.url }, runners: (i) => (i === 2 ? [new AlteringComputeRunner(true)] : [new ComputeRunner()]) }, server.url);
    const req = prepareSeededComputeRequest('mul', [32], cluster.partyAgreementKeys);
    const { job } = await callCoordinator(client, 'jobs.submit', { principal, kind: 'mpc-compute', payload: req.payload });
    const done = await waitForJob(client, principal, job.id);
    expect(done.state).toBe('failed-verification');
    expect(done.error?.party).toBe(2);
    const err = await callCoordinator(client, 'jobs.result', { principal, jobId: job.id }).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe('job-failed');
  });

  it('refuses forged, replayed, expired, misaddressed and unknown-kind job messages with a logged reason', async () => {
    const server = await NatsServerProcess.start();
    cleanups.push(() => server.stop());
    const { cluster, client } = await setup({ nats: { servers: server.url } }, server.url);
    const coord = cluster.identities.coordinator.signing;
    const parties = cluster.coordinator.parts.registry.list().filter((s) => s.kind === 'party').sort((a, b) => a.index! - b.index!)
      .map((s) => ({ id: s.id, index: s.index as 0 | 1 | 2, signingPublicKey: s.signingPublicKey, agreementPublicKey: s.agreementPublicKey })) as JobOrder['parties'];
    const order = (jobId: string, patch: Partial<JobOrder> = {}): JobOrder => ({
      jobId, kind: 'mpc-compute', to: 'party-0', parties, issuedAt: Date.now(), deadline: Date.now() + 30_000, payload: {}, ...patch,
    });
    const send = async (msg: unknown): Promise<{ ok: boolean; reason?: string }> => {
      const r = await client.request(subjects.jobDispatch('party-0'), new TextEncoder().encode(JSON.stringify(msg)), { timeout: 2000 });
      return JSON.parse(new TextDecoder().decode(r.data)) as { ok: boolean; reason?: string };
    };
    const signed = (m: DispatchMessage, key = coord) => signMessage(DISPATCH_DOMAIN, m, key);
    expect(await send(signed({ type: 'prepare', order: order('j-forged') }, generateIdentity().signing))).toMatchObject({ ok: false, reason: 'bad-signature' });
    const tampered = signed({ type: 'prepare', order: order('j-tampered') });
    (tampered.body as { order: JobOrder }).order.deadline += 1;
    expect(await send(tampered)).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(await send(signed({ type: 'prepare', order: order('j-expired', { deadline: Date.now() - 1 }) }))).toMatchObject({ ok: false, reason: 'expired' });
    expect(await send(signed({ type: 'prepare', order: order('j-other', { to: 'party-1' }) }))).toMatchObject({ ok: false, reason: 'not-addressed' });
    expect(await send(signed({ type: 'prepare', order: order('j-kind', { kind: 'he-inference' as never }) }))).toMatchObject({ ok: false, reason: 'unknown-kind' });
    const good = signed({ type: 'prepare', order: order('j-once') });
    expect(await send(good)).toMatchObject({ ok: true });
    expect(await send(good)).toMatchObject({ ok: false, reason: 'replayed' });
    expect(await send(signed({ type: 'start', jobId: 'j-never', to: 'party-0', issuedAt: Date.now() }))).toMatchObject({ ok: false, reason: 'unknown-job' });
    const reasons = cluster.logs.parties[0]!.entries.filter((e) => e.event === 'job-refused').map((e) => e.fields.reason);
    expect(reasons).toEqual(['bad-signature', 'bad-signature', 'expired', 'not-addressed', 'unknown-kind', 'replayed', 'unknown-job']);
    await send(signed({ type: 'abort', jobId: 'j-once', to: 'party-0', issuedAt: Date.now(), code: 'test', message: 'cleanup' }));
  });

  it('computes correctly with each party on a different server of a three-server NATS cluster', async () => {
    const routes = await Promise.all([0, 1, 2].map(() => freePort()));
    const servers = await Promise.all(
      routes.map((port, i) =>
        NatsServerProcess.start({ serverName: `n${i}`, cluster: { name: 'mpc', port, routes: routes.filter((_, j) => j !== i).map((p) => `nats-route://127.0.0.1:${p}`) } }),
      ),
    );
    cleanups.push(async () => {
      await Promise.all(servers.map((s) => s.stop()));
    });
    // Wait until the routes are up: a message published on server 0 reaches a subscriber on server 2.
    const probeA = await connect({ servers: servers[0]!.url });
    const probeB = await connect({ servers: servers[2]!.url });
    const sub = probeB.subscribe('route.check', { max: 1 });
    await probeB.flush();
    const got = (async () => {
      for await (const m of sub) return m.data.length;
    })();
    const ticker = setInterval(() => probeA.publish('route.check', new Uint8Array([1])), 50);
    await got;
    clearInterval(ticker);
    await probeA.close();
    await probeB.close();
    const byService: Record<string, string> = { coordinator: servers[0]!.url, 'party-0': servers[0]!.url, 'party-1': servers[1]!.url, 'party-2': servers[2]!.url };
    const { cluster, client } = await setup({ nats: (id) => ({ servers: byService[id]! }) }, servers[1]!.url);
    const prg = Prg.random();
    const [m, k, n] = [6, 40, 5];
    const x = prg.u64(m * k);
    const y = prg.u64(k * n);
    const req = prepareComputeRequest('matmul', [m, k, n], x, y, cluster.partyAgreementKeys);
    const { job } = await callCoordinator(client, 'jobs.submit', { principal, kind: 'mpc-compute', payload: req.payload });
    const done = await waitForJob(client, principal, job.id);
    expect(done.state).toBe('verified');
    const { result } = await callCoordinator(client, 'jobs.result', { principal, jobId: job.id });
    expect(Array.from(openComputeResult(req, result as unknown as ComputeJobResult))).toEqual(Array.from(tsRing.matmul(x, y, m, k, n)));
  });
});
