/**
 * @module protocols/analytics/secure-histogram
 * Histogram bin indicators by a secret binary search over the bin edges, instead of one
 * comparison per edge: ceil(log2(m + 2)) comparisons per row for m bins (4 for 10 bins, was 11).
 *
 * Thresholds T_0 <= ... <= T_m (public ring elements; the caller makes the last one inclusive)
 * give the monotone bits s_j = [x < T_j], padded to K = 2^L slots with a threshold every valid
 * row lies below, so at least one bit is 1. The position i* of the first 1 is x's bin + 1
 * (i* = 0: below the first edge; i* = m + 1: above the last). Binary search, level l = 1..L:
 *
 *   P   = one-hot (shared 0/1) of the 2^(l-1) prefixes of i* found so far; P = [1] at the start
 *   T   = sum_p P[p] T[p 2h + h - 1]          (h = K / 2^l; local: P is shared, T public)
 *   b   = ltz(x - T)                           (batched over all histograms; `ltzBounded` at the
 *                                              spec's range exponent: 7 rounds for k < 31)
 *   P'  = [P[p] b, P[p] - P[p] b] interleaved  (1 round, 2^(l-1) products per row)
 *
 * After L levels P is the one-hot of i*, and bin j is P[j + 1]. Nothing is opened; the
 * selected threshold stays secret because P does.
 */
import type { ProtocolContext } from '../rss/context.js';
import { add, concat, mulPublic, publicShare, split, sub } from '../rss/local-ops.js';
import type { ReplicatedShare } from '../rss/replicated-share.js';
import type { CompareOps } from './compare-ops.js';
import { mulPairs } from './secure-bits.js';

/** One histogram: the column (n values, fixed point) and its thresholds. */
export interface HistogramSpec {
  readonly x: ReplicatedShare;
  /** T_0 .. T_m as signed ring integers, non-decreasing; bin j is [T_j <= x < T_{j+1}]. */
  readonly thresholds: readonly bigint[];
  /** A threshold >= T_m above every valid value (pads the search to a power of two). */
  readonly pad: bigint;
  /**
   * The range exponent k of x - T on valid rows (-2^k <= x - T < 2^k for every threshold and
   * the pad): the comparisons go to `ltzBounded` at k; omitted or 64: exact 64-bit `ltz`.
   */
  readonly bits?: number;
}

/** The m bin indicators (0/1 shares, n each) of every histogram, in order. */
export async function histogramBins(parent: ProtocolContext, ops: CompareOps, specs: readonly HistogramSpec[], n: number): Promise<ReplicatedShare[][]> {
  if (specs.length === 0) return [];
  const ctx = parent.scope('histogram');
  const levels = specs.map((s) => Math.ceil(Math.log2(s.thresholds.length + 1)));
  const slots = specs.map((s, i) => {
    const K = 2 ** levels[i]!;
    return Array.from({ length: K }, (_, j) => (j < s.thresholds.length ? s.thresholds[j]! : s.pad));
  });
  let prefixes: ReplicatedShare[][] = specs.map(() => [publicShare(ctx, new BigUint64Array(n).fill(1n))]);
  const maxLevel = Math.max(...levels);
  for (let l = 1; l <= maxLevel; l++) {
    const active = specs.map((_, i) => i).filter((i) => levels[i]! >= l);
    const diffs = active.map((i) => {
      const h = 2 ** (levels[i]! - l);
      const P = prefixes[i]!;
      let t = mulPublic(ctx, P[0]!, BigInt.asUintN(64, slots[i]![h - 1]!));
      for (let p = 1; p < P.length; p++) t = add(ctx, t, mulPublic(ctx, P[p]!, BigInt.asUintN(64, slots[i]![p * 2 * h + h - 1]!)));
      return sub(ctx, specs[i]!.x, t);
    });
    const k = Math.max(...active.map((i) => specs[i]!.bits ?? 64));
    const cmp = concat(diffs);
    const bits = split(await (k < 64 ? ops.ltzBounded(ctx, cmp, k) : ops.ltz(ctx, cmp)), diffs.map(() => n));
    const left: ReplicatedShare[] = [];
    const right: ReplicatedShare[] = [];
    active.forEach((i, k) => prefixes[i]!.forEach((p) => (left.push(p), right.push(bits[k]!))));
    // Level 1 has the single prefix 1: P[0] b = b needs no product.
    const prods = l === 1 ? right : await mulPairs(ctx, left, right);
    let at = 0;
    prefixes = prefixes.map((P, i) => {
      if (levels[i]! < l) return P;
      return P.flatMap((p) => {
        const pb = prods[at++]!;
        return [pb, sub(ctx, p, pb)];
      });
    });
  }
  return specs.map((s, i) => prefixes[i]!.slice(1, s.thresholds.length));
}

/** Thresholds of a histogram over a column at `fractionBits` whose valid values are <= `max`. */
export function histogramThresholds(bins: readonly number[], max: number, fractionBits: number): { thresholds: bigint[]; pad: bigint } {
  const enc = (v: number): bigint => BigInt(Math.round(v * 2 ** fractionBits));
  const thresholds = bins.map((e, j) => (j === bins.length - 1 ? enc(e) + 1n : enc(e))); // the last bin is closed: x <= e_m
  const top = enc(max) + 1n;
  const last = thresholds[thresholds.length - 1]!;
  return { thresholds, pad: top > last ? top : last };
}
