/**
 * @module protocols/functions/sigmoid
 * Secure logistic sigmoid as CrypTen's "reciprocal" method (Knott et al., NeurIPS 2021;
 * crypten/common/functions/approximations.py `sigmoid`): work on |x| so the exponential only
 * sees non-positive arguments and the denominator stays in [1, 2]:
 *
 *   c = [x < 0]                               (9 rounds)
 *   |x| = x (1 - 2c)                          (1 round; integer bit times fixed point)
 *   d = 1 + exp(-|x|)  in (1, 2]              (1 + 2n rounds, n = 9)
 *   r = 1/d by Newton on [1, 2] (3 steps)     (13 rounds)
 *   sigmoid(x) = c ? 1 - r : r                (1 round)
 *
 * Cost: 43 rounds. Valid for |x| < 2^n = 512 (see exp.ts).
 */
import type { ProtocolContext } from '../rss/context.js';
import { addPublic, subFromPublic, mulPublic, neg } from '../rss/local-ops.js';
import { mul } from '../rss/mul.js';
import { ltz, select } from '../rss/comparison.js';
import { checkShare, type ReplicatedShare } from '../rss/replicated-share.js';
import { exp, type ExpOptions } from './exp.js';
import { reciprocalNewton } from './reciprocal.js';
import { fixedConstant } from './fixed-constant.js';

/** [1 / (1 + exp(-x))] elementwise. 43 rounds. */
export async function sigmoid(ctx: ProtocolContext, x: ReplicatedShare, opts: ExpOptions = {}): Promise<ReplicatedShare> {
  checkShare('x', x);
  ctx = ctx.scope('sigmoid');
  const negative = await ltz(ctx, x);
  const sign = subFromPublic(ctx, 1n, mulPublic(ctx, negative, 2n)); // 1 - 2c, an integer
  const absX = await mul(ctx, sign, x);
  const e = await exp(ctx, neg(ctx, absX), opts);
  const r = await reciprocalNewton(ctx, addPublic(ctx, e, fixedConstant(ctx, 1)), 3);
  const out = await select(ctx, negative, subFromPublic(ctx, fixedConstant(ctx, 1), r), r);
  return x.shape === undefined ? out : { a: out.a, b: out.b, shape: x.shape };
}
