/**
 * @module protocols/rss/input
 * A party secret-shares its own private input into the computation (ABY3 section 3.1, with
 * the PRF trick): owner o draws x_{o+1} = F(k_o) with party o+1, sets x_{o-1} = 0 and
 * x_o = v - x_{o+1}, and sends x_o to party o-1. Party o+1 sees (x_{o+1}, 0): uniform; party o-1
 * sees (0, x_o): masked by x_{o+1}, which it does not know. 1 round, 8n bytes from the owner.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { nextParty, prevParty, type PartyIndex } from '../channel/channel.js';
import type { ProtocolContext } from './context.js';
import { recvVector, sendVector } from './exchange.js';
import { makeShare, type ReplicatedShare } from './replicated-share.js';

/**
 * Shares `values` held by party `owner`; the others pass `undefined` and the same `n`.
 * @throws InvalidArgumentError when the owner's values are missing or not `n` long.
 */
export async function inputFrom(ctx: ProtocolContext, owner: PartyIndex, values: BigUint64Array | undefined, n: number): Promise<ReplicatedShare> {
  if (owner !== 0 && owner !== 1 && owner !== 2) throw new InvalidArgumentError(`owner: expected party index 0, 1 or 2, got ${String(owner)}`);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`n: expected non-negative integer, got ${String(n)}`);
  const tag = ctx.nextTag('input');
  if (ctx.self === owner) {
    if (!(values instanceof BigUint64Array) || values.length !== n) {
      throw new InvalidArgumentError(`values: owner ${owner} must pass a BigUint64Array of ${n} elements`);
    }
    const r = ctx.randomness.sharedWithNext(tag, n);
    const mine = ctx.ring.sub(values, r);
    await sendVector(ctx, prevParty(owner), tag, mine);
    return makeShare(mine, r);
  }
  if (ctx.self === nextParty(owner)) return makeShare(ctx.randomness.sharedWithPrev(tag, n), new BigUint64Array(n));
  return makeShare(new BigUint64Array(n), await recvVector(ctx, owner, tag, n));
}
