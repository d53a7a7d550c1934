/**
 * @module protocols/rss/exchange
 * Sending and receiving ring vectors over a {@link Channel}, with the received length checked
 * against what the protocol step expects, so a short or padded message from a peer is reported
 * as that peer's fault instead of surfacing as a wrong answer.
 */
import { bytesToU64, u64ToBytes } from '../wire.js';
import type { PartyIndex } from '../channel/channel.js';
import type { ProtocolContext } from './context.js';
import { ShapeError } from './errors.js';

/** Sends `v` to party `to` under `tag`. */
export function sendVector(ctx: ProtocolContext, to: PartyIndex, tag: string, v: BigUint64Array): Promise<void> {
  return ctx.channel.send(to, tag, u64ToBytes(v));
}

/**
 * Receives a vector of exactly `n` elements from party `from` under `tag`.
 * @throws ShapeError naming the sender when the length differs.
 */
export async function recvVector(ctx: ProtocolContext, from: PartyIndex, tag: string, n: number): Promise<BigUint64Array> {
  const bytes = await ctx.channel.recv(from, tag);
  if (bytes.length !== n * 8) {
    throw new ShapeError(`message "${tag}" from party ${from}: expected ${n * 8} bytes (${n} elements), got ${bytes.length}`);
  }
  return bytesToU64(bytes, n);
}
