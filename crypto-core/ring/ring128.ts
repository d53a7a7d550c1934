/**
 * @module crypto-core/ring/ring128
 * Vectors over Z_2^128 as pairs of `BigUint64Array` (low and high words), for the check of the
 * malicious mode (protocols/rss/malicious): its random triples live in Z_2^(64+s) with s = 64 so
 * that a sacrifice is sound (SPDZ2k-style), and are then reduced mod 2^64. No secret data is
 * ever held in this ring.
 *
 * Two backends with one interface ({@link Ring128}): `ts128` (BigInt per product, word-wise
 * additions) and `native128` (the ring addon's unsigned __int128 loops, crypto-core/native/src/
 * ring128.cc). {@link ring128For} picks the one that matches a Ring64 backend, so a protocol
 * context on the TypeScript ring runs the TypeScript kernels and one on the native ring the
 * native kernels; test/crypto-core/ring128-parity checks that both give the same words.
 */
import { InvalidArgumentError } from '../errors.js';
import { nativeRingInternals, type NativeRingAddon } from './native-ring.js';
import type { Ring64 } from './ring64.js';

/** A vector of Z_2^128 elements: element t is lo[t] + 2^64 hi[t]. */
export interface Vec128 {
  readonly lo: BigUint64Array;
  readonly hi: BigUint64Array;
}

/** The Z_2^128 operations; every function returns a fresh vector. */
export interface Ring128 {
  readonly name: 'ts' | 'native';
  add(a: Vec128, b: Vec128): Vec128;
  sub(a: Vec128, b: Vec128): Vec128;
  neg(a: Vec128): Vec128;
  /** Elementwise product. */
  mul(a: Vec128, b: Vec128): Vec128;
  /** a * s for a public s (taken mod 2^128). */
  scalarMul(a: Vec128, s: bigint): Vec128;
  /** Row-major a (m x k) times b (k x n). */
  matmul(a: Vec128, b: Vec128, m: number, k: number, n: number): Vec128;
  /** Sums of consecutive groups of g elements. */
  groupSums(a: Vec128, g: number): Vec128;
  /** 2n words, element t at words 2t (low) and 2t+1 (high): the message form. */
  toWords(v: Vec128): BigUint64Array;
  fromWords(w: BigUint64Array): Vec128;
}

const MASK64 = (1n << 64n) - 1n;

/** n zeros. */
export function zeros128(n: number): Vec128 {
  return { lo: new BigUint64Array(n), hi: new BigUint64Array(n) };
}

function len2(a: Vec128, b: Vec128): number {
  if (a.lo.length !== b.lo.length) throw new InvalidArgumentError(`ring128: lengths differ (${a.lo.length} vs ${b.lo.length})`);
  return a.lo.length;
}

function checkMatmul(a: Vec128, b: Vec128, m: number, k: number, n: number): void {
  if (a.lo.length !== m * k || b.lo.length !== k * n) throw new InvalidArgumentError(`ring128 matmul: expected ${m}x${k} and ${k}x${n}`);
}

function checkGroup(a: Vec128, g: number): number {
  if (!Number.isInteger(g) || g < 1 || a.lo.length % g !== 0) throw new InvalidArgumentError(`ring128 groupSums: ${g} does not divide ${a.lo.length}`);
  return a.lo.length / g;
}

function checkWords(w: BigUint64Array): number {
  if (w.length % 2 !== 0) throw new InvalidArgumentError(`ring128: expected an even number of words, got ${w.length}`);
  return w.length >> 1;
}

const big = (v: Vec128, t: number): bigint => v.lo[t]! | (v.hi[t]! << 64n);

function store(out: Vec128, t: number, x: bigint): void {
  out.lo[t] = x & MASK64;
  out.hi[t] = (x >> 64n) & MASK64;
}

/** The TypeScript backend. */
export const ts128: Ring128 = Object.freeze({
  name: 'ts' as const,
  add(a: Vec128, b: Vec128): Vec128 {
    const n = len2(a, b);
    const out = zeros128(n);
    for (let t = 0; t < n; t++) {
      const l = a.lo[t]! + b.lo[t]!;
      out.lo[t] = l; // BigUint64Array stores mod 2^64
      out.hi[t] = a.hi[t]! + b.hi[t]! + (l > MASK64 ? 1n : 0n);
    }
    return out;
  },
  neg(a: Vec128): Vec128 {
    const n = a.lo.length;
    const out = zeros128(n);
    for (let t = 0; t < n; t++) {
      const l = a.lo[t]!;
      out.lo[t] = -l;
      out.hi[t] = -a.hi[t]! - (l === 0n ? 0n : 1n);
    }
    return out;
  },
  sub(a: Vec128, b: Vec128): Vec128 {
    return ts128.add(a, ts128.neg(b));
  },
  mul(a: Vec128, b: Vec128): Vec128 {
    const n = len2(a, b);
    const out = zeros128(n);
    for (let t = 0; t < n; t++) store(out, t, big(a, t) * big(b, t));
    return out;
  },
  scalarMul(a: Vec128, s: bigint): Vec128 {
    const n = a.lo.length;
    const out = zeros128(n);
    for (let t = 0; t < n; t++) store(out, t, big(a, t) * s);
    return out;
  },
  matmul(a: Vec128, b: Vec128, m: number, k: number, n: number): Vec128 {
    checkMatmul(a, b, m, k, n);
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
  },
  groupSums(a: Vec128, g: number): Vec128 {
    const rows = checkGroup(a, g);
    if (g === 1) return { lo: a.lo.slice(), hi: a.hi.slice() };
    const out = zeros128(rows);
    for (let r = 0; r < rows; r++) {
      let s = 0n;
      for (let t = r * g; t < (r + 1) * g; t++) s += big(a, t);
      store(out, r, s);
    }
    return out;
  },
  toWords(v: Vec128): BigUint64Array {
    const n = v.lo.length;
    const w = new BigUint64Array(2 * n);
    for (let t = 0; t < n; t++) {
      w[2 * t] = v.lo[t]!;
      w[2 * t + 1] = v.hi[t]!;
    }
    return w;
  },
  fromWords(w: BigUint64Array): Vec128 {
    const n = checkWords(w);
    const out = zeros128(n);
    for (let t = 0; t < n; t++) {
      out.lo[t] = w[2 * t]!;
      out.hi[t] = w[2 * t + 1]!;
    }
    return out;
  },
});

/** The native backend around the addon's kernels (operands checked here as in `ts128`). */
function makeNative128(addon: NativeRingAddon): Ring128 {
  const binary = (op: 'add128' | 'sub128' | 'mul128') => (a: Vec128, b: Vec128): Vec128 => {
    const out = zeros128(len2(a, b));
    addon[op](a.lo, a.hi, b.lo, b.hi, out.lo, out.hi);
    return out;
  };
  return Object.freeze({
    name: 'native' as const,
    add: binary('add128'),
    sub: binary('sub128'),
    mul: binary('mul128'),
    neg(a: Vec128): Vec128 {
      const out = zeros128(a.lo.length);
      addon.neg128(a.lo, a.hi, out.lo, out.hi);
      return out;
    },
    scalarMul(a: Vec128, s: bigint): Vec128 {
      if (typeof s !== 'bigint') throw new InvalidArgumentError('ring128 scalarMul: expected bigint');
      const out = zeros128(a.lo.length);
      addon.scalarMul128(a.lo, a.hi, BigInt.asUintN(64, s), BigInt.asUintN(64, s >> 64n), out.lo, out.hi);
      return out;
    },
    matmul(a: Vec128, b: Vec128, m: number, k: number, n: number): Vec128 {
      checkMatmul(a, b, m, k, n);
      const out = zeros128(m * n);
      addon.matmul128(a.lo, a.hi, b.lo, b.hi, m, k, n, out.lo, out.hi);
      return out;
    },
    groupSums(a: Vec128, g: number): Vec128 {
      const out = zeros128(checkGroup(a, g));
      addon.groupSums128(a.lo, a.hi, g, out.lo, out.hi);
      return out;
    },
    toWords(v: Vec128): BigUint64Array {
      const w = new BigUint64Array(2 * v.lo.length);
      addon.interleave128(v.lo, v.hi, w);
      return w;
    },
    fromWords(w: BigUint64Array): Vec128 {
      const out = zeros128(checkWords(w));
      addon.deinterleave128(w, out.lo, out.hi);
      return out;
    },
  });
}

let cachedNative: Ring128 | null | undefined;

/** The native backend, or undefined when the addon (or its 128-bit kernels) is absent. */
export function native128(): Ring128 | undefined {
  if (cachedNative === undefined) {
    const addon = nativeRingInternals();
    cachedNative = addon && typeof addon.mul128 === 'function' ? makeNative128(addon) : null;
  }
  return cachedNative ?? undefined;
}

/** The Z_2^128 backend that goes with a Ring64 backend: native with the native ring, else TypeScript. */
export function ring128For(ring: Ring64): Ring128 {
  return ring.name === 'native' ? (native128() ?? ts128) : ts128;
}
