/**
 * @module protocols/rss/truncate-wrap
 * Wrap-corrected share truncation: the two-halves truncation of `truncate.ts` (ABY3 Π_trunc1 as
 * SPU's TruncA; SecureML's local truncation) plus the one bit that makes it fail, computed
 * exactly, so it never makes the "big" error. The wrap bit is obtained from the top bits of the
 * two halves once the value is known to be non-negative ("MSB-to-wrap", as in SIRNN, Rathee et
 * al., S&P 2021, section 3), with ABY3's three-party OT (section 5.4) in the same round.
 *
 *   A (party 0), B (parties 1 and 2), A + B = x mod 2^64, |x| < 2^62, d = bits.
 *   A' = A + 2^62, so x' = x + 2^62 lies in [0, 2^63) and A' + B = x' + w 2^64 as integers
 *   (A', B read unsigned). w = msb(A') OR msb(B): if both top bits are 0 the sum is below 2^64;
 *   if either is 1 the sum is at least 2^63 > x', so it wrapped once.
 *   floor(A'/2^d) + floor(B/2^d) = floor(x'/2^d) + w 2^(64-d) - c, c = carry of the low d bits.
 *   y = floor(A'/2^d) - 2^(62-d) + 1  +  floor(B/2^d)  -  w 2^(64-d)  =  floor(x/2^d) + 1 - c.
 *
 *   [-w 2^(64-d)]: party 0 (sender, knows a = msb(A')) offers m_j = -(a | j) 2^(64-d) - rho0 - rho1
 *   for j = 0, 1 under masks; parties 1 and 2 (both know b = msb(B)) pick m_b with the help of
 *   each other's copy of the mask, exactly as `bitInjection` (conversion.ts). Share
 *   (rho0, rho1, m_b); rho0 is shared by parties 0 and 2, rho1 by parties 0 and 1.
 *
 * Result: floor(x/2^d) or floor(x/2^d) + 1, deterministically, for every |x| < 2^62 and every
 * split into halves (B need not be uniform). For |x| >= 2^62 the result is wrong and nothing
 * detects it: callers keep values in range (docs/protocols-inference.md, "Safe range").
 * Views: party 2 sees y0 = U - r (masked by r), and one of two OT messages per element, masked
 * by rho1; party 1 sees one OT message, masked by rho0; party 0 receives nothing in that round.
 * Cost over `truncate`: the same rounds; party 0 sends 32 more bytes per element, parties 1
 * and 2 eight more.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { PartyIndex } from '../channel/channel.js';
import type { ProtocolContext } from './context.js';
import { recvVector, sendVector } from './exchange.js';
import { checkShare, makeShare, type ReplicatedShare } from './replicated-share.js';

/** Largest magnitude (exclusive), as a power of two, that the wrap-corrected truncation handles. */
export const WRAP_TRUNCATION_BITS = 62;

/** A vector of n copies of c. */
function filled(n: number, c: bigint): BigUint64Array {
  return new BigUint64Array(n).fill(BigInt.asUintN(64, c));
}

function checkBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 1 || bits > WRAP_TRUNCATION_BITS) {
    throw new InvalidArgumentError(`bits: expected integer in 1..${WRAP_TRUNCATION_BITS}, got ${String(bits)}`);
  }
}

/**
 * The wrap-corrected truncation from halves already in place: party 0 passes A, parties 1 and 2
 * pass B (the same vector at both). One round on `tag`; see the module doc.
 */
export async function truncateHalves(ctx: ProtocolContext, tag: string, half: BigUint64Array, bits: number, shape: readonly number[] | undefined): Promise<ReplicatedShare> {
  const ring = ctx.ring;
  const rnd = ctx.randomness;
  const n = half.length;
  const d = BigInt(bits);
  const wrapTerm = BigInt.asUintN(64, -(1n << (64n - d)));
  if (ctx.self === 0) {
    const a1 = ring.add(half, filled(n, 1n << 62n));
    const u = ring.add(ring.shiftRightLogical(a1, bits), filled(n, 1n - (1n << (62n - d))));
    const r = rnd.sharedWithNext(`${tag}/r`, n);
    const rho0 = rnd.sharedWithPrev(`${tag}/rho`, n); // with party 2
    const rho1 = rnd.sharedWithNext(`${tag}/rho`, n); // with party 1
    const w = rnd.sharedWithNext(`${tag}/mask`, 2 * n); // towards party 2, known to party 1
    const wp = rnd.sharedWithPrev(`${tag}/mask`, 2 * n); // towards party 1, known to party 2
    // m1 = -2^(64-d) - rho0 - rho1 for every element; m0 = m1 when a = 1, else -rho0 - rho1.
    const base = ring.neg(ring.add(rho0, rho1));
    const m1 = ring.add(base, filled(n, wrapTerm));
    const m0 = ring.add(base, ring.scalarMul(ring.shiftRightLogical(a1, 63), wrapTerm));
    const to2 = new BigUint64Array(3 * n);
    to2.set(ring.sub(u, r), 0);
    to2.set(ring.xor(m0, w.subarray(0, n)), n);
    to2.set(ring.xor(m1, w.subarray(n)), 2 * n);
    const to1 = new BigUint64Array(2 * n);
    to1.set(ring.xor(m0, wp.subarray(0, n)), 0);
    to1.set(ring.xor(m1, wp.subarray(n)), n);
    await Promise.all([sendVector(ctx, 2, tag, to2), sendVector(ctx, 1, tag, to1)]);
    return makeShare(ring.add(to2.subarray(0, n), rho0), ring.add(r, rho1), shape);
  }
  const peer: PartyIndex = ctx.self === 1 ? 2 : 1;
  const v = ring.shiftRightLogical(half, bits);
  // all-ones where msb(B) = 1: selects the second message (and its mask) without a branch.
  const sel = ring.neg(ring.shiftRightLogical(half, 63));
  const pick = (lo: BigUint64Array, hi: BigUint64Array): BigUint64Array => ring.xor(lo, ring.and(ring.xor(lo, hi), sel));
  const masks = ctx.self === 1 ? rnd.sharedWithPrev(`${tag}/mask`, 2 * n) : rnd.sharedWithNext(`${tag}/mask`, 2 * n);
  const rho = ctx.self === 1 ? rnd.sharedWithPrev(`${tag}/rho`, n) : rnd.sharedWithNext(`${tag}/rho`, n);
  const chosen = pick(masks.subarray(0, n), masks.subarray(n));
  const fromSender = recvVector(ctx, 0, tag, ctx.self === 1 ? 2 * n : 3 * n);
  const [, msg, peerMask] = await Promise.all([sendVector(ctx, peer, tag, chosen), fromSender, recvVector(ctx, peer, tag, n)]);
  const off = ctx.self === 1 ? 0 : n;
  const mb = ring.xor(pick(msg.subarray(off, off + n), msg.subarray(off + n, off + 2 * n)), peerMask);
  const y2 = ring.add(v, mb);
  if (ctx.self === 1) return makeShare(ring.add(rnd.sharedWithPrev(`${tag}/r`, n), rho), y2, shape);
  return makeShare(y2, ring.add(msg.subarray(0, n), rho), shape);
}

/** [x / 2^bits], floor or one above, for |x| < 2^62, never a big error. 1 round. */
export async function truncateWrap(ctx: ProtocolContext, x: ReplicatedShare, bits: number = ctx.fractionBits): Promise<ReplicatedShare> {
  checkShare('x', x);
  checkBits(bits);
  const tag = ctx.nextTag('trunc-wrap');
  // Party 0 knows A = x0 + x1; B = x2 is party 1's b and party 2's a.
  const half = ctx.self === 0 ? ctx.ring.add(x.a, x.b) : ctx.self === 1 ? x.b : x.a;
  return truncateHalves(ctx, tag, half, bits, x.shape);
}

/**
 * As {@link truncateWrap} from a 3-out-of-3 additive sharing (z_i at party i, such as the local
 * terms of a product): party 1 sends z1 to party 0 and party 2 sends z2 to party 1 (round 1),
 * then the halves A = z0 + z1, B = z2 are truncated (round 2). 2 rounds.
 */
export async function truncateAdditiveWrap(ctx: ProtocolContext, z: BigUint64Array, bits: number, shape: readonly number[] | undefined): Promise<ReplicatedShare> {
  checkBits(bits);
  const n = z.length;
  const tag = ctx.nextTag('trunc-additive');
  const tag2 = ctx.nextTag('trunc-wrap');
  switch (ctx.self) {
    case 0: return truncateHalves(ctx, tag2, ctx.ring.add(z, await recvVector(ctx, 1, tag, n)), bits, shape);
    case 1: {
      const [, z2] = await Promise.all([sendVector(ctx, 0, tag, z), recvVector(ctx, 2, tag, n)]);
      return truncateHalves(ctx, tag2, z2, bits, shape);
    }
    case 2:
      await sendVector(ctx, 1, tag, z);
      return truncateHalves(ctx, tag2, z, bits, shape);
  }
}
