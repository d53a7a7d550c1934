/**
 * The audit log served end to end: a real coordinator writing the JetStream Merkle log (signed
 * with its identity), three parties, and the gateway with the SDK, on a real nats-server with a
 * small max_payload (64 KiB) so that a large export travels in pieces. A secret-shared product
 * is computed (compared with the same product in the clear, mod 2^64, tolerance 0); then an
 * auditor reads the checkpoint, pages of entries and proofs (checked with crypto-core/merkle
 * against the signed checkpoint), exports the log and verifies it offline against the
 * coordinator's public key, also with `mpc audit export` and `mpc audit verify`. A client is
 * refused by the gateway and by the coordinator, and its denial lands in the log.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'nats';
import { openCheckpoint, type NoteVerifier } from '../../crypto-core/checkpoint/index.js';
import { fromHex } from '../../crypto-core/encoding.js';
import { leafHash, verifyConsistency, verifyInclusion } from '../../crypto-core/merkle/index.js';
import { Prg } from '../../crypto-core/prg.js';
import { tsRing } from '../../crypto-core/ring/index.js';
import { encodeAuditEntry, type AuditEntry } from '../../services/wire/audit-entry.js';
import { AuditLog } from '../../services/audit/audit-log.js';
import { readAuditExport } from '../../services/audit/export-files.js';
import { verifyExport } from '../../services/audit/verify-export.js';
import { run as exportRun } from '../../services/cli/commands/audit-export.js';
import { run as verifyRun } from '../../services/cli/commands/audit-verify.js';
import { callCoordinator, waitForJob } from '../../services/cluster/coordinator-caller.js';
import type { Principal } from '../../services/wire/api.js';
import { openComputeResult, prepareComputeRequest } from '../../services/sdk/compute-client.js';
import type { ComputeJobResult } from '../../services/wire/compute-job.js';
import { NatsCoordinatorClient } from '../../services/gateway/coordinator-client.js';
import { MpcClient } from '../../services/sdk/mpc-client.js';
import { useNatsServer } from '../helpers/nats-server.js';
import { startAuditCluster, type AuditCluster } from './audit-cluster.js';

const MAX_PAYLOAD = 64 * 1024;
const server = useNatsServer({ jetstream: true, maxPayload: MAX_PAYLOAD });
const alice: Principal = { tenant: 'clinic-a', actor: 'key-a', roles: ['client'] };
let cluster: AuditCluster;
let verifier: NoteVerifier;
let auditor: MpcClient;
let jobId: string;

const hexOf = (u: Uint8Array): string => Buffer.from(u).toString('hex');

/** Polls the signed checkpoint until it covers at least `size` entries (the schedule signs within 200 ms here). */
async function checkpointCovering(size: number): Promise<{ note: string; size: number; root: Uint8Array }> {
  const end = Date.now() + 10_000;
  for (;;) {
    const note = await auditor.auditCheckpoint();
    if (note !== null) {
      const opened = openCheckpoint(note, verifier);
      if (!opened.ok) throw new Error(`checkpoint does not verify under the coordinator key: ${opened.reason}`);
      if (opened.checkpoint.size >= size) return { note, size: opened.checkpoint.size, root: opened.checkpoint.rootHash };
    }
    if (Date.now() > end) throw new Error(`no checkpoint covering ${size} entries within 10 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  cluster = await startAuditCluster(server().url);
  verifier = { name: 'coordinator', publicKey: cluster.coordinatorIdentity.signing.publicKey };
  auditor = new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.keys.auditor });
  // A real job, so that the log holds its life cycle.
  const prg = Prg.random();
  const x = prg.u64(200);
  const y = prg.u64(200);
  const req = prepareComputeRequest('mul', [200], x, y, cluster.partyAgreementKeys);
  const { job } = await callCoordinator(cluster.nc, 'jobs.submit', { principal: alice, kind: 'mpc-compute', payload: req.payload });
  const done = await waitForJob(cluster.nc, alice, job.id);
  expect(done.state).toBe('verified');
  const { result } = await callCoordinator(cluster.nc, 'jobs.result', { principal: alice, jobId: job.id });
  // The product in the clear, mod 2^64: tolerance 0.
  expect(Array.from(openComputeResult(req, result as unknown as ComputeJobResult))).toEqual(Array.from(tsRing.mul(x, y)));
  jobId = job.id;
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('audit methods of the coordinator through the gateway', () => {
  it('serves a checkpoint signed by the coordinator key, and pages of entries holding the job', async () => {
    await cluster.log.flush();
    const cp = await checkpointCovering(cluster.log.size);
    const page = await auditor.auditEntries(0, 1000);
    expect(page.treeSize).toBeGreaterThanOrEqual(cp.size);
    expect(page.entries.map((e) => e.seq)).toEqual(page.entries.map((_, i) => i));
    const states = page.entries.filter((e) => e.jobId === jobId).map((e) => e.type);
    expect(states).toEqual(['job.created', 'job.placed', 'job.started', 'job.finished', 'job.verified']);
    expect(page.entries.filter((e) => e.type === 'service.joined').map((e) => e.serviceId).sort()).toEqual(['party-0', 'party-1', 'party-2']);
    // A later page starts where asked.
    const tail = await auditor.auditEntries(2, 2);
    expect(tail.entries.map((e) => e.seq)).toEqual([2, 3]);
    expect(tail.entries).toEqual(page.entries.slice(2, 4));
  });

  it('gives inclusion proofs that crypto-core/merkle verifies against the signed root, and consistency between two checkpoints', async () => {
    const older = await checkpointCovering(1);
    const { entries } = await auditor.auditEntries(0, 1000);
    const verified = entries.find((e) => e.jobId === jobId && e.type === 'job.verified')!;
    // More activity, then a newer checkpoint.
    await Promise.all(Array.from({ length: 5 }, (_, i) => cluster.log.append({ type: 'model.published', actor: 'owner-1', modelId: `m-${i}` })));
    const newer = await checkpointCovering(older.size + 5);
    const { inclusion, consistency } = await auditor.auditProof(verified.seq, { treeSize: newer.size, fromSize: older.size });
    const leaf = leafHash(encodeAuditEntry(verified));
    expect(inclusion.leafHash).toBe(hexOf(leaf));
    expect(inclusion.rootHash).toBe(hexOf(newer.root));
    const proof = inclusion.proof.map((h) => fromHex(h, 'proof', 32));
    expect(verifyInclusion(verified.seq, newer.size, leaf, proof, newer.root)).toBe(true);
    // The same proof does not place another entry there.
    const other = leafHash(encodeAuditEntry({ ...verified, actor: 'someone-else' }));
    expect(verifyInclusion(verified.seq, newer.size, other, proof, newer.root)).toBe(false);
    expect(consistency).toMatchObject({ size1: older.size, size2: newer.size, root1: hexOf(older.root), root2: hexOf(newer.root) });
    expect(verifyConsistency(older.size, newer.size, consistency!.proof.map((h) => fromHex(h, 'proof', 32)), older.root, newer.root)).toBe(true);
    // The SDK's own check: entry, checkpoint and proof against the key.
    expect(await auditor.verifyAuditEntry(verified.seq, verifier)).toMatchObject({ ok: true, treeSize: newer.size, entry: verified });
  });

  it('exports the whole log (in pieces beyond max_payload) and it verifies offline against the coordinator key', async () => {
    // Enough entries that the export is several times the server's max_payload.
    await Promise.all(Array.from({ length: 700 }, (_, i) => cluster.log.append({ type: 'dataset.uploaded', actor: 'hospital-1', tenant: 'clinic-a', datasetId: `ds-${i}`, hashes: { records: hexOf(leafHash(new Uint8Array([i & 255, i >> 8]))) } })));
    const exp = await auditor.exportAudit();
    const lines = exp.entries.map((e) => Buffer.from(encodeAuditEntry(e)).toString('utf8') + '\n').join('');
    const bytes = new Uint8Array(Buffer.from(lines, 'utf8'));
    expect(bytes.length).toBeGreaterThan(2 * MAX_PAYLOAD);
    // The export signs a checkpoint for what was appended, so it covers the whole log.
    expect(exp.entries.length).toBe(cluster.log.size);
    // Byte for byte what the log stores.
    expect(Buffer.from(bytes).equals(Buffer.from(cluster.log.exportJsonl()))).toBe(true);
    const verdict = verifyExport({ entries: bytes, checkpoint: exp.checkpoint!, key: cluster.coordinatorIdentity.signing.publicKey });
    expect(verdict).toMatchObject({ ok: true, entries: cluster.log.size, checkpointSize: cluster.log.size, origin: 'coordinator' });
    const tampered = Uint8Array.from(bytes);
    tampered[lines.indexOf('"ds-17"') + 2]! ^= 1;
    expect(verifyExport({ entries: tampered, checkpoint: exp.checkpoint!, key: cluster.coordinatorIdentity.signing.publicKey })).toMatchObject({ ok: false });
    // Another key does not vouch for it.
    const stranger = new Uint8Array(32).fill(7);
    expect(verifyExport({ entries: bytes, checkpoint: exp.checkpoint!, key: stranger }).ok).toBe(false);
  });

  it('`mpc audit export` writes through the gateway by default; `mpc audit verify` accepts it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpc-audit-export-'));
    let out = '';
    const keyHex = hexOf(cluster.coordinatorIdentity.signing.publicKey);
    const code = await exportRun(['--out', dir, '--gateway', cluster.gatewayUrl, '--api-key', cluster.keys.auditor, '--key', keyHex, '--cluster-dir', dir], { out: (t) => (out += t), err: (t) => (out += t) });
    expect(out).toMatch(/from the gateway/);
    expect(code).toBe(0);
    expect(out).toMatch(/verified against the coordinator key of coordinator: ok: \d+ entries/);
    const files = readAuditExport(dir);
    expect(files.verifierKey).toMatch(/^coordinator\+[0-9a-f]{8}\+/);
    expect(Buffer.from(files.entries).equals(Buffer.from(cluster.log.exportJsonl(0, files.entries.filter((b) => b === 0x0a).length)))).toBe(true);
    let vout = '';
    expect(await verifyRun([dir, '--key', keyHex], { out: (t) => (vout += t), err: (t) => (vout += t) })).toBe(0);
    expect(vout).toMatch(/^ok: \d+ entries/i);
    // A client's key is refused: exit code 3 (authentication or permission).
    let err = '';
    expect(await exportRun(['--out', dir, '--gateway', cluster.gatewayUrl, '--api-key', cluster.keys.client], { out: () => {}, err: (t) => (err += t) })).toBe(3);
    expect(err).toMatch(/forbidden|role/i);
    expect(readFileSync(join(dir, 'checkpoint'), 'utf8')).toBe(files.checkpoint);
  });

  it('refuses a non-auditor at the gateway and at the coordinator, and records the denial', async () => {
    const client = new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.keys.client });
    await expect(client.auditEntries(0, 10)).rejects.toMatchObject({ status: 403 });
    // The coordinator checks the role itself, for callers that bypass the gateway.
    const direct = new NatsCoordinatorClient(cluster.nc);
    for (const method of ['audit.checkpoint', 'audit.entries', 'audit.proof', 'audit.export'] as const) {
      await expect(direct.call(method, { principal: alice, from: 0, limit: 1, index: 0 } as never)).rejects.toMatchObject({ problem: 'forbidden', message: expect.stringMatching(/auditor or admin/) });
    }
    await cluster.denials.flush();
    expect(cluster.denialErrors).toEqual([]);
    await cluster.log.flush();
    const denied = cluster.log.entries({ type: 'access.denied' });
    // The coordinator logs its own refusals of callers that bypassed the gateway.
    expect(denied.filter((e) => e.actor === 'key-a').map((e) => e.reason)).toEqual(
      ['audit.checkpoint', 'audit.entries', 'audit.proof', 'audit.export'].map((m) => `permission-denied: ${m} at coordinator coordinator (needs auditor|admin)`),
    );
    const mine = denied.filter((e: AuditEntry) => e.actor === 'client-1' && /audit\/entries/.test(e.reason ?? ''));
    expect(mine.length).toBeGreaterThanOrEqual(1);
    expect(mine[0]).toMatchObject({ type: 'access.denied', tenant: 'clinic-a', reason: expect.stringMatching(/^forbidden: GET \/v1\/audit\/entries/) });
    expect(mine[0]!.hashes?.request).toMatch(/^[0-9a-f]{64}$/);
    // And an auditor sees it through the API.
    const { entries } = await auditor.auditEntries(mine[0]!.seq, 1);
    expect(entries[0]).toEqual(mine[0]);
  });

  it('answers bad arguments by name (400) and denials without an identity as anonymous', async () => {
    const api = cluster.coordinator.parts.api;
    const boss: Principal = { tenant: 'ops', actor: 'admin-1', roles: ['admin'] };
    const size = cluster.log.size;
    const bad: [string, Record<string, unknown>, RegExp][] = [
      ['audit.entries', { principal: boss, from: -1, limit: 5 }, /^from:/],
      ['audit.entries', { principal: boss, from: 0, limit: 'ten' }, /^limit:/],
      ['audit.entries', { principal: boss, from: 1.5, limit: 5 }, /^from:/],
      ['audit.proof', { principal: boss, index: size }, /^index:/],
      ['audit.proof', { principal: boss, index: 0, treeSize: size + 1 }, /^treeSize:/],
      ['audit.proof', { principal: boss, index: 0, fromSize: 0 }, /^fromSize:/],
      ['audit.proof', { principal: boss, index: Number.NaN }, /^index:/],
      ['audit.export', { principal: { tenant: 'ops' } }, /^principal:/],
      ['audit.denial', { event: { at: 'now', method: 'GET', route: '/v1/x', reason: 'forbidden' } }, /^event.requestId:/],
      ['audit.denial', { event: null }, /^event:/],
    ];
    for (const [method, req, msg] of bad) {
      await expect(api.call(method, req), `${method} ${JSON.stringify(req)}`).rejects.toMatchObject({ code: 'invalid-request', status: 400, message: expect.stringMatching(msg) });
    }
    // Past the end is an empty page with the tree size, not an error.
    expect(await api.call('audit.entries', { principal: boss, from: size + 10, limit: 5 })).toEqual({ entries: [], treeSize: size });
    const r = await api.call('audit.denial', { event: { at: new Date().toISOString(), requestId: 'req-12345678', method: 'POST', route: '/v1/jobs', reason: 'unauthenticated', remoteAddress: '127.0.0.1' } });
    expect(r).toEqual({ recorded: true });
    const last = cluster.log.entries({ from: cluster.log.size - 1 })[0]!;
    expect(last).toMatchObject({ type: 'access.denied', actor: 'anonymous', reason: 'unauthenticated: POST /v1/jobs request req-12345678 from 127.0.0.1' });
  });
});

describe('shutdown', () => {
  it('signs a last checkpoint covering every entry before the coordinator disconnects', async () => {
    await cluster.log.append({ type: 'key.rotated', actor: 'admin-1', keyId: 'k-1' });
    const size = cluster.log.size;
    const coordinatorLog = cluster.coordinatorLog;
    await cluster.stop();
    cluster = undefined as unknown as AuditCluster;
    expect(coordinatorLog.entries.filter((e) => e.level === 'warn')).toEqual([]);
    const nc = await connect({ servers: server().url });
    try {
      const reader = await AuditLog.open(nc.jetstream(), { readOnly: true });
      expect(reader.size).toBeGreaterThanOrEqual(size);
      const note = await reader.latestCheckpoint();
      const opened = openCheckpoint(note!, verifier);
      expect(opened.ok && opened.checkpoint.size).toBe(reader.size);
    } finally {
      await nc.close();
    }
  });
});
