/**
 * Range-aware comparisons in malicious mode (rss/malicious/bounded-compare-malicious): [x < t]
 * for several public thresholds on k + 1 bit fields of verified boolean ANDs. Honest runs give the
 * clear sign on every in-range element and, on out-of-range elements, the same bit as the
 * semi-honest bounded comparison (bit k of (x - t) mod 2^(k+1)), never a bit a party chose;
 * a party that alters any message of the comparison (the input consistency digest, the carry-save,
 * generate and carry-tree ANDs, the B2A products, the verification's messages) is caught before
 * anything is opened.
 */
import { describe, expect, it } from 'vitest';
import { Prg } from '../../crypto-core/prg.js';
import { tsRing } from '../../crypto-core/ring/index.js';
import type { PartyIndex } from '../../protocols/channel/channel.js';
import { rangeCompareOps } from '../../protocols/analytics/range-compare-ops.js';
import { ltzThresholds } from '../../protocols/analytics/range-compare-malicious.js';
import type { ProtocolContext } from '../../protocols/rss/context.js';
import { VerificationFailedError } from '../../protocols/rss/errors.js';
import { addPublic, concat } from '../../protocols/rss/local-ops.js';
import { ltzBoundedMalicious, ltzThresholdsMalicious } from '../../protocols/rss/malicious/bounded-compare-malicious.js';
import { verifyJob } from '../../protocols/rss/malicious/verify-products.js';
import { open, revealTo } from '../../protocols/rss/open.js';
import type { ReplicatedShare } from '../../protocols/rss/replicated-share.js';
import { createLocalParties, type LocalPartiesOptions } from '../../protocols/testing/local-parties.js';
import type { Perturbation } from '../../protocols/testing/perturbing-channel.js';
import { runCheating as cheatingRun, type CheatingOutcome, dealt, recordingChannel, seeded, signed, smallSigned } from './helpers.js';

function parties(opts: LocalPartiesOptions = {}) {
  return createLocalParties({ ring: tsRing, rng: Prg.fromSeed(new Uint8Array(32).fill(5)), recvTimeoutMs: 10_000, ...opts });
}

const K = 12;
const THRESHOLDS = [0n, 100n, -2047n, 2048n];
const rng = seeded('malicious-bounded');
// In range for every threshold: |x| < 2^11, so |x - t| < 2^12.
const inRange = smallSigned(rng, 20, 11);
// Out of range: far values and values just past the bound.
const outOfRange = BigUint64Array.from([1n << 40n, BigInt.asUintN(64, -(1n << 33n)), 6000n, BigInt.asUintN(64, -5000n), 1n << 62n]);
const xs = BigUint64Array.from([...inRange, ...outOfRange]);
const X = dealt(xs, rng);

/** Bit k of (v mod 2^(k+1)): what a bounded comparison at k returns for any v. */
const boundedBit = (v: bigint, k: number): bigint => (BigInt.asUintN(k + 1, v) >> BigInt(k)) & 1n;

async function opened(security: 'semi-honest' | 'malicious', body: (ctx: ProtocolContext, s: PartyIndex) => Promise<ReplicatedShare>): Promise<BigUint64Array> {
  const res = await parties({ security }).run(async (ctx, s) => {
    const z = await body(ctx, s);
    await verifyJob(ctx);
    return open(ctx, z);
  });
  expect(res[1]).toEqual(res[0]);
  expect(res[2]).toEqual(res[0]);
  return res[0];
}

describe('bounded comparisons in malicious mode, honest parties', () => {
  it('several thresholds on one input: the clear sign in range, the semi-honest bit outside', async () => {
    const mal = await opened('malicious', async (ctx, s) => concat(await ltzThresholdsMalicious(ctx, X(s), THRESHOLDS, K)));
    const semi = await opened('semi-honest', async (ctx, s) => rangeCompareOps.ltzBounded(ctx, concat(THRESHOLDS.map((t) => addPublic(ctx, X(s), BigInt.asUintN(64, -t)))), K));
    expect(mal).toEqual(semi);
    const n = xs.length;
    THRESHOLDS.forEach((t, i) => {
      for (let e = 0; e < n; e++) {
        const d = signed(xs[e]!) - t;
        const want = e < inRange.length ? (d < 0n ? 1n : 0n) : boundedBit(d, K);
        expect(mal[i * n + e], `x=${signed(xs[e]!)} t=${t}`).toBe(want);
      }
    });
  });

  it('single threshold, the narrowest and the widest range exponent, and the analytics entry point in both modes', async () => {
    for (const k of [1, 5, 62]) {
      const v = k === 62 ? BigUint64Array.from([0n, 1n, BigInt.asUintN(64, -1n), (1n << 61n) + 5n, BigInt.asUintN(64, -(1n << 62n))]) : BigUint64Array.from([0n, 1n, BigInt.asUintN(64, -1n), BigInt.asUintN(64, -(1n << BigInt(k))), (1n << BigInt(k)) - 1n]);
      const V = dealt(v, rng);
      const mal = await opened('malicious', (ctx, s) => ltzBoundedMalicious(ctx, V(s), k));
      expect([...mal]).toEqual([...v].map((x) => (signed(x) < 0n ? 1n : 0n)));
    }
    for (const security of ['semi-honest', 'malicious'] as const) {
      const out = await opened(security, async (ctx, s) => concat(await ltzThresholds(ctx, X(s), THRESHOLDS, K)));
      const n = xs.length;
      THRESHOLDS.forEach((t, i) => {
        for (let e = 0; e < inRange.length; e++) expect(out[i * n + e]).toBe(signed(xs[e]!) < t ? 1n : 0n);
      });
    }
  });

  it('costs far fewer bytes than the verified 64-bit comparison', async () => {
    const bytes = async (body: (ctx: ProtocolContext, s: PartyIndex) => Promise<ReplicatedShare>): Promise<number> => {
      const p = parties({ security: 'malicious' });
      await p.run(async (ctx, s) => {
        await body(ctx, s);
        await verifyJob(ctx);
      });
      return Math.max(...p.contexts.map((c) => c.channel.stats.bytesSent));
    };
    const { ltz } = await import('../../protocols/rss/comparison.js');
    const bounded = await bytes(async (ctx, s) => concat(await ltzThresholdsMalicious(ctx, X(s), THRESHOLDS, K)));
    const full = await bytes((ctx, s) => ltz(ctx, concat(THRESHOLDS.map((t) => addPublic(ctx, X(s), BigInt.asUintN(64, -t))))));
    // The AND gates are ~4x fewer (16-bit fields against 64-bit words); the two B2A products
    // per value and threshold (~72 bytes each with their verification) are the same in both.
    expect(bounded * 2).toBeLessThan(full);
  });
});

/** The job: four thresholds against x, one single-threshold comparison, verifyJob, then an open. */
async function job(ctx: ProtocolContext, s: PartyIndex): Promise<BigUint64Array> {
  const many = await ltzThresholdsMalicious(ctx, X(s), THRESHOLDS, K);
  const one = await ltzBoundedMalicious(ctx, addPublic(ctx, X(s), 7n), K);
  const z = concat([...many, one]);
  await verifyJob(ctx);
  return (await revealTo(ctx, z, 0)) ?? new BigUint64Array(0);
}

const runCheating = (cheater: PartyIndex, rules: Perturbation[], seed: number): Promise<CheatingOutcome> => cheatingRun(parties, cheater, rules, seed, job);

/** Tags `cheater` sends in an honest run, in order. */
async function sentTags(cheater: PartyIndex): Promise<string[]> {
  const tags: string[] = [];
  const p = parties({
    security: 'malicious',
    wrapChannel: (ch, self) => (self !== cheater ? ch : recordingChannel(ch, tags)),
  });
  await p.run((ctx, s) => job(ctx, s));
  return tags;
}

/** No honest party opens anything (or, for a lie in the last verdict, only the correct value), and one names a set with the cheater. */
function expectCaught(o: { results: PromiseSettledResult<BigUint64Array>[]; altered: string[] }, cheater: PartyIndex, what: string, verdictOnly: boolean, correct: BigUint64Array): void {
  expect(o.altered.length, `${what}: the perturbation was applied`).toBe(1);
  let named = false;
  for (const h of [0, 1, 2].filter((q) => q !== cheater)) {
    const r = o.results[h]!;
    if (r.status === 'fulfilled') {
      // Party 0 is the output's target; the others return an empty vector.
      if (r.value.length > 0) {
        expect(verdictOnly, `${what}: honest party ${h} must not return the output`).toBe(true);
        expect(r.value, `${what}: honest party ${h}'s output`).toEqual(correct);
      }
      continue;
    }
    if (r.reason instanceof VerificationFailedError) {
      expect(r.reason.suspects, `${what}: party ${h}'s suspects`).toContain(cheater);
      named = true;
    }
  }
  expect(named, `${what}: an honest party names a set containing the cheater`).toBe(true);
}

describe('bounded comparisons in malicious mode, one cheating party', { timeout: 300_000 }, () => {
  let honest: Promise<BigUint64Array> | undefined;
  const correct = (): Promise<BigUint64Array> =>
    (honest ??= runCheating(1, [], 1).then((o) => {
      expect(o.results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      return (o.results[0] as PromiseFulfilledResult<BigUint64Array>).value;
    }));

  // Step tags: consistency#0, the carry-save AND and#1, the generate AND and#2, the carry tree
  // and#3..#6 (16-bit fields: 4 levels), the two B2A products mul#7, mul#8.
  const kinds: [string, RegExp, boolean?][] = [
    ['input consistency digest', /ltz-bounded-mal#\d+\/consistency#\d+$/, true],
    ['carry-save AND', /ltz-bounded-mal#\d+\/and#1$/],
    ['generate AND', /ltz-bounded-mal#\d+\/and#2$/],
    ['carry-tree AND', /ltz-bounded-mal#\d+\/and#[3-6]$/],
    ['B2A product', /ltz-bounded-mal#\d+\/mul#[78]$/],
  ];
  for (const [name, tag, flipByte] of kinds) {
    it(`an altered ${name} is caught, whichever party sends it`, async () => {
      let applied = 0;
      for (const cheater of [0, 1, 2] as PartyIndex[]) {
        for (const occurrence of [0, 1]) {
          const o = await runCheating(cheater, [{ tag, occurrence, index: 3, flipByte: flipByte ?? false }], cheater + 11 + occurrence);
          if (o.altered.length === 0) continue; // this party sends no such message
          applied++;
          expectCaught(o, cheater, `${name} #${occurrence} by party ${cheater}`, false, await correct());
        }
      }
      expect(applied).toBeGreaterThan(0);
    });
  }

  it('a party 0 that decomposes another value than the shared one (its own x0 shifted by 2^j) is caught by the consistency check', async () => {
    for (const j of [0, 5, 12]) {
      const p = parties({ security: 'malicious' });
      const results = await Promise.allSettled(
        p.contexts.map(async (ctx) => {
          try {
            const x = X(ctx.self);
            // Party 0 alone computes on x0 + 2^j (its carry-save input and everything after);
            // party 2's copy of x0 is the true one, which the consistency digests compare.
            const lied = ctx.self === 0 ? { ...x, a: BigUint64Array.from(x.a, (v, t) => (t === 3 ? BigInt.asUintN(64, v + (1n << BigInt(j))) : v)) } : x;
            const z = concat(await ltzThresholdsMalicious(ctx, lied, THRESHOLDS, K));
            await verifyJob(ctx);
            return (await revealTo(ctx, z, 0)) ?? new BigUint64Array(0);
          } catch (e) {
            p.network.kill(ctx.self);
            throw e;
          }
        }),
      );
      for (const h of [1, 2]) {
        const r = results[h]!;
        expect(r.status, `j=${j}: honest party ${h}`).toBe('rejected');
      }
      const named = [1, 2].some((h) => {
        const r = results[h]!;
        return r.status === 'rejected' && r.reason instanceof VerificationFailedError && r.reason.suspects.includes(0);
      });
      expect(named, `j=${j}: an honest party names a set containing party 0`).toBe(true);
    }
  });

  const RUNS = Number(process.env.MPC_PERTURBATION_RUNS ?? 40);
  it(`randomized perturbations of any message of any party (${RUNS} runs): none undetected`, async () => {
    const tagsOf = await Promise.all(([0, 1, 2] as PartyIndex[]).map(sentTags));
    const ok = await correct();
    const pr = seeded('bounded-perturbation');
    for (let r = 0; r < RUNS; r++) {
      const pick = pr.u64(4);
      const cheater = Number(pick[0]! % 3n) as PartyIndex;
      const tags = tagsOf[cheater]!;
      const i = Number(pick[1]! % BigInt(tags.length));
      const tag = tags[i]!;
      const occurrence = tags.slice(0, i).filter((t) => t === tag).length;
      const escaped = new RegExp(`^${tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
      const delta = pick[2]! === 0n ? 1n : pick[2]!;
      const o = await runCheating(cheater, [{ tag: escaped, occurrence, index: Number(pick[3]! % 1024n), delta }], r);
      const what = `run ${r}: party ${cheater} alters ${tag} (occurrence ${occurrence}) by ${delta}`;
      // An intermediate claim list only chooses which products a batch verifies (see rss-malicious.test).
      if (/^(?!verify-job).*\/claims#\d+$/.test(tag) && o.results.every((x, q) => q === cheater || x.status === 'fulfilled')) {
        o.results.forEach((x, q) => q === 0 && cheater !== 0 && expect((x as PromiseFulfilledResult<BigUint64Array>).value, what).toEqual(ok));
        continue;
      }
      expectCaught(o, cheater, what, /\/verdict#\d+$/.test(tag), ok);
    }
  });
});
