/**
 * @module protocols/rss/truncate
 * Fixed-point truncation of arithmetic replicated shares: ABY3's "share truncation" (Mohassel &
 * Rindal, CCS 2018, section 5.1.1, Π_trunc1) made to fit three parties the way SPU's ABY3 kernel
 * does (secretflow/spu libspu/mpc/aby3 TruncA): collapse the sharing to two additive halves,
 * truncate each locally as in SecureML, and reshare with one message.
 *
 *   [x] = (x0, x1, x2). Party 0 knows A = x0 + x1; parties 1 and 2 both know B = x2, and A + B = x.
 *   1. party 0: A' = A >> d (arithmetic);     parties 1, 2: B' = -((-B) >> d)
 *   2. r = F(k_0) drawn by parties 0 and 1 from the seed they share
 *   3. [y] = (y0, y1, y2) = (A' - r, r, B'); party 0 sends y0 to party 2.
 *
 * Views: party 2 learns A' - r, masked by r which it does not know; parties 0 and 1 learn nothing.
 *
 * Error bound (SecureML, Theorem 1): for |x| < 2^l_x and B uniform, A + B does not wrap as
 * signed integers except with probability at most 2^(l_x + 1 - 64); when it does not,
 * y = floor(A/2^d) + ceil(B/2^d) lies in {floor(x/2^d), floor(x/2^d) + 1}: at most one unit in
 * the last place above the exact floor. On the rare wrap, y is off by about 2^(64-d) (a "big"
 * error). B = x2 is uniform for any share that came out of a multiplication or an input.
 *
 * Cost: 1 round, 8n bytes sent by party 0 only. `mulFixed` / `matmulFixed` truncate the product's
 * additive local terms directly (2 rounds, 8 bytes per element from every party).
 *
 * On a context with `truncation: 'wrap-corrected'` (ProtocolContext.scope) all three run the
 * wrap-corrected variant of rss/truncate-wrap instead: same rounds, no big error for |x| < 2^62.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { ProtocolContext } from './context.js';
import { recvVector, sendVector } from './exchange.js';
import { makeShare, checkSameLength, checkShare, type ReplicatedShare } from './replicated-share.js';
import { ShapeError } from './errors.js';
import { truncateAdditiveWrap, truncateWrap, WRAP_TRUNCATION_BITS } from './truncate-wrap.js';
import { truncateMalicious } from './malicious/truncate-malicious.js';
import { mul, matmul } from './mul.js';

/** Whether this context asks for the wrap-corrected truncation (rss/truncate-wrap) at `bits`. */
const wrapCorrected = (ctx: ProtocolContext, bits: number): boolean => ctx.truncation === 'wrap-corrected' && bits >= 1 && bits <= WRAP_TRUNCATION_BITS;

/** [x / 2^bits] (floor, within one unit; see the module doc for the failure probability). 1 round. */
export async function truncate(ctx: ProtocolContext, x: ReplicatedShare, bits: number = ctx.fractionBits): Promise<ReplicatedShare> {
  const n = checkShare('x', x);
  if (!Number.isInteger(bits) || bits < 0 || bits > 63) throw new InvalidArgumentError(`bits: expected integer in 0..63, got ${String(bits)}`);
  if (ctx.security === 'malicious') return truncateMalicious(ctx, x, bits);
  if (wrapCorrected(ctx, bits)) return truncateWrap(ctx, x, bits);
  const tag = ctx.nextTag('trunc');
  const ring = ctx.ring;
  // -((-B) >> d): the ceiling of B / 2^d, the other half of SecureML's local truncation.
  const ceilShift = (v: BigUint64Array): BigUint64Array => ring.neg(ring.shiftRightArith(ring.neg(v), bits));
  switch (ctx.self) {
    case 0: {
      const r = ctx.randomness.sharedWithNext(tag, n);
      const y0 = ring.sub(ring.shiftRightArith(ring.add(x.a, x.b), bits), r);
      await sendVector(ctx, 2, tag, y0);
      return makeShare(y0, r, x.shape);
    }
    case 1: {
      const r = ctx.randomness.sharedWithPrev(tag, n);
      return makeShare(r, ceilShift(x.b), x.shape);
    }
    case 2: {
      const y0 = await recvVector(ctx, 0, tag, n);
      return makeShare(ceilShift(x.a), y0, x.shape);
    }
  }
}

/**
 * Truncation of a 3-out-of-3 additive sharing (party i holds z_i, such as the local terms of a
 * product before its reshare) straight into a replicated sharing of z >> bits, so a fixed-point
 * product needs no separate reshare:
 *   round 1: party 1 sends z1 to party 0 (A = z0 + z1), party 2 sends z2 to party 1 (B = z2);
 *   round 2: as `truncate`, party 0 sends y0 = (A >> d) - r to party 2.
 * Party 0 sees z1 and party 1 sees z2, each masked by the zero share alpha from the seed it
 * lacks; B = z2 is uniform for the same reason, so the error bound of `truncate` holds.
 * Cost: 2 rounds, 8 bytes per element from each party.
 */
async function truncateAdditive(ctx: ProtocolContext, z: BigUint64Array, bits: number, shape: readonly number[] | undefined): Promise<ReplicatedShare> {
  if (wrapCorrected(ctx, bits)) return truncateAdditiveWrap(ctx, z, bits, shape);
  const n = z.length;
  const tag = ctx.nextTag('trunc-additive');
  const ring = ctx.ring;
  switch (ctx.self) {
    case 0: {
      const z1 = await recvVector(ctx, 1, tag, n);
      const r = ctx.randomness.sharedWithNext(tag, n);
      const y0 = ring.sub(ring.shiftRightArith(ring.add(z, z1), bits), r);
      await sendVector(ctx, 2, tag, y0);
      return makeShare(y0, r, shape);
    }
    case 1: {
      const [, z2] = await Promise.all([sendVector(ctx, 0, tag, z), recvVector(ctx, 2, tag, n)]);
      const r = ctx.randomness.sharedWithPrev(tag, n);
      return makeShare(r, ring.neg(ring.shiftRightArith(ring.neg(z2), bits)), shape);
    }
    case 2: {
      const [, y0] = await Promise.all([sendVector(ctx, 1, tag, z), recvVector(ctx, 0, tag, n)]);
      return makeShare(ring.neg(ring.shiftRightArith(ring.neg(z), bits)), y0, shape);
    }
  }
}

/**
 * Fixed-point elementwise product [x * y / 2^f], f = `ctx.fractionBits`: the local product
 * terms (as in `mul`) truncated straight from their additive form. 2 rounds, 8 bytes per element
 * per party (a `mul` then `truncate` would send 16 from party 0). Error as `truncate`.
 */
export async function mulFixed(parent: ProtocolContext, x: ReplicatedShare, y: ReplicatedShare): Promise<ReplicatedShare> {
  const ctx = parent.scope('mulFixed');
  const n = checkSameLength('x', x, 'y', y);
  // Malicious mode: a verified product, then the verified truncation (docs/protocols-malicious.md).
  if (ctx.security === 'malicious') return truncate(ctx, await mul(ctx, x, y));
  const tag = ctx.nextTag('mul');
  const z = ctx.ring.fusedMul(x.a, x.b, y.a, y.b, ctx.randomness.zeroShare(tag, n));
  return truncateAdditive(ctx, z, ctx.fractionBits, x.shape);
}

/** Fixed-point matrix product [X @ Y / 2^f] (m x k times k x n), as `mulFixed`. 2 rounds, 8mn bytes per party. */
export async function matmulFixed(parent: ProtocolContext, x: ReplicatedShare, y: ReplicatedShare, m: number, k: number, n: number): Promise<ReplicatedShare> {
  const ctx = parent.scope('matmulFixed');
  for (const [name, v] of [['m', m], ['k', k], ['n', n]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new InvalidArgumentError(`${name}: expected non-negative integer, got ${String(v)}`);
  }
  if (checkShare('x', x) !== m * k) throw new ShapeError(`x: expected ${m}x${k} = ${m * k} elements, got ${x.a.length}`);
  if (checkShare('y', y) !== k * n) throw new ShapeError(`y: expected ${k}x${n} = ${k * n} elements, got ${y.a.length}`);
  if (ctx.security === 'malicious') return truncate(ctx, await matmul(ctx, x, y, m, k, n));
  const tag = ctx.nextTag('matmul');
  const z = ctx.ring.fusedMatmul(x.a, x.b, y.a, y.b, ctx.randomness.zeroShare(tag, m * n), m, k, n);
  return truncateAdditive(ctx, z, ctx.fractionBits, [m, n]);
}
