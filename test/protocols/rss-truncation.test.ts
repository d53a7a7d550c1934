/**
 * Fixed-point truncation: the SecureML-style share truncation is within one unit of the exact
 * floor except with probability at most 2^(l_x + 1 - 64) for |x| < 2^l_x. Counted over 1e5
 * values with seeded randomness (deterministic), at a magnitude where failures must be absent
 * and at one where they are frequent enough to be measured against the bound.
 */
import { describe, expect, it } from 'vitest';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { open } from '../../protocols/rss/open.js';
import { truncate, mulFixed, matmulFixed } from '../../protocols/rss/truncate.js';
import { encodeFixed, decodeFixed } from '../../crypto-core/ring/index.js';
import { dealt, ringsUnderTest, seeded, signed, smallSigned } from './helpers.js';

const F = 16;

/** Counts values where the truncated result is not floor(x / 2^F) or floor + 1. */
function countFailures(x: BigUint64Array, y: BigUint64Array): number {
  let bad = 0;
  for (let i = 0; i < x.length; i++) {
    const exact = signed(x[i]!) >> BigInt(F); // bigint >> is floor division
    const d = signed(y[i]!) - exact;
    if (d !== 0n && d !== 1n) bad++;
  }
  return bad;
}

for (const ring of ringsUnderTest()) {
  describe(`truncation (ring: ${ring.name})`, () => {
    const N = 100_000;

    async function truncateAll(x: BigUint64Array, label: string): Promise<{ y: BigUint64Array; rounds: number[]; bytes: number[] }> {
      const X = dealt(x, seeded(label));
      const p = createLocalParties({ ring, rng: seeded(`seeds-${label}`), fractionBits: F });
      const t = await p.run((ctx, i) => truncate(ctx, X(i)));
      const rounds = p.contexts.map((c) => c.channel.stats.rounds);
      const bytes = p.contexts.map((c) => c.channel.stats.bytesSent);
      const [y] = await p.run((ctx, i) => open(ctx, t[i]!));
      return { y, rounds, bytes };
    }

    it('|x| < 2^40: every one of 1e5 results is floor(x/2^16) or one above (expected failures 1e5 * 2^-23 < 0.02)', async () => {
      const x = smallSigned(seeded('t40'), N, 40);
      const { y, rounds, bytes } = await truncateAll(x, 't40');
      expect(countFailures(x, y)).toBe(0);
      // one round; only party 0 sends (8 bytes per element)
      expect(Math.max(...rounds)).toBe(1);
      expect(bytes).toEqual([8 * N, 0, 0]);
      // both outcomes actually occur: the bound of one ulp is tight, not vacuous
      let exact = 0;
      for (let i = 0; i < N; i++) if (signed(y[i]!) === signed(x[i]!) >> BigInt(F)) exact++;
      expect(exact).toBeGreaterThan(0);
      expect(exact).toBeLessThan(N);
    });

    it('|x| < 2^60: failures stay under the bound 2^(60+1-64) = 1/8 and are measured', async () => {
      const x = smallSigned(seeded('t60'), N, 60);
      const { y } = await truncateAll(x, 't60');
      const failures = countFailures(x, y);
      // E|x| = 2^59, so the expected rate is about 2^59 / 2^64 = 1/32; the stated bound is 1/8.
      expect(failures).toBeGreaterThan(0);
      expect(failures).toBeLessThanOrEqual(N / 8);
      expect(failures / N).toBeGreaterThan(1 / 64);
      expect(failures / N).toBeLessThan(1 / 16);
    });

    it('mulFixed over 1e5 products |xy| < 2^40: each is floor(xy/2^16) or one above, no failures', async () => {
      const rng = seeded('mf-count');
      const x = smallSigned(rng, N, 20);
      const y = smallSigned(rng, N, 20);
      const X = dealt(x, rng);
      const Y = dealt(y, rng);
      const p = createLocalParties({ ring, rng: seeded('mf-count-seeds'), fractionBits: F });
      const z = await p.run((ctx, i) => mulFixed(ctx, X(i), Y(i)));
      const [out] = await p.run((ctx, i) => open(ctx, z[i]!));
      const product = new BigUint64Array(N);
      for (let i = 0; i < N; i++) product[i] = x[i]! * y[i]!;
      expect(countFailures(product, out)).toBe(0);
      let exact = 0;
      for (let i = 0; i < N; i++) if (signed(out[i]!) === signed(product[i]!) >> BigInt(F)) exact++;
      expect(exact).toBeGreaterThan(0);
      expect(exact).toBeLessThan(N);
    });

    it('edge values truncate exactly or one above: 0, +-1, +-2^16, +-(2^46 - 1)', async () => {
      const vals = [0n, 1n, -1n, 1n << 16n, -(1n << 16n), (1n << 46n) - 1n, -((1n << 46n) - 1n), 65535n, -65535n];
      const x = new BigUint64Array(vals.map((v) => BigInt.asUintN(64, v)));
      const { y } = await truncateAll(x, 'edges');
      expect(countFailures(x, y)).toBe(0);
    });

    it('mulFixed / matmulFixed on reals: |error| <= (|a| + |b| + 2) * 2^-16 elementwise', async () => {
      const rng = seeded('mulfixed');
      const n = 2000;
      const raw = rng.u64(2 * n);
      const a = Float64Array.from({ length: n }, (_, i) => (Number(raw[i]! % 20001n) - 10000) / 100);
      const b = Float64Array.from({ length: n }, (_, i) => (Number(raw[n + i]! % 20001n) - 10000) / 317);
      const A = dealt(encodeFixed(a, F), rng);
      const B = dealt(encodeFixed(b, F), rng);
      const p = createLocalParties({ ring, rng: seeded('mf-seeds'), fractionBits: F });
      const z = await p.run((ctx, i) => mulFixed(ctx, A(i), B(i)));
      // latency depth 2 (party 1 -> party 0 -> party 2); 8 bytes per element from every party
      expect(p.network.depth()).toBe(2);
      expect(p.contexts.map((c) => c.channel.stats.bytesSent)).toEqual([8 * n, 8 * n, 8 * n]);
      const [out] = await p.run((ctx, i) => open(ctx, z[i]!));
      const got = decodeFixed(out, F);
      for (let i = 0; i < n; i++) {
        expect(Math.abs(got[i]! - a[i]! * b[i]!)).toBeLessThanOrEqual((Math.abs(a[i]!) + Math.abs(b[i]!) + 2) * 2 ** -F);
      }
      // matrix product: 4x50 @ 50x3, error bound grows with k: sum |a||b| rounding terms
      const [m, k, nn] = [4, 50, 3];
      const M = dealt(encodeFixed(a.subarray(0, m * k), F), rng);
      const Q = dealt(encodeFixed(b.subarray(0, k * nn), F), rng);
      const before = p.contexts.map((c) => c.channel.stats.bytesSent);
      const zm = await p.run((ctx, i) => matmulFixed(ctx, M(i), Q(i), m, k, nn));
      expect(p.contexts.map((c, i) => c.channel.stats.bytesSent - before[i]!)).toEqual([8 * m * nn, 8 * m * nn, 8 * m * nn]);
      const [om] = await p.run((ctx, i) => open(ctx, zm[i]!));
      const gm = decodeFixed(om, F);
      for (let r = 0; r < m; r++) {
        for (let c = 0; c < nn; c++) {
          let want = 0;
          let tol = 2 * 2 ** -F;
          for (let q = 0; q < k; q++) {
            want += a[r * k + q]! * b[q * nn + c]!;
            tol += (Math.abs(a[r * k + q]!) + Math.abs(b[q * nn + c]!)) * 2 ** -(F + 1);
          }
          expect(Math.abs(gm[r * nn + c]! - want)).toBeLessThanOrEqual(tol);
        }
      }
    });

    it('rejects a bad bit count', async () => {
      const p = createLocalParties({ ring, rng: seeded('bad') });
      const X = dealt(new BigUint64Array(2), seeded('bad'));
      await expect(truncate(p.contexts[0], X(0), 64)).rejects.toThrow(/bits/);
    });
  });
}
