/**
 * The two Z_2^128 backends (crypto-core/ring/ring128: TypeScript BigInt loops and the addon's
 * unsigned __int128 loops) give the same words on random and edge values, and both agree with
 * plain bigint arithmetic mod 2^128 (the independent reference).
 */
import { describe, expect, it } from 'vitest';
import { Prg } from '../../crypto-core/prg.js';
import { native128, ring128For, ts128, type Ring128, type Vec128 } from '../../crypto-core/ring/ring128.js';
import { loadNativeRing, tsRing } from '../../crypto-core/ring/index.js';

const M128 = (1n << 128n) - 1n;
const rng = Prg.fromSeed(new Uint8Array(32).fill(9));

function vec(n: number, edge = false): Vec128 {
  const lo = rng.u64(n);
  const hi = rng.u64(n);
  if (edge) {
    const e = [0n, 1n, (1n << 64n) - 1n, 1n << 63n];
    for (let t = 0; t < n; t++) {
      lo[t] = e[t % 4]!;
      hi[t] = e[(t >> 2) % 4]!;
    }
  }
  return { lo, hi };
}
const big = (v: Vec128, t: number): bigint => v.lo[t]! | (v.hi[t]! << 64n);
const values = (v: Vec128): bigint[] => Array.from(v.lo, (_, t) => big(v, t));

const backends: Ring128[] = [ts128, ...(native128() ? [native128()!] : [])];

describe('Z_2^128 backends', () => {
  it('the native backend loads with the native ring (unless MPC_NATIVE=0 builds without it)', () => {
    if (process.env.MPC_NATIVE === '0') return;
    const loaded = loadNativeRing();
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(native128()?.name).toBe('native');
    expect(ring128For(loaded.ring).name).toBe('native');
    expect(ring128For(tsRing).name).toBe('ts');
  });

  for (const r of backends) {
    describe(r.name, () => {
      for (const edge of [false, true]) {
        it(`elementwise operations match bigint arithmetic mod 2^128 (${edge ? 'edge' : 'random'} values)`, () => {
          const a = vec(37, edge);
          const b = vec(37, !edge);
          const A = values(a);
          const B = values(b);
          expect(values(r.add(a, b))).toEqual(A.map((x, t) => (x + B[t]!) & M128));
          expect(values(r.sub(a, b))).toEqual(A.map((x, t) => (x - B[t]!) & M128));
          expect(values(r.neg(a))).toEqual(A.map((x) => -x & M128));
          expect(values(r.mul(a, b))).toEqual(A.map((x, t) => (x * B[t]!) & M128));
          const s = (big(b, 3) << 3n) | 5n;
          expect(values(r.scalarMul(a, s))).toEqual(A.map((x) => (x * s) & M128));
          expect(values(r.scalarMul(a, -1n))).toEqual(A.map((x) => -x & M128));
          expect(r.fromWords(r.toWords(a))).toEqual(a);
          expect(Array.from(r.toWords(a))).toEqual(A.flatMap((x) => [x & ((1n << 64n) - 1n), x >> 64n]));
        });
      }

      it('matmul and group sums match bigint arithmetic', () => {
        const [m, k, n] = [3, 5, 4];
        const a = vec(m * k);
        const b = vec(k * n, true);
        const A = values(a);
        const B = values(b);
        const want: bigint[] = [];
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) want.push(Array.from({ length: k }, (_, p) => A[i * k + p]! * B[p * n + j]!).reduce((x, y) => x + y, 0n) & M128);
        expect(values(r.matmul(a, b, m, k, n))).toEqual(want);
        expect(values(r.groupSums(a, 5))).toEqual([0, 1, 2].map((g) => A.slice(5 * g, 5 * g + 5).reduce((x, y) => x + y, 0n) & M128));
        expect(values(r.groupSums(a, 1))).toEqual(A);
      });

      it('refuses operands that do not fit', () => {
        expect(() => r.add(vec(3), vec(4))).toThrow(/lengths differ/);
        expect(() => r.matmul(vec(6), vec(6), 2, 2, 3)).toThrow(/expected 2x2 and 2x3/);
        expect(() => r.groupSums(vec(7), 2)).toThrow(/does not divide/);
        expect(() => r.fromWords(new BigUint64Array(3))).toThrow(/even number of words/);
      });
    });
  }

  it('both backends give the same words on a large random batch', () => {
    const nat = native128();
    if (!nat) return;
    const a = vec(5000);
    const b = vec(5000);
    expect(nat.mul(a, b)).toEqual(ts128.mul(a, b));
    const x = vec(20 * 30);
    const y = vec(30 * 7);
    expect(nat.matmul(x, y, 20, 30, 7)).toEqual(ts128.matmul(x, y, 20, 30, 7));
  });
});
