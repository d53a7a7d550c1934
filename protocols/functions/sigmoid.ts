/**
 * @module protocols/functions/sigmoid
 * Secure logistic sigmoid as CrypTen's "reciprocal" method (Knott et al., NeurIPS 2021;
 * crypten/common/functions/approximations.py `sigmoid`): work on |x| so the exponential only
 * sees non-positive arguments and the denominator stays in [1, 2]:
 *
 *   c = [x < 0], i = [-L <= x < L]            (one batched comparison of x, x - L, x + L)
 *   |x| = x (1 - 2c)                          (1 round; integer bit times fixed point)
 *   e = i exp(-|x|)                           (limit exp, n = 9, then 1 round)
 *   r = 1/(1 + e) by Newton on [1, 2] (3 steps)
 *   sigmoid(x) = c ? 1 - r : r                (1 round)
 *
 * L = 2^n - 1: beyond it the limit exponential leaves its domain and returns garbage, which the
 * in-range bit i zeroes exactly (ring arithmetic), so any representable input is safe; there
 * sigmoid is 0 or 1 to far below the fixed-point resolution anyway. Measured latency depth 35.
 */
import type { ProtocolContext } from '../rss/context.js';
import { addPublic, concat, mulPublic, neg, split, sub, subFromPublic } from '../rss/local-ops.js';
import { mul } from '../rss/mul.js';
import { ltz, select } from '../rss/comparison.js';
import { checkShare, type ReplicatedShare } from '../rss/replicated-share.js';
import { exp, EXP_ITERATIONS, type ExpOptions } from './exp.js';
import { reciprocalNewton } from './reciprocal.js';
import { fixedConstant } from './fixed-constant.js';

/** [1 / (1 + exp(-x))] elementwise, for any representable x. */
export async function sigmoid(ctx: ProtocolContext, x: ReplicatedShare, opts: ExpOptions = {}): Promise<ReplicatedShare> {
  checkShare('x', x);
  ctx = ctx.scope('sigmoid');
  const n = x.a.length;
  const limit = 2 ** (opts.iterations ?? EXP_ITERATIONS) - 1;
  const bits = split(await ltz(ctx, concat([x, addPublic(ctx, x, fixedConstant(ctx, -limit)), addPublic(ctx, x, fixedConstant(ctx, limit))])), [n, n, n]);
  const negative = bits[0]!;
  const inside = sub(ctx, bits[1]!, bits[2]!); // [x < L] - [x < -L]
  const sign = subFromPublic(ctx, 1n, mulPublic(ctx, negative, 2n)); // 1 - 2c, an integer
  const absX = await mul(ctx, sign, x);
  const e = await mul(ctx, inside, await exp(ctx, neg(ctx, absX), opts));
  const r = await reciprocalNewton(ctx, addPublic(ctx, e, fixedConstant(ctx, 1)), 3);
  const out = await select(ctx, negative, subFromPublic(ctx, fixedConstant(ctx, 1), r), r);
  return x.shape === undefined ? out : { a: out.a, b: out.b, shape: x.shape };
}
