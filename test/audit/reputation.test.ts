/**
 * The reputation rule (services/audit/reputation): culprit sets per incident, proof only where
 * two incidents' culprit sets meet in one party, disappearances only as the coordinator saw
 * them. The counter-accusation attack is played exhaustively: whatever a single cheater
 * accuses, across two incidents with a shared honest party, no honest party is proven or
 * quarantined.
 */
import { describe, expect, it } from 'vitest';
import { computeReputation, entryDigest, reputationJson, reputationText, checkThresholds } from '../../services/audit/reputation.js';
import { validateAuditEntry, type AuditEntry, type AuditEvent } from '../../services/wire/audit-entry.js';

class Log {
  readonly entries: AuditEntry[] = [];
  add(e: AuditEvent): void {
    this.entries.push(validateAuditEntry({ ...e, v: 1, seq: this.entries.length, time: '2026-12-07T00:00:00.000Z' }));
  }
  placed(job: string, trio: [string, string, string]): void {
    this.add({ type: 'job.placed', actor: 'coordinator', jobId: job, parties: trio, security: 'malicious' });
  }
  accuse(job: string, trio: readonly string[], reporter: number, accused: number[]): void {
    this.add({ type: 'verification.failed', actor: trio[reporter]!, jobId: job, party: reporter, accused, reason: 'zero-test check failed', hashes: { report: 'a'.repeat(64) } });
  }
  /** One incident: the cheater at `cheater` accuses `counter` (or nothing), honest parties accuse `honest(self)`. */
  incident(job: string, trio: [string, string, string], cheater: number, counter: number[] | undefined, honest: (self: number) => number[]): void {
    this.placed(job, trio);
    for (const p of [0, 1, 2]) {
      if (p === cheater) {
        if (counter) this.accuse(job, trio, p, counter);
      } else this.accuse(job, trio, p, honest(p));
    }
    this.add({ type: 'job.failed-verification', actor: 'coordinator', jobId: job, reason: 'verification-failed: party failed' });
  }
  verified(job: string, trio: [string, string, string]): void {
    this.placed(job, trio);
    this.add({ type: 'job.verified', actor: 'coordinator', jobId: job });
  }
}
const peers = (self: number): number[] => [0, 1, 2].filter((q) => q !== self);
const byId = (log: Log) => new Map(computeReputation(log.entries).parties.map((p) => [p.serviceId, p]));

describe('reputation from audit entries', () => {
  it('one trio, a cheater that files counter-accusations: all three are accused alike and nobody is proven or quarantined', () => {
    const log = new Log();
    const trio: [string, string, string] = ['p0', 'p1', 'p2'];
    for (let k = 0; k < 10; k++) log.incident(`j${k}`, trio, 1, [0, 2], peers);
    const r = byId(log);
    for (const id of trio) {
      expect(r.get(id)!.accusations).toBe(20);
      expect(r.get(id)!.accusers.length).toBe(2);
      expect(r.get(id)!.candidateIn).toBe(10);
      expect(r.get(id)!.proven).toBe(false);
      expect(r.get(id)!.quarantine).toBe(false);
    }
  });

  it('the same cheater in two trios with different partners is proven, and only it; evidence names the entries', () => {
    const log = new Log();
    log.incident('a', ['p0', 'p1', 'p2'], 1, [0, 2], peers);
    log.incident('b', ['q0', 'p1', 'q2'], 1, [0, 2], peers);
    const r = byId(log);
    expect(r.get('p1')!.proven).toBe(true);
    expect(r.get('p1')!.quarantine).toBe(true);
    expect(r.get('p1')!.because).toMatch(/jobs a and b/);
    expect(r.get('p1')!.evidence).toEqual(log.entries.filter((e) => e.type !== 'job.failed-verification').map((e) => e.seq));
    for (const id of ['p0', 'p2', 'q0', 'q2']) expect(r.get(id)!.quarantine).toBe(false);
  });

  it('an honest singleton accusation with the other honest party agreeing proves the cheater in one incident', () => {
    const log = new Log();
    log.incident('a', ['p0', 'p1', 'p2'], 1, [0, 2], () => [1]);
    const r = byId(log);
    expect(r.get('p1')!.proven).toBe(true);
    expect(r.get('p0')!.proven || r.get('p2')!.proven).toBe(false);
  });

  it('counter-accusation attack, exhaustively: whatever the cheater accuses in two incidents sharing an honest party, no honest party is quarantined', () => {
    const choices: (number[] | undefined)[] = [undefined, [0], [2], [0, 2]]; // the cheater sits at index 1
    const honestViews = [peers, () => [1]];
    let cases = 0;
    for (const c1 of choices)
      for (const c2 of choices)
        for (const h1 of honestViews)
          for (const h2 of honestViews) {
            const log = new Log();
            // p0 is honest in both incidents (the party the cheater would like to frame).
            log.incident('a', ['p0', 'evil', 'p2'], 1, c1, h1);
            log.incident('b', ['p0', 'evil', 'q2'], 1, c2, h2);
            for (let k = 0; k < 5; k++) log.incident(`c${k}`, ['p0', 'evil', 'p2'], 1, c1, h1);
            for (const p of computeReputation(log.entries).parties) if (p.serviceId !== 'evil') expect(p.quarantine, `${p.serviceId} ${JSON.stringify([c1, c2])}`).toBe(false);
            cases++;
          }
    expect(cases).toBe(64);
  });

  it('a standby taking each seat in turn: three incidents whose culprit sets are whole trios meet in the cheater alone', () => {
    const log = new Log();
    // The cheater p1 counter-accuses its two peers every time, so each culprit set is the whole trio.
    log.incident('a', ['p0', 'p1', 'p2'], 1, [0, 2], peers);
    log.incident('probe-1', ['s', 'p1', 'p2'], 1, [0, 2], peers);
    log.verified('probe-2', ['p0', 's', 'p2']);
    log.incident('probe-3', ['p0', 'p1', 's'], 1, [0, 2], peers);
    const r = byId(log);
    expect(r.get('p1')!.proven).toBe(true);
    expect(r.get('p1')!.because).toBe('proven misbehaviour: the only culprit common to jobs a, probe-1, probe-3');
    const evidenceJobs = new Set(r.get('p1')!.evidence.map((seq) => log.entries[seq]!.jobId));
    expect([...evidenceJobs].sort()).toEqual(['a', 'probe-1', 'probe-3']);
    for (const id of ['p0', 'p2', 's']) expect(r.get(id)!.quarantine, id).toBe(false);
  });

  it('counter-accusation attack over standby rotations, exhaustively: no honest party (standby included) is ever proven', () => {
    // A cheater at seat c of each trio: every counter-accusation it can file, in every incident.
    const counters = (c: number): (number[] | undefined)[] => {
      const [u, w] = peers(c) as [number, number];
      return [undefined, [u], [w], [u, w]];
    };
    let cases = 0;
    for (const cheater of ['p0', 'p1', 'p2', 's']) {
      const trios: [string, string, string][] = [['p0', 'p1', 'p2'], ['s', 'p1', 'p2'], ['p0', 's', 'p2'], ['p0', 'p1', 's']];
      const mine = trios.filter((t) => t.includes(cheater));
      const pick = (k: number, n: number) => Math.floor(k / 4 ** n) % 4;
      for (let k = 0; k < 4 ** mine.length; k++) {
        const log = new Log();
        mine.forEach((t, n) => {
          const c = t.indexOf(cheater);
          log.incident(`j${n}`, t, c, counters(c)[pick(k, n)], peers);
        });
        for (const p of computeReputation(log.entries).parties) {
          if (p.serviceId !== cheater) expect(p.proven, `${p.serviceId} framed by ${cheater} (${k})`).toBe(false);
        }
        cases++;
      }
    }
    expect(cases).toBe(4 * 64);
  });

  it('an accusation filed under another party index than the reporter holds is ignored', () => {
    const log = new Log();
    log.placed('a', ['p0', 'p1', 'p2']);
    log.add({ type: 'verification.failed', actor: 'p1', jobId: 'a', party: 0, accused: [2], reason: 'forged', hashes: { report: 'b'.repeat(64) } });
    expect(byId(log).get('p2')!.accusations).toBe(0);
  });

  it('disappearances the coordinator saw lower the score; a peer claiming party-gone does not', () => {
    const log = new Log();
    const trio: [string, string, string] = ['p0', 'p1', 'p2'];
    log.verified('v', trio);
    for (let k = 0; k < 3; k++) {
      log.placed(`g${k}`, trio);
      log.add({ type: 'job.failed', actor: 'coordinator', jobId: `g${k}`, party: 1, reason: `party-gone: party 1 (p1) is no longer connected (no responders to its health probes) during job g${k}` });
    }
    for (let k = 0; k < 5; k++) {
      log.placed(`f${k}`, trio);
      // A cheating p1 reports p0 gone: the coordinator writes it as p1's failure report.
      log.add({ type: 'job.failed', actor: 'coordinator', jobId: `f${k}`, party: 0, reason: 'party-gone: party 1 failed: party 0 (p0) vanished' });
    }
    const r = byId(log);
    expect(r.get('p1')!.gone).toBe(3);
    expect(r.get('p1')!.score).toBe(0.4);
    expect(r.get('p1')!.quarantine).toBe(true);
    expect(r.get('p1')!.evidence).toEqual(log.entries.filter((e) => e.type === 'job.failed' && e.party === 1).map((e) => e.seq));
    expect(r.get('p0')!.gone).toBe(0);
    expect(r.get('p0')!.quarantine).toBe(false);
    expect(r.get('p0')!.completed).toBe(1);
    // Thresholds are configurable: with minGone 4 the same log quarantines nobody.
    expect(computeReputation(log.entries, { minGone: 4 }).parties.some((p) => p.quarantine)).toBe(false);
  });

  it('is deterministic: the same entries give the same bytes, text names every party', () => {
    const log = new Log();
    log.incident('a', ['p0', 'p1', 'p2'], 1, [0, 2], peers);
    const a = reputationJson(computeReputation(log.entries));
    const b = reputationJson(computeReputation(log.entries.map((e) => JSON.parse(JSON.stringify(e)) as AuditEntry)));
    expect(a).toBe(b);
    expect(reputationText(computeReputation(log.entries))).toMatch(/^p1: score 1 jobs 1 completed 0 gone 0 accusations 2/m);
    expect(entryDigest(log.entries[0]!)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses bad thresholds, naming the parameter', () => {
    for (const bad of [{ minScore: -1 }, { minScore: 2 }, { minScore: Number.NaN }, { minGone: 0 }, { minGone: 1.5 }]) expect(() => checkThresholds(bad)).toThrow(/^min(Score|Gone): expected/);
  });
});

describe('reputation after a reinstatement', () => {
  it('counts only jobs placed after the party.reinstated entry', () => {
    const log = new Log();
    const trio: [string, string, string] = ['p0', 'p1', 'p2'];
    for (let k = 0; k < 3; k++) {
      log.placed(`g${k}`, trio);
      log.add({ type: 'job.failed', actor: 'coordinator', jobId: `g${k}`, party: 1, reason: `party-gone: party 1 (p1) is no longer connected during job g${k}` });
    }
    expect(byId(log).get('p1')!.quarantine).toBe(true);
    log.add({ type: 'party.reinstated', actor: 'coordinator', serviceId: 'p1', signers: ['op-a', 'op-b'], reason: 'reinstated' });
    log.verified('v', trio);
    const p1 = byId(log).get('p1')!;
    expect([p1.jobs, p1.completed, p1.gone, p1.quarantine]).toEqual([1, 1, 0, false]);
    expect(byId(log).get('p0')!.jobs).toBe(4);
  });
});
