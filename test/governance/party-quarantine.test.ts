/**
 * PartyQuarantine over a real Merkle log (MemoryMerkleLog) and the real registry: it quarantines
 * only while operators of enough organisations are configured to lift it, records the evidence
 * once, reloads records, and the placement refusal names the party.
 */
import { describe, expect, it } from 'vitest';
import { generateIdentity, publicIdentity } from '../../crypto-core/keys/identity.js';
import { toHex } from '../../crypto-core/encoding.js';
import { MemoryMerkleLog } from '../../services/coordinator/audit/audit-memory-log.js';
import { PartyQuarantine, type OperatorKey } from '../../services/coordinator/governance/party-quarantine.js';
import { ServiceRegistry, type TrustedService } from '../../services/coordinator/service-registry.js';
import { MemoryLog } from '../../services/transport/service-log.js';

const trusted: TrustedService[] = [0, 1, 2].map((i) => ({ id: `party-${i}`, kind: 'party', index: i, ...publicIdentity(generateIdentity()) }));
const operators: OperatorKey[] = ['a', 'b', 'c'].map((o, i) => ({ id: `op-${o}`, organisation: `org-${o}`, publicKey: toHex(generateIdentity().signing.publicKey), runs: [`party-${i}`] }));

function logWithDisappearances(n: number): MemoryMerkleLog {
  const log = new MemoryMerkleLog({ origin: 'coordinator', secretKey: generateIdentity().signing.secretKey });
  for (let k = 0; k < n; k++) {
    void log.append({ type: 'job.placed', actor: 'coordinator', jobId: `g${k}`, parties: trusted.map((t) => t.id) });
    void log.append({ type: 'job.failed', actor: 'coordinator', jobId: `g${k}`, party: 1, reason: `party-gone: party 1 (party-1): unreachable: no responders` });
  }
  return log;
}

describe('PartyQuarantine', () => {
  it('quarantines from the log once, with the evidence, and the placement refusal names the party', () => {
    const log = logWithDisappearances(3);
    const registry = new ServiceRegistry(trusted);
    const q = new PartyQuarantine({ actor: 'coordinator', registry, audit: log, log, logger: new MemoryLog(), settings: { operators } });
    expect(q.enforcing).toBe(true);
    q.recompute();
    q.recompute(true);
    expect(registry.isQuarantined('party-1')).toBe(true);
    expect(registry.isQuarantined('party-0')).toBe(false);
    const entries = log.entries({ from: 0 }).filter((e) => e.type === 'party.quarantined');
    expect(entries).toHaveLength(1);
    expect(Object.keys(entries[0]!.hashes!).sort()).toEqual(['entry-1', 'entry-3', 'entry-5', 'evidence', 'quarantine']);
    const sel = registry.partiesFor('mpc-inference');
    expect(sel).toMatchObject({ missing: 1, quarantined: 'party-1' });
    expect((sel as { reason: string }).reason).toMatch(/^party 1 \(party-1\) is quarantined: score 0\.25 below 0\.5 after 3 disappearances$/);
    // A coordinator started with the record keeps it without a second entry.
    const again = new ServiceRegistry(trusted);
    const q2 = new PartyQuarantine({ actor: 'coordinator', registry: again, audit: log, log, logger: new MemoryLog(), settings: { operators }, records: new Map(q.quarantined.map((r) => [r.serviceId, r])) });
    expect(again.isQuarantined('party-1')).toBe(true);
    q2.recompute();
    expect(log.entries({ from: 0 }).filter((e) => e.type === 'party.quarantined')).toHaveLength(1);
  });

  it('without operators of a quorum of organisations it reports but does not quarantine (nobody could lift it)', () => {
    const log = logWithDisappearances(3);
    for (const ops of [[], operators.slice(0, 1), [operators[0]!, { ...operators[1]!, organisation: 'org-a' }]]) {
      const registry = new ServiceRegistry(trusted);
      const logger = new MemoryLog();
      const q = new PartyQuarantine({ actor: 'coordinator', registry, audit: log, log, logger, settings: { operators: ops } });
      expect(q.enforcing).toBe(false);
      const report = q.recompute(true)!;
      expect(report.parties.find((p) => p.serviceId === 'party-1')!.quarantine).toBe(true);
      expect(registry.isQuarantined('party-1')).toBe(false);
      expect(logger.entries.map((e) => e.event)).toContain('quarantine-not-enforced');
    }
    expect(log.entries({ from: 0 }).some((e) => e.type === 'party.quarantined')).toBe(false);
  });

  it('refuses a bad quorum or operator key at construction, naming the setting', () => {
    const base = { actor: 'coordinator', registry: new ServiceRegistry(trusted), audit: logWithDisappearances(0), log: logWithDisappearances(0), logger: new MemoryLog() };
    expect(() => new PartyQuarantine({ ...base, settings: { quorum: 0 } })).toThrow(/governance.quorum/);
    expect(() => new PartyQuarantine({ ...base, settings: { operators: [{ ...operators[0]!, publicKey: 'zz' }] } })).toThrow(/publicKey/);
  });
});
