/**
 * @module protocols/nn/polynomial-layer
 * Secure elementwise polynomial sum_i c_i x^i with public coefficients (HE-friendly
 * activations): powers x^2 .. x^d by repeated fixed-point products (2 rounds each), then the
 * public combination taken at 2f fractional bits and truncated once (1 round).
 * Cost: 2(d - 1) + 1 rounds; a degree-1 polynomial costs 1 round.
 */
import { encodeFixed } from '../../crypto-core/ring/index.js';
import type { ProtocolContext } from '../rss/context.js';
import { addPublic, mulPublic, add } from '../rss/local-ops.js';
import { mulFixed, truncate } from '../rss/truncate.js';
import type { ReplicatedShare } from '../rss/replicated-share.js';

/** [sum_i coeffs[i] x^i] elementwise. */
export async function polynomialLayer(ctx: ProtocolContext, coeffs: readonly number[], x: ReplicatedShare): Promise<ReplicatedShare> {
  ctx = ctx.scope('polynomial');
  const f = ctx.fractionBits;
  const powers: ReplicatedShare[] = [x];
  for (let i = 2; i < coeffs.length; i++) powers.push(await mulFixed(ctx, powers[powers.length - 1]!, x));
  let acc: ReplicatedShare = { a: new BigUint64Array(x.a.length), b: new BigUint64Array(x.a.length) };
  for (let i = 1; i < coeffs.length; i++) {
    if (coeffs[i] !== 0) acc = add(ctx, acc, mulPublic(ctx, powers[i - 1]!, encodeFixed([coeffs[i]!], f)[0]!));
  }
  // c_0 at 2f bits joins the sum before the single truncation.
  acc = addPublic(ctx, acc, encodeFixed([coeffs[0] ?? 0], Math.min(2 * f, 52))[0]! << BigInt(Math.max(0, 2 * f - 52)));
  const y = await truncate(ctx, acc);
  return x.shape === undefined ? y : { a: y.a, b: y.b, shape: x.shape };
}
