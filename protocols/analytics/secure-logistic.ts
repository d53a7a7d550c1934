/**
 * @module protocols/analytics/secure-logistic
 * Logistic regression training on secret-shared rows: full-batch gradient descent from zero
 * weights, the same algorithm as the plaintext reference (`fitLogistic`), every step on shares.
 *
 * Per epoch, with X the n x (d+1) matrix of features and a ones column, s the secret selection
 * bits, y the labels and N = sum(s):
 *   [z] = [X][w]                      (matrix product + truncation: 2 rounds)
 *   [p] = sigmoid([z])                (CrypTen-style approximation)
 *   [r] = [s] * ([p] - [y])           (1 round; rows outside the selection contribute 0)
 *   [g] = [X]^T [r]                   (matrix product + truncation)
 *   [w] = [w] - lr/N * [g]
 * 1/N is secret: it is computed once as 2^-t * reciprocal(N / 2^t) with the public
 * t = min(ceil(log2 n), F). N / 2^t = N 2^(F-t) in fixed point is exact (no truncation), lies in
 * (0, 1] for n <= 2^F (so 2^t / N >= 1 keeps F bits of relative precision) and below 2^14 up to
 * n = 2^30; it must be at least 2^-12 (the reciprocal's range, {@link CompareOps}), that is
 * N >= 2^(t-12): N >= 16 for every n. Selections below the minimum cell size are suppressed.
 */
import type { ProtocolContext } from '../rss/context.js';
import { concat, gather, mulPublic, publicShare, sub } from '../rss/local-ops.js';
import { mul } from '../rss/mul.js';
import type { ReplicatedShare } from '../rss/replicated-share.js';
import { matmulFixed, truncate } from '../rss/truncate.js';
import type { CompareOps } from './compare-ops.js';
import { transposeShare } from './share-columns.js';

/** Inputs of {@link secureLogisticRegression}. */
export interface SecureLogisticInput {
  /** Features, d x n row-major (one feature per row), fixed point with ctx.fractionBits. */
  readonly featuresT: ReplicatedShare;
  readonly d: number;
  readonly n: number;
  /** Labels as integer 0/1 shares, length n. */
  readonly labels: ReplicatedShare;
  /** Selection bits as integer 0/1 shares, length n. */
  readonly selection: ReplicatedShare;
  /** Shares of sum(selection), length 1, integer. */
  readonly count: ReplicatedShare;
  readonly epochs: number;
  readonly learningRate: number;
}

/** Returns shares of [intercept, w_1 .. w_d] in fixed point (ctx.fractionBits). */
export async function secureLogisticRegression(ctx: ProtocolContext, ops: CompareOps, input: SecureLogisticInput): Promise<ReplicatedShare> {
  const { d, n } = input;
  const f = ctx.fractionBits;
  const one = 1n << BigInt(f);
  const xt = concat([publicShare(ctx, new BigUint64Array(n).fill(one)), input.featuresT]); // (d+1) x n
  const x = transposeShare(xt, d + 1, n); // n x (d+1)
  const y = mulPublic(ctx, input.labels, one);
  const t = Math.min(Math.max(0, Math.ceil(Math.log2(n))), f);
  const nScaled = mulPublic(ctx, input.count, 1n << BigInt(f - t)); // N / 2^t, fixed point, exact
  const invScaled = await ops.reciprocal(ctx, nScaled); // 2^t / N
  const step = await truncate(ctx, mulPublic(ctx, invScaled, BigInt(Math.round(input.learningRate * 2 ** f))), f); // lr 2^t / N
  const stepVec = gather(step, new Array<number>(d + 1).fill(0));
  let w = publicShare(ctx, new BigUint64Array(d + 1));
  for (let e = 0; e < input.epochs; e++) {
    const z = await matmulFixed(ctx, x, w, n, d + 1, 1);
    const p = await ops.sigmoid(ctx, z);
    const r = await mul(ctx, input.selection, sub(ctx, p, y));
    const g = await matmulFixed(ctx, xt, r, d + 1, n, 1);
    const upd = await truncate(ctx, await mul(ctx, g, stepVec), f + t);
    w = sub(ctx, w, upd);
  }
  return w;
}
