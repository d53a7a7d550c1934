/**
 * @module protocols/rss/errors
 * Named errors of the replicated-secret-sharing layer and of the channels it runs over. Each
 * extends {@link MpcError} with a stable `code`, so services map them to their own catalogues
 * (HTTP problem types, job verdicts, reputation events) without parsing messages.
 */
import { MpcError } from '../../crypto-core/errors.js';
import type { PartyIndex } from '../channel/channel.js';

/**
 * A share component arrived twice with different values: some party altered its shares.
 * `suspects` lists every party that could have caused it; `culprit` is set only when the
 * disagreements pin exactly one party (see `openChecked`).
 */
export class InconsistentShareError extends MpcError {
  /** Parties one of which (or more) sent an altered copy. */
  readonly suspects: readonly PartyIndex[];
  /** The one party that must have lied, when the evidence identifies it. */
  readonly culprit: PartyIndex | undefined;
  /** Indices j of the share components x_j whose two copies disagree. */
  readonly components: readonly number[];
  constructor(
    message: string,
    details: { suspects: readonly PartyIndex[]; culprit?: PartyIndex; components: readonly number[] },
    options?: { cause?: unknown },
  ) {
    super('inconsistent-share', message, options);
    this.suspects = Object.freeze([...details.suspects]);
    this.culprit = details.culprit;
    this.components = Object.freeze([...details.components]);
  }
}

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

/** Operands (or a received message) have lengths or shapes that do not fit together. */
export class ShapeError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('shape-mismatch', message, options);
  }
}
