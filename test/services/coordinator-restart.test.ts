/**
 * What survives a coordinator restart when JetStream is there: the job book (statuses, results,
 * idempotency keys; jobs that were in flight are failed, not left hanging) in a key-value bucket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { useNatsServer } from '../helpers/nats-server.js';
import { JobBook } from '../../services/coordinator/jobs/job-book.js';

const server = useNatsServer({ jetstream: true });
let nc: NatsConnection;
beforeAll(async () => {
  nc = await connect({ servers: server().url });
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
