/**
 * The audit API of a coordinator without JetStream: MemoryMerkleLog behind the same
 * AuditMethods. An auditor's export verifies offline against the coordinator key (the verifier
 * rebuilds the RFC 9162 tree from the exported bytes), proofs check with crypto-core/merkle,
 * and the signing schedule covers new entries. Bad inputs are refused by name.
 */
import { describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../crypto-core/checkpoint/index.js';
import { fromHex } from '../../crypto-core/encoding.js';
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';
import { leafHash, verifyConsistency, verifyInclusion } from '../../crypto-core/merkle/index.js';
import { encodeAuditEntry } from '../../services/wire/audit-entry.js';
import { verifyExport } from '../../services/audit/verify-export.js';
import { MemoryMerkleLog } from '../../services/coordinator/audit/audit-memory-log.js';
import { startAuditMethods } from '../../services/coordinator/audit/audit-methods.js';
import type { CoordinatorMethods } from '../../services/wire/api.js';

const key = generateSigningKeyPair();
const verifier = { name: 'coordinator', publicKey: key.publicKey };
const auditor = { tenant: 'compliance', actor: 'aud-1', roles: ['auditor'] };

describe('MemoryMerkleLog behind the audit methods', () => {
  it('serves a verifiable log: export, proofs and consistency against the coordinator key', async () => {
    const log = new MemoryMerkleLog({ origin: 'coordinator', secretKey: key.secretKey });
    const m = startAuditMethods({ id: 'coordinator', sink: log, checkpoints: { everyMs: 20 } });
    expect(await m.call('audit.checkpoint', { principal: auditor })).toEqual({ checkpoint: null });
    for (let i = 0; i < 9; i++) await log.append({ type: 'job.created', actor: 'coordinator', jobId: `job-${i}`, tenant: 'clinic-a' });
    const first = (await m.call('audit.export', { principal: auditor })) as CoordinatorMethods['audit.export']['res'];
    expect(first.entries.length).toBe(9);
    const bytes = (entries: typeof first.entries): Uint8Array => new Uint8Array(Buffer.from(entries.map((e) => Buffer.from(encodeAuditEntry(e)).toString('utf8') + '\n').join('')));
    expect(verifyExport({ entries: bytes(first.entries), checkpoint: first.checkpoint!, key: key.publicKey })).toMatchObject({ ok: true, entries: 9, checkpointSize: 9 });
    for (let i = 0; i < 4; i++) await log.append({ type: 'job.verified', actor: 'coordinator', jobId: `job-${i}` });
    const second = (await m.call('audit.export', { principal: auditor })) as CoordinatorMethods['audit.export']['res'];
    expect(second.entries.length).toBe(13);
    const older = openCheckpoint(first.checkpoint!, verifier);
    const newer = openCheckpoint(second.checkpoint!, verifier);
    if (!older.ok || !newer.ok) throw new Error('checkpoints do not verify');
    const p = (await m.call('audit.proof', { principal: auditor, index: 4, treeSize: 13, fromSize: 9 })) as CoordinatorMethods['audit.proof']['res'];
    const h = (x: string): Uint8Array => fromHex(x, 'hash', 32);
    expect(verifyInclusion(4, 13, leafHash(encodeAuditEntry(second.entries[4]!)), p.inclusion.proof.map(h), newer.checkpoint.rootHash)).toBe(true);
    expect(verifyConsistency(9, 13, p.consistency!.proof.map(h), older.checkpoint.rootHash, newer.checkpoint.rootHash)).toBe(true);
    // A verifier with the history also sees the older head is a prefix of the newer log.
    expect(verifyExport({ entries: bytes(second.entries), checkpoint: second.checkpoint!, key: key.publicKey, trustedCheckpoint: first.checkpoint! })).toMatchObject({ ok: true, trustedSize: 9 });
    expect(await m.call('audit.entries', { principal: auditor, from: 11, limit: 50 })).toEqual({ entries: second.entries.slice(11), treeSize: 13 });
    await m.stop();
  });

  it('signs on activity without an export, and refuses bad events and ranges by name', async () => {
    const log = new MemoryMerkleLog({ origin: 'coordinator', secretKey: key.secretKey });
    const m = startAuditMethods({ id: 'coordinator', sink: log, checkpoints: { everyMs: 20 } });
    await log.append({ type: 'service.joined', actor: 'coordinator', serviceId: 'party-0' });
    const end = Date.now() + 5000;
    while ((await log.latestCheckpoint()) === null && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    const cp = openCheckpoint((await log.latestCheckpoint())!, verifier);
    expect(cp.ok && cp.checkpoint.size).toBe(1);
    await expect(log.append({ type: 'job.created', actor: 'coordinator' } as never)).rejects.toThrow(/jobId: required/);
    await expect(log.append({ type: 'job.created', actor: 'coordinator', jobId: 'j', payload: 'x' } as never)).rejects.toThrow(/payload/);
    expect(() => log.entries({ from: 2 })).toThrow(/query.from/);
    expect(() => log.entryBytes(1)).toThrow(/index/);
    expect(() => new MemoryMerkleLog({ origin: '', secretKey: key.secretKey })).toThrow(/signer.origin/);
    expect(() => new MemoryMerkleLog({ origin: 'c', secretKey: new Uint8Array(3) })).toThrow();
    expect(log.events).toEqual([{ type: 'service.joined', actor: 'coordinator', serviceId: 'party-0' }]);
    await m.stop();
  });
});
