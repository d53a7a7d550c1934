/**
 * @module protocols/functions/threshold-bits
 * [x >= t_k] for a list of public thresholds t_k, all from ONE batched comparison (the rounds
 * of a single `ltz`, 9; the bytes of K comparisons per element). This is the range reduction
 * behind the normalized reciprocal, inverse square root and exponential: a value's magnitude
 * class as arithmetic 0/1 bits, from which public scale factors combine linearly.
 */
import type { ProtocolContext } from '../rss/context.js';
import { addPublic, concat, subFromPublic } from '../rss/local-ops.js';
import { ltz } from '../rss/comparison.js';
import type { ReplicatedShare } from '../rss/replicated-share.js';
import { fixedConstant } from './fixed-constant.js';

/** Arithmetic 0/1 bits [x >= thresholds[k]], threshold-major ([K, n]). 9 rounds. */
export async function bitsAtLeast(ctx: ProtocolContext, x: ReplicatedShare, thresholds: readonly number[]): Promise<ReplicatedShare> {
  ctx = ctx.scope('bits-at-least');
  const parts = thresholds.map((t) => addPublic(ctx, x, fixedConstant(ctx, -t)));
  const below = await ltz(ctx, concat(parts));
  return subFromPublic(ctx, 1n, below);
}
