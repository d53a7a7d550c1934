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

/** Checks matrix operands `a` (m x k) and `b` (k x n) and returns a checked m x n `out`. */
export function checkMatmul(
  a: unknown,
  b: unknown,
  m: unknown,
  k: unknown,
  n: unknown,
  out: unknown,
): BigUint64Array {
  const mm = checkDim('m', m);
  const kk = checkDim('k', k);
  const nn = checkDim('n', n);
  checkLen('a', a, mm * kk);
  checkLen('b', b, kk * nn);
  const o = outVec(out, mm * nn);
  if (o === a || o === b) throw new InvalidArgumentError('out: must not alias an operand of a matrix product');
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
