/**
 * @module protocols/rss/malicious/verified-and
 * The AND gate of the malicious mode: the semi-honest replicated AND on packed boolean shares
 * (rss/binary-share `andB`: 1 round, 8 bytes per word per party), whose claim z = x & y is
 * registered for the job's batch check (malicious/verify-ands: every bit of every word is one
 * gate, checked against a cut-and-choose verified triple). On a semi-honest context it is
 * exactly `andB` and registers nothing.
 */
import { checkBinaryPair, reshareAnd, type BinaryShare } from '../binary-share.js';
import type { ProtocolContext } from '../context.js';
import { registerClaim } from './state.js';

/** [x & y] on shared words, its claim registered on a malicious context. 1 round (rss/binary-share `reshareAnd`). */
export function andVerified(ctx: ProtocolContext, x: BinaryShare, y: BinaryShare): Promise<BinaryShare> {
  checkBinaryPair(x, y);
  const tag = ctx.nextTag('and');
  const out = reshareAnd(ctx, tag, x, y);
  registerClaim(ctx.malicious, tag, out, (zz) => ({ kind: 'and', x, y, z: zz }));
  return out;
}
