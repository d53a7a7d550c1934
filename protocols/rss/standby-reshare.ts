/**
 * @module protocols/rss/standby-reshare
 * Proactive resharing of an arithmetic replicated sharing to a standby that replaces party j
 * (the proactive refresh of Herzberg, Jarecki, Krawczyk & Yung, CRYPTO 1995, specialised to
 * replicated / CNF sharing as in the ABY3 input step, Mohassel & Rindal, CCS 2018, section 3.1).
 *
 * Old sharing: x = x_0 + x_1 + x_2, party i holds (x_i, x_{i+1}). Party j is gone; the two
 * remaining parties P_{j+1} = (x_{j+1}, x_{j+2}) and P_{j+2} = (x_{j+2}, x_j) together know all
 * three components. They split the secret into two additive parts each of them knows alone,
 *   s_{j+1} = x_{j+1} + x_{j+2}  (dealt by P_{j+1}),   s_{j+2} = x_j  (dealt by P_{j+2}),
 * each deals its part as a fresh replicated sharing among the new trio (P_{j+1}, P_{j+2} and the
 * standby in slot j, with PRF seeds the standby derived afresh) by `inputFrom`, and everybody
 * adds the two sharings locally. The new sharing opens to s_{j+1} + s_{j+2} = x; every new
 * component carries a fresh PRF mask, so the old party j's pair (x_j, x_{j+1}) together with any
 * one new share is independent of x (test/protocols/rss-reshare.test.ts plays that attack).
 *
 * Cost: 1 round (the two deals run concurrently), 8n bytes from each remaining party, nothing
 * from the standby. Security: semi-honest. A remaining party that deals a wrong part (adds an
 * error e) is not detected here: x_{j+1} is known only to P_{j+1} once P_j is gone, so nobody
 * can check it without an earlier commitment (docs/governance.md, "Resharing to a standby").
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { nextParty, prevParty, type PartyIndex } from '../channel/channel.js';
import type { ProtocolContext } from './context.js';
import { inputFrom } from './input.js';
import { checkShare, makeShare, type ReplicatedShare } from './replicated-share.js';

/**
 * Reshares one vector of `n` elements from the old trio to the new one, where the standby takes
 * party `lost`'s slot. Run by all three members of the new trio on a context whose channel and
 * randomness belong to the new trio: the remaining parties pass their old share, the standby
 * (`ctx.self === lost`) passes `undefined`. Returns this party's new share (shape kept).
 * @throws InvalidArgumentError when `lost` is not a party index, a remaining party passes no
 *   share or one of another length, or the standby passes a share (it must hold none).
 */
export async function reshareToStandby(ctx: ProtocolContext, lost: PartyIndex, old: ReplicatedShare | undefined, n: number, shape?: readonly number[]): Promise<ReplicatedShare> {
  if (lost !== 0 && lost !== 1 && lost !== 2) throw new InvalidArgumentError(`lost: expected party index 0, 1 or 2, got ${String(lost)}`);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`n: expected non-negative integer, got ${String(n)}`);
  const first = nextParty(lost);
  const second = prevParty(lost);
  let part: BigUint64Array | undefined;
  if (ctx.self === lost) {
    if (old !== undefined) throw new InvalidArgumentError(`old: the standby in slot ${lost} holds no share and must pass undefined`);
  } else {
    if (old === undefined) throw new InvalidArgumentError(`old: remaining party ${ctx.self} must pass its old share`);
    const len = checkShare('old', old);
    if (len !== n) throw new InvalidArgumentError(`old: expected ${n} elements, got ${len}`);
    // P_{j+1} holds (x_{j+1}, x_{j+2}) and deals their sum; P_{j+2} holds (x_{j+2}, x_j) and deals x_j.
    part = ctx.self === first ? ctx.ring.add(old.a, old.b) : old.b;
  }
  const scope = ctx.scope('reshare');
  const [u, v] = await Promise.all([
    inputFrom(scope, first, ctx.self === first ? part : undefined, n),
    inputFrom(scope, second, ctx.self === second ? part : undefined, n),
  ]);
  return makeShare(ctx.ring.add(u.a, v.a), ctx.ring.add(u.b, v.b), shape ?? old?.shape);
}
