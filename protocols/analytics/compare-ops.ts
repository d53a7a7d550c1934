/**
 * @module protocols/analytics/compare-ops
 * The comparison primitives the analytics engine needs, as a small interface (CrypTen habit:
 * the protocol is written against a provider, so the same engine runs over any implementation
 * and tests can run it under each ring backend). The default binds them to protocols/rss.
 */
import type { ProtocolContext } from '../rss/context.js';
import type { ReplicatedShare } from '../rss/replicated-share.js';

/** One column of {@link CompareOps.thresholdCounts}. */
export interface ThresholdColumn {
  /** The values (n elements, like every gate). */
  readonly x: ReplicatedShare;
  /** lo <= x <= hi (signed ring integers) on every row whose gate is 1; other rows may hold anything. */
  readonly lo: bigint;
  readonly hi: bigint;
  /** Public thresholds t (signed ring integers). */
  readonly thresholds: readonly bigint[];
}

/** Comparison and function primitives on arithmetic shares. */
export interface CompareOps {
  /** Arithmetic shares of the bit [x < 0] (two's complement), elementwise. */
  ltz(ctx: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare>;
  /**
   * Arithmetic shares of [x < 0] for elements the caller knows to lie in [-2^bits, 2^bits) on
   * every row whose result matters (a row outside it gets an unspecified 0/1, so callers use it
   * only for rows that a validity bit gates). An implementation may ignore `bits` and compare
   * all 64 bits, as the previous default does.
   */
  ltzBounded(ctx: ProtocolContext, x: ReplicatedShare, bits: number): Promise<ReplicatedShare>;
  /**
   * Optional: [x < t] for each public threshold t (a signed ring integer, or one per element),
   * for x - t in [-2^bits, 2^bits) on the rows that matter (bits >= 63: exact for every ring
   * element, as `ltz` of x - t). An implementation may share work between the thresholds
   * (range-compare-malicious: one verified bit decomposition of x); callers without it compare
   * the differences.
   */
  ltzThresholds?(ctx: ProtocolContext, x: ReplicatedShare, thresholds: readonly (bigint | BigUint64Array)[], bits: number): Promise<ReplicatedShare[]>;
  /**
   * Optional: for every gate g (arithmetic 0/1 shares, n each), column c and threshold t of c,
   * one-element shares of the count sum_r g[r] [x_c[r] < t], exact (verified on a malicious
   * context). Out: out[g][c][j]. Callers without it compare per row and sum.
   */
  thresholdCounts?(ctx: ProtocolContext, columns: readonly ThresholdColumn[], gates: readonly ReplicatedShare[]): Promise<ReplicatedShare[][][]>;
  /** Arithmetic shares of the bit [x = 0] (exact, any ring element), elementwise. */
  eqz(ctx: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare>;
  /**
   * The maximum of each consecutive group of `groupSize` elements (signed). With `bits`, the
   * caller promises that any two elements differ by less than 2^bits (all of them, not only
   * valid rows), so an implementation may compare on bits + 1 bits; without it, 64 bits.
   */
  maxGroups(ctx: ProtocolContext, x: ReplicatedShare, groupSize: number, bits?: number): Promise<ReplicatedShare>;
  /** Fixed-point sigmoid (ctx.fractionBits), elementwise. */
  sigmoid(ctx: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare>;
  /** Fixed-point 1/x for x in [2^-12, 2^14) (ctx.fractionBits), elementwise. */
  reciprocal(ctx: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare>;
}
