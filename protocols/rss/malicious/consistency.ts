/**
 * @module protocols/rss/malicious/consistency
 * The consistency check of shares that entered from outside (a hospital's upload, a stored
 * model): every component x_j is held by two parties, who compare SHA-256 digests of their
 * copies (one round, 32 bytes to each peer). A dealer that gave two parties different copies,
 * or a party that altered its stored copy, is caught before the shares are used; the digest
 * tells the receiver nothing it does not hold already.
 */
import { bytesEqual } from '../../../crypto-core/keys/byte-checks.js';
import { nextParty, prevParty } from '../../channel/channel.js';
import type { ProtocolContext } from '../context.js';
import { VerificationFailedError } from '../errors.js';
import { checkShare, type ReplicatedShare } from '../replicated-share.js';
import { wordsDigest } from './digest-open.js';

/**
 * Party i sends the digest of x_i (its a) to party i-1 and of x_{i+1} (its b) to party i+1, and
 * compares what it receives with its own copies.
 * @throws VerificationFailedError (check `consistency`) naming the peer whose copy differs.
 */
export async function checkConsistent(ctx: ProtocolContext, x: ReplicatedShare): Promise<void> {
  checkShare('x', x);
  const tag = ctx.nextTag('consistency');
  const next = nextParty(ctx.self);
  const prev = prevParty(ctx.self);
  const [, , fromNext, fromPrev] = await Promise.all([
    ctx.channel.send(prev, tag, wordsDigest(x.a)),
    ctx.channel.send(next, tag, wordsDigest(x.b)),
    ctx.channel.recv(next, tag),
    ctx.channel.recv(prev, tag),
  ]);
  // Party i+1's a is component i+1 (this party's b); party i-1's b is component i (this party's a).
  const differs = [...(bytesEqual(fromNext, wordsDigest(x.b)) ? [] : [next]), ...(bytesEqual(fromPrev, wordsDigest(x.a)) ? [] : [prev])];
  if (differs.length > 0) {
    throw new VerificationFailedError(`${tag}: party ${ctx.self}'s copy of a share component differs from party ${differs.join(' and ')}'s (the dealer or that party altered it)`, {
      step: tag,
      check: 'consistency',
      suspects: differs,
    });
  }
}
