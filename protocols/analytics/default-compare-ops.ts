/**
 * @module protocols/analytics/default-compare-ops
 * The {@link CompareOps} the analytics engine uses in production, bound to the real protocols:
 * - `ltz`: protocols/rss `ltz` (ABY3 A2B with a Kogge-Stone adder, MSB, bit injection: 9 rounds),
 *   returning arithmetic 0/1 integers that multiply fixed-point values without truncation;
 * - `ltzBounded`: the same 64-bit `ltz`, ignoring the range (the previous behaviour, kept for
 *   comparison; range-compare-ops.ts uses the range);
 * - `eqz`: protocols/rss `equalZero` (packed AND tree and bit injection, 8 rounds);
 * - `maxGroups`: protocols/rss `maxLastAxis`, a tournament over each group laid out as a row
 *   (10 rounds per level, ceil(log2 groupSize) levels, all groups batched);
 * - `sigmoid`, `reciprocal`: protocols/functions (CrypTen-style, see their modules for bounds).
 *   The reciprocal normalizes over [2^-12, 2^14) (one batched comparison against 25 powers of
 *   two), the range {@link CompareOps.reciprocal} promises; logistic regression keeps 1/N there.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { reciprocal } from '../functions/reciprocal.js';
import { sigmoid } from '../functions/sigmoid.js';
import { maxLastAxis } from '../rss/argmax.js';
import { equalZero, ltz } from '../rss/comparison.js';
import type { ProtocolContext } from '../rss/context.js';
import type { ReplicatedShare } from '../rss/replicated-share.js';
import type { CompareOps } from './compare-ops.js';

/** The default binding of {@link CompareOps}; frozen, safe to share between jobs. */
export const defaultCompareOps: CompareOps = Object.freeze({
  ltz(ctx: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare> {
    return ltz(ctx, x);
  },
  ltzBounded(ctx: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare> {
    return ltz(ctx, x);
  },
  eqz(ctx: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare> {
    return equalZero(ctx, x);
  },
  maxGroups(ctx: ProtocolContext, x: ReplicatedShare, groupSize: number): Promise<ReplicatedShare> {
    if (!Number.isSafeInteger(groupSize) || groupSize <= 0 || x.a.length % groupSize !== 0) {
      throw new InvalidArgumentError(`groupSize: expected a positive divisor of ${x.a.length}, got ${String(groupSize)}`);
    }
    return maxLastAxis(ctx, x, x.a.length / groupSize, groupSize);
  },
  sigmoid(ctx: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare> {
    return sigmoid(ctx, x);
  },
  reciprocal(ctx: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare> {
    return reciprocal(ctx, x, { minExponent: -12, maxExponent: 13 });
  },
});
