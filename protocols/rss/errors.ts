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

/** Which check of the malicious mode failed (docs/protocols-malicious.md). */
export type VerificationCheck = 'open' | 'zero-test' | 'proof' | 'verdict' | 'consistency' | 'claims';

/**
 * A check of the malicious mode failed: some party deviated from the protocol. Thrown before any
 * value that depends on the deviation is used or released. `step` is the tag prefix of the
 * failing step (all parties can produce their evidence for it, `stepEvidence`); `suspects` are
 * the parties this party's own view implicates (a receiver that is honest knows the cheater is
 * one of them; `services/wire/verification-evidence` narrows it down from all three statements).
 */
export class VerificationFailedError extends MpcError {
  readonly step: string;
  readonly check: VerificationCheck;
  readonly suspects: readonly PartyIndex[];
  constructor(message: string, details: { step: string; check: VerificationCheck; suspects: readonly PartyIndex[] }, options?: { cause?: unknown }) {
    super('verification-failed', message, options);
    this.step = details.step;
    this.check = details.check;
    this.suspects = Object.freeze([...details.suspects].sort((u, v) => u - v));
  }
}

/** A protocol that has no malicious-secure version yet was called on a malicious context. */
export class UnsupportedInMaliciousModeError extends MpcError {
  constructor(protocol: string) {
    super('unsupported-in-malicious-mode', `${protocol} has no malicious-secure version yet (docs/protocols-malicious.md, "What remains"); run it on a semi-honest context`);
  }
}
