/**
 * @module crypto-core/ring/galois-ring
 * The Galois ring GR(2^64, 56) = Z_2^64[X] / (F), F = X^56 + X^7 + X^4 + X^2 + 1 (irreducible
 * mod 2, checked by Rabin's test in test/crypto-core/galois-ring.test.ts), the extension ring of
 * the distributed product proof (protocols/rss/malicious/inner-product-proof.ts). Z_2^64 has only
 * two points whose difference is a unit, so polynomial checks over it are unsound; over
 * GR(2^64, d) a non-zero polynomial of degree D vanishes at a uniform point with probability at
 * most D / 2^d (write it as 2^j g with g ≢ 0 mod 2: a root of it is a root of g mod 2 in
 * F_{2^d}), and the 2^d elements with 0/1 coefficients have pairwise unit differences, so
 * Lagrange interpolation works on them.
 *
 * An element is {@link GR_DEGREE} consecutive u64 coefficients (X^j at word j); a vector of n
 * elements is 56 n words, and additions are the Ring64's word-wise ones. Two backends with one
 * interface: `ts` (16-bit limbs in doubles, no BigInt per product) and `native` (the ring addon,
 * crypto-core/native/src/galois.cc); {@link galoisRingFor} picks the one that matches a Ring64
 * backend; test/crypto-core/galois-ring.test.ts checks both against each other.
 */
import { InvalidArgumentError } from '../errors.js';
import { nativeRingInternals, type NativeRingAddon } from './native-ring.js';
import type { Ring64 } from './ring64.js';

/** The extension degree d. */
export const GR_DEGREE = 56;
/** The exponents j < d with X^d = -sum X^j. */
export const GR_TAIL: readonly number[] = [0, 2, 4, 7];

/** The multiplicative operations on vectors of GR(2^64, 56) elements; every function returns fresh words. */
export interface GaloisRing {
  readonly name: 'ts' | 'native';
  /** Elementwise products of two vectors of the same length. */
  mul(a: BigUint64Array, b: BigUint64Array): BigUint64Array;
  /** Every element of `a` times the one element `s`. */
  scale(a: BigUint64Array, s: BigUint64Array): BigUint64Array;
  /** sum_t a_t b_t (one element). */
  dot(a: BigUint64Array, b: BigUint64Array): BigUint64Array;
}

const D = GR_DEGREE;
const WIDE = 2 * D - 1;

function count(name: string, v: BigUint64Array): number {
  if (!(v instanceof BigUint64Array)) throw new InvalidArgumentError(`${name}: expected BigUint64Array`);
  if (v.length % D !== 0) throw new InvalidArgumentError(`${name}: expected a multiple of ${D} words, got ${v.length}`);
  return v.length / D;
}

function sameCount(a: BigUint64Array, b: BigUint64Array): number {
  const n = count('a', a);
  if (count('b', b) !== n) throw new InvalidArgumentError(`galois ring: lengths differ (${a.length} vs ${b.length} words)`);
  return n;
}

function oneElement(name: string, s: BigUint64Array): void {
  if (count(name, s) !== 1) throw new InvalidArgumentError(`${name}: expected one element (${D} words), got ${s.length} words`);
}

// --- TypeScript backend: an u64 coefficient as four 16-bit limbs in doubles; the products of
// the limbs are < 2^32 and at most 56·4 of them meet in one sum, so every sum is exact. -------

const LIMB = 0x10000;

/** The four 16-bit limbs of every coefficient of `n` elements at `off`. */
function limbs(v: BigUint64Array, off: number, n: number): Float64Array {
  const out = new Float64Array(4 * D * n);
  for (let w = 0; w < D * n; w++) {
    const x = v[off + w]!;
    const lo = Number(x & 0xffffffffn);
    const hi = Number(x >> 32n);
    out[4 * w] = lo % LIMB;
    out[4 * w + 1] = Math.floor(lo / LIMB);
    out[4 * w + 2] = hi % LIMB;
    out[4 * w + 3] = Math.floor(hi / LIMB);
  }
  return out;
}

/** acc[4(i+j) + p + q] += A_i,p B_j,q for p + q < 4 (the limbs that reach below 2^64). */
function mulAcc(a: Float64Array, ao: number, b: Float64Array, bo: number, acc: Float64Array): void {
  for (let i = 0; i < D; i++) {
    const a0 = a[ao + 4 * i]!, a1 = a[ao + 4 * i + 1]!, a2 = a[ao + 4 * i + 2]!, a3 = a[ao + 4 * i + 3]!;
    if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue;
    for (let j = 0; j < D; j++) {
      const q = bo + 4 * j;
      const b0 = b[q]!, b1 = b[q + 1]!, b2 = b[q + 2]!, b3 = b[q + 3]!;
      const r = 4 * (i + j);
      acc[r] = acc[r]! + a0 * b0;
      acc[r + 1] = acc[r + 1]! + a0 * b1 + a1 * b0;
      acc[r + 2] = acc[r + 2]! + a0 * b2 + a1 * b1 + a2 * b0;
      acc[r + 3] = acc[r + 3]! + a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0;
    }
  }
}

/** Folds limb sums that may grow past 2^53 back to single limbs (keeps the mod 2^64 value). */
function normalize(acc: Float64Array): void {
  for (let c = 0; c < WIDE; c++) {
    let carry = 0;
    for (let p = 0; p < 4; p++) {
      const v = acc[4 * c + p]! + carry;
      const low = v % LIMB;
      acc[4 * c + p] = low;
      carry = (v - low) / LIMB;
    }
  }
}

/** The reduced element of the limb sums `acc`, written at `out[off..off+56)`. */
function finish(acc: Float64Array, out: BigUint64Array, off: number): void {
  const wide = new BigUint64Array(WIDE);
  for (let c = 0; c < WIDE; c++) {
    const r = 4 * c;
    // Limb sums stay below 2^53, so BigInt() of each is exact; the sum wraps mod 2^64 on store.
    wide[c] = BigInt(acc[r]!) + (BigInt(acc[r + 1]!) << 16n) + (BigInt(acc[r + 2]!) << 32n) + (BigInt(acc[r + 3]!) << 48n);
  }
  reduceWide(wide);
  out.set(wide.subarray(0, D), off);
}

/** X^d = -(X^7 + X^4 + X^2 + 1), applied from the top coefficient down (in place). */
function reduceWide(wide: BigUint64Array): void {
  for (let j = WIDE - 1; j >= D; j--) {
    const v = wide[j]!;
    if (v === 0n) continue;
    const base = j - D;
    for (const t of GR_TAIL) wide[base + t] = wide[base + t]! - v;
    wide[j] = 0n;
  }
}

/** Sums of many limb products: normalized every `NORMALIZE_EVERY` terms so no double exceeds 2^53. */
const NORMALIZE_EVERY = 4096;

export const tsGalois: GaloisRing = Object.freeze({
  name: 'ts' as const,
  mul(a: BigUint64Array, b: BigUint64Array): BigUint64Array {
    const n = sameCount(a, b);
    const la = limbs(a, 0, n);
    const lb = limbs(b, 0, n);
    const out = new BigUint64Array(D * n);
    const acc = new Float64Array(4 * WIDE);
    for (let t = 0; t < n; t++) {
      acc.fill(0);
      mulAcc(la, 4 * D * t, lb, 4 * D * t, acc);
      finish(acc, out, D * t);
    }
    return out;
  },
  scale(a: BigUint64Array, s: BigUint64Array): BigUint64Array {
    const n = count('a', a);
    oneElement('s', s);
    const la = limbs(a, 0, n);
    const ls = limbs(s, 0, 1);
    const out = new BigUint64Array(D * n);
    const acc = new Float64Array(4 * WIDE);
    for (let t = 0; t < n; t++) {
      acc.fill(0);
      mulAcc(ls, 0, la, 4 * D * t, acc);
      finish(acc, out, D * t);
    }
    return out;
  },
  dot(a: BigUint64Array, b: BigUint64Array): BigUint64Array {
    const n = sameCount(a, b);
    const la = limbs(a, 0, n);
    const lb = limbs(b, 0, n);
    const acc = new Float64Array(4 * WIDE);
    for (let t = 0; t < n; t++) {
      mulAcc(la, 4 * D * t, lb, 4 * D * t, acc);
      if ((t + 1) % NORMALIZE_EVERY === 0) normalize(acc);
    }
    const out = new BigUint64Array(D);
    finish(acc, out, 0);
    return out;
  },
});

function makeNative(addon: NativeRingAddon): GaloisRing {
  return Object.freeze({
    name: 'native' as const,
    mul(a: BigUint64Array, b: BigUint64Array): BigUint64Array {
      const out = new BigUint64Array(D * sameCount(a, b));
      addon.mulGr(a, b, out);
      return out;
    },
    scale(a: BigUint64Array, s: BigUint64Array): BigUint64Array {
      const out = new BigUint64Array(D * count('a', a));
      oneElement('s', s);
      addon.scaleGr(a, s, out);
      return out;
    },
    dot(a: BigUint64Array, b: BigUint64Array): BigUint64Array {
      sameCount(a, b);
      const out = new BigUint64Array(D);
      addon.dotGr(a, b, out);
      return out;
    },
  });
}

let cachedNative: GaloisRing | null | undefined;

/** The native backend, or undefined when the addon (or its Galois-ring kernels) is absent. */
export function nativeGalois(): GaloisRing | undefined {
  if (cachedNative === undefined) {
    const addon = nativeRingInternals();
    cachedNative = addon && typeof addon.dotGr === 'function' ? makeNative(addon) : null;
  }
  return cachedNative ?? undefined;
}

/** The Galois-ring backend that goes with a Ring64 backend: native with the native ring, else TypeScript. */
export function galoisRingFor(ring: Ring64): GaloisRing {
  return ring.name === 'native' ? (nativeGalois() ?? tsGalois) : tsGalois;
}

// --- Single elements (constants of the proof; BigInt is fine at this size). -----------------

/** The element c (a constant of Z_2^64 embedded in the ring). */
export function grConstant(c: bigint): BigUint64Array {
  const e = new BigUint64Array(D);
  e[0] = BigInt.asUintN(64, c);
  return e;
}

/** The element with 0/1 coefficients given by the bits of `mask` (bit j: X^j); these 2^56 elements have pairwise unit differences. */
export function grBinary(mask: number): BigUint64Array {
  const e = new BigUint64Array(D);
  for (let j = 0; mask > 0; j++, mask = Math.floor(mask / 2)) if (mask % 2 === 1) e[j] = 1n;
  return e;
}

/** a * b of two single elements (TypeScript). */
export function grMul(a: BigUint64Array, b: BigUint64Array): BigUint64Array {
  return tsGalois.mul(a, b);
}

/** The residue mod 2 of an element, as a bit mask of its coefficients' low bits (F_{2^56} as a bigint). */
function residue(a: BigUint64Array): bigint {
  let r = 0n;
  for (let j = D - 1; j >= 0; j--) r = (r << 1n) | (a[j]! & 1n);
  return r;
}

const FIELD_POLY = (1n << BigInt(D)) | GR_TAIL.reduce((s, t) => s | (1n << BigInt(t)), 0n);

/** Product in F_2[X]/(F mod 2), operands as bit masks. */
function fieldMul(a: bigint, b: bigint): bigint {
  let r = 0n;
  for (; b > 0n; b >>= 1n) {
    if (b & 1n) r ^= a;
    a <<= 1n;
    if ((a >> BigInt(D)) & 1n) a ^= FIELD_POLY;
  }
  return r;
}

/** True when the element is a unit (its residue mod 2 is not zero). */
export function grIsUnit(a: BigUint64Array): boolean {
  return residue(a) !== 0n;
}

/**
 * The inverse of a unit: the field inverse of its residue (a^(2^56 - 2) in F_{2^56}), lifted by
 * Newton's iteration b <- b (2 - a b), which doubles the 2-adic precision each step (6 steps to 64).
 * @throws InvalidArgumentError when `a` is not a unit.
 */
export function grInverse(a: BigUint64Array): BigUint64Array {
  oneElement('a', a);
  const res = residue(a);
  if (res === 0n) throw new InvalidArgumentError('galois ring: not a unit (its residue mod 2 is zero)');
  let inv = 1n;
  let base = res;
  for (let e = (1n << BigInt(D)) - 2n; e > 0n; e >>= 1n) {
    if (e & 1n) inv = fieldMul(inv, base);
    base = fieldMul(base, base);
  }
  let b: BigUint64Array = new BigUint64Array(D);
  for (let j = 0; j < D; j++) b[j] = (inv >> BigInt(j)) & 1n;
  const two = grConstant(2n);
  for (let step = 0; step < 6; step++) {
    const ab = grMul(a, b);
    const t = new BigUint64Array(D);
    for (let j = 0; j < D; j++) t[j] = two[j]! - ab[j]!;
    b = grMul(b, t);
  }
  return b;
}
