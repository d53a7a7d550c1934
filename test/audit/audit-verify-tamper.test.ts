/**
 * Offline verification of an audit export and its tamper cases. The export is made from a real
 * log on a real nats-server by the `audit export` command module; each tampered copy must be
 * rejected by verifyExport with a precise message, and several through the `audit verify`
 * command module's run() (exit codes 0 / 1 / 2 and its output).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeVerifierKey, signCheckpoint } from '../../crypto-core/checkpoint/index.js';
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';
import { MerkleTree } from '../../crypto-core/merkle/merkle-tree.js';
import { AuditLog } from '../../services/audit/audit-log.js';
import { EXPORT_FILES, readAuditExport } from '../../services/audit/export-files.js';
import { verifyExport, type ExportVerdict } from '../../services/audit/verify-export.js';
import { run as exportRun } from '../../services/cli/commands/audit-export.js';
import { run as verifyRun } from '../../services/cli/commands/audit-verify.js';
import { UsageError } from '../../services/cli/usage-error.js';
import { useNatsServer } from '../helpers/nats-server.js';

const server = useNatsServer({ jetstream: true });
const key = generateSigningKeyPair();
const origin = 'coordinator.test/audit';
const pubHex = Buffer.from(key.publicKey).toString('hex');
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

let work: string;
let clean: string;
let firstCheckpoint: string;

function copy(name: string): string {
  const d = join(work, name);
  cpSync(clean, d, { recursive: true });
  return d;
}
function lines(dir: string): string[] {
  return readFileSync(join(dir, EXPORT_FILES.entries), 'utf8').slice(0, -1).split('\n');
}
function setLines(dir: string, ls: string[]): void {
  writeFileSync(join(dir, EXPORT_FILES.entries), ls.map((l) => l + '\n').join(''));
}
function verifyDir(dir: string, trustedCheckpoint?: string): ExportVerdict {
  const e = readAuditExport(dir);
  return verifyExport({ entries: e.entries, checkpoint: e.checkpoint, checkpoints: e.checkpoints, key: key.publicKey, ...(trustedCheckpoint ? { trustedCheckpoint } : {}) });
}
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  try {
    const code = await verifyRun(args, { out: (t) => (out += t), err: (t) => (err += t) });
    return { code, out, err };
  } catch (e) {
    if (e instanceof UsageError) return { code: 2, out, err: e.message };
    throw e;
  }
}

describe('audit export and offline verification', () => {
  let nc: NatsConnection;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'mpc-audit-'));
    clean = join(work, 'clean');
    nc = await connect({ servers: server().url });
    const log = await AuditLog.open(nc.jetstream(), { signer: { origin, secretKey: key.secretKey } });
    const ev = (i: number) => ({ type: 'job.finished' as const, actor: 'coordinator', jobId: `job-${i}`, hashes: { output: sha(`o${i}`) } });
    await Promise.all(Array.from({ length: 20 }, (_, i) => log.append(ev(i))));
    firstCheckpoint = await log.checkpoint();
    await Promise.all(Array.from({ length: 20 }, (_, i) => log.append(ev(20 + i))));
    await log.checkpoint();
    let out = '';
    const code = await exportRun(['--out', clean, '--nats', server().url], { out: (t) => (out += t), err: () => {} });
    expect(code).toBe(0);
    expect(out).toMatch(/exported 40 entries and the checkpoint of size 40/);
  });
  afterAll(async () => {
    await nc?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the clean export verifies, also against the auditor\'s earlier checkpoint', () => {
    const v = verifyDir(clean, firstCheckpoint);
    expect(v).toMatchObject({ ok: true, entries: 40, checkpointSize: 40, trustedSize: 20, checkpointsChecked: 2 });
    expect(v.summary).toMatch(/^ok: 40 entries, root [0-9a-f]{64} at size 40 signed by coordinator.test\/audit/);
  });

  it('CLI: exit 0 with a one-line summary; --json; key as hex, file and verifier key', async () => {
    const trustedFile = join(work, 'trusted');
    writeFileSync(trustedFile, firstCheckpoint);
    const r = await cli([clean, '--key', pubHex, '--trusted-checkpoint', trustedFile]);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    expect(r.out).toMatch(/consistent with the trusted checkpoint of size 20/);
    const keyFile = join(work, 'coordinator.vkey');
    writeFileSync(keyFile, encodeVerifierKey({ name: origin, publicKey: key.publicKey }) + '\n');
    const j = await cli([clean, '--key', keyFile, '--json']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.out)).toMatchObject({ ok: true, entries: 40 });
    const jsonKey = join(work, 'coordinator.pub.json');
    writeFileSync(jsonKey, JSON.stringify({ format: 'mpc-public-identity/v1', signingPublicKey: pubHex, agreementPublicKey: pubHex }));
    expect((await cli([clean, '--key', jsonKey])).code).toBe(0);
  });

  it('CLI: usage errors exit 2', async () => {
    expect((await cli([])).code).toBe(2);
    expect((await cli([join(work, 'nope'), '--key', pubHex])).code).toBe(2);
    expect((await cli([clean, '--key', 'not-a-key'])).code).toBe(2);
    expect((await cli([clean, '--bogus'])).code).toBe(2);
  });

  it('a flipped byte that breaks the entry names the entry and the reason', async () => {
    const d = copy('flip-syntax');
    const ls = lines(d);
    ls[7] = ls[7]!.replace('"job.finished"', '"job.finishee"');
    setLines(d, ls);
    expect(verifyDir(d)).toMatchObject({ ok: false, code: 'entry-invalid', entryIndex: 7, reason: expect.stringMatching(/unknown event type "job.finishee"/) });
    const r = await cli([d, '--key', pubHex]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^FAIL entry 7 \(line 8\): entry 7.type: unknown event type/);
  });

  it('a flipped byte that keeps the entry valid is caught by the root and localised between checkpoints', () => {
    const d = copy('flip-hash');
    const ls = lines(d);
    const m = /"output":"([0-9a-f])/.exec(ls[25]!)!;
    ls[25] = ls[25]!.replace(`"output":"${m[1]}`, `"output":"${m[1] === 'a' ? 'b' : 'a'}`);
    setLines(d, ls);
    const v = verifyDir(d);
    expect(v).toMatchObject({ ok: false, code: 'root-mismatch', entryIndex: 20 });
    expect(v.summary).toMatch(/FAIL entry 20\.\.39: .*an entry in 20\.\.39 was altered/);
  });

  it('a non-canonical rewrite of an entry (same JSON, other bytes) is refused', () => {
    const d = copy('noncanonical');
    const ls = lines(d);
    ls[3] = ls[3]!.replace('{', '{ ');
    setLines(d, ls);
    expect(verifyDir(d)).toMatchObject({ ok: false, code: 'entry-invalid', entryIndex: 3, reason: expect.stringMatching(/canonical/) });
  });

  it('a dropped entry is named', async () => {
    const d = copy('drop');
    const ls = lines(d);
    ls.splice(12, 1);
    setLines(d, ls);
    expect(verifyDir(d)).toMatchObject({ ok: false, code: 'entry-missing', entryIndex: 12, reason: expect.stringMatching(/entry 12 is missing \(dropped\)/) });
    const r = await cli([d, '--key', pubHex, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, code: 'entry-missing', entryIndex: 12, line: 13 });
  });

  it('two reordered entries are named', () => {
    const d = copy('reorder');
    const ls = lines(d);
    [ls[5], ls[9]] = [ls[9]!, ls[5]!];
    setLines(d, ls);
    expect(verifyDir(d)).toMatchObject({ ok: false, code: 'entry-reordered', entryIndex: 5, reason: expect.stringMatching(/entry 5 is at line 10: entries were reordered/) });
  });

  it('a truncated log is refused', async () => {
    const d = copy('truncate');
    setLines(d, lines(d).slice(0, 33));
    expect(verifyDir(d)).toMatchObject({ ok: false, code: 'truncated', reason: expect.stringMatching(/33 entries but the signed checkpoint covers 40/) });
    const r = await cli([d, '--key', pubHex]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/log truncated/);
  });

  it('a checkpoint signed by another key is refused', async () => {
    const d = copy('other-key');
    const mallory = generateSigningKeyPair();
    const e = readAuditExport(d);
    const [, size, root] = e.checkpoint.split('\n');
    writeFileSync(join(d, EXPORT_FILES.checkpoint), signCheckpoint({ origin, size: Number(size), rootHash: new Uint8Array(Buffer.from(root!, 'base64')) }, { name: origin, secretKey: mallory.secretKey }));
    expect(verifyDir(d)).toMatchObject({ ok: false, code: 'checkpoint-signature', reason: expect.stringMatching(/no signature by key coordinator.test\/audit/) });
    const r = await cli([d, '--key', pubHex]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/latest checkpoint does not verify/);
  });

  it('a forked history (two checkpoints of one size, different roots) is refused', () => {
    // The coordinator's key signs a second history that diverges after entry 10.
    const d = copy('fork');
    const ls = lines(d);
    const forked = ls.map((l, i) => (i >= 10 ? l.replace(/"jobId":"job-(\d+)"/, '"jobId":"forked-$1"') : l));
    setLines(d, forked);
    const t = new MerkleTree();
    for (const l of forked) t.appendEntry(new TextEncoder().encode(l));
    writeFileSync(join(d, EXPORT_FILES.checkpoint), signCheckpoint({ origin, size: 40, rootHash: t.root(40) }, { name: origin, secretKey: key.secretKey }));
    writeFileSync(join(d, EXPORT_FILES.checkpoints), '');
    // Alone, the forked export is self-consistent...
    expect(verifyDir(d).ok).toBe(true);
    // ...but against the checkpoint of size 20 the auditor kept, it is a fork,
    expect(verifyDir(d, firstCheckpoint)).toMatchObject({ ok: false, code: 'fork', reason: expect.stringMatching(/do not reproduce the trusted checkpoint of size 20/) });
    // and against a kept checkpoint of the same size it is two roots for one size.
    const cleanLatest = readAuditExport(clean).checkpoint;
    expect(verifyDir(d, cleanLatest)).toMatchObject({ ok: false, code: 'fork', reason: expect.stringMatching(/two checkpoints of size 40 with different roots/) });
    // Inside an export's own history, two roots for one size are caught too.
    writeFileSync(join(d, EXPORT_FILES.checkpoints), JSON.stringify(cleanLatest) + '\n');
    expect(verifyDir(d)).toMatchObject({ ok: false, code: 'fork' });
  });

  it('a latest checkpoint older than the trusted one is a rollback', () => {
    const d = copy('rollback');
    setLines(d, lines(d).slice(0, 20));
    writeFileSync(join(d, EXPORT_FILES.checkpoint), firstCheckpoint);
    writeFileSync(join(d, EXPORT_FILES.checkpoints), '');
    const newer = readAuditExport(clean).checkpoint;
    expect(verifyDir(d)).toMatchObject({ ok: true, entries: 20 });
    expect(verifyDir(d, newer)).toMatchObject({ ok: false, code: 'rollback' });
  });
});

describe('verifyExport on hand-made bytes', () => {
  it('invalid UTF-8 and a missing final newline are named, never thrown', () => {
    const k = generateSigningKeyPair();
    const cp = signCheckpoint({ origin, size: 0, rootHash: new Uint8Array(Buffer.from('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=', 'base64')) }, { name: origin, secretKey: k.secretKey });
    const good = '{"actor":"a","jobId":"j","seq":0,"time":"2026-11-24T21:00:00.000Z","type":"job.created","v":1}';
    const bad = new Uint8Array([...Buffer.from(good.replace('"seq":0', '"seq":1') + '\n'), 0xff, 0x0a]);
    expect(verifyExport({ entries: bad, checkpoint: cp, key: k.publicKey })).toMatchObject({ ok: false, code: 'entry-missing', entryIndex: 0 });
    expect(verifyExport({ entries: new Uint8Array([0xff, 0x0a]), checkpoint: cp, key: k.publicKey })).toMatchObject({ ok: false, code: 'entry-invalid', reason: expect.stringMatching(/UTF-8/) });
    expect(verifyExport({ entries: Buffer.from(good), checkpoint: cp, key: k.publicKey })).toMatchObject({ ok: false, code: 'entry-invalid', reason: expect.stringMatching(/final newline/) });
    expect(verifyExport({ entries: Buffer.from(good + '\n'), checkpoint: cp, key: k.publicKey })).toMatchObject({ ok: true, entries: 1, checkpointSize: 0, unsignedTail: 1 });
    expect(() => verifyExport({ entries: 'x' as unknown as Uint8Array, checkpoint: cp, key: k.publicKey })).toThrow(/entries/);
  });
});
