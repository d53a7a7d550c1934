/**
 * @module crypto-core/checkpoint/errors
 * Errors of the signed-note and checkpoint codecs, with stable codes.
 */
import { MpcError } from '../errors.js';

/** Text that is not a well-formed C2SP signed note (or a bad key name / verifier key). */
export class SignedNoteFormatError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('signed-note-format', message, options);
  }
}

/** Note text that is not a well-formed C2SP tlog checkpoint. */
export class CheckpointFormatError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('checkpoint-format', message, options);
  }
}
