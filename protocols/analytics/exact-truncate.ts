/**
 * @module protocols/analytics/exact-truncate
 * Deterministic fixed-point truncation for the few values whose magnitude makes the
 * probabilistic share truncation (rss/truncate: fails with probability about 2^(l+1-64) for
 * |x| < 2^l) too risky: the gradient sums of logistic regression over many rows. ABY3's
 * conversion route (Mohassel & Rindal, CCS 2018, section 5.3):
 *
 *   y = x + 2^M                    (public bias: 0 <= y < 2^(M+1) for |x| < 2^M)
 *   [y]^B = a2b([y])               (8 rounds)
 *   q_k = bit (d + k) of [y]^B     (local shifts), k = 0 .. M - d
 *   [q] = sum_k 2^k b2a(q_k)       (one batched bit injection: 1 round)
 *   floor(x / 2^d) = q - 2^(M-d)
 *
 * Exact (no error at all) whenever |x| < 2^M. Cost: 9 rounds; a2b of n words plus bit
 * injection of n (M - d + 1) bits, so it is meant for short vectors.
 *
 * On a malicious context the malicious truncation (rss/malicious/truncate-malicious, on verified
 * boolean ANDs) is used instead: x / 2^d rounded to nearest, exactly (within half a unit of
 * 2^-d, where this route gives the floor).
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { bitInjection, a2b } from '../rss/conversion.js';
import { concatB, shiftRightB } from '../rss/binary-share.js';
import type { ProtocolContext } from '../rss/context.js';
import { add, addPublic, mulPublic, split } from '../rss/local-ops.js';
import { truncate } from '../rss/truncate.js';
import type { ReplicatedShare } from '../rss/replicated-share.js';

/** [floor(x / 2^bits)] exactly, for |x| < 2^maxBits (bits < maxBits <= 62). 9 rounds. */
export async function truncateExact(parent: ProtocolContext, x: ReplicatedShare, bits: number, maxBits: number): Promise<ReplicatedShare> {
  if (!Number.isInteger(maxBits) || maxBits < 1 || maxBits > 62) throw new InvalidArgumentError(`maxBits: expected integer in 1..62, got ${String(maxBits)}`);
  if (!Number.isInteger(bits) || bits < 0 || bits >= maxBits) throw new InvalidArgumentError(`bits: expected integer in 0..${maxBits - 1}, got ${String(bits)}`);
  if (parent.security === 'malicious') return truncate(parent.scope('truncateExact', { truncation: 'wrap-corrected' }), x, bits);
  const ctx = parent.scope('truncateExact');
  const bias = 1n << BigInt(maxBits);
  const yb = await a2b(ctx, addPublic(ctx, x, bias));
  const width = maxBits + 1 - bits;
  const n = x.a.length;
  const bitsA = split(await bitInjection(ctx, concatB(Array.from({ length: width }, (_, k) => shiftRightB(ctx, yb, bits + k)))), new Array<number>(width).fill(n));
  let q = bitsA[0]!;
  for (let k = 1; k < width; k++) q = add(ctx, q, mulPublic(ctx, bitsA[k]!, 1n << BigInt(k)));
  return addPublic(ctx, q, BigInt.asUintN(64, -(bias >> BigInt(bits))));
}
