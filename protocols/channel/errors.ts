/**
 * @module protocols/channel/errors
 * Errors of a {@link Channel}: a peer gone, a receive timed out, a tag used twice. Each extends
 * {@link MpcError} with a stable `code`.
 */
import { MpcError } from '../../crypto-core/errors.js';
import type { PartyIndex } from './channel.js';

/** A peer was declared gone (crashed, killed, left the job): its messages will never come. */
export class PartyUnavailableError extends MpcError {
  /** The party that is unavailable. */
  readonly party: PartyIndex;
  constructor(party: PartyIndex, message?: string, options?: { cause?: unknown }) {
    super('party-unavailable', message ?? `party ${party} is unavailable`, options);
    this.party = party;
  }
}

/** A receive waited longer than its timeout. */
export class ChannelTimeoutError extends MpcError {
  /** The party the message was expected from. */
  readonly party: PartyIndex;
  /** The protocol step tag that was awaited. */
  readonly tag: string;
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;
  constructor(party: PartyIndex, tag: string, timeoutMs: number, options?: { cause?: unknown }) {
    super('channel-timeout', `no message from party ${party} under tag "${tag}" within ${timeoutMs} ms`, options);
    this.party = party;
    this.tag = tag;
    this.timeoutMs = timeoutMs;
  }
}

/** The same sender used the same tag twice towards the same receiver: a protocol bug. */
export class DuplicateMessageError extends MpcError {
  constructor(from: PartyIndex, to: PartyIndex, tag: string, options?: { cause?: unknown }) {
    super('duplicate-message', `party ${from} already sent a message to party ${to} under tag "${tag}"`, options);
  }
}
