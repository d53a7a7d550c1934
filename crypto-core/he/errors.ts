/**
 * @module crypto-core/he/errors
 * Named errors of the CKKS (node-seal) wrapper. Each has a stable `code` that services map to
 * their own catalogues. SEAL itself throws `WebAssembly.Exception`s carrying a C++ type and a
 * message; `seal-exception.ts` turns those into the classes below.
 */
import { MpcError } from '../errors.js';

/** Encryption parameters are invalid, insecure, or cannot hold the requested computation. */
export class HeParameterError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('he-parameters', message, options);
  }
}

/**
 * Serialized SEAL data (ciphertext or key) is truncated, corrupted or not SEAL data at all.
 * Distinct from {@link HeParameterMismatchError}: the bytes themselves are broken.
 */
export class HeMalformedDataError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('he-malformed-data', message, options);
  }
}

/**
 * Well-formed SEAL data that belongs to another parameter set or another level than the one
 * expected (detected through its `parms_id`, which is a hash of the encryption parameters).
 */
export class HeParameterMismatchError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('he-parameter-mismatch', message, options);
  }
}

/** An evaluation needs a rotation for which the client uploaded no Galois key. */
export class HeMissingGaloisKeyError extends MpcError {
  /** The rotation steps that have no key. */
  readonly missingSteps: readonly number[];
  constructor(message: string, missingSteps: readonly number[], options?: { cause?: unknown }) {
    super('he-missing-galois-key', message, options);
    this.missingSteps = missingSteps;
  }
}

/**
 * The WebAssembly heap is exhausted (`std::bad_alloc` or a failed memory grow). Fatal for the
 * SEAL instance: after it, even `delete()` may hang, so the owner must discard the instance
 * (for a worker thread: exit and let the pool start a fresh one).
 */
export class HeOutOfMemoryError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('he-out-of-memory', message, options);
  }
}

/** Any other exception raised inside SEAL, with SEAL's own message kept. */
export class HeSealError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('he-seal', message, options);
  }
}
