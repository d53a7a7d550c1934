/**
 * @module protocols/rss/malicious/verified-and
 * The AND gate of the malicious mode: the semi-honest replicated AND on packed boolean shares
 * (rss/binary-share `andB`: 1 round, 8 bytes per word per party), whose claim z = x & y is
 * registered for the job's batch check (malicious/verify-ands: every bit of every word is one
 * gate, checked against a cut-and-choose verified triple). On a semi-honest context it is
 * exactly `andB` and registers nothing.
 */
import { nextParty, prevParty } from '../../channel/channel.js';
import { checkBinaryShare, makeBinaryShare, type BinaryShare } from '../binary-share.js';
import type { ProtocolContext } from '../context.js';
import { ShapeError } from '../errors.js';
import { recvVector, sendVector } from '../exchange.js';
import { registerClaim } from './state.js';

/**
 * [x & y] on shared words, its claim registered on a malicious context. 1 round.
 *   z_i = (x_i & (y_i ^ y_{i+1})) ^ (x_{i+1} & y_i) ^ beta_i, sent to party i-1.
 */
export function andVerified(ctx: ProtocolContext, x: BinaryShare, y: BinaryShare): Promise<BinaryShare> {
  const n = checkBinaryShare('x', x);
  const m = checkBinaryShare('y', y);
  if (n !== m) throw new ShapeError(`y: expected ${n} words like x, got ${m}`);
  const tag = ctx.nextTag('and');
  const ring = ctx.ring;
  const z = ring.xor(ring.and(x.a, ring.xor(y.a, y.b)), ring.and(x.b, y.a));
  ring.xor(z, ctx.randomness.zeroShareBinary(tag, n), z);
  const out = Promise.all([sendVector(ctx, prevParty(ctx.self), tag, z), recvVector(ctx, nextParty(ctx.self), tag, n)]).then(([, zNext]) => makeBinaryShare(z, zNext, x.shape));
  registerClaim(ctx.malicious, tag, out, (zz) => ({ kind: 'and', x, y, z: zz }));
  return out;
}
