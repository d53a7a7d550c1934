/**
 * Plane-based threshold counts (protocols/analytics/threshold-counts) in malicious mode: every
 * plane AND is the verified gate (decomposition without party 0's input, plane comparison, the
 * gate AND, the popcount's carry-save tree) and the popcount's last bits become arithmetic by
 * verified products. Honest runs give the clear counts exactly (as the semi-honest test checks,
 * with gated-off rows outside the range); a party that alters any message of the counts (a plane
 * AND of the decomposition, of the comparison, of the gate or of the popcount tree, the popcount's
 * B2A products, the input consistency digest) or decomposes another value than the shared one is
 * caught by the job's checks before anything is opened, and an honest party names a set
 * containing it (style of test/protocols/rss-malicious-bounded.test.ts). The upload's column
 * validity on verified planes (column-validity.ts, malicious mode): exact on ring extremes and
 * the bounds' neighbours, and an altered plane AND or B2A product there is caught too.
 */
import { describe, expect, it } from 'vitest';
import { Prg } from '../../crypto-core/prg.js';
import type { PartyIndex } from '../../protocols/channel/channel.js';
import { thresholdCounts } from '../../protocols/analytics/threshold-counts.js';
import { computeColumnValidity } from '../../protocols/analytics/column-validity.js';
import { countingCompareOps } from '../../protocols/analytics/counting-compare-ops.js';
import { checkSchema } from '../../protocols/analytics/dataset-schema.js';
import type { ProtocolContext } from '../../protocols/rss/context.js';
import { VerificationFailedError } from '../../protocols/rss/errors.js';
import { concat } from '../../protocols/rss/local-ops.js';
import { verifyJob } from '../../protocols/rss/malicious/verify-products.js';
import { open, revealTo } from '../../protocols/rss/open.js';
import { makeShare } from '../../protocols/rss/replicated-share.js';
import { createLocalParties, type LocalPartiesOptions } from '../../protocols/testing/local-parties.js';
import type { Perturbation } from '../../protocols/testing/perturbing-channel.js';
import { runCheating as cheatingRun, type CheatingOutcome, dealt, mapU64, recordingChannel, seeded } from '../protocols/helpers.js';

const U = (v: bigint): bigint => BigInt.asUintN(64, v);

function parties(opts: LocalPartiesOptions = {}) {
  return createLocalParties({ rng: Prg.fromSeed(new Uint8Array(32).fill(5)), recvTimeoutMs: 10_000, security: 'malicious', ...opts });
}

const rng = seeded('tc-malicious');
const n = 130;
const cols = [
  { lo: -2n, hi: 65538n, thresholds: [-5n, 0n, 1n, 6554n, 32768n, 65536n, 65538n, 65539n] },
  { lo: -3277n, hi: 3277n, thresholds: [-3276n, -1n, 100n, 3277n] },
];
// Column 0's rows r = 1 mod 3 past row 20 lie far outside its range: both gates are 0 there.
const poisoned = (r: number): boolean => r % 3 === 1 && r > 20;
const gatesClear = [mapU64(n, (r) => BigInt(r % 3 !== 1 ? 1 : 0)), mapU64(n, (r) => BigInt(poisoned(r) || r % 7 === 0 ? 0 : 1))];
const values = cols.map((c, ci) => {
  const span = c.hi - c.lo + 1n;
  const special = [c.lo, c.hi, ...c.thresholds.filter((t) => t >= c.lo && t <= c.hi), ...c.thresholds.filter((t) => t - 1n >= c.lo && t - 1n <= c.hi).map((t) => t - 1n)];
  const raw = rng.u64(n);
  return mapU64(n, (r) => (ci === 0 && poisoned(r) ? U(r % 2 ? -(1n << 50n) : 1n << 33n) : U(r < special.length ? special[r]! : c.lo + (raw[r]! % span))));
});
const X = values.map((v) => dealt(v, rng));
const G = gatesClear.map((g) => dealt(g, rng));

/** The clear counts, gate-major like the flattened output. */
function clearCounts(gates: readonly BigUint64Array[]): bigint[] {
  const want: bigint[] = [];
  gates.forEach((g) =>
    cols.forEach((c, ci) =>
      c.thresholds.forEach((t) => {
        let s = 0n;
        for (let r = 0; r < n; r++) if (g[r] === 1n && BigInt.asIntN(64, values[ci]![r]!) < t) s++;
        want.push(s);
      }),
    ),
  );
  return want;
}

/** The counts of every gate, column and threshold at party s, flattened. */
async function counts(ctx: ProtocolContext, s: PartyIndex, gates = [0, 1]) {
  const out = await thresholdCounts(ctx, cols.map((c, ci) => ({ x: X[ci]!(s), lo: c.lo, hi: c.hi, thresholds: c.thresholds })), gates.map((g) => G[g]!(s)));
  return concat(out.flat(2));
}

describe('threshold counts in malicious mode, honest parties', { timeout: 120_000 }, () => {
  it('the clear counts exactly, verified, equal to semi-honest mode', async () => {
    const run = async (security: 'semi-honest' | 'malicious'): Promise<BigUint64Array> => {
      const res = await parties({ security }).run(async (ctx, s) => {
        const z = await counts(ctx, s);
        await verifyJob(ctx);
        return open(ctx, z);
      });
      expect(res[1]).toEqual(res[0]);
      return res[0];
    };
    const mal = await run('malicious');
    expect([...mal]).toEqual(clearCounts(gatesClear));
    expect(mal).toEqual(await run('semi-honest'));
  });

  it('registers its plane ANDs and products for the batch check (no unverified AND or daBit on a malicious context)', async () => {
    const tags: string[] = [];
    await parties({ wrapChannel: (ch, self) => (self === 1 ? recordingChannel(ch, tags) : ch) }).run(async (ctx, s) => {
      await counts(ctx, s);
      await verifyJob(ctx);
    });
    expect(tags.some((t) => /plane-decompose#\d+\/and#\d+$/.test(t))).toBe(true);
    expect(tags.some((t) => /plane-compare#\d+\/and#\d+$/.test(t))).toBe(true);
    expect(tags.some((t) => /popcount#\d+\/tree#\d+\/and#\d+$/.test(t))).toBe(true);
    // No party-0 input and no semi-honest daBits in malicious mode.
    expect(tags.some((t) => /input-binary|dabits#\d+\/dabits/.test(t))).toBe(false);
    expect(tags.some((t) => /verify#\d+\/ands#\d+\/and-zero-test/.test(t))).toBe(true);
  });
});

/** The job: the counts, verifyJob, then a reveal to party 0. */
async function job(ctx: ProtocolContext, s: PartyIndex): Promise<BigUint64Array> {
  const z = await counts(ctx, s);
  await verifyJob(ctx);
  return (await revealTo(ctx, z, 0)) ?? new BigUint64Array(0);
}

const runCheating = (cheater: PartyIndex, rules: Perturbation[], seed: number, body = job): Promise<CheatingOutcome> => cheatingRun(parties, cheater, rules, seed, body);

/** No honest party returns the output, and one names a set containing the cheater. */
function expectCaught(o: { results: PromiseSettledResult<BigUint64Array>[] }, cheater: PartyIndex, what: string): void {
  let named = false;
  for (const h of [0, 1, 2].filter((q) => q !== cheater)) {
    const r = o.results[h]!;
    if (r.status === 'fulfilled') {
      expect(r.value.length, `${what}: honest party ${h} must not return the output`).toBe(0);
      continue;
    }
    if (r.reason instanceof VerificationFailedError) {
      expect(r.reason.suspects, `${what}: party ${h}'s suspects`).toContain(cheater);
      named = true;
    }
  }
  expect(named, `${what}: an honest party names a set containing the cheater`).toBe(true);
}

describe('threshold counts in malicious mode, one cheating party', { timeout: 600_000 }, () => {
  const kinds: [string, RegExp, boolean?][] = [
    ['decomposition consistency digest', /plane-decompose#\d+\/consistency#\d+$/, true],
    ['decomposition AND (carry-save or ripple)', /plane-decompose#\d+\/and#\d+$/],
    ['plane comparison AND', /plane-compare#\d+\/and#\d+$/],
    ['gate AND', /planes#\d+\/and#\d+$/],
    ['popcount tree AND', /popcount#\d+\/tree#\d+\/and#\d+$/],
    ['popcount B2A product', /popcount#\d+\/dabits#\d+\/mul#\d+$/],
  ];
  for (const [name, tag, flipByte] of kinds) {
    it(`an altered ${name} is caught, whichever party sends it`, async () => {
      let applied = 0;
      for (const cheater of [0, 1, 2] as PartyIndex[]) {
        for (const occurrence of [0, 3]) {
          const o = await runCheating(cheater, [{ tag, occurrence, index: 5, flipByte: flipByte ?? false }], cheater + 11 + occurrence);
          if (o.altered.length === 0) continue; // this party sends no such message
          applied++;
          expectCaught(o, cheater, `${name} #${occurrence} by party ${cheater}`);
        }
      }
      expect(applied).toBeGreaterThan(0);
    });
  }

  it('a party that decomposes another value than the shared one (its copy of a component shifted by 2^j) is caught, the pair with the other holder named', async () => {
    for (const [cheater, j] of [
      [0, 0],
      [1, 5],
      [2, 16],
    ] as [PartyIndex, number][]) {
      const body = async (ctx: ProtocolContext, s: PartyIndex): Promise<BigUint64Array> => {
        const x = X[0]!(s);
        // The cheater's copy of its own component (its a) of column 0, altered at row 7.
        const a = x.a.slice();
        if (s === cheater) a[7] = U(a[7]! + (1n << BigInt(j)));
        const out = await thresholdCounts(ctx, [{ x: makeShare(a, x.b), lo: cols[0]!.lo, hi: cols[0]!.hi, thresholds: cols[0]!.thresholds }], [G[0]!(s)]);
        const z = concat(out.flat(2));
        await verifyJob(ctx);
        return (await revealTo(ctx, z, 0)) ?? new BigUint64Array(0);
      };
      const o = await runCheating(cheater, [], 40 + j, body);
      expectCaught(o, cheater, `party ${cheater} shifting its component by 2^${j}`);
      // The other holder of the cheater's component a (party cheater - 1) names it alone.
      const holder = ((cheater + 2) % 3) as PartyIndex;
      const r = o.results[holder]!;
      expect(r.status).toBe('rejected');
      const err = (r as PromiseRejectedResult).reason as VerificationFailedError;
      expect(err).toBeInstanceOf(VerificationFailedError);
      expect(err.suspects).toEqual([cheater]);
    }
  });
});

describe('column validity on verified planes (malicious upload)', { timeout: 300_000 }, () => {
  const schema = checkSchema({ columns: [{ name: 't', type: 'numeric', min: -50, max: 50 }, { name: 'v', type: 'numeric', min: 0, max: 7, fractionBits: 12 }] });
  const lo = -50n * 65536n;
  const hi = 50n * 65536n;
  const tVals = [0n, lo, hi, lo - 1n, hi + 1n, 1n << 63n, (1n << 63n) - 1n, -1n, 1n << 40n, -(1n << 40n), 12345n];
  const vVals = [0n, 7n * 4096n, 7n * 4096n + 1n, -1n, 1n << 63n, 3n, 4096n, 1n << 20n, -(1n << 20n), 28671n, 28673n];
  const rows = tVals.length;
  const table = new BigUint64Array([...tVals, ...vVals].map(U));
  const T = dealt(table, rng);
  const want = [...tVals.map((x) => (x >= lo && x <= hi ? 1n : 0n)), ...vVals.map((x) => (x >= 0n && x <= 7n * 4096n ? 1n : 0n))];
  const validity = async (ctx: ProtocolContext, s: PartyIndex) => computeColumnValidity(ctx, countingCompareOps, schema, { rows, share: T(s) });

  it('the exact range bits on every ring element, equal to semi-honest', async () => {
    for (const security of ['malicious', 'semi-honest'] as const) {
      const res = await parties({ security }).run(async (ctx, s) => {
        const v = await validity(ctx, s);
        await verifyJob(ctx);
        return open(ctx, v);
      });
      expect([...res[0]], security).toEqual(want);
    }
  });

  for (const [name, tag] of [
    ['range plane AND', /range-planes#\d+\/plane-(decompose|compare)#\d+\/and#\d+$/],
    ['range B2A product', /range-planes#\d+\/mul#\d+$/],
  ] as const) {
    it(`an altered ${name} of the validity is caught`, async () => {
      let applied = 0;
      for (const cheater of [0, 1, 2] as PartyIndex[]) {
        const body = async (ctx: ProtocolContext, s: PartyIndex): Promise<BigUint64Array> => {
          const v = await validity(ctx, s);
          await verifyJob(ctx);
          return (await revealTo(ctx, v, 0)) ?? new BigUint64Array(0);
        };
        const o = await runCheating(cheater, [{ tag, occurrence: 1, index: 2 }], 60 + cheater, body);
        if (o.altered.length === 0) continue;
        applied++;
        expectCaught(o, cheater, `${name} by party ${cheater}`);
      }
      expect(applied).toBeGreaterThan(0);
    });
  }
});
