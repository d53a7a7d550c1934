/**
 * @module protocols/analytics/range-compare-malicious
 * The {@link CompareOps} the analytics engine uses in both security modes: on a semi-honest
 * context exactly {@link rangeCompareOps}; on a malicious context its range-aware `ltzBounded`
 * is the verified k-bit comparison of rss/malicious/bounded-compare-malicious (party 0 inputs
 * k + 1 bits per value instead of 64, carry tree over k bits: ~3(k + 1) verified products per
 * compared value instead of ~190, 7 rounds for k = 12 instead of 9), and `ltzThresholds`
 * compares one value against several public thresholds on one verified decomposition (the
 * upload's range checks x < min and x < max + 1: 64 bit claims per value instead of 128), and
 * `maxGroups` with a bound (min/max: masked values sel (x - min) lie in the column's span on
 * every row) runs its tournament on the verified k-bit comparison.
 *
 * The bound it relies on: the callers (secure-query filter leaves, secure-histogram) use the
 * bounded result only on rows whose column validity bit is 1, and that bit comes from the
 * exact 64-bit checks (`ltz`, `eqz`), verified when the upload or the query ran malicious. A
 * row outside its column's range gets a bit that is a fixed function of its value (no party
 * chooses it), which the validity bit 0 then cancels, so it never reaches a result. Validity
 * bits stored by a semi-honest upload were not verified; the runner ignores them in a malicious
 * query (services/party/runners/analytics-query-runner), which then checks the ranges itself.
 */
import { ltz } from '../rss/comparison.js';
import { add, gather, sub } from '../rss/local-ops.js';
import { mul } from '../rss/mul.js';
import type { ProtocolContext } from '../rss/context.js';
import { ltzBoundedMalicious, ltzThresholdsMalicious } from '../rss/malicious/bounded-compare-malicious.js';
import { addPublic, split, concat } from '../rss/local-ops.js';
import { makeShare } from '../rss/replicated-share.js';
import type { ReplicatedShare } from '../rss/replicated-share.js';
import type { CompareOps } from './compare-ops.js';
import { rangeCompareOps } from './range-compare-ops.js';

/** Widest range exponent the verified bounded comparison takes as such; 63 and above is the exact 64-bit comparison. */
const MAX_BOUNDED_BITS = 62;

/**
 * [x < t] for each public threshold t (a signed ring integer, or one per element), for x - t
 * known to lie in [-2^bits, 2^bits) on the rows that matter (bits >= 63: exact for every ring
 * element, as `ltz` of x - t). Malicious: one verified decomposition of x for all thresholds;
 * semi-honest: one batched `ltzBounded` (or `ltz`) of the differences.
 */
export async function ltzThresholds(ctx: ProtocolContext, x: ReplicatedShare, thresholds: readonly (bigint | BigUint64Array)[], bits: number): Promise<ReplicatedShare[]> {
  if (thresholds.length === 0) return [];
  if (ctx.security === 'malicious') return ltzThresholdsMalicious(ctx, x, thresholds, Math.min(bits, 63));
  const n = x.a.length;
  const diffs = concat(thresholds.map((t) => addPublic(ctx, x, typeof t === 'bigint' ? BigInt.asUintN(64, -t) : ctx.ring.neg(t))));
  return split(await (bits > MAX_BOUNDED_BITS ? ltz(ctx, diffs) : analyticsCompareOps.ltzBounded(ctx, diffs, bits)), thresholds.map(() => n));
}

/**
 * The maximum of each group of `groupSize` consecutive elements on a malicious context, for
 * elements that differ pairwise by less than 2^bits: the tournament of rss/argmax (pairs
 * (0,1), (2,3), ... per layer, the left one on a tie, an odd one carried), with the verified
 * k-bit comparison; winners are inputs, so the bound holds at every layer.
 */
async function maxGroupsBoundedMalicious(parent: ProtocolContext, x: ReplicatedShare, groupSize: number, bits: number): Promise<ReplicatedShare> {
  const ctx = parent.scope('max-bounded');
  const rows = x.a.length / groupSize;
  let vals = x;
  let width = groupSize;
  while (width > 1) {
    const pairs = Math.floor(width / 2);
    const [left, right, order]: number[][] = [[], [], []];
    for (let r = 0; r < rows; r++) {
      for (let p = 0; p < pairs; p++) {
        left.push(r * width + 2 * p);
        right.push(r * width + 2 * p + 1);
        order.push(r * pairs + p);
      }
      if (width % 2 === 1) order.push(rows * pairs + r);
    }
    const carried = Array.from({ length: width % 2 === 1 ? rows : 0 }, (_, r) => r * width + width - 1);
    const lv = gather(vals, left);
    const rv = gather(vals, right);
    const leftLess = await ltzBoundedMalicious(ctx, sub(ctx, lv, rv), bits);
    const won = add(ctx, lv, await mul(ctx, leftLess, sub(ctx, rv, lv)));
    vals = gather(concat([won, gather(vals, carried)]), order);
    width = pairs + (width % 2);
  }
  return makeShare(vals.a, vals.b, [rows]);
}

/** Range-aware {@link CompareOps} for both modes (see the module doc); frozen, safe to share between jobs. */
export const analyticsCompareOps: CompareOps = Object.freeze({
  ...rangeCompareOps,
  ltzBounded(ctx: ProtocolContext, x: ReplicatedShare, bits: number): Promise<ReplicatedShare> {
    if (ctx.security !== 'malicious') return rangeCompareOps.ltzBounded(ctx, x, bits);
    return bits <= MAX_BOUNDED_BITS ? ltzBoundedMalicious(ctx, x, bits) : ltz(ctx, x);
  },
  ltzThresholds,
  maxGroups(ctx: ProtocolContext, x: ReplicatedShare, groupSize: number, bits?: number): Promise<ReplicatedShare> {
    if (ctx.security !== 'malicious' || bits === undefined || bits > MAX_BOUNDED_BITS || !Number.isSafeInteger(groupSize) || groupSize <= 0 || x.a.length % groupSize !== 0) {
      return rangeCompareOps.maxGroups(ctx, x, groupSize);
    }
    return maxGroupsBoundedMalicious(ctx, x, groupSize, bits);
  },
});
