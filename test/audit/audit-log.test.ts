/**
 * AuditLog over a real nats-server with JetStream file storage: concurrent appends without gaps
 * or duplicates, proofs against the log's own root, queries, checkpoints, rebuild after a broker
 * restart, a second writer refused by expected-last-sequence, and exports.
 */
import { createHash } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../crypto-core/checkpoint/index.js';
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';
import { leafHash, verifyConsistency, verifyInclusion } from '../../crypto-core/merkle/index.js';
import { AuditLog } from '../../services/audit/audit-log.js';
import type { AuditEvent } from '../../services/wire/audit-entry.js';
import { AuditEntryError, AuditWriterConflictError } from '../../services/audit/errors.js';
import { useNatsServer } from '../helpers/nats-server.js';

const server = useNatsServer({ jetstream: true });
const key = generateSigningKeyPair();
const signer = { origin: 'coordinator.test/audit', secretKey: key.secretKey };
const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

function jobEvents(job: number): AuditEvent[] {
  const jobId = `job-${job}`;
  return [
    { type: 'job.created', actor: 'api-key-7', jobId, tenant: 'hospital-a', hashes: { request: sha(`req${job}`) } },
    { type: 'job.placed', actor: 'coordinator', jobId },
    { type: 'job.started', actor: 'coordinator', jobId },
    { type: 'job.finished', actor: 'coordinator', jobId, hashes: { output: sha(`out${job}`) } },
    { type: 'job.verified', actor: 'coordinator', jobId },
  ];
}

describe('AuditLog on JetStream', () => {
  let nc: NatsConnection;
  let log: AuditLog;
  beforeAll(async () => {
    nc = await connect({ servers: server().url });
    log = await AuditLog.open(nc.jetstream(), { signer, batchSize: 64 });
  });
  afterAll(async () => {
    await nc?.close();
  });

  it('concurrent appends from many jobs get consecutive indexes: no gap, no duplicate', async () => {
    // 60 jobs append their 5 events interleaved, all at once.
    const perJob = Array.from({ length: 60 }, (_, j) => jobEvents(j));
    const results = await Promise.all(perJob.flatMap((evs) => evs.map((e) => log.append(e))));
    const idx = results.map((r) => r.index).sort((a, b) => a - b);
    expect(idx).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(log.size).toBe(300);
    const info = await (await nc.jetstreamManager()).streams.info('MPC_AUDIT');
    expect(info.state.messages).toBe(300);
    expect(info.config.deny_delete).toBe(true);
    expect(info.config.storage).toBe('file');
    // Each stored message is the canonical entry whose leaf hash the append returned.
    for (const r of results.slice(0, 20)) expect(hex(leafHash(log.entryBytes(r.index)))).toBe(hex(r.leafHash));
    // Each job's events keep their call order.
    const job7 = log.entries({ jobId: 'job-7' });
    expect(job7.map((e) => e.type)).toEqual(['job.created', 'job.placed', 'job.started', 'job.finished', 'job.verified']);
    expect(job7.every((e, i) => i === 0 || e.seq > job7[i - 1]!.seq)).toBe(true);
  });

  it('proofs by index and by leaf hash verify against the root', () => {
    const root = log.root();
    for (const i of [0, 1, 150, 299]) {
      const p = log.inclusionProof(i);
      expect(verifyInclusion(p.leafIndex, p.treeSize, p.leafHash, p.proof, root)).toBe(true);
    }
    const byHash = log.inclusionProof(log.inclusionProof(42).leafHash, 100);
    expect(byHash.leafIndex).toBe(42);
    expect(verifyInclusion(42, 100, byHash.leafHash, byHash.proof, log.root(100))).toBe(true);
    const c = log.consistencyProof(77, 300);
    expect(verifyConsistency(77, 300, c.proof, c.root1, c.root2)).toBe(true);
    expect(() => log.inclusionProof(new Uint8Array(32))).toThrow(/leafHash: no entry/);
  });

  it('queries by actor, type and time window', async () => {
    expect(log.entries({ actor: 'api-key-7' })).toHaveLength(60);
    expect(log.entries({ type: 'job.verified' })).toHaveLength(60);
    expect(log.entries({ type: 'job.verified', since: '2000-01-01T00:00:00Z', until: '2001-01-01T00:00:00Z' })).toHaveLength(0);
    expect(log.entries({ from: 10, to: 13 }).map((e) => e.seq)).toEqual([10, 11, 12]);
    const times = log.entries({ from: 0 }).map((e) => Date.parse(e.time));
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
  });

  it('rejects invalid events before they reach storage', async () => {
    await expect(log.append({ type: 'job.exploded', actor: 'x', jobId: 'j' } as unknown as AuditEvent)).rejects.toThrow(/unknown event type/);
    await expect(log.append({ type: 'dataset.uploaded', actor: 'h1', datasetId: 'd1', shares: [1, 2] } as unknown as AuditEvent)).rejects.toThrow(/never data, shares or keys/);
    await expect(log.append({ type: 'access.denied', actor: 'h1', reason: `bad ${'QUJD'.repeat(20)}` })).rejects.toThrow(AuditEntryError);
    await expect(log.append({ type: 'job.created', actor: 'h1' } as AuditEvent)).rejects.toThrow(/jobId: required/);
    expect(log.size).toBe(300);
  });

  it('signs checkpoints that open under the coordinator key', async () => {
    const note = await log.checkpoint();
    const opened = openCheckpoint(note, { name: signer.origin, publicKey: key.publicKey });
    expect(opened.ok && opened.checkpoint.size).toBe(300);
    expect(opened.ok && hex(opened.checkpoint.rootHash)).toBe(hex(log.root()));
    expect(await log.latestCheckpoint()).toBe(note);
  });

  it('rebuilds from the stream after a broker restart and continues at the same size', async () => {
    const rootBefore = hex(log.root());
    await nc.close();
    await server().restart();
    nc = await connect({ servers: server().url });
    log = await AuditLog.open(nc.jetstream(), { signer });
    expect(log.size).toBe(300);
    expect(hex(log.root())).toBe(rootBefore);
    const r = await log.append({ type: 'service.joined', actor: 'party-1', serviceId: 'party-1' });
    expect(r.index).toBe(300);
    expect((await log.checkpoints()).length).toBe(1);
  });

  it('a second writer is refused by expected-last-sequence, catches up and retries', async () => {
    const nc2 = await connect({ servers: server().url });
    try {
      const other = await AuditLog.open(nc2.jetstream(), { signer });
      expect(other.size).toBe(301);
      await log.append({ type: 'key.rotated', actor: 'coordinator', keyId: 'k2' });
      await expect(other.append({ type: 'key.registered', actor: 'party-2', keyId: 'k9' })).rejects.toThrow(AuditWriterConflictError);
      expect(other.size).toBe(302);
      expect(hex(other.root())).toBe(hex(log.root()));
      const retry = await other.append({ type: 'key.registered', actor: 'party-2', keyId: 'k9' });
      expect(retry.index).toBe(302);
    } finally {
      await nc2.close();
    }
  });

  it('the request-per-publish path gives the same guarantees (consecutive indexes, conflicts refused)', async () => {
    const slow = await AuditLog.open(nc.jetstream(), { signer, requestPerPublish: true });
    const r = await Promise.all(Array.from({ length: 40 }, (_, i) => slow.append({ type: 'query.run', actor: 'analyst-1', jobId: `q${i}` })));
    expect(r.map((x) => x.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => 303 + i));
    const third = await AuditLog.open(nc.jetstream(), { signer });
    expect((await third.append({ type: 'dataset.deleted', actor: 'h1', datasetId: 'd1' })).index).toBe(343);
    await expect(slow.append({ type: 'dataset.uploaded', actor: 'h1', datasetId: 'd2' })).rejects.toThrow(AuditWriterConflictError);
    expect(slow.size).toBe(344);
    expect(hex(slow.root())).toBe(hex(third.root()));
    await third.close();
  });

  it('exports JSON Lines (the hashed bytes) and CSV; read-only open sees the same log', async () => {
    const ro = await AuditLog.open(nc.jetstream(), { readOnly: true });
    expect(ro.size).toBe(344);
    const lines = new TextDecoder().decode(ro.exportJsonl()).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(344);
    lines.forEach((l, i) => {
      if (i % 50 === 0) expect(hex(leafHash(new TextEncoder().encode(l)))).toBe(hex(ro.inclusionProof(i).leafHash));
    });
    const csv = ro.exportCsv().split('\r\n');
    expect(csv[0]).toMatch(/^seq,time,type,actor/);
    expect(csv[1]).toMatch(/^0,.*,job\.created,api-key-7,hospital-a,job-0/);
    await expect(ro.append({ type: 'job.created', actor: 'x', jobId: 'j' })).rejects.toThrow(/read-only/);
  });
});
