/**
 * @module crypto-core/ring/native-ring
 * Loader of the native ring addon (crypto-core/native, C++ with node-addon-api) and its
 * {@link Ring64} wrapper named `native`.
 *
 * ESM cannot import a `.node` file, so the addon is loaded with `createRequire`, once per process
 * (the result, success or failure, is cached). The wrapper runs the very same boundary checks as
 * the TypeScript ring (check.ts) before calling C++, so both backends reject bad input with the
 * same error class and message; the C++ side validates again so that no call can touch memory
 * out of bounds even when the wrapper is bypassed.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ring64 } from './ring64.js';
import { checkBinary, checkBitPermutation, checkDim, checkFusedMatmul, checkFusedMul, checkMatmul, checkScalar, checkShift, checkUnary, describe } from './check.js';
import { InvalidArgumentError, NativeBackendError } from '../errors.js';

/** Result of trying to load the addon. */
export type NativeLoad = { ok: true; ring: Ring64 } | { ok: false; reason: string };

/**
 * A multiply-kernel level of the addon: -1 picks the best one for this CPU at run time,
 * 0 scalar, 1 SSE2 (generic 16-byte vectors off x86), 2 AVX2, 3 AVX-512.
 */
export type NativeKernelLevel = -1 | 0 | 1 | 2 | 3;

/** What the addon reports about its kernels on this CPU. */
export interface NativeLevels {
  /** Name of the level chosen automatically, e.g. `avx512`. */
  best: string;
  bestId: NativeKernelLevel;
  /** Levels that can run on this CPU, for tests and benchmarks that pin one. */
  supported: { id: NativeKernelLevel; name: string }[];
  /** Matrix products above this many multiply-adds use all cores. */
  threadMinWork: number;
}

/**
 * The raw addon exports. `out` is always required here, lengths are checked again in C++, and
 * the optional trailing `level` pins a kernel (tests and benchmarks only).
 */
export interface NativeRingAddon {
  add(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): BigUint64Array;
  sub(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): BigUint64Array;
  xor(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): BigUint64Array;
  and(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): BigUint64Array;
  permuteBits(vectors: readonly BigUint64Array[], perm: Uint32Array, outs: BigUint64Array[]): undefined;
  neg(a: BigUint64Array, out: BigUint64Array): BigUint64Array;
  mul(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array, level?: NativeKernelLevel): BigUint64Array;
  scalarMul(a: BigUint64Array, s: bigint, out: BigUint64Array, level?: NativeKernelLevel): BigUint64Array;
  shiftLeft(a: BigUint64Array, bits: number, out: BigUint64Array): BigUint64Array;
  shiftRightLogical(a: BigUint64Array, bits: number, out: BigUint64Array): BigUint64Array;
  shiftRightArith(a: BigUint64Array, bits: number, out: BigUint64Array): BigUint64Array;
  fusedMul(
    xi: BigUint64Array,
    xi1: BigUint64Array,
    yi: BigUint64Array,
    yi1: BigUint64Array,
    alpha: BigUint64Array,
    out: BigUint64Array,
    level?: NativeKernelLevel,
  ): BigUint64Array;
  matmul(a: BigUint64Array, b: BigUint64Array, m: number, k: number, n: number, out: BigUint64Array, level?: NativeKernelLevel): BigUint64Array;
  fusedMatmul(
    xi: BigUint64Array,
    xi1: BigUint64Array,
    yi: BigUint64Array,
    yi1: BigUint64Array,
    alpha: BigUint64Array,
    m: number,
    k: number,
    n: number,
    out: BigUint64Array,
    level?: NativeKernelLevel,
  ): BigUint64Array;
  float64Matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number, out: Float64Array, level?: NativeKernelLevel): Float64Array;
  levels(): NativeLevels;
  /** Z_2^128 kernels (crypto-core/ring/ring128), vectors as (lo, hi) word arrays; results in the out arrays. */
  add128(aLo: BigUint64Array, aHi: BigUint64Array, bLo: BigUint64Array, bHi: BigUint64Array, outLo: BigUint64Array, outHi: BigUint64Array): void;
  sub128(aLo: BigUint64Array, aHi: BigUint64Array, bLo: BigUint64Array, bHi: BigUint64Array, outLo: BigUint64Array, outHi: BigUint64Array): void;
  mul128(aLo: BigUint64Array, aHi: BigUint64Array, bLo: BigUint64Array, bHi: BigUint64Array, outLo: BigUint64Array, outHi: BigUint64Array): void;
  neg128(aLo: BigUint64Array, aHi: BigUint64Array, outLo: BigUint64Array, outHi: BigUint64Array): void;
  scalarMul128(aLo: BigUint64Array, aHi: BigUint64Array, sLo: bigint, sHi: bigint, outLo: BigUint64Array, outHi: BigUint64Array): void;
  matmul128(aLo: BigUint64Array, aHi: BigUint64Array, bLo: BigUint64Array, bHi: BigUint64Array, m: number, k: number, n: number, outLo: BigUint64Array, outHi: BigUint64Array): void;
  groupSums128(aLo: BigUint64Array, aHi: BigUint64Array, g: number, outLo: BigUint64Array, outHi: BigUint64Array): void;
  /** GR(2^64, 56) (crypto-core/ring/galois-ring.ts): elementwise products, scaling by one element, dot product. */
  mulGr(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void;
  scaleGr(a: BigUint64Array, s: BigUint64Array, out: BigUint64Array): void;
  dotGr(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void;
  interleave128(lo: BigUint64Array, hi: BigUint64Array, words: BigUint64Array): void;
  deinterleave128(words: BigUint64Array, lo: BigUint64Array, hi: BigUint64Array): void;
}

const ADDON_FILE = join('crypto-core', 'native', 'build', 'Release', 'mpc_ring.node');

/**
 * Where the built addon is: this module runs from the source tree (crypto-core/ring) or from
 * dist/crypto-core/ring, so look for crypto-core/native/build in each ancestor directory.
 */
function findAddon(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++) {
    const candidate = join(dir, ADDON_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

type AddonLoad = { ok: true; addon: NativeRingAddon } | { ok: false; reason: string };

let cachedAddon: AddonLoad | undefined;
let cachedRing: NativeLoad | undefined;

function loadAddon(): AddonLoad {
  if (cachedAddon) return cachedAddon;
  const path = findAddon();
  if (!path) {
    cachedAddon = { ok: false, reason: `${ADDON_FILE} not found (run \`npm run build:native\`)` };
    return cachedAddon;
  }
  try {
    const addon = createRequire(import.meta.url)(path) as NativeRingAddon;
    if (typeof addon.fusedMatmul !== 'function' || typeof addon.levels !== 'function') {
      cachedAddon = { ok: false, reason: `${path} is not the ring addon (exports missing)` };
    } else {
      cachedAddon = { ok: true, addon };
    }
  } catch (err) {
    cachedAddon = { ok: false, reason: `${path} failed to load: ${(err as Error).message}` };
  }
  return cachedAddon;
}

/** Wraps the raw addon into the frozen `native` ring, with the checks of the TypeScript ring. */
function wrap(addon: NativeRingAddon): Ring64 {
  return Object.freeze({
    name: 'native' as const,
    add: (a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array) => addon.add(a, b, checkBinary(a, b, out)),
    sub: (a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array) => addon.sub(a, b, checkBinary(a, b, out)),
    neg: (a: BigUint64Array, out?: BigUint64Array) => addon.neg(a, checkUnary(a, out)),
    mul: (a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array) => addon.mul(a, b, checkBinary(a, b, out)),
    scalarMul(a: BigUint64Array, s: bigint, out?: BigUint64Array) {
      const sc = checkScalar(s);
      return addon.scalarMul(a, sc, checkUnary(a, out));
    },
    matmul: (a: BigUint64Array, b: BigUint64Array, m: number, k: number, n: number, out?: BigUint64Array) =>
      addon.matmul(a, b, m, k, n, checkMatmul(a, b, m, k, n, out)),
    shiftRightArith(a: BigUint64Array, bits: number, out?: BigUint64Array) {
      const s = checkShift(bits);
      return addon.shiftRightArith(a, s, checkUnary(a, out));
    },
    shiftRightLogical(a: BigUint64Array, bits: number, out?: BigUint64Array) {
      const s = checkShift(bits);
      return addon.shiftRightLogical(a, s, checkUnary(a, out));
    },
    shiftLeft(a: BigUint64Array, bits: number, out?: BigUint64Array) {
      const s = checkShift(bits);
      return addon.shiftLeft(a, s, checkUnary(a, out));
    },
    xor: (a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array) => addon.xor(a, b, checkBinary(a, b, out)),
    and: (a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array) => addon.and(a, b, checkBinary(a, b, out)),
    permuteBits(vectors: readonly BigUint64Array[], perm: Uint32Array) {
      checkBitPermutation(vectors, perm);
      const outs = vectors.map(() => new BigUint64Array(Math.ceil(perm.length / 64)));
      addon.permuteBits(vectors, perm, outs);
      return outs;
    },
    fusedMul: (xi: BigUint64Array, xi1: BigUint64Array, yi: BigUint64Array, yi1: BigUint64Array, alpha: BigUint64Array, out?: BigUint64Array) =>
      addon.fusedMul(xi, xi1, yi, yi1, alpha, checkFusedMul(xi, xi1, yi, yi1, alpha, out)),
    fusedMatmul: (
      xi: BigUint64Array,
      xi1: BigUint64Array,
      yi: BigUint64Array,
      yi1: BigUint64Array,
      alpha: BigUint64Array,
      m: number,
      k: number,
      n: number,
      out?: BigUint64Array,
    ) => addon.fusedMatmul(xi, xi1, yi, yi1, alpha, m, k, n, checkFusedMatmul(xi, xi1, yi, yi1, alpha, m, k, n, out)),
  });
}

/** Loads the native addon once; later calls return the cached result. */
export function loadNativeRing(): NativeLoad {
  if (cachedRing) return cachedRing;
  const loaded = loadAddon();
  cachedRing = loaded.ok ? { ok: true, ring: wrap(loaded.addon) } : { ok: false, reason: loaded.reason };
  return cachedRing;
}

/**
 * INTERNAL, for tests and benchmarks only: the raw addon (kernel levels can be pinned), or
 * `undefined` when it is absent. Protocol code uses {@link loadNativeRing} / `getRing()`.
 */
export function nativeRingInternals(): NativeRingAddon | undefined {
  const loaded = loadAddon();
  return loaded.ok ? loaded.addon : undefined;
}

function checkF64(name: string, v: unknown, len: number): Float64Array {
  if (!(v instanceof Float64Array)) throw new InvalidArgumentError(`${name}: expected Float64Array, got ${describe(v)}`);
  if (v.length !== len) throw new InvalidArgumentError(`${name}: expected length ${len}, got ${v.length}`);
  return v;
}

/**
 * Bench-only reference: a (m x k) times b (k x n) in double precision, by the same blocked C++
 * code and thread split as the ring matrix product, i.e. what the hardware does with the
 * operation it is built for. The ring benchmark reports the native ring's distance to it.
 * @throws NativeBackendError when the addon is absent; InvalidArgumentError on bad operands.
 */
export function nativeFloat64Matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const loaded = loadAddon();
  if (!loaded.ok) throw new NativeBackendError(`nativeFloat64Matmul: native addon unavailable: ${loaded.reason}`);
  const mm = checkDim('m', m);
  const kk = checkDim('k', k);
  const nn = checkDim('n', n);
  checkF64('a', a, mm * kk);
  checkF64('b', b, kk * nn);
  return loaded.addon.float64Matmul(a, b, mm, kk, nn, new Float64Array(mm * nn));
}
