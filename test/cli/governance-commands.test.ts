/**
 * `mpc audit reputation` on an export written by a real Merkle log (MemoryMerkleLog: the same
 * canonical entries, checkpoints and export files as the JetStream log), its usage errors, and
 * `mpc parties sign-reinstatement`'s decision, which verifies under the operator's key only.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateIdentity } from '../../crypto-core/keys/identity.js';
import { writeIdentityFile } from '../../crypto-core/keys/key-file.js';
import { EXPORT_FILES } from '../../services/audit/export-files.js';
import { computeReputation, reputationJson } from '../../services/audit/reputation.js';
import { run as reputationCli } from '../../services/cli/commands/audit-reputation.js';
import { signReinstatement } from '../../services/cli/commands/parties.js';
import { UsageError } from '../../services/cli/usage-error.js';
import { MemoryMerkleLog } from '../../services/coordinator/audit/audit-memory-log.js';
import { verifyMessage } from '../../services/wire/job-messages.js';
import { REINSTATEMENT_DOMAIN } from '../../services/wire/party-governance.js';

const dir = mkdtempSync(join(tmpdir(), 'mpc-gov-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mpc audit reputation', () => {
  const io = () => {
    const o = { out: '', err: '' };
    return { o, io: { out: (t: string) => (o.out += t), err: (t: string) => (o.err += t) } };
  };

  it('prints the report of the exported entries, as canonical JSON with --json and with the thresholds given', async () => {
    const coord = generateIdentity();
    const log = new MemoryMerkleLog({ origin: 'coordinator', secretKey: coord.signing.secretKey });
    const trio = ['p0', 'p1', 'p2'];
    for (let k = 0; k < 3; k++) {
      log.append({ type: 'job.placed', actor: 'coordinator', jobId: `g${k}`, parties: trio });
      log.append({ type: 'job.failed', actor: 'coordinator', jobId: `g${k}`, party: 1, reason: `party-gone: party 1 (p1): unreachable: no responders` });
    }
    await log.checkpoint();
    const exp = join(dir, 'export');
    rmSync(exp, { recursive: true, force: true });
    mkdirSync(exp);
    // The export's entries file: each entry's canonical bytes, one per line (as AuditLog.exportJsonl).
    writeFileSync(join(exp, EXPORT_FILES.entries), Array.from({ length: log.size }, (_, k) => new TextDecoder().decode(log.entryBytes(k)) + '\n').join(''));
    writeFileSync(join(exp, EXPORT_FILES.checkpoint), (await log.latestCheckpoint())!);
    const a = io();
    expect(await reputationCli([exp, '--json'], a.io)).toBe(0);
    expect(a.o.out).toBe(reputationJson(computeReputation(log.entries({ from: 0 }))) + '\n');
    expect(JSON.parse(a.o.out).parties[1]).toMatchObject({ serviceId: 'p1', gone: 3, score: 0.25, quarantine: true, evidence: [1, 3, 5] });
    const b = io();
    expect(await reputationCli([exp, '--min-gone', '4'], b.io)).toBe(0);
    expect(b.o.out).toMatch(/^p1: score 0\.25 jobs 3 completed 0 gone 3 /m);
    expect(b.o.out).not.toMatch(/QUARANTINE/);
    await expect(reputationCli([exp, '--min-score', '2'], io().io)).rejects.toThrow(UsageError);
    await expect(reputationCli([exp, '--min-gone', 'x'], io().io)).rejects.toThrow(/--min-gone/);
    await expect(reputationCli([join(dir, 'nope')], io().io)).rejects.toThrow(/no such directory/);
    await expect(reputationCli([], io().io)).rejects.toThrow(/expected one export directory/);
    // A damaged entry: exit 1 naming the line.
    writeFileSync(join(exp, EXPORT_FILES.entries), '{"not":"canonical" }\n');
    const c = io();
    expect(await reputationCli([exp], c.io)).toBe(1);
    expect(c.o.err).toMatch(/entries.jsonl line 1/);
  });
});

describe('mpc parties sign-reinstatement', () => {
  it("signs the decision with the identity file's key; it verifies under that key only", () => {
    const op = generateIdentity();
    const file = join(dir, 'op.identity.json');
    writeIdentityFile(file, op);
    const d = signReinstatement('party-1', 'a'.repeat(64), file, 1_765_000_000_000);
    expect(verifyMessage(REINSTATEMENT_DOMAIN, d, op.signing.publicKey)).toEqual({ type: 'party-reinstatement', serviceId: 'party-1', quarantine: 'a'.repeat(64), issuedAt: 1_765_000_000_000 });
    expect(verifyMessage(REINSTATEMENT_DOMAIN, d, generateIdentity().signing.publicKey)).toBeUndefined();
    expect(verifyMessage(REINSTATEMENT_DOMAIN, { ...d, body: { ...d.body, serviceId: 'party-2' } }, op.signing.publicKey)).toBeUndefined();
  });
});
