/**
 * @module services/party/errors
 * Named errors of the party service, each with a stable `code`.
 */
import { MpcError } from '../../crypto-core/errors.js';
import { RESIDENCY_REFUSED, SEALED_INPUT_REFUSED } from '../wire/job-error-codes.js';

/** The share store cannot read, write or authenticate an object. */
export class ShareStoreError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('share-store', message, options);
  }
}

/** Why a party refuses a job message. Stable strings: they are logged and sent back to the coordinator. */
export type RefusalReason =
  | 'bad-signature'
  | 'unknown-kind'
  | 'expired'
  | 'not-addressed'
  | 'replayed'
  | 'malformed'
  /** A standby, or a party the configuration does not pin for a slot, without the operators' promotion decisions. */
  | 'not-promoted'
  | 'unknown-job';

/** A job message the party will not run. */
export class JobRefusedError extends MpcError {
  readonly reason: RefusalReason;
  constructor(reason: RefusalReason, message: string, options?: { cause?: unknown }) {
    super(`job-refused-${reason}`, message, options);
    this.reason = reason;
  }
}

/** A job's payload is inconsistent (wrong lengths or shapes, inputs that do not open). */
export class JobPayloadError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('job-payload', message, options);
  }
}

/**
 * The client's sealed material does not open for this party, or opens to bytes that are not
 * what the job declares: tampered on the way, sealed to another key or for another job, or
 * malformed by the client. A client fault, with a stable code: the gateway answers it as a 400
 * `invalid-ciphertext` naming the party's box, and an asynchronous job fails with this code.
 */
export class SealedInputError extends JobPayloadError {
  override readonly code = SEALED_INPUT_REFUSED;
}

/** The coordinator aborted the job (another party failed or is gone, or the deadline passed). */
export class JobAbortedError extends MpcError {
  /** The party the coordinator blamed, if any. */
  readonly party: number | undefined;
  constructor(message: string, party?: number, options?: { cause?: unknown }) {
    super('job-aborted', message, options);
    this.party = party;
  }
}

/** Why a party refuses a model version (services/wire/model-version). Stable strings. */
export type ModelVersionRefusal = 'unsigned' | 'bad-signature' | 'mismatch' | 'owner-key';

/**
 * A model version the party will not store: no owner-signed statement, a signature that does not
 * verify, a statement that says something else than the order or the box received, or a key
 * other than the one pinned at the model name's first version. Code `model-version-<reason>`.
 */
export class ModelVersionRefusedError extends JobPayloadError {
  override readonly code: string;
  readonly reason: ModelVersionRefusal;
  constructor(reason: ModelVersionRefusal, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
    this.code = `model-version-${reason}`;
  }
}

/**
 * Shares bound by their owner's signature to a region other than this party's (code
 * `residency-refused`, services/wire/job-error-codes).
 */
export class ResidencyRefusedError extends JobPayloadError {
  override readonly code = RESIDENCY_REFUSED;
}

/** @throws ResidencyRefusedError when `residency` (signed by the owner of `what`) is set and is not `region`, this party's. */
export function checkResidency(what: string, residency: string | undefined, region: string | undefined, self: number): void {
  if (residency === undefined || residency === region) return;
  throw new ResidencyRefusedError(`${what} must stay in region ${JSON.stringify(residency)} (owner-signed); party ${self} is ${region === undefined ? 'in no configured region' : `in region ${JSON.stringify(region)}`}`);
}

/** A peer refused a job that needs all three (an upload's vote): its code, when the client acts on it, and its message. */
export class PeerRefusalError extends JobPayloadError {
  override readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}
