/**
 * Output verification by share commitments: three parties holding a replicated sharing of a
 * real output commit to their components; the coordinator's verdict is checked for honest
 * runs, one deviating party (altering one or both of its components), and bad reports.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  commitComponent, commitHeldComponents, componentHolders, deriveComponentSalt, heldComponents, verifyOutputCommitments, type OutputCommitmentReport,
} from '../../services/wire/output-commitments.js';
import { outputVerdictEvent, recordOutputVerdict, verdictJobState } from '../../services/coordinator/jobs/output-verdict.js';
import { validateAuditEvent, type AuditEvent } from '../../services/wire/audit-entry.js';

const JOB = 'job-7f3a';
const N = 16;

/** A replicated sharing of `y` over Z_2^64: components y0 + y1 + y2 = y. */
function share(y: BigUint64Array): BigUint64Array[] {
  const y0 = new BigUint64Array(randomBytes(8 * y.length).buffer);
  const y1 = new BigUint64Array(randomBytes(8 * y.length).buffer);
  const y2 = y.map((v, i) => v - y0[i]! - y1[i]!);
  return [y0, y1, y2];
}
const bytesOf = (a: BigUint64Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** The pair seed of component c's two holders (one per pair of parties). */
const pairSeeds = [randomBytes(32), randomBytes(32), randomBytes(32)].map((b) => new Uint8Array(b));

function reportsFor(components: BigUint64Array[], tamper?: { party: number; components: number[] }): OutputCommitmentReport[] {
  return [0, 1, 2].map((party) => {
    const commitments: Record<string, string> = {};
    for (const c of heldComponents(party)) {
      let comp = components[c]!;
      if (tamper?.party === party && tamper.components.includes(c)) {
        comp = comp.slice();
        comp[3] = comp[3]! + 1n;
      }
      commitments[String(c)] = commitComponent(deriveComponentSalt(pairSeeds[c]!, JOB, c), JOB, c, bytesOf(comp));
    }
    return { party, jobId: JOB, commitments };
  });
}

describe('output commitments', () => {
  // The job's output, computed in the clear as the reference: y = a * b + 5 (mod 2^64).
  const a = new BigUint64Array(N).map((_, i) => BigInt(i * 1_000_003));
  const b = new BigUint64Array(N).map((_, i) => BigInt(97 - i));
  const y = a.map((v, i) => v * b[i]! + 5n);
  const comps = share(y);

  it('the sharing opens to the clear result exactly (tolerance 0: ring arithmetic)', () => {
    const opened = comps[0]!.map((v, i) => v + comps[1]![i]! + comps[2]![i]!);
    expect([...opened]).toEqual([...y]);
  });

  it('holders: component c is held by parties c and c-1', () => {
    expect(componentHolders(0)).toEqual([0, 2]);
    expect(componentHolders(1)).toEqual([0, 1]);
    expect(componentHolders(2)).toEqual([1, 2]);
    expect(heldComponents(2)).toEqual([2, 0]);
  });

  it('commitHeldComponents builds the same report a party would assemble by hand', () => {
    const byHand = reportsFor(comps);
    for (const p of [0, 1, 2]) {
      const [a, b] = heldComponents(p);
      const salts = [deriveComponentSalt(pairSeeds[a]!, JOB, a), deriveComponentSalt(pairSeeds[b]!, JOB, b)] as const;
      expect(commitHeldComponents(p, JOB, [bytesOf(comps[a]!), bytesOf(comps[b]!)], salts)).toEqual(byHand[p]);
    }
    expect(() => commitHeldComponents(3, JOB, [new Uint8Array(8), new Uint8Array(8)], [new Uint8Array(32), new Uint8Array(32)])).toThrow(/party/);
    expect(() => commitHeldComponents(0, JOB, [new Uint8Array(8)] as unknown as [Uint8Array, Uint8Array], [new Uint8Array(32), new Uint8Array(32)])).toThrow(/components/);
  });

  it('honest parties: verified', () => {
    expect(verifyOutputCommitments(reportsFor(comps), JOB)).toEqual({ verified: true });
  });

  it('one party alters both its components: that party is named', () => {
    for (const p of [0, 1, 2]) {
      const v = verifyOutputCommitments(reportsFor(comps, { party: p, components: heldComponents(p) }), JOB);
      expect(v).toMatchObject({ verified: false, inconsistentParty: p, suspects: [p] });
      if (!v.verified) expect(v.mismatchedComponents.sort()).toEqual([...heldComponents(p)].sort());
    }
  });

  it('one party alters one component: both holders are suspects, nobody is blamed', () => {
    const v = verifyOutputCommitments(reportsFor(comps, { party: 1, components: [2] }), JOB);
    expect(v).toMatchObject({ verified: false, component: 2, suspects: [1, 2], mismatchedComponents: [2] });
    expect(v.verified === false && v.inconsistentParty).toBeUndefined();
  });

  it('two deviating parties altering everything: no single party named', () => {
    const r = reportsFor(comps, { party: 0, components: [0, 1] });
    const r2 = reportsFor(comps, { party: 1, components: [2] });
    r[1] = r2[1]!;
    const v = verifyOutputCommitments(r, JOB);
    expect(v).toMatchObject({ verified: false, mismatchedComponents: [0, 1, 2], reason: expect.stringMatching(/honest majority/) });
    expect(v.verified === false && v.inconsistentParty).toBeUndefined();
  });

  it('missing, duplicated, foreign-job or malformed reports name their party', () => {
    const r = reportsFor(comps);
    expect(verifyOutputCommitments(r.slice(0, 2), JOB)).toMatchObject({ verified: false, inconsistentParty: 2, reason: expect.stringMatching(/no commitment report/) });
    expect(verifyOutputCommitments([r[0]!, r[0]!, r[1]!], JOB)).toMatchObject({ verified: false, inconsistentParty: 0 });
    expect(verifyOutputCommitments([r[0]!, { ...r[1]!, jobId: 'other' }, r[2]!], JOB)).toMatchObject({ inconsistentParty: 1, reason: expect.stringMatching(/job/) });
    expect(verifyOutputCommitments([r[0]!, r[1]!, { ...r[2]!, commitments: { '0': r[2]!.commitments['0']! } }], JOB)).toMatchObject({ inconsistentParty: 2 });
    expect(verifyOutputCommitments([r[0]!, r[1]!, { ...r[2]!, commitments: { ...r[2]!.commitments, '2': 'XYZ' } }], JOB)).toMatchObject({ inconsistentParty: 2, reason: expect.stringMatching(/hex/) });
    expect(verifyOutputCommitments([{ ...r[0]!, party: 5 }, r[1]!, r[2]!], JOB)).toMatchObject({ verified: false, reason: expect.stringMatching(/party 5/) });
  });

  it('commitments depend on salt, job, component and every byte', () => {
    const salt = deriveComponentSalt(pairSeeds[0]!, JOB, 0);
    const base = commitComponent(salt, JOB, 0, bytesOf(comps[0]!));
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(commitComponent(salt, JOB, 0, bytesOf(comps[0]!))).toBe(base);
    expect(commitComponent(deriveComponentSalt(pairSeeds[1]!, JOB, 0), JOB, 0, bytesOf(comps[0]!))).not.toBe(base);
    expect(commitComponent(salt, 'job-other', 0, bytesOf(comps[0]!))).not.toBe(base);
    expect(commitComponent(salt, JOB, 1, bytesOf(comps[0]!))).not.toBe(base);
    expect(deriveComponentSalt(pairSeeds[0]!, JOB, 1)).not.toEqual(salt);
  });

  it('rejects bad arguments, naming the parameter', () => {
    const ok = new Uint8Array(32);
    for (const bad of [new Uint8Array(31), 'x', null]) expect(() => commitComponent(bad as Uint8Array, JOB, 0, ok)).toThrow(/salt/);
    for (const bad of ['', 5, null]) expect(() => commitComponent(ok, bad as string, 0, ok)).toThrow(/jobId/);
    for (const bad of [3, -1, 1.5, Number.NaN, '0']) expect(() => commitComponent(ok, JOB, bad as number, ok)).toThrow(/componentIndex/);
    expect(() => commitComponent(ok, JOB, 0, [1, 2] as unknown as Uint8Array)).toThrow(/bytes/);
    expect(() => deriveComponentSalt(new Uint8Array(8), JOB, 0)).toThrow(/pairSeed/);
    expect(() => verifyOutputCommitments('x' as unknown as OutputCommitmentReport[])).toThrow(/reports/);
  });
});

describe('output verdict in the audit log', () => {
  const comps = share(new BigUint64Array([1n, 2n, 3n, 4n, 5n]));
  const appended: AuditEvent[] = [];
  const sink = { append: async (e: AuditEvent) => { appended.push(validateAuditEvent(e)); return { index: appended.length - 1, leafHash: new Uint8Array(32) }; } };

  it('a verified job logs job.verified with digests of the commitments', async () => {
    const reports = reportsFor(comps);
    const v = verifyOutputCommitments(reports, JOB);
    expect(verdictJobState(v)).toBe('verified');
    await recordOutputVerdict(sink, JOB, v, reports);
    expect(appended.at(-1)).toMatchObject({ type: 'job.verified', jobId: JOB });
    expect(Object.keys(appended.at(-1)!.hashes!)).toEqual(['commitments-party0', 'commitments-party1', 'commitments-party2']);
  });

  it('a failed verification logs the named party and a valid reason', async () => {
    const reports = reportsFor(comps, { party: 2, components: [2, 0] });
    const v = verifyOutputCommitments(reports, JOB);
    expect(verdictJobState(v)).toBe('failed-verification');
    await recordOutputVerdict(sink, JOB, v, reports);
    expect(appended.at(-1)).toMatchObject({ type: 'job.failed-verification', party: 2, reason: expect.stringMatching(/party 2/) });
    const one = verifyOutputCommitments(reportsFor(comps, { party: 0, components: [1] }), JOB);
    expect(outputVerdictEvent(JOB, one).party).toBeUndefined();
  });
});
