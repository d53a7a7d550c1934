/**
 * Range-aware comparison (protocols/rss/bounded-msb, analytics/range-compare-ops): [x < 0] for
 * x in [-2^k, 2^k) from a (k+1)-bit carry tree, checked exactly against the clear result on
 * random values and on the range edges, for every k from 1 to 63; fewer rounds and bytes than
 * the 64-bit comparison; the malicious context keeps the verified 64-bit path.
 */
import { describe, expect, it } from 'vitest';
import { createLocalParties, type LocalParties } from '../../protocols/testing/local-parties.js';
import { open } from '../../protocols/rss/open.js';
import { openBinary } from '../../protocols/rss/binary-share.js';
import { ltzBoundedBit } from '../../protocols/rss/bounded-msb.js';
import { ltz } from '../../protocols/rss/comparison.js';
import { rangeCompareOps } from '../../protocols/analytics/range-compare-ops.js';
import { defaultCompareOps } from '../../protocols/analytics/default-compare-ops.js';
import type { ProtocolContext } from '../../protocols/rss/context.js';
import { dealt, mapU64, ringsUnderTest, seeded, signed } from './helpers.js';

const U = (v: bigint): bigint => BigInt.asUintN(64, v);

/** Random values in [-2^k, 2^k) with the edges -2^k, -2^k + 1, -1, 0, 1, 2^k - 1 first. */
function inRange(rng: ReturnType<typeof seeded>, n: number, k: number): BigUint64Array {
  const K = 1n << BigInt(k);
  const raw = rng.u64(n);
  const out = mapU64(n, (t) => U((raw[t]! % (2n * K)) - K));
  [-K, -K + 1n, -1n, 0n, 1n, K - 1n].forEach((e, t) => (out[t] = U(e)));
  return out;
}

async function measured<T>(p: LocalParties, body: (ctx: ProtocolContext, i: number) => Promise<T>): Promise<{ out: [T, T, T]; rounds: number }> {
  p.network.alignClocks();
  const before = p.network.depth();
  const out = await p.run(body);
  return { out, rounds: p.network.depth() - before };
}

for (const ring of ringsUnderTest()) {
  describe(`range-aware comparison (ring: ${ring.name})`, () => {
    const rng = seeded(`bounded-${ring.name}`);
    const parties = (label: string, security?: 'malicious') => createLocalParties({ ring, rng: seeded(`${label}-${ring.name}`), ...(security ? { security } : {}) });

    it('ltzBoundedBit is exact on [-2^k, 2^k) for every k in 1..63, at the edges too', async () => {
      const n = 67;
      const ks = Array.from({ length: 63 }, (_, i) => i + 1);
      const xs = ks.map((k) => inRange(rng, n, k));
      const p = parties('all-k');
      for (const [j, k] of ks.entries()) {
        const X = dealt(xs[j]!, rng);
        const bits = await p.run((ctx, i) => ltzBoundedBit(ctx, X(i), k));
        const got = (await p.run((ctx, i) => openBinary(ctx, bits[i]!)))[0];
        expect([...got].map((b) => b & 1n), `k = ${k}`).toEqual([...xs[j]!].map((v) => (signed(v) < 0n ? 1n : 0n)));
      }
    });

    it('k = 17 (a [0, 1] column at 16 fractional bits): 8 rounds with the injection instead of 9, fewer bytes', async () => {
      const n = 1000;
      const x = inRange(rng, n, 17);
      const X = dealt(x, rng);
      const pb = parties('k17');
      const bounded = await measured(pb, (ctx, i) => rangeCompareOps.ltzBounded(ctx, X(i), 17));
      const pf = parties('k17-full');
      const full = await measured(pf, (ctx, i) => defaultCompareOps.ltzBounded(ctx, X(i), 17));
      expect(full.rounds).toBe(9);
      expect(bounded.rounds).toBe(8); // input, G, 5 tree levels on 32-bit lanes, injection
      const bytes = (p: LocalParties): number[] => p.contexts.map((c) => c.channel.stats.bytesSent);
      const [b, f] = [bytes(pb), bytes(pf)];
      // Party 0: 4 (input) + 4 (G) + 4 + 2 + 1 + 0.5 + 1/8 (tree) + 32 (injection) ~ 47.6 bytes, against 64.
      expect(b[0]! / n).toBeLessThan(48);
      expect(f[0]! / n).toBeGreaterThan(63);
      b.forEach((v, i) => expect(v).toBeLessThan(f[i]!));
      const want = mapU64(n, (t) => (signed(x[t]!) < 0n ? 1n : 0n));
      expect((await pb.run((ctx, i) => open(ctx, bounded.out[i]!)))[0]).toEqual(want);
      expect((await pf.run((ctx, i) => open(ctx, full.out[i]!)))[0]).toEqual(want);
    });

    it('k = 9 runs on 16-bit lanes: 7 rounds with the injection', async () => {
      const n = 300;
      const x = inRange(rng, n, 9);
      const X = dealt(x, rng);
      const p = parties('k9');
      const { out, rounds } = await measured(p, (ctx, i) => rangeCompareOps.ltzBounded(ctx, X(i), 9));
      expect(rounds).toBe(7);
      expect((await p.run((ctx, i) => open(ctx, out[i]!)))[0]).toEqual(mapU64(n, (t) => (signed(x[t]!) < 0n ? 1n : 0n)));
    });

    it('outside the promised range the result is still a bit (0 or 1)', async () => {
      const n = 200;
      const x = rng.u64(n);
      const X = dealt(x, rng);
      const p = parties('outside');
      const out = await p.run((ctx, i) => rangeCompareOps.ltzBounded(ctx, X(i), 12));
      const got = (await p.run((ctx, i) => open(ctx, out[i]!)))[0];
      got.forEach((b) => expect(b === 0n || b === 1n).toBe(true));
    });

    it('bits outside 1..63 are refused', async () => {
      const X = dealt(new BigUint64Array(4), rng);
      const p = parties('bad-bits');
      for (const k of [0, 64, 1.5, Number.NaN]) {
        await expect(p.run((ctx, i) => ltzBoundedBit(ctx, X(i), k))).rejects.toThrow(/bits: expected an integer in 1\.\.63/);
      }
    });

    it('on a malicious context the boolean circuit is refused and rangeCompareOps uses the verified 64-bit ltz', async () => {
      const n = 50;
      const x = inRange(rng, n, 10);
      const X = dealt(x, rng);
      const p = parties('mal', 'malicious');
      await expect(p.run((ctx, i) => ltzBoundedBit(ctx, X(i), 10))).rejects.toThrow(/semi-honest|malicious/);
      const q = parties('mal2', 'malicious');
      const viaOps = await q.run((ctx, i) => rangeCompareOps.ltzBounded(ctx, X(i), 10));
      const r = parties('mal3', 'malicious');
      const direct = await r.run((ctx, i) => ltz(ctx, X(i)));
      const want = mapU64(n, (t) => (signed(x[t]!) < 0n ? 1n : 0n));
      expect((await q.run((ctx, i) => open(ctx, viaOps[i]!)))[0]).toEqual(want);
      expect((await r.run((ctx, i) => open(ctx, direct[i]!)))[0]).toEqual(want);
      // Same verified path: the same number of bytes as the malicious 64-bit ltz.
      expect(q.contexts.map((c) => c.channel.stats.bytesSent)).toEqual(r.contexts.map((c) => c.channel.stats.bytesSent));
    });
  });
}
