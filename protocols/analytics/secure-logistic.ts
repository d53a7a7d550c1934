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
 *   [g] = [X]^T [r]                   (matrix product, exact truncation: 10 rounds)
 *   [w] = [w] - lr/N * [g]            (product, exact truncation: 10 rounds)
 * 1/N is secret: it is computed once as 2^-t * reciprocal(N / 2^t) with the public
 * t = min(ceil(log2 n), F). N / 2^t = N 2^(F-t) in fixed point is exact (no truncation), lies in
 * (0, 1] for n <= 2^F (so 2^t / N >= 1 keeps F bits of relative precision) and below 2^14 up to
 * n = 2^30; it must be at least 2^-12 (the reciprocal's range, {@link CompareOps}), that is
 * N >= 2^(t-12): N >= 16 for every n. Selections below the minimum cell size are suppressed.
 */
import type { ProtocolContext } from '../rss/context.js';
import { concat, gather, mulPublic, publicShare, sub } from '../rss/local-ops.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { matmul, mul } from '../rss/mul.js';
import type { ReplicatedShare } from '../rss/replicated-share.js';
import { matmulFixed, truncate } from '../rss/truncate.js';
import type { CompareOps } from './compare-ops.js';
import { truncateExact } from './exact-truncate.js';
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
  /** Largest |feature| the schema allows (the range check excludes rows beyond it). */
  readonly featureBound: number;
}

/**
 * Bit bounds of the two exactly truncated values of an epoch (see {@link logisticBitBounds}):
 * the gradient sum at 2F bits, |g| <= 2 n B, and the scaled update at 2F bits,
 * |g step| <= 2 B lr 2^t (|p - y| <= 1 up to the sigmoid's approximation error, hence the 2).
 */
export interface LogisticBitBounds {
  readonly t: number;
  readonly gradientBits: number;
  readonly updateBits: number;
}

/** The public scaling t and the bit bounds of a training run; both must be <= 62. */
export function logisticBitBounds(n: number, featureBound: number, learningRate: number, f: number): LogisticBitBounds {
  const b = Math.max(1, featureBound);
  const t = Math.min(Math.max(0, Math.ceil(Math.log2(n))), f);
  return {
    t,
    gradientBits: Math.ceil(Math.log2(2 * n * b)) + 2 * f + 1,
    updateBits: Math.ceil(Math.log2(2 * b * Math.max(learningRate, 2 ** -f))) + t + 2 * f + 1,
  };
}

/** Returns shares of [intercept, w_1 .. w_d] in fixed point (ctx.fractionBits). */
export async function secureLogisticRegression(ctx: ProtocolContext, ops: CompareOps, input: SecureLogisticInput): Promise<ReplicatedShare> {
  const { d, n } = input;
  const f = ctx.fractionBits;
  const one = 1n << BigInt(f);
  const xt = concat([publicShare(ctx, new BigUint64Array(n).fill(one)), input.featuresT]); // (d+1) x n
  const x = transposeShare(xt, d + 1, n); // n x (d+1)
  const y = mulPublic(ctx, input.labels, one);
  const { t, gradientBits, updateBits } = logisticBitBounds(n, input.featureBound, input.learningRate, f);
  if (gradientBits > 62 || updateBits > 62) {
    throw new InvalidArgumentError(`featureBound: gradients of ${n} rows with |x| <= ${input.featureBound} need ${Math.max(gradientBits, updateBits)} bits, more than the ring's 62`);
  }
  const nScaled = mulPublic(ctx, input.count, 1n << BigInt(f - t)); // N / 2^t, fixed point, exact
  const invScaled = await ops.reciprocal(ctx, nScaled); // 2^t / N
  const step = await truncate(ctx, mulPublic(ctx, invScaled, BigInt(Math.round(input.learningRate * 2 ** f))), f); // lr 2^t / N
  const stepVec = gather(step, new Array<number>(d + 1).fill(0));
  let w = publicShare(ctx, new BigUint64Array(d + 1));
  for (let e = 0; e < input.epochs; e++) {
    const z = await matmulFixed(ctx, x, w, n, d + 1, 1);
    const p = await ops.sigmoid(ctx, z);
    const r = await mul(ctx, input.selection, sub(ctx, p, y));
    // The gradient sum and the scaled update are large (about n 2^(2F) and 2^(t+2F)); the
    // probabilistic truncation would fail on them with a visible probability at 10^5 rows,
    // so these d + 1 values take the exact route.
    const g = await truncateExact(ctx, await matmul(ctx, xt, r, d + 1, n, 1), f, gradientBits);
    const upd = await truncateExact(ctx, await mul(ctx, g, stepVec), f + t, updateBits);
    w = sub(ctx, w, upd);
  }
  return w;
}
