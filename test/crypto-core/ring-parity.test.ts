/**
 * Parity of the two Ring64 backends: the native addon (every kernel level this CPU supports)
 * and the TypeScript reference must agree bit for bit on every operation, for random data and
 * edge values, at sizes that cross the SIMD width, the micro-tile, the cache blocks (KC = 192,
 * MC = 24 micro-tile rows, NC = 64 micro-tile columns) and the thread thresholds (2^23
 * multiply-adds for products, 2^18 elements for elementwise products). Exact equality is the
 * tolerance: arithmetic mod 2^64 has no rounding.
 *
 * The addon must be present: a broken native build fails here, unless MPC_NATIVE=0 says the
 * TypeScript backend is intended.
 */
import { describe, expect, it } from 'vitest';
import { Prg } from '../../crypto-core/prg.js';
import { tsRing } from '../../crypto-core/ring/ts-ring.js';
import { loadNativeRing, nativeRingInternals, type NativeKernelLevel } from '../../crypto-core/ring/native-ring.js';
import type { Ring64 } from '../../crypto-core/ring/ring64.js';

const nativeWanted = process.env.MPC_NATIVE !== '0';
const load = loadNativeRing();
const native: Ring64 | undefined = load.ok ? load.ring : undefined;
const addon = nativeRingInternals();
const levels: { id: NativeKernelLevel; name: string }[] = addon ? addon.levels().supported : [];

/** Edge values of Z_2^64 around the 32-bit limb boundaries and the sign bit. */
const EDGES = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 32n + 1n, 2n ** 63n, 2n ** 64n - 1n];

/** Every ordered pair of edge values: (EDGES[i], EDGES[j]) at index i * 7 + j. */
function edgePairs(): [BigUint64Array, BigUint64Array] {
  const a = new BigUint64Array(EDGES.length ** 2);
  const b = new BigUint64Array(EDGES.length ** 2);
  EDGES.forEach((x, i) => EDGES.forEach((y, j) => ((a[i * EDGES.length + j] = x), (b[i * EDGES.length + j] = y))));
  return [a, b];
}

/** Random vector whose every 5th element is an edge value, so edges meet random data in products. */
function mixed(prg: Prg, len: number): BigUint64Array {
  const v = prg.u64(len);
  for (let i = 0; i < len; i += 5) v[i] = EDGES[(i / 5) % EDGES.length]!;
  return v;
}

/** Sizes around the vector widths, plus one above the elementwise thread threshold (2^18). */
const ELEMENTWISE_SIZES = [0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 33, 63, 65, 257, 1001, 4099, (1 << 18) + 67];

/** Shapes [m, k, n]: empty, tiny, tile-crossing, block-crossing, threaded by rows and by columns. */
const MATMUL_SHAPES: [number, number, number][] = [
  [0, 0, 0],
  [0, 3, 4],
  [3, 0, 4],
  [3, 4, 0],
  [1, 1, 1],
  [1, 7, 1],
  [2, 3, 5],
  [7, 9, 17],
  [8, 16, 16],
  [9, 17, 33],
  [4, 1, 12],
  [33, 200, 17], // k crosses KC
  [200, 5, 7], // m crosses MC for every level
  [5, 3, 1100], // n crosses NC for every level
  [64, 784, 128], // the MNIST dense layer of the benchmark
  [1, 784, 128], // one sample through that layer: the unpacked path for one or two rows
  [2, 300, 41],
  [3, 300, 41], // three rows: packed again
  [2, 2100, 2100], // unpacked rows, threaded by columns
  [210, 200, 210], // above the thread threshold (2^23), split by rows
  [41, 200, 1100], // above the thread threshold, split by columns (and n crosses NC)
];

describe.runIf(nativeWanted)('native ring addon', () => {
  it('is built and loads (set MPC_NATIVE=0 to test the TypeScript backend alone)', () => {
    expect(load.ok ? 'loaded' : load.reason).toBe('loaded');
    expect(native?.name).toBe('native');
    expect(Object.isFrozen(native)).toBe(true);
  });

  it('reports its kernel levels, always including the scalar one', () => {
    expect(levels.map((l) => l.name)).toContain('scalar');
    expect(levels.some((l) => l.id === addon!.levels().bestId)).toBe(true);
  });
});

describe.runIf(nativeWanted && native !== undefined)('Ring64 parity: native vs ts, bit for bit', () => {
  const n = native!;
  const prg = Prg.fromSeed(new Uint8Array(32).fill(7)).fork('ring-parity');

  const binaries = ['add', 'sub', 'mul', 'xor', 'and'] as const;
  it.each(binaries)('%s on edge pairs and random data of every size, with and without out, in place', (op) => {
    const [ea, eb] = edgePairs();
    expect(n[op](ea, eb)).toEqual(tsRing[op](ea, eb));
    for (const len of ELEMENTWISE_SIZES) {
      const a = mixed(prg, len);
      const b = mixed(prg, len);
      const want = tsRing[op](a, b);
      expect(n[op](a, b)).toEqual(want);
      expect(n[op](a, b, new BigUint64Array(len))).toEqual(want);
      const inPlace = a.slice();
      expect(n[op](inPlace, b, inPlace)).toBe(inPlace);
      expect(inPlace).toEqual(want);
    }
  });

  it('neg and scalarMul on edges and random data, scalars including negative and > 2^64', () => {
    const edges = BigUint64Array.from(EDGES);
    expect(n.neg(edges)).toEqual(tsRing.neg(edges));
    const scalars = [...EDGES, -1n, -(2n ** 63n), 2n ** 64n + 5n, 3n * 2n ** 70n + 11n];
    for (const len of ELEMENTWISE_SIZES) {
      const a = mixed(prg, len);
      expect(n.neg(a)).toEqual(tsRing.neg(a));
      for (const s of [...scalars, prg.u64(1)[0]!]) expect(n.scalarMul(a, s)).toEqual(tsRing.scalarMul(a, s));
    }
  });

  const shifts = ['shiftLeft', 'shiftRightLogical', 'shiftRightArith'] as const;
  it.each(shifts)('%s by every amount 0..63, and on a long vector', (op) => {
    const a = BigUint64Array.from([...EDGES, ...mixed(prg, 33)]);
    for (let bits = 0; bits < 64; bits++) expect(n[op](a, bits)).toEqual(tsRing[op](a, bits));
    const long = mixed(prg, (1 << 18) + 67);
    expect(n[op](long, 13)).toEqual(tsRing[op](long, 13));
  });

  it('permuteBits matches ts and the bit-by-bit definition, on subarray views, and refuses bad input alike', () => {
    const bit = (v: BigUint64Array, j: number): bigint => (v[j >>> 6]! >> BigInt(j & 63)) & 1n;
    for (const [words, m, count] of [[1, 1, 1], [1, 64, 2], [3, 130, 6], [1000, 64_000, 6], [1000, 63_999, 16]] as const) {
      const vs = Array.from({ length: count }, () => mixed(prg, words));
      const perm = Uint32Array.from(prg.u64(m), (r) => Number(r % BigInt(64 * words)));
      const got = n.permuteBits(vs, perm);
      expect(got).toEqual(tsRing.permuteBits(vs, perm));
      got.forEach((g, q) => {
        expect(g.length).toBe(Math.ceil(m / 64));
        for (let i = 0; i < Math.min(m, 3000); i++) expect(bit(g, i), `vector ${q} bit ${i}`).toBe(bit(vs[q]!, perm[i]!));
        for (let i = m; i < 64 * g.length; i++) expect(bit(g, i)).toBe(0n);
      });
    }
    const base = mixed(prg, 9);
    const view = base.subarray(3, 7);
    const perm = Uint32Array.from({ length: 200 }, (_, i) => (i * 37) % 256);
    expect(n.permuteBits([view, base.subarray(5, 9)], perm)).toEqual(tsRing.permuteBits([view.slice(), base.slice(5, 9)], perm));
    for (const r of [n, tsRing]) {
      expect(() => r.permuteBits([view], Uint32Array.of(0, 256))).toThrow(/perm\[1\]: expected a bit index below 256, got 256/);
      expect(() => r.permuteBits([view], [1, 2] as unknown as Uint32Array)).toThrow(/perm: expected Uint32Array/);
      expect(() => r.permuteBits([view, base], perm)).toThrow(/vectors\[1\]: expected length 4, got 9/);
      expect(() => r.permuteBits([], perm)).toThrow(/vectors: expected 1..16/);
    }
  });

  it('fusedMul on every size, with out aliasing alpha', () => {
    for (const len of [...ELEMENTWISE_SIZES, EDGES.length ** 2]) {
      const [xi, xi1, yi, yi1, alpha] = Array.from({ length: 5 }, () => mixed(prg, len));
      const want = tsRing.fusedMul(xi!, xi1!, yi!, yi1!, alpha!);
      expect(n.fusedMul(xi!, xi1!, yi!, yi1!, alpha!)).toEqual(want);
      const acc = alpha!.slice();
      expect(n.fusedMul(xi!, xi1!, yi!, yi1!, acc, acc)).toEqual(want);
    }
  });

  it.each(MATMUL_SHAPES)('matmul and fusedMatmul %ix%ix%i', (m, k, nn) => {
    const a = mixed(prg, m * k);
    const b = mixed(prg, k * nn);
    const want = tsRing.matmul(a, b, m, k, nn);
    expect(n.matmul(a, b, m, k, nn)).toEqual(want);
    const xi1 = mixed(prg, m * k);
    const yi1 = mixed(prg, k * nn);
    const alpha = mixed(prg, m * nn);
    const wantFused = tsRing.fusedMatmul(a, xi1, b, yi1, alpha, m, k, nn);
    expect(n.fusedMatmul(a, xi1, b, yi1, alpha, m, k, nn)).toEqual(wantFused);
    const acc = alpha.slice();
    expect(n.fusedMatmul(a, xi1, b, yi1, acc, m, k, nn, acc)).toEqual(wantFused);
  });

  it('matmul of operands that are subarray views (non-zero byteOffset)', () => {
    const [m, k, nn] = [5, 6, 7];
    const big = mixed(prg, 3 + m * k + k * nn);
    const a = big.subarray(3, 3 + m * k);
    const b = big.subarray(3 + m * k);
    const out = new BigUint64Array(1 + m * nn).subarray(1);
    expect(n.matmul(a, b, m, k, nn, out)).toEqual(tsRing.matmul(a, b, m, k, nn));
  });

  describe.each(levels)('kernel level $name', ({ id }) => {
    it('elementwise mul, scalarMul and fusedMul match ts', () => {
      for (const len of ELEMENTWISE_SIZES) {
        const [a, b, c, d, e] = Array.from({ length: 5 }, () => mixed(prg, len));
        expect(addon!.mul(a!, b!, new BigUint64Array(len), id)).toEqual(tsRing.mul(a!, b!));
        expect(addon!.scalarMul(a!, 2n ** 64n - 3n, new BigUint64Array(len), id)).toEqual(tsRing.scalarMul(a!, -3n));
        expect(addon!.fusedMul(a!, b!, c!, d!, e!, new BigUint64Array(len), id)).toEqual(tsRing.fusedMul(a!, b!, c!, d!, e!));
      }
    });

    it('matmul and fusedMatmul match ts on every shape', () => {
      for (const [m, k, nn] of MATMUL_SHAPES) {
        const [a, a1] = [mixed(prg, m * k), mixed(prg, m * k)];
        const [b, b1] = [mixed(prg, k * nn), mixed(prg, k * nn)];
        const alpha = mixed(prg, m * nn);
        const got = addon!.matmul(a, b, m, k, nn, new BigUint64Array(m * nn), id);
        expect(got, `matmul ${m}x${k}x${nn}`).toEqual(tsRing.matmul(a, b, m, k, nn));
        const fused = addon!.fusedMatmul(a, a1, b, b1, alpha, m, k, nn, new BigUint64Array(m * nn), id);
        expect(fused, `fusedMatmul ${m}x${k}x${nn}`).toEqual(tsRing.fusedMatmul(a, a1, b, b1, alpha, m, k, nn));
      }
    });

    it('float64Matmul (bench reference) matches a plain triple loop within 1e-9 relative', () => {
      const [m, k, nn] = [19, 203, 35];
      const a = Float64Array.from({ length: m * k }, (_, i) => Math.sin(i));
      const b = Float64Array.from({ length: k * nn }, (_, i) => Math.cos(i));
      const got = addon!.float64Matmul(a, b, m, k, nn, new Float64Array(m * nn), id);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < nn; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * nn + j]!;
          expect(Math.abs(got[i * nn + j]! - s)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(s)));
        }
      }
    });
  });
});
