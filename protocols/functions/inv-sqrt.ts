/**
 * @module protocols/functions/inv-sqrt
 * Secure inverse square root of positive values: normalize x = 4^j x' with x' in [1, 4) by
 * comparisons against public powers of four, Newton-Raphson on x' with
 * y <- y (3/2 - (x'/2) y^2) (CrypTen's iteration; Knott et al. 2021), then 1/sqrt(x) = 2^-j y.
 *
 *   1. b_k = [x >= 4^k], k = lo+1 .. hi (one batched comparison)     (9 rounds)
 *   2. x'/2 = x (4^-lo - 3 sum_k b_k 4^-k) / 2                       (2 rounds)
 *   3. y0 = 1.2 - 0.2 x' (relative error <= 0.16 on [1, 4]); t steps (1 + 6t rounds)
 *   4. y 2^-j = y (2^-lo - sum_k b_k 2^-k)                           (2 rounds)
 *
 * Cost with t = 4: 38 rounds. Inputs outside [4^lo, 4^(hi+1)) give wrong results.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { ProtocolContext } from '../rss/context.js';
import { addPublic, mulPublic, subFromPublic } from '../rss/local-ops.js';
import { mulFixed, truncate } from '../rss/truncate.js';
import { checkShare, type ReplicatedShare } from '../rss/replicated-share.js';
import { fixedConstant, mulByBitCombination } from './fixed-constant.js';
import { powers } from './reciprocal.js';
import { bitsAtLeast } from './threshold-bits.js';

/** Options of {@link invSqrt}. */
export interface InvSqrtOptions {
  /** lo: inputs must be >= 4^lo (default -4). */
  readonly minExponent?: number;
  /** hi: inputs must be < 4^(hi+1) (default 6). */
  readonly maxExponent?: number;
  /** Newton-Raphson steps (default 4). */
  readonly iterations?: number;
}

/** [1/sqrt(x)] elementwise for x in [4^lo, 4^(hi+1)). 38 rounds with the default 4 iterations. */
export async function invSqrt(ctx: ProtocolContext, x: ReplicatedShare, opts: InvSqrtOptions = {}): Promise<ReplicatedShare> {
  checkShare('x', x);
  ctx = ctx.scope('inv-sqrt');
  const lo = opts.minExponent ?? -4;
  const hi = opts.maxExponent ?? 6;
  const t = opts.iterations ?? 4;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi <= lo) {
    throw new InvalidArgumentError(`minExponent/maxExponent: expected integers with minExponent < maxExponent, got ${lo}, ${hi}`);
  }
  if (2 * lo < -ctx.fractionBits) throw new InvalidArgumentError(`minExponent: 4^${lo} is below the fixed-point resolution 2^-${ctx.fractionBits}`);
  if (!Number.isInteger(t) || t < 0 || t > 10) throw new InvalidArgumentError(`iterations: expected integer in 0..10, got ${String(t)}`);
  const bits = await bitsAtLeast(ctx, x, powers(4, lo, hi));
  // x'/2: coefficients (4^-lo, -3 * 4^-k) / 2 are exact with 2*max(hi,0) + 2 fractional bits.
  const c4 = 2 * Math.max(hi, 0) + 2;
  const scaleCoeffs: number[] = [];
  const outCoeffs: number[] = [];
  for (let k = lo + 1; k <= hi; k++) {
    scaleCoeffs.push((-3 * 4 ** -k) / 2);
    outCoeffs.push(-(2 ** -k));
  }
  const half = await mulByBitCombination(ctx, x, bits, 4 ** -lo / 2, scaleCoeffs, c4);
  // y0 = 1.2 - 0.2 x' = 1.2 - 0.4 (x'/2)
  let y = addPublic(ctx, await truncate(ctx, mulPublic(ctx, half, fixedConstant(ctx, -0.4))), fixedConstant(ctx, 1.2));
  for (let i = 0; i < t; i++) {
    const y2 = await mulFixed(ctx, y, y);
    const hy2 = await mulFixed(ctx, half, y2);
    y = await mulFixed(ctx, y, subFromPublic(ctx, fixedConstant(ctx, 1.5), hy2));
  }
  return mulByBitCombination(ctx, y, bits, 2 ** -lo, outCoeffs, Math.max(hi, 0) + 1);
}
