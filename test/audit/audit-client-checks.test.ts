/**
 * What clients check with single proofs (entry in a signed checkpoint, a newer checkpoint
 * extending a kept one), the checkpoint schedule of the coordinator, and where `audit export`
 * finds the NATS URL. Against a real log on a real nats-server.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../crypto-core/checkpoint/index.js';
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';
import { AuditLog } from '../../services/audit/audit-log.js';
import { scheduleCheckpoints } from '../../services/audit/checkpoint-schedule.js';
import { verifyCheckpointExtends, verifyEntryInCheckpoint } from '../../services/audit/verify-proof.js';
import { resolveNatsUrl, run as exportRun } from '../../services/cli/commands/audit-export.js';
import { run as verifyRun } from '../../services/cli/commands/audit-verify.js';
import { writeAuditExport } from '../../services/audit/export-files.js';
import { UsageError } from '../../services/cli/usage-error.js';
import { useNatsServer } from '../helpers/nats-server.js';

const server = useNatsServer({ jetstream: true });
const key = generateSigningKeyPair();
const origin = 'client.test/audit';
const verifier = { name: origin, publicKey: key.publicKey };

describe('client-side proof checks and checkpoint schedule', () => {
  let nc: NatsConnection;
  let log: AuditLog;
  beforeAll(async () => {
    nc = await connect({ servers: server().url });
    log = await AuditLog.open(nc.jetstream(), { signer: { origin, secretKey: key.secretKey } });
  });
  afterAll(async () => {
    await nc?.close();
  });

  it('the export command refuses a log without a checkpoint', async () => {
    await expect(exportRun(['--out', mkdtempSync(join(tmpdir(), 'mpc-audit-')), '--nats', server().url], { out: () => {}, err: () => {} })).rejects.toThrow(/no signed checkpoint yet/);
  });

  it('signs on the schedule: after every N entries, and a last one on stop', async () => {
    const notes: string[] = [];
    const sched = scheduleCheckpoints(log, { everyEntries: 50, everyMs: 60_000, onCheckpoint: (n) => notes.push(n) });
    await Promise.all(Array.from({ length: 120 }, (_, i) => log.append({ type: 'job.created', actor: 'api-1', jobId: `j${i}` })));
    await sched.stop();
    expect(notes.length).toBeGreaterThanOrEqual(1);
    const last = openCheckpoint(notes.at(-1)!, verifier);
    expect(last.ok && last.checkpoint.size).toBe(120);
    expect(await sched.tick()).toBeNull();
    expect((await log.checkpoints()).length).toBe(notes.length);
  });

  it('an entry is in the log a signed checkpoint commits to; tampering fails', async () => {
    const cp = await log.checkpoint();
    const p = log.inclusionProof(77);
    expect(verifyEntryInCheckpoint(log.entryBytes(77), 77, p.proof, cp, verifier)).toEqual({ ok: true, treeSize: 120 });
    const altered = log.entryBytes(77);
    altered[10]! ^= 1;
    expect(verifyEntryInCheckpoint(altered, 77, p.proof, cp, verifier)).toMatchObject({ ok: false, reason: expect.stringMatching(/does not place this entry at index 77/) });
    expect(verifyEntryInCheckpoint(log.entryBytes(77), 77, p.proof, cp, { name: origin, publicKey: generateSigningKeyPair().publicKey })).toMatchObject({ ok: false, reason: expect.stringMatching(/^checkpoint:/) });
  });

  it('a newer checkpoint extends a kept one; swapped order and a forged proof fail', async () => {
    const older = await log.checkpoint();
    await log.append({ type: 'service.left', actor: 'party-2', serviceId: 'party-2' });
    const newer = await log.checkpoint();
    const c = log.consistencyProof(120, 121);
    expect(verifyCheckpointExtends(older, newer, c.proof, verifier)).toEqual({ ok: true, treeSize: 121 });
    expect(verifyCheckpointExtends(newer, older, c.proof, verifier)).toMatchObject({ ok: false, reason: expect.stringMatching(/rollback/) });
    const forged = c.proof.map((h) => h.slice());
    forged[0]![0]! ^= 1;
    expect(verifyCheckpointExtends(older, newer, forged, verifier)).toMatchObject({ ok: false, reason: expect.stringMatching(/forked/) });
  });

  it('verify without --key: uses the export\'s verifier-key and says so; a read-only export needs --key', async () => {
    const own = mkdtempSync(join(tmpdir(), 'mpc-audit-own-'));
    await writeAuditExport(log, own);
    let out = '';
    expect(await verifyRun([own], { out: (t) => (out += t), err: () => {} })).toBe(0);
    expect(out).toMatch(/key taken from the export itself/);
    const live = mkdtempSync(join(tmpdir(), 'mpc-audit-live-'));
    expect(await exportRun(['--out', live, '--nats', server().url], { out: () => {}, err: () => {} })).toBe(0);
    await expect(verifyRun([live], { out: () => {}, err: () => {} })).rejects.toThrow(UsageError);
    await expect(verifyRun([live], { out: () => {}, err: () => {} })).rejects.toThrow(/--key is required/);
  });

  it('export finds the NATS URL from the flag, MPC_NATS_URL, then .mpc/cluster.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpc-cluster-'));
    const file = join(dir, 'cluster.json');
    expect(resolveNatsUrl('nats://a:1', { MPC_NATS_URL: 'nats://b:2' }, file)).toBe('nats://a:1');
    expect(resolveNatsUrl(undefined, { MPC_NATS_URL: 'nats://b:2' }, file)).toBe('nats://b:2');
    expect(() => resolveNatsUrl(undefined, {}, file)).toThrow(/no NATS URL/);
    writeFileSync(file, JSON.stringify({ natsUrl: 'nats://127.0.0.1:4333' }));
    expect(resolveNatsUrl(undefined, {}, file)).toBe('nats://127.0.0.1:4333');
    writeFileSync(file, '{}');
    expect(() => resolveNatsUrl(undefined, {}, file)).toThrow(/no natsUrl field/);
  });
});
