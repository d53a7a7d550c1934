/**
 * @module crypto-core/ring/ring64
 * The ring Z_2^64 as a small interface over `BigUint64Array` vectors and row-major matrices.
 * Two frozen instances implement it: the native addon (`native`) and the TypeScript reference
 * (`ts`). Protocol code is written against this interface only.
 *
 * Conventions of every method:
 * - Inputs are not modified. `out`, when given, must have the result's length. For elementwise
 *   operations it may be the very same view as an input (a partially overlapping view is
 *   rejected); for matrix products it must not overlap any operand, except that `fusedMatmul`'s
 *   `out` may be `alpha`.
 * - Lengths are checked at the boundary with an `InvalidArgumentError` naming the parameter.
 * - All arithmetic wraps modulo 2^64; signed interpretation is two's complement.
 */

/** One implementation of Z_2^64 arithmetic. */
export interface Ring64 {
  /** `native` (C++ addon) or `ts` (TypeScript reference). */
  readonly name: 'native' | 'ts';
  /** Elementwise a + b. */
  add(a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array): BigUint64Array;
  /** Elementwise a - b. */
  sub(a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array): BigUint64Array;
  /** Elementwise -a. */
  neg(a: BigUint64Array, out?: BigUint64Array): BigUint64Array;
  /** Elementwise a * b. */
  mul(a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array): BigUint64Array;
  /** Elementwise a * s for a public scalar s (taken mod 2^64; negative bigints wrap). */
  scalarMul(a: BigUint64Array, s: bigint, out?: BigUint64Array): BigUint64Array;
  /** Row-major matrix product: a is m x k, b is k x n, result m x n. */
  matmul(a: BigUint64Array, b: BigUint64Array, m: number, k: number, n: number, out?: BigUint64Array): BigUint64Array;
  /** Elementwise arithmetic (sign-extending) right shift by 0..63 bits. */
  shiftRightArith(a: BigUint64Array, bits: number, out?: BigUint64Array): BigUint64Array;
  /** Elementwise logical right shift by 0..63 bits. */
  shiftRightLogical(a: BigUint64Array, bits: number, out?: BigUint64Array): BigUint64Array;
  /** Elementwise left shift by 0..63 bits. */
  shiftLeft(a: BigUint64Array, bits: number, out?: BigUint64Array): BigUint64Array;
  /** Elementwise bitwise xor. */
  xor(a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array): BigUint64Array;
  /** Elementwise bitwise and. */
  and(a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array): BigUint64Array;
  /**
   * Bit permutation (gather) of several vectors of one length: bit i of result q is bit perm[i]
   * of vectors[q], bit j of a vector being bit j & 63 of its word j >> 6. Each result has
   * ceil(perm.length / 64) words, its bits past perm.length zero. Every perm[i] must be below
   * 64 times the vectors' length; at most 16 vectors.
   */
  permuteBits(vectors: readonly BigUint64Array[], perm: Uint32Array): BigUint64Array[];
  /**
   * The local step of a replicated multiplication, elementwise:
   * `xi*yi + xi*yi1 + xi1*yi + alpha` (Araki et al. 2016; ABY3 section 3).
   */
  fusedMul(
    xi: BigUint64Array,
    xi1: BigUint64Array,
    yi: BigUint64Array,
    yi1: BigUint64Array,
    alpha: BigUint64Array,
    out?: BigUint64Array,
  ): BigUint64Array;
  /**
   * The local step of a replicated matrix product: `xi@yi + xi@yi1 + xi1@yi + alpha`, with
   * x shares m x k, y shares k x n and alpha m x n, all row-major.
   */
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
  ): BigUint64Array;
}
