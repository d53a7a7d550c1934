/**
 * @module protocols/analytics/secure-bits
 * Boolean logic on arithmetic shares of 0/1 values: NOT is local (1 - x), AND is a product,
 * and OR follows by De Morgan. `andAll` multiplies a list of bit vectors in a balanced tree,
 * one batched multiplication (one round) per level: ceil(log2(k)) rounds for k inputs.
 */
import type { ProtocolContext } from '../rss/context.js';
import { concat, publicShare, split, subFromPublic } from '../rss/local-ops.js';
import { mul } from '../rss/mul.js';
import type { ReplicatedShare } from '../rss/replicated-share.js';

/** [1 - x] */
export function notBit(ctx: ProtocolContext, x: ReplicatedShare): ReplicatedShare {
  return subFromPublic(ctx, 1n, x);
}

/** Shares of the public all-ones vector of length n. */
export function ones(ctx: ProtocolContext, n: number): ReplicatedShare {
  return publicShare(ctx, new BigUint64Array(n).fill(1n));
}

/** Elementwise products of several equal-length vectors of 0/1 shares (pairs of lists batched). */
export async function mulPairs(ctx: ProtocolContext, xs: readonly ReplicatedShare[], ys: readonly ReplicatedShare[]): Promise<ReplicatedShare[]> {
  if (xs.length === 0) return [];
  const z = await mul(ctx, concat(xs), concat(ys));
  return split(z, xs.map((x) => x.a.length));
}

/** AND of all vectors in `bits` (each of length n); `ones` when the list is empty. */
export async function andAll(ctx: ProtocolContext, bits: readonly ReplicatedShare[], n: number): Promise<ReplicatedShare> {
  let level = [...bits];
  if (level.length === 0) return ones(ctx, n);
  while (level.length > 1) {
    const half = level.length >> 1;
    const products = await mulPairs(ctx, level.slice(0, half), level.slice(half, 2 * half));
    level = level.length % 2 ? [...products, level[level.length - 1]!] : products;
  }
  return level[0]!;
}

/** OR of all vectors: 1 - AND(1 - x_i). */
export async function orAll(ctx: ProtocolContext, bits: readonly ReplicatedShare[], n: number): Promise<ReplicatedShare> {
  return notBit(ctx, await andAll(ctx, bits.map((b) => notBit(ctx, b)), n));
}
