/**
 * @module protocols/analytics/compare-ops
 * The comparison primitives the analytics engine needs, as a small interface (CrypTen habit:
 * the protocol is written against a provider, so the same engine runs over any implementation
 * and tests can run it under each ring backend). The default binds them to protocols/rss.
 */
import type { ProtocolContext } from '../rss/context.js';
import type { ReplicatedShare } from '../rss/replicated-share.js';

/** Comparison and function primitives on arithmetic shares. */
export interface CompareOps {
  /** Arithmetic shares of the bit [x < 0] (two's complement), elementwise. */
  ltz(ctx: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare>;
  /** Arithmetic shares of the bit [x = 0] (exact, any ring element), elementwise. */
  eqz(ctx: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare>;
  /** The maximum of each consecutive group of `groupSize` elements (signed). */
  maxGroups(ctx: ProtocolContext, x: ReplicatedShare, groupSize: number): Promise<ReplicatedShare>;
  /** Fixed-point sigmoid (ctx.fractionBits), elementwise. */
  sigmoid(ctx: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare>;
  /** Fixed-point 1/x for x in [2^-12, 2^14) (ctx.fractionBits), elementwise. */
  reciprocal(ctx: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare>;
}
