/**
 * The SDK's wait across a gateway, a broker and a coordinator restart (needs `npm run build`): a full
 * local cluster of processes (nats-server with JetStream, coordinator, three parties, the
 * gateway) and the SDK over HTTP. A job is caught running, then the gateway, the broker or the
 * coordinator is killed (-9) and restarted. Across a gateway restart the job runs on: the wait
 * reconnects and returns it verified, with the right product. The job's end event is never
 * published (the broker was gone; the restarted coordinator fails the job while loading its
 * book), so only the stored state can tell the client: the wait must end with the typed
 * failure soon after the service is back, far inside its own timeout. The times are printed
 * (docs/operations.md quotes them); the only timed assertion is a generous bound that proves
 * the end did not come from the client's timeout. Afterwards a job through the same
 * gateway verifies with the right product.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { bindPrincipalSigner } from '../../services/transport/connection-signer.js';
import { startFullCluster, type FullCluster } from '../../services/cluster/full-cluster.js';
import { callCoordinator } from '../../services/cluster/coordinator-caller.js';
import { openComputeResult, prepareSeededComputeRequest } from '../../services/sdk/compute-client.js';
import { MpcClient, JobFailedError } from '../../services/sdk/index.js';
import type { ComputeJobResult } from '../../services/wire/compute-job.js';
import type { JobStatus, Principal } from '../../services/wire/api.js';
import { tsRing } from '../../crypto-core/ring/index.js';

/** The demo client of `mpc up`'s key file: the tenant the SDK's key belongs to. */
const principal: Principal = { tenant: 'demo', actor: 'demo-client', roles: ['client'] };
/** The SDK's own timeout: an end that came from it would take this long. */
const CLIENT_TIMEOUT_MS = 90_000;
let cluster: FullCluster;
let nc: NatsConnection;
let sdk: MpcClient;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mpc-wait-faults-'));
  cluster = await startFullCluster({ dir, heWorkers: 0, jobTimeoutMs: 120_000 });
  // Jobs are submitted as the gateway would (the compute kind has no public route); the wait is the SDK's, over HTTP.
  nc = bindPrincipalSigner(await cluster.connect('gateway', 'wait-faults'), cluster.gatewaySigner);
  sdk = new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys['demo-client']! });
}, 120_000);
afterAll(async () => {
  await nc?.close();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function partyKeys(): [string, string, string] {
  return [0, 1, 2].map((i) => cluster.keys[`party-${i}`]!.agreementPublicKey) as [string, string, string];
}

/** Submits a job long enough to be caught running (400 rounds of a 50k-element product) and waits until it runs. */
async function runningJob(): Promise<string> {
  const slow = prepareSeededComputeRequest('mul', [50_000], partyKeys(), { repeat: 400 });
  const { job } = await callCoordinator(nc, 'jobs.submit', { principal, kind: 'mpc-compute', payload: slow.payload });
  for (;;) {
    const { job: j } = await callCoordinator(nc, 'jobs.get', { principal, jobId: job.id });
    if (j.state === 'running') return job.id;
    expect(['created', 'placed']).toContain(j.state);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The SDK's wait, with the time it ended. */
function timedWait(jobId: string): Promise<{ at: number; job?: JobStatus; err?: unknown }> {
  return sdk.waitForJob(jobId, { timeoutMs: CLIENT_TIMEOUT_MS }).then(
    (job) => ({ at: Date.now(), job }),
    (err: unknown) => ({ at: Date.now(), err }),
  );
}

/** The pid of this cluster's nats-server (its config names its port). */
function natsServerPid(port: number): number {
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const args = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (!args[0]?.endsWith('nats-server')) continue;
      const conf = args[args.indexOf('-c') + 1];
      if (conf && readFileSync(conf, 'utf8').includes(`port: ${port}\n`)) return Number(p);
    } catch {
      // Not ours, or gone.
    }
  }
  throw new Error(`no nats-server on port ${port}`);
}

/** Resolves when the coordinator answers health.ready with true; returns the time. */
async function readyAt(timeoutMs = 30_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const ok = await callCoordinator(nc, 'health.ready', {}, 500).then((r) => r.ready, () => false);
    if (ok) return Date.now();
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('cluster not ready again');
}

/** A later job, waited for by the SDK, verifies with the right product. */
async function laterJobIsRight(): Promise<void> {
  const req = prepareSeededComputeRequest('mul', [1000], partyKeys());
  const { job } = await callCoordinator(nc, 'jobs.submit', { principal, kind: 'mpc-compute', payload: req.payload });
  expect((await sdk.waitForJob(job.id, { timeoutMs: 30_000 })).state).toBe('verified');
  const { result } = await callCoordinator(nc, 'jobs.result', { principal, jobId: job.id });
  expect(Array.from(openComputeResult(req, result as unknown as ComputeJobResult))).toEqual(Array.from(tsRing.mul(req.x, req.y)));
}

/** The wait's outcome must be the typed failure (or a verified job), well before the client's timeout. */
function expectTypedEnd(out: { job?: JobStatus; err?: unknown }, code: string): void {
  if (out.job) {
    expect(out.job.state).toBe('verified');
    return;
  }
  expect(out.err).toBeInstanceOf(JobFailedError);
  expect((out.err as JobFailedError).failureCode).toBe(code);
}

describe('the SDK wait across restarts (real processes)', () => {
  it('a job in flight when the gateway is killed and restarted: the wait reconnects and returns the verified job, whose result is right', async () => {
    const slow = prepareSeededComputeRequest('mul', [50_000], partyKeys(), { repeat: 400 });
    const { job } = await callCoordinator(nc, 'jobs.submit', { principal, kind: 'mpc-compute', payload: slow.payload });
    const t0 = Date.now();
    const waiting = timedWait(job.id);
    await new Promise((r) => setTimeout(r, 300));
    await cluster.kill('gateway', 'SIGKILL');
    const tDown = Date.now();
    await new Promise((r) => setTimeout(r, 1000));
    await cluster.restart('gateway');
    const tStart = Date.now();
    const out = await waiting;
    const { job: stored } = await callCoordinator(nc, 'jobs.get', { principal, jobId: job.id });
    process.stdout.write(
      `[job-wait-faults] gateway: down ${tStart - tDown} ms; wait ended ${out.at - tStart} ms after the restart began, ${Date.parse(stored.updatedAt) <= out.at ? `${out.at - Date.parse(stored.updatedAt)} ms after the job ended` : 'before the job ended?'} (${out.at - t0} ms after the wait began)\n`,
    );
    expect(out.err).toBeUndefined();
    expect(out.job?.state).toBe('verified');
    expect(out.at - t0).toBeLessThan(CLIENT_TIMEOUT_MS / 3);
    const { result } = await callCoordinator(nc, 'jobs.result', { principal, jobId: job.id });
    expect(Array.from(openComputeResult(slow, result as unknown as ComputeJobResult))).toEqual(Array.from(tsRing.mul(slow.x, slow.y)));
  }, 120_000);

  it('a job in flight when the broker is killed and restarted ends as broker-disconnected soon after the broker is back', async () => {
    const jobId = await runningJob();
    const t0 = Date.now();
    const waiting = timedWait(jobId);
    await new Promise((r) => setTimeout(r, 300));
    process.kill(natsServerPid(cluster.nats.port), 'SIGKILL');
    const tDown = Date.now();
    await new Promise((r) => setTimeout(r, 1500));
    await cluster.nats.restart();
    const tBack = Date.now();
    const ready = readyAt();
    const out = await waiting;
    const tReady = await ready;
    process.stdout.write(`[job-wait-faults] broker: down ${tBack - tDown} ms; wait ended ${out.at - tBack} ms after the broker was back, ${out.at - tReady} ms after health.ready answered again (${out.at - t0} ms after the wait began; client timeout ${CLIENT_TIMEOUT_MS} ms)\n`);
    expectTypedEnd(out, 'broker-disconnected');
    expect(out.at - t0).toBeLessThan(CLIENT_TIMEOUT_MS / 3);
    await laterJobIsRight();
  }, 120_000);

  it('a job in flight when the coordinator is killed and restarted ends as coordinator-restarted soon after it is back', async () => {
    const jobId = await runningJob();
    const t0 = Date.now();
    const waiting = timedWait(jobId);
    await new Promise((r) => setTimeout(r, 300));
    await cluster.kill('coordinator', 'SIGKILL');
    const tDown = Date.now();
    await new Promise((r) => setTimeout(r, 1000));
    await cluster.restart('coordinator');
    const tStart = Date.now();
    const ready = readyAt();
    const out = await waiting;
    const tReady = await ready;
    process.stdout.write(
      `[job-wait-faults] coordinator: down ${tStart - tDown} ms; wait ended ${out.at - tStart} ms after the restart began, ${out.at - tReady} ms after health.ready (${out.at - t0} ms after the wait began; client timeout ${CLIENT_TIMEOUT_MS} ms)\n`,
    );
    expectTypedEnd(out, 'coordinator-restarted');
    expect(out.at - t0).toBeLessThan(CLIENT_TIMEOUT_MS / 3);
    await laterJobIsRight();
  }, 120_000);
});
