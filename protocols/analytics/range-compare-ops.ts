/**
 * @module protocols/analytics/range-compare-ops
 * The {@link CompareOps} the analytics engine uses by default: {@link defaultCompareOps} with a
 * range-aware `ltzBounded`. Comparisons of a column against a constant (filter leaves,
 * histogram edges) are only needed on rows inside the column's validated range, so x - t lies in
 * [-2^k, 2^k) with k = log2 of the column's span at the query's fractional bits (about F + 1
 * bits for a column in [0, 1]); protocols/rss/bounded-msb then runs a carry tree over k + 1 bits
 * instead of 64: 2 + log2(L) rounds (L = next power of two >= k + 1, at most 32) instead of 8,
 * about 2L + L/8 bits of input and first AND from party 0 instead of 128. The bit becomes
 * arithmetic with a daBit (rss/dabit: 16 bytes from every party, made alongside the carry tree,
 * then one round of n/8 bytes) instead of `ltz`'s OT-based bit injection (32 bytes from party 0).
 *
 * On a malicious context `ltzBounded` is the verified 64-bit `ltz` (rss/malicious/compare-
 * malicious): the bounded boolean circuit has no verified counterpart yet, and using the
 * unverified one there would let party 0 choose comparison results.
 */
import { b2aWithDaBits, randomDaBits } from '../rss/dabit.js';
import { ltz } from '../rss/comparison.js';
import { ltzBoundedBit } from '../rss/bounded-msb.js';
import type { ProtocolContext } from '../rss/context.js';
import type { ReplicatedShare } from '../rss/replicated-share.js';
import type { CompareOps } from './compare-ops.js';
import { defaultCompareOps } from './default-compare-ops.js';

/** Range-aware {@link CompareOps}; frozen, safe to share between jobs. */
export const rangeCompareOps: CompareOps = Object.freeze({
  ...defaultCompareOps,
  async ltzBounded(parent: ProtocolContext, x: ReplicatedShare, bits: number): Promise<ReplicatedShare> {
    if (parent.security === 'malicious' || bits >= 63) return ltz(parent, x);
    const ctx = parent.scope('ltz-bounded');
    // The daBits need no input: made alongside the carry tree, then one round to convert.
    const [bit, daBits] = await Promise.all([ltzBoundedBit(ctx.scope('msb'), x, bits), randomDaBits(ctx.scope('dabits'), x.a.length)]);
    return b2aWithDaBits(ctx, bit, daBits);
  },
});
