/**
 * @module protocols/rss/conversion
 * Conversions between arithmetic and boolean replicated shares (ABY3, Mohassel & Rindal,
 * CCS 2018, section 5.3 bit decomposition and 5.4 bit injection; kernels as in secretflow/spu
 * libspu/mpc/aby3/conversion.cc).
 *
 * A2B. x = x0 + x1 + x2; party 0 knows v = x0 + x1 and parties 1, 2 both know w = x2.
 *   1. [v]^B: party 0 inputs v (1 round, see `inputBinary`); [w]^B = (0, 0, x2) needs no message.
 *   2. [v + w]^B by a Kogge-Stone parallel-prefix adder on 64-bit words:
 *      G = v & w (1 round), P = v ^ w; for k = 1, 2, 4, 8, 16, 32:
 *      G ^= P & (G << k), P &= P << k (both ANDs in one round; the last level skips P);
 *      sum = (v ^ w) ^ (G << 1).
 *   Cost: 1 + 1 + 6 = 8 rounds; party 0 sends 8n bytes for the input, then every party sends
 *   (1 + 2*5 + 1) * 8n = 96n bytes over the adder.
 *
 * Bit injection [b]^B -> [b]^A of the low bit, in ONE round with two three-party OTs (ABY3
 * section 5.4.1): b = t ^ c where party 0 knows t = b0 ^ b1 and parties 1 and 2 both know
 * c = b2. The output is (y0, y1, y2) = (rho0, rho1, b - rho0 - rho1), rho0 drawn by parties 0
 * and 2, rho1 by parties 0 and 1, so party 0 already holds its pair and only y2 must reach
 * parties 1 and 2. Party 0 (sender) forms m_j = (t ^ j) - rho0 - rho1 for j = 0, 1 and sends
 * (m_0 ^ w_0, m_1 ^ w_1) to party 2 with masks w shared with party 1, and the same under masks
 * w' shared with party 2 to party 1; party 1 (helper, knows c) sends w_c to party 2 and party 2
 * sends w'_c to party 1. Each of them unmasks m_c = y2 and learns nothing of m_{1-c} or t.
 *   Cost: 1 round; party 0 sends 32n bytes, parties 1 and 2 send 8n bytes each.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { nextParty, prevParty, type PartyIndex } from '../channel/channel.js';
import type { ProtocolContext } from './context.js';
import { recvVector, sendVector } from './exchange.js';
import { requireSemiHonest } from './malicious/guard.js';
import { checkShare, makeShare, type ReplicatedShare } from './replicated-share.js';
import { andB, checkBinaryShare, concatB, makeBinaryShare, shiftLeftB, splitB, xorB, type BinaryShare } from './binary-share.js';

/**
 * Boolean sharing of words held by party `owner` (the others pass `undefined`): c_{o+1} is drawn
 * with party o+1, c_{o-1} = 0, c_o = v ^ c_{o+1} is sent to party o-1. 1 round, 8n bytes.
 */
export async function inputBinary(ctx: ProtocolContext, owner: PartyIndex, values: BigUint64Array | undefined, n: number): Promise<BinaryShare> {
  requireSemiHonest(ctx, 'inputBinary');
  if (owner !== 0 && owner !== 1 && owner !== 2) throw new InvalidArgumentError(`owner: expected party index 0, 1 or 2, got ${String(owner)}`);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`n: expected non-negative integer, got ${String(n)}`);
  const tag = ctx.nextTag('input-binary');
  if (ctx.self === owner) {
    if (!(values instanceof BigUint64Array) || values.length !== n) throw new InvalidArgumentError(`values: owner ${owner} must pass ${n} words`);
    const r = ctx.randomness.sharedWithNext(tag, n);
    const mine = ctx.ring.xor(values, r);
    await sendVector(ctx, prevParty(owner), tag, mine);
    return makeBinaryShare(mine, r);
  }
  if (ctx.self === nextParty(owner)) return makeBinaryShare(ctx.randomness.sharedWithPrev(tag, n), new BigUint64Array(n));
  return makeBinaryShare(new BigUint64Array(n), await recvVector(ctx, owner, tag, n));
}

/**
 * The boolean sharing (0, 0, v) of a value v that parties 1 and 2 both hold (no message):
 * party 1 holds (c1, c2) = (0, v), party 2 holds (c2, c0) = (v, 0).
 * @param v the value at parties 1 and 2; ignored at party 0.
 */
export function binaryFromParties12(ctx: ProtocolContext, v: BigUint64Array): BinaryShare {
  const zero = new BigUint64Array(v.length);
  if (ctx.self === 0) return makeBinaryShare(zero, zero.slice());
  return ctx.self === 1 ? makeBinaryShare(zero, v.slice()) : makeBinaryShare(v.slice(), zero);
}

/**
 * [x + y]^B mod 2^64 with a Kogge-Stone parallel-prefix adder: 7 rounds (one for the generate
 * bits, six prefix levels with the generate and propagate ANDs batched into one message).
 */
export async function addBinary(parent: ProtocolContext, x: BinaryShare, y: BinaryShare): Promise<BinaryShare> {
  const ctx = parent.scope('addBinary');
  const n = checkBinaryShare('x', x);
  if (checkBinaryShare('y', y) !== n) throw new InvalidArgumentError(`y: expected ${n} words like x`);
  const p0 = xorB(ctx, x, y);
  let g = await andB(ctx, x, y);
  let p = p0;
  for (let k = 1; k <= 32; k <<= 1) {
    const gs = shiftLeftB(ctx, g, k);
    if (k === 32) {
      // The last level needs no propagate bits any more.
      g = xorB(ctx, g, await andB(ctx, p, gs));
    } else {
      // Group generate and propagate are exclusive (propagate is a ^ b), so XOR acts as OR.
      const [pg, pp] = splitB(await andB(ctx, concatB([p, p]), concatB([gs, shiftLeftB(ctx, p, k)])), 2);
      g = xorB(ctx, g, pg!);
      p = pp!;
    }
  }
  const sum = xorB(ctx, p0, shiftLeftB(ctx, g, 1));
  return x.shape === undefined ? sum : makeBinaryShare(sum.a, sum.b, x.shape);
}

/** [x]^A -> [x]^B (bit decomposition). 8 rounds; see the module doc. */
export async function a2b(parent: ProtocolContext, x: ReplicatedShare): Promise<BinaryShare> {
  const ctx = parent.scope('a2b');
  const n = checkShare('x', x);
  const v = await inputBinary(ctx, 0, ctx.self === 0 ? ctx.ring.add(x.a, x.b) : undefined, n);
  // x2 is party 1's b and party 2's a.
  const w = binaryFromParties12(ctx, ctx.self === 1 ? x.b : x.a);
  const out = await addBinary(ctx, v, w);
  return x.shape === undefined ? out : makeBinaryShare(out.a, out.b, x.shape);
}

/**
 * [b]^B -> [b]^A for the lowest bit of each word (higher bits are ignored). 1 round; see the
 * module doc for the two three-party OTs.
 */
export async function bitInjection(ctx: ProtocolContext, bit: BinaryShare): Promise<ReplicatedShare> {
  requireSemiHonest(ctx, 'bitInjection');
  const n = checkBinaryShare('bit', bit);
  const tag = ctx.nextTag('bit-injection');
  const rnd = ctx.randomness;
  const rhoLabel = `${tag}/rho`;
  const maskLabel = `${tag}/mask`;
  if (ctx.self === 0) {
    const rho0 = rnd.sharedWithPrev(rhoLabel, n); // with party 2
    const rho1 = rnd.sharedWithNext(rhoLabel, n); // with party 1
    const w = rnd.sharedWithNext(maskLabel, 2 * n); // masks towards party 2, known to party 1
    const wp = rnd.sharedWithPrev(maskLabel, 2 * n); // masks towards party 1, known to party 2
    const to2 = new BigUint64Array(2 * n);
    const to1 = new BigUint64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const t = (bit.a[i]! ^ bit.b[i]!) & 1n;
      const m0 = BigInt.asUintN(64, t - rho0[i]! - rho1[i]!);
      const m1 = BigInt.asUintN(64, (t ^ 1n) - rho0[i]! - rho1[i]!);
      to2[i] = m0 ^ w[i]!;
      to2[n + i] = m1 ^ w[n + i]!;
      to1[i] = m0 ^ wp[i]!;
      to1[n + i] = m1 ^ wp[n + i]!;
    }
    await Promise.all([sendVector(ctx, 2, tag, to2), sendVector(ctx, 1, tag, to1)]);
    return makeShare(rho0, rho1, bit.shape);
  }
  // Parties 1 and 2 both know c = b2 (party 1's b, party 2's a).
  const c = ctx.self === 1 ? bit.b : bit.a;
  const peer: PartyIndex = ctx.self === 1 ? 2 : 1;
  // Party 1 holds the masks w (seed with party 0 = its prev); party 2 the masks w' (seed with party 0 = its next).
  const masks = ctx.self === 1 ? rnd.sharedWithPrev(maskLabel, 2 * n) : rnd.sharedWithNext(maskLabel, 2 * n);
  const rho = ctx.self === 1 ? rnd.sharedWithPrev(rhoLabel, n) : rnd.sharedWithNext(rhoLabel, n);
  const chosen = new BigUint64Array(n);
  for (let i = 0; i < n; i++) chosen[i] = masks[(c[i]! & 1n) === 1n ? n + i : i]!;
  const [, fromSender, peerMask] = await Promise.all([
    sendVector(ctx, peer, tag, chosen),
    recvVector(ctx, 0, tag, 2 * n),
    recvVector(ctx, peer, tag, n),
  ]);
  const y2 = new BigUint64Array(n);
  for (let i = 0; i < n; i++) y2[i] = fromSender[(c[i]! & 1n) === 1n ? n + i : i]! ^ peerMask[i]!;
  // Party 1 holds (y1, y2) = (rho1, y2); party 2 holds (y2, y0) = (y2, rho0).
  return ctx.self === 1 ? makeShare(rho, y2, bit.shape) : makeShare(y2, rho, bit.shape);
}
