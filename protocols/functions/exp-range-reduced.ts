/**
 * @module protocols/functions/exp-range-reduced
 * Secure exponential with relative precision over a wide range, by range reduction
 * exp(x) = 2^k exp(r), k = floor(x / ln 2), r in [0, ln 2) (the reduction libm and SPU use),
 * where the limit approximation of exp.ts cannot reach: its error grows like x^2 / 2^(n+1) and
 * a fixed-point output at ctx.fractionBits cannot hold e^-16 = 1.1e-7 to 1% at all.
 *
 *   1. b_t = [x >= t ln 2] for t = tmin+1 .. tmax, one batched comparison          (9 rounds)
 *   2. r' = x - (tmin + 1/2) ln 2 - ln 2 sum_t b_t in [-ln2/2, ln2/2)   (local: integer bits
 *      times a public fixed-point constant)
 *   3. p = sqrt(2) (1 + r' + r'^2/2 + r'^3/6 + r'^4/24) ~ exp(r), Taylor error <= 5e-5 relative
 *      (powers in 2 product levels, one truncation for the combination)        (5 rounds)
 *   4. 2^k p = p 2^tmin + sum_t (b_t p) 2^(t-1): bit products are exact (integer x fixed
 *      point); terms with t >= 1 have integer coefficients and need no truncation; the rest
 *      are summed with exact power-of-two coefficients and truncated once        (2 rounds)
 *
 * The result is returned with `outputFractionBits` fractional bits (default ctx.fractionBits),
 * which may exceed the context's: 32 bits hold e^-16 to 0.2%. Cost: 16 rounds and
 * (tmax - tmin) comparisons per element. Inputs outside [min, max] saturate k and lose accuracy.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { encodeFixed } from '../../crypto-core/ring/index.js';
import type { ProtocolContext } from '../rss/context.js';
import { add, addPublic, concat, gather, mulPublic, split } from '../rss/local-ops.js';
import { mul } from '../rss/mul.js';
import { mulFixed, truncate } from '../rss/truncate.js';
import { checkShare, makeShare, type ReplicatedShare } from '../rss/replicated-share.js';
import { fixedConstant } from './fixed-constant.js';
import { bitsAtLeast } from './threshold-bits.js';

/** Options of {@link expRangeReduced}. */
export interface ExpRangeOptions {
  /** Smallest input the reduction covers (default -16). */
  readonly min?: number;
  /** Largest input the reduction covers (default 8). */
  readonly max?: number;
  /** Fractional bits of the result (default ctx.fractionBits); e^max * 2^bits must stay below 2^61. */
  readonly outputFractionBits?: number;
}

const LN2 = Math.LN2;

/** [exp(x)] with relative error ~2^-(outputFractionBits) * e^-x + 1e-4 on [min, max]. 16 rounds. */
export async function expRangeReduced(ctx: ProtocolContext, x: ReplicatedShare, opts: ExpRangeOptions = {}): Promise<ReplicatedShare> {
  const n = checkShare('x', x);
  ctx = ctx.scope('exp-range-reduced');
  const lo = opts.min ?? -16;
  const hi = opts.max ?? 8;
  const f = ctx.fractionBits;
  const fo = opts.outputFractionBits ?? f;
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo >= hi) throw new InvalidArgumentError(`min/max: expected finite min < max, got ${lo}, ${hi}`);
  if (!Number.isInteger(fo) || fo < f || hi / LN2 + fo >= 61) {
    throw new InvalidArgumentError(`outputFractionBits: expected an integer >= ${f} with e^max * 2^bits < 2^61, got ${String(fo)}`);
  }
  if (2 * f > 52) throw new InvalidArgumentError(`ctx.fractionBits: expected <= 26 for the polynomial's constant term, got ${f}`);
  const tmin = Math.floor(lo / LN2);
  const tmax = Math.floor(hi / LN2);
  const ts: number[] = [];
  for (let t = tmin + 1; t <= tmax; t++) ts.push(t);
  const K = ts.length;
  const bits = K > 0 ? await bitsAtLeast(ctx, x, ts.map((t) => t * LN2)) : undefined;

  // 2. r' = x - (tmin + 1/2) ln2 - ln2 * sum_t b_t
  const ring = ctx.ring;
  const ln2 = fixedConstant(ctx, LN2);
  let r = addPublic(ctx, x, fixedConstant(ctx, -(tmin + 0.5) * LN2));
  if (bits !== undefined) {
    const sa = new BigUint64Array(n);
    const sb = new BigUint64Array(n);
    for (let j = 0; j < K; j++) {
      ring.add(sa, bits.a.subarray(j * n, (j + 1) * n), sa);
      ring.add(sb, bits.b.subarray(j * n, (j + 1) * n), sb);
    }
    r = makeShare(ring.sub(r.a, ring.scalarMul(sa, ln2)), ring.sub(r.b, ring.scalarMul(sb, ln2)));
  }

  // 3. p = sqrt2 * sum_i r'^i / i!, i <= 4
  const r2 = await mulFixed(ctx, r, r);
  const [r3, r4] = split(await mulFixed(ctx, concat([r, r2]), concat([r2, r2])), [n, n]) as [ReplicatedShare, ReplicatedShare];
  const c = (v: number): bigint => fixedConstant(ctx, Math.SQRT2 * v);
  let acc = mulPublic(ctx, r, c(1));
  acc = add(ctx, acc, mulPublic(ctx, r2, c(1 / 2)));
  acc = add(ctx, acc, mulPublic(ctx, r3, c(1 / 6)));
  acc = add(ctx, acc, mulPublic(ctx, r4, c(1 / 24)));
  const p = await truncate(ctx, addPublic(ctx, acc, encodeFixed([Math.SQRT2], 2 * f)[0]!));

  // 4. 2^k p = p 2^tmin + sum_t (b_t p) 2^(t-1)
  const G = Math.max(0, -tmin);
  const pow2 = (e: number): bigint => 1n << BigInt(e);
  const big = { a: new BigUint64Array(n), b: new BigUint64Array(n) };
  const small = { a: ring.scalarMul(p.a, pow2(tmin + G)), b: ring.scalarMul(p.b, pow2(tmin + G)) };
  if (bits !== undefined) {
    const rep = new Uint32Array(K * n);
    for (let j = 0; j < K; j++) for (let i = 0; i < n; i++) rep[j * n + i] = i;
    const bp = await mul(ctx, bits, gather(p, rep));
    ts.forEach((t, j) => {
      const slice = { a: bp.a.subarray(j * n, (j + 1) * n), b: bp.b.subarray(j * n, (j + 1) * n) };
      // t >= 1: integer coefficient, exact at the output precision; else exact at f + G bits.
      const [dst, e] = t >= 1 ? [big, t - 1 + (fo - f)] : [small, t - 1 + G];
      ring.add(dst.a, ring.scalarMul(slice.a, pow2(e)), dst.a);
      ring.add(dst.b, ring.scalarMul(slice.b, pow2(e)), dst.b);
    });
  }
  const shift = f + G - fo;
  const smallOut =
    shift > 0 ? await truncate(ctx, makeShare(small.a, small.b), shift) : makeShare(ring.scalarMul(small.a, pow2(-shift)), ring.scalarMul(small.b, pow2(-shift)));
  const out = add(ctx, makeShare(big.a, big.b), smallOut);
  return x.shape === undefined ? out : makeShare(out.a, out.b, x.shape);
}
