/**
 * @module crypto-core/ring/ts-ring
 * The TypeScript reference implementation of {@link Ring64}: readable, exact, and used when the
 * native addon is absent or `MPC_NATIVE=0`. BigInt arithmetic on `BigUint64Array` elements with
 * `BigInt.asUintN(64, ·)` wrapping; the matrix product runs i-k-j with the j loop unrolled by
 * four (the fastest pure-TS form measured on the target machines; 32-bit limbs were slower).
 */
import type { Ring64 } from './ring64.js';
import { checkBinary, checkBitPermutation, checkFusedMatmul, checkFusedMul, checkMatmul, checkScalar, checkShift, checkUnary } from './check.js';

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const U = (x: bigint): bigint => BigInt.asUintN(64, x);

// Each operation is its own loop rather than one generic loop taking a callback: V8 compiles a
// monomorphic `o[i] = a[i] + b[i]` on BigUint64Arrays to plain 64-bit machine arithmetic, while
// a shared loop calling five different closures goes megamorphic and allocates a BigInt per
// element (measured about 10x slower on 1e6 elements, docs/benchmarks-ring.md).

/**
 * acc[accOff .. accOff+n) += av * b[bOff .. bOff+n), wrapping mod 2^64.
 *
 * A separate small function on purpose: V8 only turns BigInt arithmetic on BigUint64Array
 * elements into plain 64-bit machine operations in its top tier (Turbofan). One long-running
 * matmul call can stay in the mid tier (Maglev, which allocates a BigInt per operation) for
 * hundreds of milliseconds; a row kernel called m*k times is promoted within the first rows.
 */
function axpyRow(acc: BigUint64Array, accOff: number, av: bigint, b: BigUint64Array, bOff: number, n: number): void {
  const n4 = n - (n % 4);
  let j = 0;
  for (; j < n4; j += 4) {
    acc[accOff + j] = acc[accOff + j]! + av * b[bOff + j]!;
    acc[accOff + j + 1] = acc[accOff + j + 1]! + av * b[bOff + j + 1]!;
    acc[accOff + j + 2] = acc[accOff + j + 2]! + av * b[bOff + j + 2]!;
    acc[accOff + j + 3] = acc[accOff + j + 3]! + av * b[bOff + j + 3]!;
  }
  for (; j < n; j++) acc[accOff + j] = acc[accOff + j]! + av * b[bOff + j]!;
}

/** Accumulates a (m x k) @ b (k x n) into acc (m x n), wrapping mod 2^64 (i-k-j order). */
function matmulAcc(a: BigUint64Array, b: BigUint64Array, m: number, k: number, n: number, acc: BigUint64Array): void {
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) axpyRow(acc, i * n, a[i * k + p]!, b, p * n, n);
  }
}

/** The TypeScript ring backend. Assigning into a BigUint64Array already wraps mod 2^64. */
export const tsRing: Ring64 = Object.freeze({
  name: 'ts' as const,
  add(a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array) {
    const o = checkBinary(a, b, out);
    for (let i = 0; i < a.length; i++) o[i] = a[i]! + b[i]!;
    return o;
  },
  sub(a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array) {
    const o = checkBinary(a, b, out);
    for (let i = 0; i < a.length; i++) o[i] = a[i]! - b[i]!;
    return o;
  },
  neg(a: BigUint64Array, out?: BigUint64Array) {
    const o = checkUnary(a, out);
    for (let i = 0; i < a.length; i++) o[i] = -a[i]!;
    return o;
  },
  mul(a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array) {
    const o = checkBinary(a, b, out);
    for (let i = 0; i < a.length; i++) o[i] = a[i]! * b[i]!;
    return o;
  },
  scalarMul(a: BigUint64Array, s: bigint, out?: BigUint64Array) {
    const sc = checkScalar(s);
    const o = checkUnary(a, out);
    for (let i = 0; i < a.length; i++) o[i] = a[i]! * sc;
    return o;
  },
  matmul(a: BigUint64Array, b: BigUint64Array, m: number, k: number, n: number, out?: BigUint64Array) {
    const o = checkMatmul(a, b, m, k, n, out);
    o.fill(0n);
    matmulAcc(a, b, m, k, n, o);
    return o;
  },
  shiftRightArith(a: BigUint64Array, bits: number, out?: BigUint64Array) {
    const s = BigInt(checkShift(bits));
    const o = checkUnary(a, out);
    for (let i = 0; i < a.length; i++) o[i] = U(BigInt.asIntN(64, a[i]!) >> s);
    return o;
  },
  shiftRightLogical(a: BigUint64Array, bits: number, out?: BigUint64Array) {
    const s = BigInt(checkShift(bits));
    const o = checkUnary(a, out);
    for (let i = 0; i < a.length; i++) o[i] = a[i]! >> s;
    return o;
  },
  shiftLeft(a: BigUint64Array, bits: number, out?: BigUint64Array) {
    const s = BigInt(checkShift(bits));
    const o = checkUnary(a, out);
    for (let i = 0; i < a.length; i++) o[i] = a[i]! << s;
    return o;
  },
  xor(a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array) {
    const o = checkBinary(a, b, out);
    for (let i = 0; i < a.length; i++) o[i] = a[i]! ^ b[i]!;
    return o;
  },
  and(a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array) {
    const o = checkBinary(a, b, out);
    for (let i = 0; i < a.length; i++) o[i] = a[i]! & b[i]!;
    return o;
  },
  permuteBits(vectors: readonly BigUint64Array[], perm: Uint32Array) {
    checkBitPermutation(vectors, perm);
    const m = perm.length;
    return vectors.map((a) => {
      const out = new BigUint64Array(Math.ceil(m / 64));
      if (!HOST_LITTLE_ENDIAN) {
        for (let i = 0; i < m; i++) out[i >>> 6] = out[i >>> 6]! | (((a[perm[i]! >>> 6]! >> BigInt(perm[i]! & 63)) & 1n) << BigInt(i & 63));
        return out;
      }
      // 32-bit lanes of the words (lane 2t is the low half of word t on a little-endian host).
      const src = new Uint32Array(a.buffer, a.byteOffset, 2 * a.length);
      const dst = new Uint32Array(out.buffer);
      for (let i = 0; i < m; i++) {
        const p = perm[i]!;
        dst[i >>> 5] = dst[i >>> 5]! | (((src[p >>> 5]! >>> (p & 31)) & 1) << (i & 31));
      }
      return out;
    });
  },
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
