/**
 * @module protocols/rss/malicious/truncate-malicious
 * Truncation on a malicious context. The halves are those of the share truncation
 * (rss/truncate): A = x0 + x1 at party 0, B = x2 at parties 1 and 2. Party 0 alone knows A,
 * so instead of sending (A >> d) - r, which nobody could check, it inputs the 64 bits of A
 * (malicious/verified-bits); B is known to both parties 1 and 2, so its bits are free.
 *
 * - probabilistic: [A >> d] = sum_{d<=j<63} 2^(j-d) a_j - 2^(63-d) a_63 (A read signed) plus
 *   [B'] = -((-B) >> d): floor(x / 2^d) or one above, with the share truncation's big-error
 *   probability |x| / 2^64 when B is uniform. 1 round (the input).
 * - wrap-corrected (rss/truncate-wrap, |x| < 2^62): party 0 inputs the bits of A' = A + 2^62;
 *   w = msb(A') OR msb(B) = a_63 + b_63 - a_63 b_63 (one verified product), and
 *   y = floor(A'/2^d) - 2^(62-d) + 1 + floor(B/2^d) - w 2^(64-d) = floor(x/2^d) + 1 - c, the
 *   semi-honest wrap-corrected result, deterministically. 2 rounds.
 * Cost: 512 bytes per element from party 0 and 64 bit claims per element for the batch check.
 */
import type { ProtocolContext } from '../context.js';
import { add, addPublic, mulPublic, sub } from '../local-ops.js';
import { mul } from '../mul.js';
import { makeShare, type ReplicatedShare } from '../replicated-share.js';
import { halfB, inputBitsOfA, knownTo12, weightedBits, WORD } from './verified-bits.js';

/** [x >> bits] on a malicious context (see the module doc). */
export async function truncateMalicious(parent: ProtocolContext, x: ReplicatedShare, bits: number, wrapCorrected = false): Promise<ReplicatedShare> {
  if (wrapCorrected) return truncateWrapMalicious(parent, x, bits);
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

async function truncateWrapMalicious(parent: ProtocolContext, x: ReplicatedShare, bits: number): Promise<ReplicatedShare> {
  const ctx = parent.scope('trunc-wrap-mal');
  const n = x.a.length;
  const ring = ctx.ring;
  const d = BigInt(bits);
  const { bits: a } = await inputBitsOfA(ctx, x, 1n << 62n);
  const B = halfB(ctx, x);
  const msbA = makeShare(a.a.subarray((WORD - 1) * n), a.b.subarray((WORD - 1) * n));
  const msbB = knownTo12(ctx, B === undefined ? undefined : ring.shiftRightLogical(B, 63), n);
  const w = sub(ctx, add(ctx, msbA, msbB), await mul(ctx, msbA, msbB));
  const unsigned = (j: number): bigint => (j < bits ? 0n : 1n << (BigInt(j) - d));
  const hiA = makeShare(weightedBits(ctx, a.a, n, unsigned), weightedBits(ctx, a.b, n, unsigned));
  const hiB = knownTo12(ctx, B === undefined ? undefined : ring.shiftRightLogical(B, bits), n);
  const y = sub(ctx, add(ctx, hiA, hiB), mulPublic(ctx, w, 1n << (64n - d)));
  const out = addPublic(ctx, y, 1n - (1n << (62n - d)));
  return makeShare(out.a, out.b, x.shape);
}
