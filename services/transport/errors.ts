/**
 * @module services/transport/errors
 * Named errors of the NATS transport: each has a stable `code` (see crypto-core/errors) so
 * services can report a job failure with a reason a person can act on.
 */
import { MpcError } from '../../crypto-core/errors.js';

/** `recv` was pending or called after the channel was closed. */
export class ChannelClosedError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('channel-closed', message, options);
  }
}

/** The job deadline passed before a message arrived. */
export class ChannelDeadlineError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('job-deadline', message, options);
  }
}

/**
 * The in-order stream from a peer is broken: a frame that authenticates carries a sequence
 * number beyond the next expected one, so earlier frames were lost (broker restart, slow
 * consumer). The job cannot continue on this channel.
 */
export class ChannelStreamError extends MpcError {
  /** Index of the party whose stream broke. */
  readonly party: number;
  constructor(party: number, message: string, options?: { cause?: unknown }) {
    super('channel-stream-broken', message, options);
    this.party = party;
  }
}
