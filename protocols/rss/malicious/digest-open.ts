/**
 * @module protocols/rss/malicious/digest-open
 * The cross-checked open of the malicious mode: party i gets its missing component x_{i-1} in
 * full from party i-1 and the SHA-256 of the same component from party i+1, its other holder,
 * and compares the two before anything uses the value. One round, 8n + 32 bytes per party.
 * With one deviating party the two honest receivers cannot both be fooled: a sender that
 * alters what it sends is caught by the receiver, because the component's other holder is
 * honest. Works on u64 words, so Z_2^128 vectors (as words) open the same way.
 */
import { bytesEqual } from '../../../crypto-core/keys/byte-checks.js';
import { nextParty, prevParty, type PartyIndex } from '../../channel/channel.js';
import { u64ToBytes } from '../../wire.js';
import type { ProtocolContext } from '../context.js';
import { VerificationFailedError } from '../errors.js';
import { recvVector, sendVector } from '../exchange.js';
import { sha256 } from './transcript.js';

/** Digest of a vector of words as its message bytes. */
export function wordsDigest(v: BigUint64Array): Uint8Array {
  return sha256(u64ToBytes(v));
}

/**
 * Opens under `tag`: sends `a` to party i+1 and the digest of `b` to party i-1, returns the
 * missing component (x_{i-1}) once its digest matches.
 * @throws VerificationFailedError (check `open`) naming both senders when the copies differ.
 */
export async function openMissingComponent(ctx: ProtocolContext, tag: string, a: BigUint64Array, b: BigUint64Array): Promise<BigUint64Array> {
  const next = nextParty(ctx.self);
  const prev = prevParty(ctx.self);
  const [, , missing, digest] = await Promise.all([
    sendVector(ctx, next, tag, a),
    ctx.channel.send(prev, tag, wordsDigest(b)),
    recvVector(ctx, prev, tag, a.length),
    ctx.channel.recv(next, tag),
  ]);
  if (!bytesEqual(wordsDigest(missing), digest)) throw mismatch(ctx, tag, prev, [prev, next]);
  return missing;
}

/**
 * Reveals to `target` only: party target-1 sends its `a`, party target+1 the digest of its `b`
 * (the same component). Returns the missing component at the target, undefined elsewhere.
 */
export async function revealMissingComponent(ctx: ProtocolContext, tag: string, a: BigUint64Array, b: BigUint64Array, target: PartyIndex): Promise<BigUint64Array | undefined> {
  if (ctx.self === prevParty(target)) {
    await sendVector(ctx, target, tag, a);
    return undefined;
  }
  if (ctx.self === nextParty(target)) {
    await ctx.channel.send(target, tag, wordsDigest(b));
    return undefined;
  }
  const [missing, digest] = await Promise.all([recvVector(ctx, prevParty(target), tag, a.length), ctx.channel.recv(nextParty(target), tag)]);
  if (!bytesEqual(wordsDigest(missing), digest)) throw mismatch(ctx, tag, prevParty(target), [prevParty(target), nextParty(target)]);
  return missing;
}

/**
 * The zero test by digests under `tag`: this party holds components (a, b) = (w_i, w_{i+1}) of
 * a sharing w that must be zero, and `third`, what w_{i-1} then is (-(a + b), or a ^ b for XOR
 * sharings). It sends SHA-256(third) to both peers; party i+1's digest is about component i
 * (this party's a), party i-1's about component i+1 (b). One round, 32 bytes to each peer.
 * @throws VerificationFailedError (check `zero-test`) naming both peers, "`tag`: the `what`
 *   check failed at party i (`cause`)".
 */
export async function digestZeroTest(ctx: ProtocolContext, tag: string, a: BigUint64Array, b: BigUint64Array, third: BigUint64Array, what: string, cause: string): Promise<void> {
  const claim = wordsDigest(third);
  const next = nextParty(ctx.self);
  const prev = prevParty(ctx.self);
  const [, , fromNext, fromPrev] = await Promise.all([ctx.channel.send(next, tag, claim), ctx.channel.send(prev, tag, claim), ctx.channel.recv(next, tag), ctx.channel.recv(prev, tag)]);
  if (!bytesEqual(fromNext, wordsDigest(a)) || !bytesEqual(fromPrev, wordsDigest(b))) {
    throw new VerificationFailedError(`${tag}: the ${what} check failed at party ${ctx.self} (${cause})`, { step: tag, check: 'zero-test', suspects: [prev, next] });
  }
}

function mismatch(ctx: ProtocolContext, tag: string, component: PartyIndex, suspects: PartyIndex[]): VerificationFailedError {
  return new VerificationFailedError(
    `${tag}: party ${ctx.self} received component x${component} from party ${suspects[0]} and a different digest of it from party ${suspects[1]}; one of them deviated`,
    { step: tag, check: 'open', suspects },
  );
}
