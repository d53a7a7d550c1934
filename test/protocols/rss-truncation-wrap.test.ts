/**
 * The wrap-corrected truncation (protocols/rss/truncate-wrap) against exact bigint arithmetic:
 * every result is floor(x / 2^d) or one above, with tolerance zero beyond that, over the whole
 * range |x| < 2^62, for products and matrix products in the safe range of secure inference, and
 * for halves that are not uniform (the protocol does not rely on it). Rounds and bytes asserted.
 * Every body runs under each ring backend.
 */
import { describe, expect, it } from 'vitest';
import { createLocalParties, type LocalParties } from '../../protocols/testing/local-parties.js';
import { open } from '../../protocols/rss/open.js';
import { matmulFixed, mulFixed, truncate } from '../../protocols/rss/truncate.js';
import { makeShare, type ReplicatedShare } from '../../protocols/rss/replicated-share.js';
import type { ProtocolContext } from '../../protocols/rss/context.js';
import { dealt, ringsUnderTest, seeded, signed, smallSigned } from './helpers.js';

const F = 16;
const wrap = (ctx: ProtocolContext): ProtocolContext => ctx.scope('t', { truncation: 'wrap-corrected' });

/** Indices whose result is neither floor(x / 2^d) nor one above; and how many were exact. */
function check(x: BigUint64Array, y: BigUint64Array, d = F): { bad: number[]; exact: number } {
  const bad: number[] = [];
  let exact = 0;
  for (let i = 0; i < x.length; i++) {
    const lo = signed(x[i]!) >> BigInt(d);
    const got = signed(y[i]!);
    if (got === lo) exact++;
    else if (got !== lo + 1n) bad.push(i);
  }
  return { bad, exact };
}

const bytes = (p: LocalParties): number[] => p.contexts.map((c) => c.channel.stats.bytesSent);

for (const ring of ringsUnderTest()) {
  describe(`wrap-corrected truncation (ring: ${ring.name})`, () => {
    it('1e5 values uniform in |x| < 2^62 and the edges: floor or one above, none else; 1 round, [40, 8, 8] bytes per element', async () => {
      const N = 100_000;
      const x = smallSigned(seeded('w62'), N, 62);
      const edges = [0n, 1n, -1n, (1n << 62n) - 1n, -((1n << 62n) - 1n), 1n << 61n, -(1n << 61n), (1n << 16n) - 1n, -(1n << 16n)];
      edges.forEach((v, i) => (x[i] = BigInt.asUintN(64, v)));
      const X = dealt(x, seeded('w62-shares'));
      const p = createLocalParties({ ring, rng: seeded('w62-seeds'), fractionBits: F });
      const t = await p.run((ctx, i) => truncate(wrap(ctx), X(i)));
      expect(p.network.depth()).toBe(1);
      expect(bytes(p)).toEqual([40 * N, 8 * N, 8 * N]);
      const [y] = await p.run((ctx, i) => open(ctx, t[i]!));
      const { bad, exact } = check(x, y);
      expect(bad).toEqual([]);
      expect(exact).toBeGreaterThan(0);
      expect(exact).toBeLessThan(N);
    });

    it('does not need a uniform half: x2 fixed at 0, at 2^63 and at -1 (where the plain share truncation fails for most x)', async () => {
      const n = 2000;
      const x = smallSigned(seeded('fixed-half'), n, 62);
      const x1 = seeded('fixed-half-x1').u64(n);
      for (const c of [0n, 1n << 63n, (1n << 64n) - 1n]) {
        const x2 = new BigUint64Array(n).fill(c);
        const x0 = new BigUint64Array(n);
        for (let i = 0; i < n; i++) x0[i] = BigInt.asUintN(64, x[i]! - x1[i]! - c);
        const shares: ReplicatedShare[] = [makeShare(x0, x1), makeShare(x1, x2), makeShare(x2, x0)];
        const p = createLocalParties({ ring, rng: seeded('fixed-half-seeds'), fractionBits: F });
        const t = await p.run((ctx, i) => truncate(wrap(ctx), shares[i]!, 20));
        const [y] = await p.run((ctx, i) => open(ctx, t[i]!));
        expect(check(x, y, 20).bad).toEqual([]);
      }
    });

    it('20000 products of values in the safe range |v| < 2^15 (f = 16): each floor(xy / 2^16) or one above; depth 2, [40, 16, 16] bytes', async () => {
      const N = 20_000;
      const rng = seeded('wprod');
      // ring integers |v 2^16| < 2^31, so |x y| < 2^62: the whole safe range of one product
      const x = smallSigned(rng, N, 31);
      const y = smallSigned(rng, N, 31);
      const X = dealt(x, rng);
      const Y = dealt(y, rng);
      const p = createLocalParties({ ring, rng: seeded('wprod-seeds'), fractionBits: F });
      const z = await p.run((ctx, i) => mulFixed(wrap(ctx), X(i), Y(i)));
      expect(p.network.depth()).toBe(2);
      expect(bytes(p)).toEqual([40 * N, 16 * N, 16 * N]);
      const [out] = await p.run((ctx, i) => open(ctx, z[i]!));
      const product = x.map((v, i) => BigInt.asUintN(64, v * y[i]!));
      expect(check(product, out).bad).toEqual([]);
    });

    it('matrix product 8x128 @ 128x16 with |sum x w| < 2^(62 - 32): every dot product floor or one above', async () => {
      const [m, k, n] = [8, 128, 16];
      const rng = seeded('wmat');
      const a = smallSigned(rng, m * k, 27); // |v| < 2^11 at f = 16
      const b = smallSigned(rng, k * n, 27);
      const A = dealt(a, rng);
      const B = dealt(b, rng);
      const p = createLocalParties({ ring, rng: seeded('wmat-seeds'), fractionBits: F });
      const z = await p.run((ctx, i) => matmulFixed(wrap(ctx), A(i), B(i), m, k, n));
      expect(bytes(p)).toEqual([40 * m * n, 16 * m * n, 16 * m * n]);
      const [out] = await p.run((ctx, i) => open(ctx, z[i]!));
      const want = new BigUint64Array(m * n);
      for (let r = 0; r < m; r++) {
        for (let c = 0; c < n; c++) {
          let s = 0n;
          for (let q = 0; q < k; q++) s += signed(a[r * k + q]!) * signed(b[q * n + c]!);
          want[r * n + c] = BigInt.asUintN(64, s);
        }
      }
      expect(check(want, out).bad).toEqual([]);
    });

    it('rejects an unknown truncation mode', () => {
      const p = createLocalParties({ ring });
      expect(() => p.contexts[0].scope('t', { truncation: 'exact' as never })).toThrow(/opts\.truncation/);
    });
  });
}
