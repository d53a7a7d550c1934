/**
 * @module protocols/nn/activations
 * The model layers' nonlinear functions, at the accuracy the zoo bound needs (logits within 5e-3
 * of float32 at f = 16; docs/protocols-inference.md, "Operators"). They differ from the generic
 * protocols/functions versions where those are too coarse at f = 16: the limit exponential's
 * relative error is about 2^(n+1-f) (1.6% at n = 9, f = 16), so these use the range-reduced
 * exponential (relative error ~1e-4) with an in-range bit that zeroes arguments below -16.
 *
 *   sigmoid(x): c = [x < 0], i = [x >= -16 after |.|]; e = i exp(-|x|); r = 1/(1 + e) (Newton on [1, 2]);
 *               c ? 1 - r : r.                     Error <= 1e-4 absolute (measured in test/nn).
 *   tanh(x) = 2 sigmoid(2x) - 1.                   Error <= 2e-4.
 *   softmax over rows: m = max (tournament), e = i exp(x - m), 1/sum by the normalized reciprocal.
 *   log-softmax over rows: (x - m) - ln(sum e), ln on [1, cols] by range reduction to [1, 2) and
 *               a degree-8 Chebyshev polynomial (error < 1e-6 before rounding).
 *   exp(x): range-reduced on [-16, 8], zero below -16 (error <= 1e-3 e^x + 2^-15; saturates above 8).
 *   leakyrelu(x) = alpha x + (1 - alpha) relu(x); clip(x) = lo + relu(x - lo) - relu(x - hi).
 */
import { encodeFixed } from '../../crypto-core/ring/index.js';
import type { ProtocolContext } from '../rss/context.js';
import { add, addPublic, concat, gather, mulPublic, neg, split, sub, subFromPublic, sum } from '../rss/local-ops.js';
import { ltz, relu, select } from '../rss/comparison.js';
import { mul } from '../rss/mul.js';
import { mulFixed, truncate } from '../rss/truncate.js';
import { maxLastAxis } from '../rss/argmax.js';
import { makeShare, type ReplicatedShare } from '../rss/replicated-share.js';
import { expRangeReduced } from '../functions/exp-range-reduced.js';
import { reciprocal, reciprocalNewton } from '../functions/reciprocal.js';
import { bitsAtLeast } from '../functions/threshold-bits.js';
import { fixedConstant, mulByBitCombination } from '../functions/fixed-constant.js';

/** Arguments below this are treated as -infinity by the exponentials here (e^-16 = 1.1e-7). */
export const EXP_FLOOR = -16;
/** The exp layer's largest accurate argument (above it the result saturates near e^8). */
export const EXP_CEILING = 8;

function withShape(y: ReplicatedShare, like: ReplicatedShare): ReplicatedShare {
  return like.shape === undefined ? y : makeShare(y.a, y.b, like.shape);
}

/** [inside ? exp(x) : 0] for x <= hi, inside = [x >= EXP_FLOOR] given as an arithmetic bit. */
async function maskedExp(ctx: ProtocolContext, x: ReplicatedShare, inside: ReplicatedShare, hi: number): Promise<ReplicatedShare> {
  const e = await expRangeReduced(ctx, x, { min: EXP_FLOOR, max: hi });
  return mul(ctx, inside, e);
}

/** [sigmoid(x)] elementwise, error <= 1e-4 for any representable x. */
export async function sigmoidAccurate(parent: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare> {
  const ctx = parent.scope('sigmoid');
  const n = x.a.length;
  // [x < 0], [x < 16], [x < -16]: |x| <= 16 exactly when the last two differ.
  const bits = split(await ltz(ctx, concat([x, addPublic(ctx, x, fixedConstant(ctx, EXP_FLOOR)), addPublic(ctx, x, fixedConstant(ctx, -EXP_FLOOR))])), [n, n, n]);
  const negative = bits[0]!;
  const inside = sub(ctx, bits[1]!, bits[2]!);
  const sign = subFromPublic(ctx, 1n, mulPublic(ctx, negative, 2n));
  const absX = await mul(ctx, sign, x);
  const e = await maskedExp(ctx, neg(ctx, absX), inside, 1);
  const r = await reciprocalNewton(ctx, addPublic(ctx, e, fixedConstant(ctx, 1)), 3);
  return withShape(await select(ctx, negative, subFromPublic(ctx, fixedConstant(ctx, 1), r), r), x);
}

/** [tanh(x)] = 2 sigmoid(2x) - 1. */
export async function tanhAccurate(parent: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare> {
  const ctx = parent.scope('tanh');
  const s = await sigmoidAccurate(ctx, mulPublic(ctx, x, 2n));
  return withShape(addPublic(ctx, mulPublic(ctx, s, 2n), fixedConstant(ctx, -1)), x);
}

/** [exp(x)] on [EXP_FLOOR, EXP_CEILING], 0 below, saturating above. */
export async function expAccurate(parent: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare> {
  const ctx = parent.scope('exp');
  const below = await ltz(ctx, addPublic(ctx, x, fixedConstant(ctx, -EXP_FLOOR)));
  return withShape(await maskedExp(ctx, x, subFromPublic(ctx, 1n, below), EXP_CEILING), x);
}

function spread(x: ReplicatedShare, times: number): ReplicatedShare {
  const idx = new Uint32Array(x.a.length * times);
  for (let r = 0; r < x.a.length; r++) idx.fill(r, r * times, (r + 1) * times);
  return gather(x, idx);
}

/** Max-subtracted exponentials of each row: d = x - max, e = exp(d) (0 below EXP_FLOOR), s = row sums. */
async function rowExp(ctx: ProtocolContext, x: ReplicatedShare, rows: number, cols: number): Promise<{ d: ReplicatedShare; e: ReplicatedShare; s: ReplicatedShare }> {
  const m = cols === 1 ? x : spread(await maxLastAxis(ctx, x, rows, cols), cols);
  const d = sub(ctx, x, m);
  const below = await ltz(ctx, addPublic(ctx, d, fixedConstant(ctx, -EXP_FLOOR)));
  const e = await maskedExp(ctx, d, subFromPublic(ctx, 1n, below), 1);
  // Row sums (local): each row holds its maximum, so s is in [1, cols].
  return { d, e, s: sum(e, cols) };
}

/** Softmax of each row of x ([rows, cols]). */
export async function softmaxAccurate(parent: ProtocolContext, x: ReplicatedShare, rows: number, cols: number): Promise<ReplicatedShare> {
  const ctx = parent.scope('softmax');
  const { e, s } = await rowExp(ctx, x, rows, cols);
  const r = await reciprocal(ctx, s, { minExponent: 0, maxExponent: Math.max(0, Math.ceil(Math.log2(cols))) });
  return withShape(await mulFixed(ctx, e, spread(r, cols)), x);
}

/** Chebyshev interpolant of ln(1.5 + t/2) on t in [-1, 1], as monomial coefficients in t. */
function lnCoefficients(degree: number): number[] {
  const n = degree + 1;
  const nodes = Array.from({ length: n }, (_, k) => Math.cos((Math.PI * (k + 0.5)) / n));
  // Newton divided differences, then expand to monomials.
  const coef = nodes.map((t) => Math.log(1.5 + t / 2));
  for (let j = 1; j < n; j++) for (let i = n - 1; i >= j; i--) coef[i] = (coef[i]! - coef[i - 1]!) / (nodes[i]! - nodes[i - j]!);
  let poly = [coef[n - 1]!];
  for (let i = n - 2; i >= 0; i--) {
    const next = new Array<number>(poly.length + 1).fill(0);
    poly.forEach((c, k) => {
      next[k + 1]! += c;
      next[k]! -= c * nodes[i]!;
    });
    next[0]! += coef[i]!;
    poly = next;
  }
  return poly;
}

const LN_COEFFS = lnCoefficients(8);

/** [ln x] for x in [1, 2^(hi+1)): x = 2^k m, m in [1, 2), ln x = k ln 2 + ln m. */
export async function lnRange(parent: ProtocolContext, x: ReplicatedShare, hi: number): Promise<ReplicatedShare> {
  const ctx = parent.scope('ln');
  const n = x.a.length;
  const f = ctx.fractionBits;
  let m = x;
  let kLn2: ReplicatedShare = { a: new BigUint64Array(n), b: new BigUint64Array(n) };
  if (hi >= 1) {
    const ks = Array.from({ length: hi }, (_, i) => i + 1);
    const bits = await bitsAtLeast(ctx, x, ks.map((k) => 2 ** k));
    m = await mulByBitCombination(ctx, x, bits, 1, ks.map((k) => -(2 ** -k)), hi + 1);
    // k = sum of the bits (integers); k ln2 at f bits is exact integer x public constant.
    const ln2 = fixedConstant(ctx, Math.LN2);
    for (let j = 0; j < hi; j++) kLn2 = add(ctx, kLn2, mulPublic(ctx, makeShare(bits.a.subarray(j * n, (j + 1) * n), bits.b.subarray(j * n, (j + 1) * n)), ln2));
  }
  // t = 2 (m - 1.5) in [-1, 1); powers t^2 .. t^8 in 3 product levels.
  const t = addPublic(ctx, mulPublic(ctx, m, 2n), fixedConstant(ctx, -3));
  const p: ReplicatedShare[] = [t];
  p[1] = await mulFixed(ctx, t, t);
  const [t3, t4] = split(await mulFixed(ctx, concat([t, p[1]!]), concat([p[1]!, p[1]!])), [n, n]);
  p[2] = t3!;
  p[3] = t4!;
  const hiP = split(await mulFixed(ctx, concat([p[0]!, p[1]!, p[2]!, p[3]!]), concat([p[3]!, p[3]!, p[3]!, p[3]!])), [n, n, n, n]);
  p.push(...hiP);
  let acc: ReplicatedShare = { a: new BigUint64Array(n), b: new BigUint64Array(n) };
  LN_COEFFS.slice(1).forEach((c, i) => (acc = add(ctx, acc, mulPublic(ctx, p[i]!, fixedConstant(ctx, c)))));
  acc = addPublic(ctx, acc, encodeFixed([LN_COEFFS[0]!], 2 * f)[0]!);
  return add(ctx, await truncate(ctx, acc), kLn2);
}

/** Log-softmax of each row of x ([rows, cols]). */
export async function logSoftmaxAccurate(parent: ProtocolContext, x: ReplicatedShare, rows: number, cols: number): Promise<ReplicatedShare> {
  const ctx = parent.scope('logsoftmax');
  const { d, s } = await rowExp(ctx, x, rows, cols);
  const ln = await lnRange(ctx, s, Math.max(0, Math.ceil(Math.log2(cols))));
  return withShape(sub(ctx, d, spread(ln, cols)), x);
}

/**
 * Extra fractional bits of the public coefficients of leakyrelu: alpha's rounding error drops to
 * 2^-(f+5) |x|, while the worst-case product a publish-time range check counts grows by 2^4 only.
 */
export const COEFFICIENT_EXTRA_BITS = 4;

/** alpha x + (1 - alpha) relu(x); the coefficients carry f + 4 bits, one truncation by f + 4. */
export async function leakyRelu(parent: ProtocolContext, x: ReplicatedShare, alpha: number): Promise<ReplicatedShare> {
  const ctx = parent.scope('leakyrelu');
  const r = await relu(ctx, x);
  const bits = ctx.fractionBits + COEFFICIENT_EXTRA_BITS;
  const y = add(ctx, mulPublic(ctx, x, fixedConstant(ctx, alpha, bits)), mulPublic(ctx, r, fixedConstant(ctx, 1 - alpha, bits)));
  return withShape(await truncate(ctx, y, bits), x);
}

/** min(max(x, lo), hi), either bound optional: one batched relu. */
export async function clip(parent: ProtocolContext, x: ReplicatedShare, lo: number | undefined, hi: number | undefined): Promise<ReplicatedShare> {
  const ctx = parent.scope('clip');
  const n = x.a.length;
  if (lo === undefined && hi === undefined) return x;
  if (lo !== undefined && hi !== undefined) {
    const [a, b] = split(await relu(ctx, concat([addPublic(ctx, x, fixedConstant(ctx, -lo)), addPublic(ctx, x, fixedConstant(ctx, -hi))])), [n, n]);
    return withShape(addPublic(ctx, sub(ctx, a!, b!), fixedConstant(ctx, lo)), x);
  }
  if (lo !== undefined) return withShape(addPublic(ctx, await relu(ctx, addPublic(ctx, x, fixedConstant(ctx, -lo))), fixedConstant(ctx, lo)), x);
  return withShape(sub(ctx, x, await relu(ctx, addPublic(ctx, x, fixedConstant(ctx, -hi!)))), x);
}
