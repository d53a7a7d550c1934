/**
 * What survives a coordinator restart when JetStream is there: the job book (statuses, results,
 * idempotency keys; jobs that were in flight are failed, not left hanging) in a key-value bucket,
 * including a write made while the broker was away (it is retried until it lands, so the
 * restarted coordinator does not replace the stored error), and a failure the audit trail
 * recorded when the book's write never landed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { useNatsServer } from '../helpers/nats-server.js';
import { JobBook } from '../../services/coordinator/jobs/job-book.js';
import { MemoryAuditSink } from '../../services/coordinator/audit/audit-sink.js';
import { recordedFailure } from '../../services/coordinator/audit/job-audit.js';

const server = useNatsServer({ jetstream: true });
let nc: NatsConnection;
beforeAll(async () => {
  nc = await connect({ servers: server().url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
});
afterAll(async () => {
  await nc?.close();
});

const alice = { tenant: 'a', actor: 'k', roles: [] as never[] };

describe('JobBook in JetStream KV', () => {
  it('reloads finished jobs with their results and idempotency keys, and fails the ones that were in flight', async () => {
    const first = await JobBook.withKv(nc.jetstream(), { bucket: 'test_jobs' });
    const done = first.submit(alice, 'mpc-compute', { sealed: 'inputs' }, 'key-1').record.status.id;
    for (const s of ['placed', 'running'] as const) first.transition(done, s);
    first.transition(done, 'finished', { stats: { rounds: 1, bytesPerParty: 8, durationMs: 1 } }, { outputLength: 1, sealedOutputs: ['a', 'b', 'c'] });
    first.transition(done, 'verified');
    const inFlight = first.submit(alice, 'mpc-compute', { other: 1 }).record.status.id;
    first.transition(inFlight, 'placed');
    first.transition(inFlight, 'running');
    await first.settled();

    const again = await JobBook.withKv(nc.jetstream(), { bucket: 'test_jobs' });
    const rec = again.get(alice, done);
    expect(rec.status).toMatchObject({ state: 'verified', stats: { rounds: 1 } });
    expect(rec.result).toEqual({ outputLength: 1, sealedOutputs: ['a', 'b', 'c'] });
    // The sealed inputs are not kept once persisted.
    expect(rec.payload).toBeNull();
    expect(again.submit(alice, 'mpc-compute', { sealed: 'inputs' }, 'key-1')).toMatchObject({ created: false, record: { status: { id: done } } });
    expect(again.get(alice, inFlight).status).toMatchObject({ state: 'failed', error: { code: 'coordinator-restarted' } });
    expect(() => again.get({ ...alice, tenant: 'b' }, done)).toThrow(/no job/);
  });
});

describe('a job-book write made while the broker is away', () => {
  it('lands once the broker is back, so a restarted coordinator keeps the stored error', async () => {
    // A short JetStream timeout, so that the write fails (and is retried) while the broker is down.
    const failures: unknown[] = [];
    const book = await JobBook.withKv(nc.jetstream({ timeout: 300 }), { bucket: 'test_lost_write', onPersistError: (e) => failures.push(e) });
    const id = book.submit(alice, 'mpc-compute', { p: 1 }).record.status.id;
    book.transition(id, 'placed');
    book.transition(id, 'running');
    await book.settled();
    await server().stop();
    const stillDown = new Promise((r) => setTimeout(r, 1200));
    book.transition(id, 'failed', { error: { code: 'broker-disconnected', message: 'the coordinator lost its NATS connection' } });
    await stillDown;
    await server().restart();
    await book.settled();
    book.close();
    // The write did fail while the broker was down (and was tried again).
    expect(failures.length).toBeGreaterThan(0);
    // The restarted coordinator: a fresh connection reads the bucket.
    const nc2 = await connect({ servers: server().url });
    try {
      const again = await JobBook.withKv(nc2.jetstream(), { bucket: 'test_lost_write' });
      expect(again.get(alice, id).status).toMatchObject({ state: 'failed', error: { code: 'broker-disconnected' } });
      expect(again.failedAtLoad).toHaveLength(0);
    } finally {
      await nc2.close();
    }
  });

  it('keeps the last value of a key when older writes were still waiting', async () => {
    const book = await JobBook.withKv(nc.jetstream(), { bucket: 'test_latest_wins' });
    const id = book.submit(alice, 'mpc-compute', { p: 2 }).record.status.id;
    for (const s of ['placed', 'running', 'finished'] as const) book.transition(id, s);
    book.transition(id, 'verified');
    await book.settled();
    const again = await JobBook.withKv(nc.jetstream(), { bucket: 'test_latest_wins' });
    expect(again.get(alice, id).status.state).toBe('verified');
  });

  it('takes the failure the audit trail recorded when the book still says running', async () => {
    const first = await JobBook.withKv(nc.jetstream(), { bucket: 'test_recorded' });
    const lost = first.submit(alice, 'mpc-compute', { p: 3 }).record.status.id;
    const plain = first.submit(alice, 'mpc-compute', { p: 4 }).record.status.id;
    for (const id of [lost, plain]) {
      first.transition(id, 'placed');
      first.transition(id, 'running');
    }
    await first.settled();
    // The trail got the job's end (outbox, fsynced), the book's write of it never landed (kill -9).
    const trail = new MemoryAuditSink();
    trail.append({ type: 'job.failed', actor: 'coordinator', jobId: lost, reason: 'broker-disconnected: the coordinator lost its NATS connection', party: 1 });
    const again = await JobBook.withKv(nc.jetstream(), { bucket: 'test_recorded', recordedFailure: recordedFailure(trail) });
    expect(again.get(alice, lost).status).toMatchObject({ state: 'failed', error: { code: 'broker-disconnected', message: 'the coordinator lost its NATS connection', party: 1 } });
    expect(again.get(alice, plain).status).toMatchObject({ state: 'failed', error: { code: 'coordinator-restarted' } });
    expect(again.failedAtLoad.map((r) => r.status.id).sort()).toEqual([lost, plain].sort());
  });
});
