/**
 * @module protocols/functions/exp
 * Secure exponential by the limit approximation exp(x) ~ (1 + x / 2^n)^(2^n), as CrypTen does
 * (Knott et al., NeurIPS 2021; crypten/common/functions/approximations.py `exp`):
 *
 *   [u] = 1 + trunc([x], n)          (1 round)
 *   repeat n times: [u] = [u]^2      (2 rounds each: product + truncation)
 *
 * Cost: 1 + 2n rounds. Error: the approximation's relative error is about x^2 / 2^(n+1), and
 * the fixed-point rounding adds a relative error of about 2^(n+1-f) (each truncation is within
 * one unit, amplified by the remaining squarings). Valid for x > -2^n (below, 1 + x/2^n turns
 * negative and the power blows up); the result underflows to 0 below about -f*ln(2).
 * See docs/protocols-inference.md for the measured bounds.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { ProtocolContext } from '../rss/context.js';
import { addPublic } from '../rss/local-ops.js';
import { mulFixed, truncate } from '../rss/truncate.js';
import { checkShare, type ReplicatedShare } from '../rss/replicated-share.js';
import { fixedConstant } from './fixed-constant.js';

/** Options of {@link exp}. */
export interface ExpOptions {
  /** n: the number of squarings, 2^n the limit's exponent (default 9; CrypTen's default is 8). */
  readonly iterations?: number;
}

/** Default squarings: 9 keeps the approximation error below 6e-4 absolute on x <= 0 at f = 20. */
export const EXP_ITERATIONS = 9;

/** [exp(x)] elementwise, fixed point at ctx.fractionBits. 1 + 2n rounds. */
export async function exp(ctx: ProtocolContext, x: ReplicatedShare, opts: ExpOptions = {}): Promise<ReplicatedShare> {
  checkShare('x', x);
  ctx = ctx.scope('exp');
  const n = opts.iterations ?? EXP_ITERATIONS;
  if (!Number.isInteger(n) || n < 1 || n > 20) throw new InvalidArgumentError(`iterations: expected integer in 1..20, got ${String(n)}`);
  let u = addPublic(ctx, await truncate(ctx, x, n), fixedConstant(ctx, 1));
  for (let i = 0; i < n; i++) u = await mulFixed(ctx, u, u);
  return u;
}
