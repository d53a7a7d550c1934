/**
 * The job-event stream re-reads the stored state: a job whose terminal event was never
 * published (the broker was down, the coordinator restarted) still ends the SDK's wait, with
 * the typed failure, about one re-read interval later; a job the coordinator no longer knows
 * ends it with the `not-found` problem. Real gateway on a socket, real nats-server, the
 * coordinator double (test/gateway/coordinator-double.ts) whose job table is changed without
 * publishing an event, and the real SDK wait.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNatsServer } from '../helpers/nats-server.js';
import { startGateway, type GatewayFixture } from './gateway-fixture.js';
import { MpcClient, GatewayProblemError, JobFailedError, JobTimeoutError } from '../../services/sdk/index.js';
import type { JobStatus } from '../../services/wire/api.js';

describe('job-event stream re-reads the stored state', () => {
  const nats = useNatsServer();
  // A second broker for a second gateway and double: job ids of two doubles would collide on one.
  const otherNats = useNatsServer();
  let f: GatewayFixture;
  let url: string;

  beforeAll(async () => {
    f = await startGateway(nats().url, { rateLimitMax: 10_000, sseStatusCheckMs: 100 });
    url = await f.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => f.close());

  /** A job of tenant demo, left running in the double. */
  const runningJob = (): JobStatus => {
    const job = f.double.createJob({ tenant: 'demo', actor: 'client', roles: ['client'] }, 'mpc-inference', {});
    f.double.advance(job.id, 'running', 0.5);
    return job;
  };
  /** Changes the stored state silently: no event is published, as when the broker was down. */
  const setSilently = (jobId: string, patch: Partial<JobStatus>): void => {
    const stored = f.double.jobs.get(jobId)!;
    stored.status = { ...stored.status, ...patch, updatedAt: new Date(Date.parse(stored.status.updatedAt) + 5000).toISOString() };
  };
  // The SDK's own re-read is set far beyond the test, so only the gateway's can end the wait.
  const wait = (jobId: string, timeoutMs = 10_000) =>
    new MpcClient({ gatewayUrl: url, apiKey: f.keys.client! }).waitForJob(jobId, { timeoutMs, statusCheckMs: 60_000 });

  it('ends the wait with the failure stored while no event came', async () => {
    const job = runningJob();
    const t0 = Date.now();
    const waiting = wait(job.id).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    setSilently(job.id, { state: 'failed', progress: 1, error: { code: 'broker-disconnected', message: 'the coordinator lost its NATS connection' } });
    const err = await waiting;
    expect(err).toBeInstanceOf(JobFailedError);
    expect((err as JobFailedError).failureCode).toBe('broker-disconnected');
    // Far inside the wait's own 10 s timeout: the re-read (every 100 ms here) ended it.
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('ends the wait with the verified status stored while no event came', async () => {
    const job = runningJob();
    const waiting = wait(job.id);
    await new Promise((r) => setTimeout(r, 200));
    setSilently(job.id, { state: 'verified', progress: 1 });
    expect((await waiting).state).toBe('verified');
  });

  it('ends the wait with not-found when the coordinator no longer knows the job', async () => {
    const job = runningJob();
    const waiting = wait(job.id).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    f.double.jobs.delete(job.id);
    const err = await waiting;
    expect(err).toBeInstanceOf(GatewayProblemError);
    expect((err as GatewayProblemError).problem).toBe('not-found');
  });

  it('without a change the wait still times out on its own (the re-read invents nothing)', async () => {
    const job = runningJob();
    await expect(wait(job.id, 700)).rejects.toBeInstanceOf(JobTimeoutError);
  });

  it('the SDK re-reads the status itself when the stream stays silent (a gateway that does not re-read)', async () => {
    const slow = await startGateway(otherNats().url, { rateLimitMax: 10_000, sseStatusCheckMs: 600_000 });
    const slowUrl = await slow.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const job = slow.double.createJob({ tenant: 'demo', actor: 'client', roles: ['client'] }, 'mpc-inference', {});
      const waiting = new MpcClient({ gatewayUrl: slowUrl, apiKey: slow.keys.client! }).waitForJob(job.id, { timeoutMs: 10_000, statusCheckMs: 200 }).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 300));
      const stored = slow.double.jobs.get(job.id)!;
      stored.status = { ...stored.status, state: 'failed', progress: 1, error: { code: 'coordinator-restarted', message: 'restarted' } };
      expect(((await waiting) as JobFailedError).failureCode).toBe('coordinator-restarted');
    } finally {
      await slow.close();
    }
  });
});
