/**
 * GR(2^64, 56) (crypto-core/ring/galois-ring): the two backends (16-bit limbs in doubles, the
 * addon's u64 loops) give the same words, both agree with a plain bigint schoolbook reference
 * written here, the modulus is irreducible mod 2 (Rabin's test, independent of the ring code),
 * and inverses and units behave as the proof relies on.
 */
import { describe, expect, it } from 'vitest';
import { Prg } from '../../crypto-core/prg.js';
import { galoisRingFor, grBinary, grConstant, grInverse, grIsUnit, grMul, GR_DEGREE, GR_TAIL, nativeGalois, tsGalois, type GaloisRing } from '../../crypto-core/ring/galois-ring.js';
import { loadNativeRing, tsRing } from '../../crypto-core/ring/index.js';

const D = GR_DEGREE;
const M64 = (1n << 64n) - 1n;
const rng = Prg.fromSeed(new Uint8Array(32).fill(21));

/** n random elements; `edge` fills them with 0, 1, 2^64-1 and 2^63 coefficients. */
function elems(n: number, edge = false): BigUint64Array {
  const v = rng.u64(n * D);
  if (edge) {
    const e = [0n, 1n, M64, 1n << 63n];
    for (let w = 0; w < v.length; w++) v[w] = e[(w * 7 + (w >> 3)) % 4]!;
  }
  return v;
}

/** Schoolbook product of two elements with bigint coefficients, reduced by X^56 = -(X^7+X^4+X^2+1). */
function refMul(a: BigUint64Array, ao: number, b: BigUint64Array, bo: number): bigint[] {
  const wide = new Array<bigint>(2 * D - 1).fill(0n);
  for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) wide[i + j] = (wide[i + j]! + a[ao + i]! * b[bo + j]!) & M64;
  for (let j = 2 * D - 2; j >= D; j--) {
    for (const t of [0, 2, 4, 7]) wide[j - D + t] = (wide[j - D + t]! - wide[j]! + (1n << 64n)) & M64;
    wide[j] = 0n;
  }
  return wide.slice(0, D);
}

const backends: GaloisRing[] = [tsGalois, ...(nativeGalois() ? [nativeGalois()!] : [])];

describe('GR(2^64, 56)', () => {
  it('the modulus X^56 + X^7 + X^4 + X^2 + 1 is irreducible over F_2 (Rabin: X^(2^56) = X, gcd(X^(2^28) - X, F) = gcd(X^(2^8) - X, F) = 1)', () => {
    expect(GR_TAIL).toEqual([0, 2, 4, 7]);
    const F = (1n << 56n) | 0b10010101n;
    const mulmod = (a: bigint, b: bigint): bigint => {
      let r = 0n;
      for (; b > 0n; b >>= 1n) {
        if (b & 1n) r ^= a;
        a <<= 1n;
        if ((a >> 56n) & 1n) a ^= F;
      }
      return r;
    };
    const frob = (k: number): bigint => {
      let x = 2n;
      for (let i = 0; i < k; i++) x = mulmod(x, x);
      return x;
    };
    const deg = (a: bigint): number => a.toString(2).length - 1;
    const gcd = (a: bigint, b: bigint): bigint => {
      while (b !== 0n) {
        while (a !== 0n && deg(a) >= deg(b)) a ^= b << BigInt(deg(a) - deg(b));
        [a, b] = [b, a];
      }
      return a;
    };
    expect(frob(56)).toBe(2n);
    expect(gcd(F, frob(28) ^ 2n)).toBe(1n); // 56 = 2^3 * 7: maximal proper divisors 28 and 8
    expect(gcd(F, frob(8) ^ 2n)).toBe(1n);
  });

  it('the native backend loads with the native ring (unless MPC_NATIVE=0 builds without it)', () => {
    if (process.env.MPC_NATIVE === '0') return;
    const loaded = loadNativeRing();
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(galoisRingFor(loaded.ring).name).toBe('native');
    expect(galoisRingFor(tsRing).name).toBe('ts');
  });

  for (const gr of backends) {
    it(`${gr.name}: mul, scale and dot equal the bigint reference on random and edge elements`, () => {
      for (const edge of [false, true]) {
        const n = 5;
        const a = elems(n, edge);
        const b = elems(n, !edge);
        const prod = gr.mul(a, b);
        for (let t = 0; t < n; t++) expect(Array.from(prod.subarray(t * D, (t + 1) * D))).toEqual(refMul(a, t * D, b, t * D));
        const s = b.slice(0, D);
        const scaled = gr.scale(a, s);
        for (let t = 0; t < n; t++) expect(Array.from(scaled.subarray(t * D, (t + 1) * D))).toEqual(refMul(s, 0, a, t * D));
        const dot = gr.dot(a, b);
        const want = new Array<bigint>(D).fill(0n);
        for (let t = 0; t < n; t++) refMul(a, t * D, b, t * D).forEach((c, j) => (want[j] = (want[j]! + c) & M64));
        expect(Array.from(dot)).toEqual(want);
      }
    });
  }

  it('the two backends agree on long dot products (the TypeScript limb sums renormalize past 4096 terms)', () => {
    const a = elems(9000, true);
    const b = elems(9000, true);
    const ts = tsGalois.dot(a, b);
    const native = nativeGalois();
    const want = new Array<bigint>(D).fill(0n);
    for (let t = 0; t < 9000; t += 1) refMul(a, t * D, b, t * D).forEach((c, j) => (want[j] = (want[j]! + c) & M64));
    expect(Array.from(ts)).toEqual(want);
    if (native) expect(Array.from(native.dot(a, b))).toEqual(want);
  });

  it('inverses: a * a^-1 = 1 for units, including a constant 1 + 2^63 and binary elements; non-units are refused', () => {
    const one = Array.from(grConstant(1n));
    for (const a of [grBinary(2), grBinary(3), grBinary(0b1011), grConstant((1n << 63n) + 1n), elems(1).map((w, j) => (j === 5 ? w | 1n : w))]) {
      expect(grIsUnit(a)).toBe(true);
      expect(Array.from(grMul(a, grInverse(a)))).toEqual(one);
    }
    const nonUnit = elems(1).map((w) => w & ~1n);
    expect(grIsUnit(nonUnit)).toBe(false);
    expect(() => grInverse(nonUnit)).toThrow(/not a unit/);
    expect(() => tsGalois.mul(new BigUint64Array(D), new BigUint64Array(D + 1))).toThrow(/multiple of 56/);
  });

  it('binary elements have pairwise unit differences (the interpolation points of the proof)', () => {
    const pts = [0, 1, 2, 3, 4].map(grBinary);
    for (let i = 0; i < pts.length; i++) for (let j = 0; j < i; j++) expect(grIsUnit(pts[i]!.map((w, k) => w - pts[j]![k]!))).toBe(true);
  });
});
