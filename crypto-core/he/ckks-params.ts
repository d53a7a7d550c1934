/**
 * @module crypto-core/he/ckks-params
 * CKKS encryption parameters as plain data, and their validation against the 128-bit security
 * table of the HomomorphicEncryption.org standard (the same table SEAL enforces with
 * `sec_level_type::tc128`).
 *
 * The chain [q0, q1 .. qL, p]: q0 holds the final result (its bits above the scale bound the
 * output magnitude), each qi (i >= 1) is dropped by one rescale, so L = length - 2 is the
 * multiplicative depth; p is the special prime used only for key switching.
 */
import { HeParameterError } from './errors.js';

/** CKKS parameters. Structured-clonable (sent to worker threads as is). */
export interface CkksParams {
  /** Ring dimension N, a power of two; N/2 complex slots. */
  readonly polyModulusDegree: number;
  /** Bit sizes of the coefficient modulus primes, including the special prime last. */
  readonly coeffModulusBits: readonly number[];
  /** log2 of the encoding scale of fresh ciphertexts. */
  readonly scaleBits: number;
}

/**
 * Maximum total coefficient-modulus bits for 128-bit classical security, per N
 * (HomomorphicEncryption.org security standard, table 1; SEAL's `CoeffModulus::MaxBitCount`).
 */
export const MAX_COEFF_BITS_128: Readonly<Record<number, number>> = Object.freeze({
  1024: 27,
  2048: 54,
  4096: 109,
  8192: 218,
  16384: 438,
  32768: 881,
});

/**
 * N = 8192, [49, 40, 40, 40, 49] = 218 bits (the 128-bit maximum), scale 2^40: depth 3, exactly
 * dense -> square -> dense. q0 = 49 bits leaves 9 bits above the scale for the result.
 */
export const DEFAULT_CKKS_PARAMS: CkksParams = Object.freeze({
  polyModulusDegree: 8192,
  coeffModulusBits: Object.freeze([49, 40, 40, 40, 49]),
  scaleBits: 40,
});

/** Multiplicative depth (number of rescales) the parameters allow. */
export function ckksDepth(params: CkksParams): number {
  return params.coeffModulusBits.length - 2;
}

/** Number of CKKS slots (N/2). */
export function ckksSlotCount(params: CkksParams): number {
  return params.polyModulusDegree / 2;
}

/**
 * Parameters suited to a computation of the given depth: the default set up to depth 3, then
 * N = 16384 with 60-bit outer primes and 40-bit middle primes while the 128-bit bound allows,
 * then N = 32768.
 */
export function ckksParamsForDepth(depth: number): CkksParams {
  if (!Number.isInteger(depth) || depth < 1) throw new HeParameterError(`depth: expected a positive integer, got ${depth}`);
  if (depth <= ckksDepth(DEFAULT_CKKS_PARAMS)) return DEFAULT_CKKS_PARAMS;
  const bits = [60, ...new Array<number>(depth).fill(40), 60];
  const total = bits.reduce((a, b) => a + b, 0);
  const n = total <= MAX_COEFF_BITS_128[16384]! ? 16384 : 32768;
  if (total > MAX_COEFF_BITS_128[n]!) {
    throw new HeParameterError(`depth: ${depth} needs ${total} modulus bits, more than the ${MAX_COEFF_BITS_128[n]} that N=${n} allows at 128-bit security`);
  }
  return Object.freeze({ polyModulusDegree: n, coeffModulusBits: Object.freeze(bits), scaleBits: 40 });
}

/** Throws {@link HeParameterError} naming the offending field when `params` is unusable or below 128-bit security. */
export function validateCkksParams(params: CkksParams): void {
  if (typeof params !== 'object' || params === null) throw new HeParameterError(`params: expected an object, got ${params === null ? 'null' : typeof params}`);
  const n = params.polyModulusDegree;
  const maxBits = MAX_COEFF_BITS_128[n];
  if (!Number.isInteger(n) || maxBits === undefined || n < 4096) {
    throw new HeParameterError(`polyModulusDegree: expected one of 4096, 8192, 16384, 32768, got ${String(n)}`);
  }
  const bits = params.coeffModulusBits;
  if (!Array.isArray(bits) || bits.length < 3) {
    throw new HeParameterError(`coeffModulusBits: expected at least 3 prime sizes (q0, one level, special prime), got ${Array.isArray(bits) ? bits.length : typeof bits}`);
  }
  for (const [i, b] of bits.entries()) {
    if (!Number.isInteger(b) || b < 20 || b > 60) throw new HeParameterError(`coeffModulusBits[${i}]: expected an integer in [20, 60], got ${String(b)}`);
  }
  const total = bits.reduce((a: number, b: number) => a + b, 0);
  if (total > maxBits) {
    throw new HeParameterError(`coeffModulusBits: total ${total} bits exceeds ${maxBits}, the 128-bit security bound for N=${n}`);
  }
  const s = params.scaleBits;
  if (!Number.isInteger(s) || s < 20 || s > 60) throw new HeParameterError(`scaleBits: expected an integer in [20, 60], got ${String(s)}`);
  if (s >= bits[0]!) throw new HeParameterError(`scaleBits: ${s} leaves no room for the result in q0 of ${bits[0]} bits`);
  for (let i = 1; i < bits.length - 1; i++) {
    // Rescaling divides by q_i; a prime far from the scale makes the scale drift away from 2^scaleBits.
    if (Math.abs(bits[i]! - s) > 0) throw new HeParameterError(`coeffModulusBits[${i}]: middle primes must have scaleBits (${s}) bits, got ${bits[i]}`);
  }
}

/** True when both parameter sets are identical. */
export function sameCkksParams(a: CkksParams, b: CkksParams): boolean {
  return (
    a.polyModulusDegree === b.polyModulusDegree &&
    a.scaleBits === b.scaleBits &&
    a.coeffModulusBits.length === b.coeffModulusBits.length &&
    a.coeffModulusBits.every((x, i) => x === b.coeffModulusBits[i])
  );
}

/** A short human form, e.g. `N=8192 [49,40,40,40,49] 2^40`. */
export function describeCkksParams(p: CkksParams): string {
  return `N=${p.polyModulusDegree} [${p.coeffModulusBits.join(',')}] 2^${p.scaleBits}`;
}
