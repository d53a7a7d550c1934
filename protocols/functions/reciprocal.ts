/**
 * @module protocols/functions/reciprocal
 * Secure reciprocal of positive values by Newton-Raphson, y <- y (2 - x y), after normalizing
 * x into [1, 2) with comparisons against public powers of two (the range reduction SPU and
 * MP-SPDZ use; CrypTen's unnormalized initial guess 3 exp(0.5 - x) + 0.003 only converges on a
 * narrow range and loses relative precision for large x):
 *
 *   1. b_k = [x >= 2^k] for k = lo+1 .. hi, all in one batched comparison   (9 rounds)
 *   2. s = 2^-j for x in [2^j, 2^(j+1)):  s = 2^-lo - sum_k b_k 2^-k (linear in the bits);
 *      x' = x s in [1, 2)                                                  (2 rounds)
 *   3. y0 = 24/17 - 8/17 x' (relative error <= 1/17 on [1, 2]), then t Newton steps,
 *      each squaring the relative error                                     (1 + 4t rounds)
 *   4. 1/x = y s                                                           (2 rounds)
 *
 * Cost with t = 3: 26 rounds. Inputs outside [2^lo, 2^(hi+1)) are not normalized correctly and
 * give wrong results; x <= 0 is outside the domain.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { ProtocolContext } from '../rss/context.js';
import { addPublic, mulPublic, subFromPublic } from '../rss/local-ops.js';
import { mulFixed, truncate } from '../rss/truncate.js';
import { bitsAtLeast } from './threshold-bits.js';
import { checkShare, type ReplicatedShare } from '../rss/replicated-share.js';
import { fixedConstant, mulByBitCombination } from './fixed-constant.js';

/** Options of {@link reciprocal}. */
export interface ReciprocalOptions {
  /** lo: inputs must be >= 2^lo (default -8). */
  readonly minExponent?: number;
  /** hi: inputs must be < 2^(hi+1) (default 12). */
  readonly maxExponent?: number;
  /** Newton-Raphson steps after normalization (default 3). */
  readonly iterations?: number;
}

/** [1/x] for x in [1, 2] (no normalization): linear guess and `iterations` Newton steps. 1 + 4t rounds. */
export async function reciprocalNewton(ctx: ProtocolContext, x: ReplicatedShare, iterations = 3): Promise<ReplicatedShare> {
  ctx = ctx.scope('reciprocal-newton');
  let y = addPublic(ctx, await truncate(ctx, mulPublic(ctx, x, fixedConstant(ctx, -8 / 17))), fixedConstant(ctx, 24 / 17));
  for (let i = 0; i < iterations; i++) {
    const xy = await mulFixed(ctx, x, y);
    y = await mulFixed(ctx, y, subFromPublic(ctx, fixedConstant(ctx, 2), xy));
  }
  return y;
}

/** base^k for k = lo+1 .. hi: the thresholds of the magnitude classes. */
export function powers(base: number, lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let k = lo + 1; k <= hi; k++) out.push(base ** k);
  return out;
}

function checkRange(lo: number, hi: number, f: number): void {
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
    throw new InvalidArgumentError(`minExponent/maxExponent: expected integers with minExponent <= maxExponent, got ${lo}, ${hi}`);
  }
  if (lo < -f) throw new InvalidArgumentError(`minExponent: ${lo} is below the fixed-point resolution 2^-${f}`);
}

/** [1/x] elementwise for x in [2^lo, 2^(hi+1)). 26 rounds with the default 3 iterations. */
export async function reciprocal(ctx: ProtocolContext, x: ReplicatedShare, opts: ReciprocalOptions = {}): Promise<ReplicatedShare> {
  checkShare('x', x);
  ctx = ctx.scope('reciprocal');
  const lo = opts.minExponent ?? -8;
  const hi = opts.maxExponent ?? 12;
  const t = opts.iterations ?? 3;
  checkRange(lo, hi, ctx.fractionBits);
  if (!Number.isInteger(t) || t < 0 || t > 10) throw new InvalidArgumentError(`iterations: expected integer in 0..10, got ${String(t)}`);
  // Coefficients 2^-k need max(hi, 0) + 1 fractional bits to be exact.
  const coeffBits = Math.max(hi, 0) + 1;
  const coeffs: number[] = [];
  for (let k = lo + 1; k <= hi; k++) coeffs.push(-(2 ** -k));
  if (coeffs.length === 0) {
    const s = 2 ** -lo;
    const xn = await truncate(ctx, mulPublic(ctx, x, fixedConstant(ctx, s, coeffBits)), coeffBits);
    const y = await reciprocalNewton(ctx, xn, t);
    return truncate(ctx, mulPublic(ctx, y, fixedConstant(ctx, s, coeffBits)), coeffBits);
  }
  const bits = await bitsAtLeast(ctx, x, powers(2, lo, hi));
  const xn = await mulByBitCombination(ctx, x, bits, 2 ** -lo, coeffs, coeffBits);
  const y = await reciprocalNewton(ctx, xn, t);
  return mulByBitCombination(ctx, y, bits, 2 ** -lo, coeffs, coeffBits);
}
