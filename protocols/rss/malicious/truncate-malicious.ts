/**
 * @module protocols/rss/malicious/truncate-malicious
 * Truncation on a malicious context. The halves are those of the share truncation
 * (rss/truncate): A = x0 + x1 at party 0, B = x2 at parties 1 and 2. Party 0 alone knows A,
 * so instead of sending (A >> d) - r, which nobody could check, it inputs the 64 bits of A
 * (malicious/verified-bits), and [A >> d] = sum_{d<=j<63} 2^(j-d) a_j - 2^(63-d) a_63 is linear
 * in the bits. [B'] = -((-B) >> d) is computed by parties 1 and 2 alike (component 2 of the
 * sharing, held by both). The value is the share truncation's: floor(x / 2^d) or one above,
 * with the same big-error probability |x| / 2^64 when B is uniform.
 * Cost: 1 round (the input), 512 bytes per element from party 0, and 64 bit claims per
 * element for the batch check.
 */
import type { ProtocolContext } from '../context.js';
import { makeShare, type ReplicatedShare } from '../replicated-share.js';
import { halfB, inputBitsOfA, knownTo12, weightedBits, WORD } from './verified-bits.js';

/** [x >> bits] on a malicious context (see the module doc). */
export async function truncateMalicious(parent: ProtocolContext, x: ReplicatedShare, bits: number): Promise<ReplicatedShare> {
  const ctx = parent.scope('trunc-mal');
  const n = x.a.length;
  const ring = ctx.ring;
  const { bits: b } = await inputBitsOfA(ctx, x);
  const d = BigInt(bits);
  const shifted = (j: number): bigint => (j < bits ? 0n : j === WORD - 1 ? -(1n << (63n - d)) : 1n << (BigInt(j) - d));
  const hiA = weightedBits(ctx, b.a, n, shifted);
  const hiB = weightedBits(ctx, b.b, n, shifted);
  // -((-B) >> d), B = x2.
  const B = halfB(ctx, x);
  const lo = knownTo12(ctx, B === undefined ? undefined : ring.neg(ring.shiftRightArith(ring.neg(B), bits)), n);
  return makeShare(ring.add(hiA, lo.a), ring.add(hiB, lo.b), x.shape);
}
