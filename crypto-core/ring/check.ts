/**
 * @module crypto-core/ring/check
 * Boundary checks shared by both ring backends, so that they reject bad input identically.
 */
import { InvalidArgumentError } from '../errors.js';

/** Throws unless `v` is a BigUint64Array; returns it typed. */
export function checkVec(name: string, v: unknown): BigUint64Array {
  if (!(v instanceof BigUint64Array)) {
    throw new InvalidArgumentError(`${name}: expected BigUint64Array, got ${describe(v)}`);
  }
  return v;
}

/** Throws unless `v` is a BigUint64Array of exactly `len` elements. */
export function checkLen(name: string, v: unknown, len: number): BigUint64Array {
  const a = checkVec(name, v);
  if (a.length !== len) {
    throw new InvalidArgumentError(`${name}: expected length ${len}, got ${a.length}`);
  }
  return a;
}

/** Returns `out` checked to length `len`, or a fresh zeroed array. */
export function outVec(out: unknown, len: number): BigUint64Array {
  return out === undefined ? new BigUint64Array(len) : checkLen('out', out, len);
}

/** Throws unless `v` is a non-negative safe integer. */
export function checkDim(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new InvalidArgumentError(`${name}: expected non-negative integer, got ${describe(v)}`);
  }
  return v;
}

/** Throws unless `bits` is an integer in 0..63. */
export function checkShift(bits: unknown): number {
  if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 0 || bits > 63) {
    throw new InvalidArgumentError(`bits: expected integer in 0..63, got ${describe(bits)}`);
  }
  return bits;
}

/** Throws unless `s` is a bigint; returns it reduced mod 2^64. */
export function checkScalar(s: unknown): bigint {
  if (typeof s !== 'bigint') throw new InvalidArgumentError(`s: expected bigint, got ${describe(s)}`);
  return BigInt.asUintN(64, s);
}

/** Whether two typed-array views share bytes of the same buffer. */
function overlap(x: ArrayBufferView, y: ArrayBufferView): boolean {
  if (x.buffer !== y.buffer || x.byteLength === 0 || y.byteLength === 0) return false;
  return x.byteOffset < y.byteOffset + y.byteLength && y.byteOffset < x.byteOffset + x.byteLength;
}

/**
 * Elementwise `out` may be the very same view as an input (an in-place update), but a partial
 * overlap would make the result depend on the loop order and so differ between backends.
 */
export function checkSameOrDisjoint(o: BigUint64Array, name: string, v: BigUint64Array): void {
  const same = o.buffer === v.buffer && o.byteOffset === v.byteOffset && o.length === v.length;
  if (!same && overlap(o, v)) throw new InvalidArgumentError(`out: must be the same view as ${name} or not overlap it`);
}

/** Checks the operands of an elementwise binary operation and returns the checked `out`. */
export function checkBinary(a: unknown, b: unknown, out: unknown): BigUint64Array {
  const aa = checkVec('a', a);
  const bb = checkLen('b', b, aa.length);
  const o = outVec(out, aa.length);
  checkSameOrDisjoint(o, 'a', aa);
  checkSameOrDisjoint(o, 'b', bb);
  return o;
}

/** Checks the operand of an elementwise unary operation and returns the checked `out`. */
export function checkUnary(a: unknown, out: unknown): BigUint64Array {
  const aa = checkVec('a', a);
  const o = outVec(out, aa.length);
  checkSameOrDisjoint(o, 'a', aa);
  return o;
}

/** Checks matrix operands `a` (m x k) and `b` (k x n) and returns a checked m x n `out`. */
export function checkMatmul(
  a: unknown,
  b: unknown,
  m: unknown,
  k: unknown,
  n: unknown,
  out: unknown,
): BigUint64Array {
  return matmulOperands(a, b, m, k, n, out, 'a', 'b');
}

/** checkMatmul with the operands' parameter names, so fused products name `xi` and `yi`. */
function matmulOperands(a: unknown, b: unknown, m: unknown, k: unknown, n: unknown, out: unknown, aName: string, bName: string): BigUint64Array {
  const mm = checkDim('m', m);
  const kk = checkDim('k', k);
  const nn = checkDim('n', n);
  const aa = checkLen(aName, a, mm * kk);
  const bb = checkLen(bName, b, kk * nn);
  const o = outVec(out, mm * nn);
  if (o === aa || o === bb || overlap(o, aa) || overlap(o, bb)) {
    throw new InvalidArgumentError('out: must not alias an operand of a matrix product');
  }
  return o;
}

const SHARE_NAMES = ['xi', 'xi1', 'yi', 'yi1', 'alpha'] as const;

/** Checks the five equal-length operands of a fused replicated multiplication; returns `out`. */
export function checkFusedMul(xi: unknown, xi1: unknown, yi: unknown, yi1: unknown, alpha: unknown, out: unknown): BigUint64Array {
  const len = checkVec('xi', xi).length;
  const ops = [xi, xi1, yi, yi1, alpha].map((v, t) => checkLen(SHARE_NAMES[t]!, v, len));
  const o = outVec(out, len);
  ops.forEach((v, t) => checkSameOrDisjoint(o, SHARE_NAMES[t]!, v));
  return o;
}

/**
 * Checks the operands of a fused replicated matrix product (x shares m x k, y shares k x n,
 * alpha m x n) and returns `out`, which may be `alpha` itself but must not touch the others.
 */
export function checkFusedMatmul(
  xi: unknown,
  xi1: unknown,
  yi: unknown,
  yi1: unknown,
  alpha: unknown,
  m: unknown,
  k: unknown,
  n: unknown,
  out: unknown,
): BigUint64Array {
  const o = matmulOperands(xi, yi, m, k, n, out, 'xi', 'yi');
  const mm = m as number;
  const nn = n as number;
  const x1 = checkLen('xi1', xi1, mm * (k as number));
  const y1 = checkLen('yi1', yi1, (k as number) * nn);
  const al = checkLen('alpha', alpha, mm * nn);
  if (overlap(o, x1) || overlap(o, y1)) throw new InvalidArgumentError('out: must not alias an operand of a matrix product');
  checkSameOrDisjoint(o, 'alpha', al);
  return o;
}

/** A short description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

/**
 * Throws unless `vectors` are 1..16 BigUint64Arrays of one length and `perm` a Uint32Array whose
 * every entry names one of their bits (below 64 * length): the bit permutation's input check,
 * shared by both backends. Returns the length.
 */
export function checkBitPermutation(vectors: unknown, perm: unknown): number {
  if (!Array.isArray(vectors) || vectors.length === 0 || vectors.length > 16) throw new InvalidArgumentError(`vectors: expected 1..16 BigUint64Arrays, got ${describe(vectors)}`);
  const len = checkVec('vectors[0]', vectors[0]).length;
  vectors.forEach((v, q) => checkLen(`vectors[${q}]`, v, len));
  if (!(perm instanceof Uint32Array)) throw new InvalidArgumentError(`perm: expected Uint32Array, got ${describe(perm)}`);
  const bits = 64 * len;
  let max = 0;
  for (let i = 0; i < perm.length; i++) if (perm[i]! > max) max = perm[i]!;
  if (perm.length > 0 && max >= bits) {
    const i = perm.findIndex((p) => p >= bits);
    throw new InvalidArgumentError(`perm[${i}]: expected a bit index below ${bits}, got ${perm[i]}`);
  }
  return len;
}
