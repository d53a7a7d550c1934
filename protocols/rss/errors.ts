/**
 * @module protocols/rss/errors
 * Named errors of the replicated-secret-sharing layer, with the channel errors (protocols/channel/errors)
 * re-exported so that protocol code finds every error it may meet here. Each
 * extends {@link MpcError} with a stable `code`, so services map them to their own catalogues
 * (HTTP problem types, job verdicts, reputation events) without parsing messages.
 */
import { MpcError } from '../../crypto-core/errors.js';
import type { PartyIndex } from '../channel/channel.js';

export { ChannelTimeoutError, DuplicateMessageError, PartyUnavailableError } from '../channel/errors.js';

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

/** Operands (or a received message) have lengths or shapes that do not fit together. */
export class ShapeError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('shape-mismatch', message, options);
  }
}
