/**
 * @module crypto-core/ring/ring128
 * Vectors over Z_2^128 as pairs of `BigUint64Array` (low and high words), for the check of the
 * malicious mode (protocols/rss/malicious): its random triples live in Z_2^(64+s) with s = 64 so
 * that a sacrifice is sound (SPDZ2k-style), and are then reduced mod 2^64. No secret data is
 * ever held in this ring. TypeScript only (BigInt per product); additions are word-wise.
 */
import { InvalidArgumentError } from '../errors.js';

/** A vector of Z_2^128 elements: element t is lo[t] + 2^64 hi[t]. */
export interface Vec128 {
  readonly lo: BigUint64Array;
  readonly hi: BigUint64Array;
}

const MASK64 = (1n << 64n) - 1n;

function len2(a: Vec128, b: Vec128): number {
  if (a.lo.length !== b.lo.length) throw new InvalidArgumentError(`ring128: lengths differ (${a.lo.length} vs ${b.lo.length})`);
  return a.lo.length;
}

/** n zeros. */
export function zeros128(n: number): Vec128 {
  return { lo: new BigUint64Array(n), hi: new BigUint64Array(n) };
}

/** Splits 2n words into a vector (even words low, odd words high). */
export function fromWords128(w: BigUint64Array): Vec128 {
  const n = w.length >> 1;
  const lo = new BigUint64Array(n);
  const hi = new BigUint64Array(n);
  for (let t = 0; t < n; t++) {
    lo[t] = w[2 * t]!;
    hi[t] = w[2 * t + 1]!;
  }
  return { lo, hi };
}

/** The inverse of {@link fromWords128}. */
export function toWords128(v: Vec128): BigUint64Array {
  const n = v.lo.length;
  const w = new BigUint64Array(2 * n);
  for (let t = 0; t < n; t++) {
    w[2 * t] = v.lo[t]!;
    w[2 * t + 1] = v.hi[t]!;
  }
  return w;
}

/** a + b mod 2^128. */
export function add128(a: Vec128, b: Vec128): Vec128 {
  const n = len2(a, b);
  const lo = new BigUint64Array(n);
  const hi = new BigUint64Array(n);
  for (let t = 0; t < n; t++) {
    const l = a.lo[t]! + b.lo[t]!;
    lo[t] = l; // BigUint64Array stores mod 2^64
    hi[t] = a.hi[t]! + b.hi[t]! + (l > MASK64 ? 1n : 0n);
  }
  return { lo, hi };
}

/** -a mod 2^128. */
export function neg128(a: Vec128): Vec128 {
  const n = a.lo.length;
  const lo = new BigUint64Array(n);
  const hi = new BigUint64Array(n);
  for (let t = 0; t < n; t++) {
    const l = a.lo[t]!;
    lo[t] = -l;
    hi[t] = -a.hi[t]! - (l === 0n ? 0n : 1n);
  }
  return { lo, hi };
}

/** a - b mod 2^128. */
export function sub128(a: Vec128, b: Vec128): Vec128 {
  return add128(a, neg128(b));
}

const big = (v: Vec128, t: number): bigint => v.lo[t]! | (v.hi[t]! << 64n);

function store(out: Vec128, t: number, x: bigint): void {
  out.lo[t] = x & MASK64;
  out.hi[t] = (x >> 64n) & MASK64;
}

/** Elementwise a * b mod 2^128. */
export function mul128(a: Vec128, b: Vec128): Vec128 {
  const n = len2(a, b);
  const out = zeros128(n);
  for (let t = 0; t < n; t++) store(out, t, big(a, t) * big(b, t));
  return out;
}

/** a * s mod 2^128 for a public scalar s. */
export function scalarMul128(a: Vec128, s: bigint): Vec128 {
  const n = a.lo.length;
  const out = zeros128(n);
  for (let t = 0; t < n; t++) store(out, t, big(a, t) * s);
  return out;
}

/** Row-major matrix product mod 2^128: a is m x k, b is k x n. */
export function matmul128(a: Vec128, b: Vec128, m: number, k: number, n: number): Vec128 {
  if (a.lo.length !== m * k || b.lo.length !== k * n) throw new InvalidArgumentError(`ring128 matmul: expected ${m}x${k} and ${k}x${n}`);
  const bb: bigint[] = new Array<bigint>(k * n);
  for (let t = 0; t < k * n; t++) bb[t] = big(b, t);
  const out = zeros128(m * n);
  const acc: bigint[] = new Array<bigint>(n);
  for (let i = 0; i < m; i++) {
    acc.fill(0n);
    for (let p = 0; p < k; p++) {
      const x = big(a, i * k + p);
      if (x === 0n) continue;
      const row = p * n;
      for (let j = 0; j < n; j++) acc[j]! += x * bb[row + j]!;
    }
    for (let j = 0; j < n; j++) store(out, i * n + j, acc[j]!);
  }
  return out;
}

/** Sums of consecutive groups of `g` elements (a has a multiple of g elements). */
export function groupSums128(a: Vec128, g: number): Vec128 {
  if (g === 1) return a;
  const rows = a.lo.length / g;
  const out = zeros128(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0n;
    for (let t = r * g; t < (r + 1) * g; t++) s += big(a, t);
    store(out, r, s);
  }
  return out;
}

/** The low words: the vector reduced mod 2^64. */
export function low64(a: Vec128): BigUint64Array {
  return a.lo;
}
