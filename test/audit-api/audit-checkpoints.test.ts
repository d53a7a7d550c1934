/**
 * When the coordinator signs checkpoints (services/coordinator/audit-checkpoints.ts), against a
 * real log on a real nats-server: soon after appends, again after an idle spell (the case the
 * bare schedule misses), never when nothing is new, and a last one on stop. And the audit
 * methods over a sink without a Merkle log: reads answer 503 `audit-unavailable`, denials are
 * still recorded.
 */
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../crypto-core/checkpoint/index.js';
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';
import { AuditLog } from '../../services/audit/audit-log.js';
import { signCheckpointsOnActivity } from '../../services/coordinator/audit/audit-checkpoints.js';
import { AuditMethods } from '../../services/coordinator/audit/audit-methods.js';
import { MemoryAuditSink } from '../../services/coordinator/audit/audit-sink.js';
import { useNatsServer } from '../helpers/nats-server.js';

const server = useNatsServer({ jetstream: true });
const key = generateSigningKeyPair();
const verifier = { name: 'coordinator', publicKey: key.publicKey };

async function until(what: string, ok: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('checkpoints signed on activity', () => {
  let nc: NatsConnection;
  let log: AuditLog;
  beforeAll(async () => {
    nc = await connect({ servers: server().url });
    log = await AuditLog.open(nc.jetstream(), { signer: { origin: 'coordinator', secretKey: key.secretKey } });
  });
  afterAll(async () => {
    await log?.close();
    await nc?.close();
  });

  it('signs soon after appends, again after idle ticks, nothing when idle, and a last one on stop', async () => {
    const notes: string[] = [];
    const sizeOf = (n: string): number => {
      const o = openCheckpoint(n, verifier);
      if (!o.ok) throw new Error(o.reason);
      return o.checkpoint.size;
    };
    const sched = signCheckpointsOnActivity(log, { everyMs: 50, onCheckpoint: (n) => notes.push(n) });
    await Promise.all([1, 2, 3].map((i) => log.append({ type: 'job.created', actor: 'api-1', jobId: `a${i}` })));
    await until('first checkpoint', () => notes.length === 1);
    expect(sizeOf(notes[0]!)).toBe(3);
    // Several idle timer ticks: nothing new, nothing signed.
    await new Promise((r) => setTimeout(r, 300));
    expect(notes.length).toBe(1);
    expect(await sched.tick()).toBeNull();
    // After the idle spell, new entries are still signed.
    await log.append({ type: 'job.created', actor: 'api-1', jobId: 'b1' });
    await until('checkpoint after idle', () => notes.length === 2);
    expect(sizeOf(notes[1]!)).toBe(4);
    await log.append({ type: 'job.created', actor: 'api-1', jobId: 'c1' });
    await sched.stop();
    expect(sizeOf(notes.at(-1)!)).toBe(5);
    expect(sizeOf((await log.latestCheckpoint())!)).toBe(5);
    expect(() => signCheckpointsOnActivity(log, { everyMs: 5 })).toThrow(/everyMs/);
  });
});

describe('audit methods without a Merkle log', () => {
  it('answer reads with 503 audit-unavailable, and still record denials', async () => {
    const sink = new MemoryAuditSink();
    const m = new AuditMethods({ sink, id: 'coordinator' });
    const auditor = { tenant: 'compliance', actor: 'aud-1', roles: ['auditor'] };
    for (const method of ['audit.checkpoint', 'audit.entries', 'audit.proof', 'audit.export']) {
      await expect(m.call(method, { principal: auditor, from: 0, limit: 1, index: 0 })).rejects.toMatchObject({ code: 'audit-unavailable', status: 503, message: expect.stringMatching(/keeps no Merkle log/) });
    }
    // The role is checked first: a client learns nothing about the deployment.
    await expect(m.call('audit.export', { principal: { tenant: 't', actor: 'c-1', roles: ['client'] } })).rejects.toMatchObject({ code: 'permission-denied', status: 403 });
    const long = 'x'.repeat(60);
    expect(await m.call('audit.denial', { event: { at: 'now', requestId: 'r-1', method: 'GET', route: `/v1/jobs/${long}`, reason: 'not-found', tenant: 'clinic-b', actor: 'key-b', requiredRoles: ['client'] } })).toEqual({ recorded: true });
    expect(sink.events).toEqual([
      { type: 'access.denied', actor: 'c-1', tenant: 't', reason: 'permission-denied: audit.export at coordinator coordinator (needs auditor|admin)' },
      { type: 'access.denied', actor: 'key-b', tenant: 'clinic-b', reason: 'not-found: GET /v1/jobs/[...] (needs client) request r-1', hashes: { request: expect.stringMatching(/^[0-9a-f]{64}$/) } },
    ]);
    expect(m.handles('audit.denial') && !m.handles('jobs.get')).toBe(true);
  });
});
