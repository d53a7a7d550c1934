/**
 * @module crypto-core/ring/ts-ring
 * The TypeScript reference implementation of {@link Ring64}: readable, exact, and used when the
 * native addon is absent or `MPC_NATIVE=0`. BigInt arithmetic on `BigUint64Array` elements with
 * `BigInt.asUintN(64, ·)` wrapping; the matrix product runs i-k-j with the j loop unrolled by
 * four (the fastest pure-TS form measured on the target machines; 32-bit limbs were slower).
 */
import type { Ring64 } from './ring64.js';
import { checkBinary, checkFusedMatmul, checkFusedMul, checkMatmul, checkScalar, checkShift, checkUnary } from './check.js';

const U = (x: bigint): bigint => BigInt.asUintN(64, x);

function binary(
  a: BigUint64Array,
  b: BigUint64Array,
  out: BigUint64Array | undefined,
  f: (x: bigint, y: bigint) => bigint,
): BigUint64Array {
  const o = checkBinary(a, b, out);
  for (let i = 0; i < a.length; i++) o[i] = f(a[i]!, b[i]!);
  return o;
}

function unary(a: BigUint64Array, out: BigUint64Array | undefined, f: (x: bigint) => bigint): BigUint64Array {
  const o = checkUnary(a, out);
  for (let i = 0; i < a.length; i++) o[i] = f(a[i]!);
  return o;
}

/** Accumulates a (m x k) @ b (k x n) into acc (m x n), wrapping mod 2^64. */
function matmulAcc(a: BigUint64Array, b: BigUint64Array, m: number, k: number, n: number, acc: BigUint64Array): void {
  const n4 = n - (n % 4);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p]!;
      if (av === 0n) continue;
      const brow = p * n;
      let j = 0;
      for (; j < n4; j += 4) {
        acc[row + j] = acc[row + j]! + av * b[brow + j]!;
        acc[row + j + 1] = acc[row + j + 1]! + av * b[brow + j + 1]!;
        acc[row + j + 2] = acc[row + j + 2]! + av * b[brow + j + 2]!;
        acc[row + j + 3] = acc[row + j + 3]! + av * b[brow + j + 3]!;
      }
      for (; j < n; j++) acc[row + j] = acc[row + j]! + av * b[brow + j]!;
    }
  }
}

/** The TypeScript ring backend. Assigning into a BigUint64Array already wraps mod 2^64. */
export const tsRing: Ring64 = Object.freeze({
  name: 'ts' as const,
  add: (a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array) => binary(a, b, out, (x, y) => x + y),
  sub: (a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array) => binary(a, b, out, (x, y) => x - y),
  neg: (a: BigUint64Array, out?: BigUint64Array) => unary(a, out, (x) => -x),
  mul: (a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array) => binary(a, b, out, (x, y) => x * y),
  scalarMul(a: BigUint64Array, s: bigint, out?: BigUint64Array) {
    const sc = checkScalar(s);
    return unary(a, out, (x) => x * sc);
  },
  matmul(a: BigUint64Array, b: BigUint64Array, m: number, k: number, n: number, out?: BigUint64Array) {
    const o = checkMatmul(a, b, m, k, n, out);
    o.fill(0n);
    matmulAcc(a, b, m, k, n, o);
    return o;
  },
  shiftRightArith(a: BigUint64Array, bits: number, out?: BigUint64Array) {
    const s = BigInt(checkShift(bits));
    return unary(a, out, (x) => U(BigInt.asIntN(64, x) >> s));
  },
  shiftRightLogical(a: BigUint64Array, bits: number, out?: BigUint64Array) {
    const s = BigInt(checkShift(bits));
    return unary(a, out, (x) => x >> s);
  },
  shiftLeft(a: BigUint64Array, bits: number, out?: BigUint64Array) {
    const s = BigInt(checkShift(bits));
    return unary(a, out, (x) => x << s);
  },
  xor: (a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array) => binary(a, b, out, (x, y) => x ^ y),
  and: (a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array) => binary(a, b, out, (x, y) => x & y),
  fusedMul(xi: BigUint64Array, xi1: BigUint64Array, yi: BigUint64Array, yi1: BigUint64Array, alpha: BigUint64Array, out?: BigUint64Array) {
    const o = checkFusedMul(xi, xi1, yi, yi1, alpha, out);
    for (let t = 0; t < xi.length; t++) {
      const x = xi[t]!;
      const y = yi[t]!;
      o[t] = x * y + x * yi1[t]! + xi1[t]! * y + alpha[t]!;
    }
    return o;
  },
  fusedMatmul(
    xi: BigUint64Array,
    xi1: BigUint64Array,
    yi: BigUint64Array,
    yi1: BigUint64Array,
    alpha: BigUint64Array,
    m: number,
    k: number,
    n: number,
    out?: BigUint64Array,
  ) {
    const o = checkFusedMatmul(xi, xi1, yi, yi1, alpha, m, k, n, out);
    // xi@yi + xi@yi1 + xi1@yi = xi@(yi + yi1) + xi1@yi: two products instead of three.
    const ysum = new BigUint64Array(k * n);
    for (let t = 0; t < ysum.length; t++) ysum[t] = yi[t]! + yi1[t]!;
    o.set(alpha);
    matmulAcc(xi, ysum, m, k, n, o);
    matmulAcc(xi1, yi, m, k, n, o);
    return o;
  },
});
