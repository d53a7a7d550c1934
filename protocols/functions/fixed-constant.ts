/**
 * @module protocols/functions/fixed-constant
 * Public real constants as ring elements for the approximations, and the one linear-combination
 * kernel they share: v * (c0 + sum_k b_k * c_k) for secret bits b_k and public reals c_k.
 */
import { encodeFixed } from '../../crypto-core/ring/index.js';
import type { ProtocolContext } from '../rss/context.js';
import { mul } from '../rss/mul.js';
import { truncate } from '../rss/truncate.js';
import { gather } from '../rss/local-ops.js';
import { makeShare, type ReplicatedShare } from '../rss/replicated-share.js';

/** round(v * 2^bits) as a ring element (two's complement), default bits = ctx.fractionBits. */
export function fixedConstant(ctx: ProtocolContext, v: number, bits: number = ctx.fractionBits): bigint {
  return encodeFixed([v], bits)[0]!;
}

/**
 * [v * (c0 + sum_k b_k c_k)] for `count` elements: `bits` holds K arithmetic 0/1 bits per
 * element, k-major ([K, count]), and c0, c_k are public reals that are exact with `coeffBits`
 * fractional bits (powers of two here). The bit products are integer x fixed point, so they
 * need no truncation; the sum is truncated once by `coeffBits`, with a small operand, so the
 * truncation's failure probability stays negligible. 2 rounds.
 */
export async function mulByBitCombination(
  ctx: ProtocolContext,
  v: ReplicatedShare,
  bits: ReplicatedShare,
  c0: number,
  coeffs: readonly number[],
  coeffBits: number,
): Promise<ReplicatedShare> {
  ctx = ctx.scope('bit-combination');
  const n = v.a.length;
  const k = coeffs.length;
  const rep = new Uint32Array(n * k);
  for (let j = 0; j < k; j++) for (let i = 0; i < n; i++) rep[j * n + i] = i;
  const bv = await mul(ctx, bits, gather(v, rep));
  const ring = ctx.ring;
  const enc = (c: number): bigint => BigInt.asUintN(64, BigInt(Math.round(c * 2 ** coeffBits)));
  const accA = ring.scalarMul(v.a, enc(c0));
  const accB = ring.scalarMul(v.b, enc(c0));
  for (let j = 0; j < k; j++) {
    const c = enc(coeffs[j]!);
    ring.add(accA, ring.scalarMul(bv.a.subarray(j * n, (j + 1) * n), c), accA);
    ring.add(accB, ring.scalarMul(bv.b.subarray(j * n, (j + 1) * n), c), accB);
  }
  return truncate(ctx, makeShare(accA, accB, v.shape), coeffBits);
}
