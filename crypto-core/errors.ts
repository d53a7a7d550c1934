/**
 * @module crypto-core/errors
 * Named error classes of the crypto core, collected in one place (nats.js habit): each sets
 * `name`, carries an optional `cause`, and has a stable `code` that services map to their own
 * error catalogues (HTTP problem types, CLI exit codes).
 */

/** Base class of every error this project throws on purpose. */
export class MpcError extends Error {
  /** Stable machine-readable code, e.g. `invalid-argument`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A public function was called with an argument of the wrong type, length or range. */
export class InvalidArgumentError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid-argument', message, options);
  }
}

/** A fixed-point encoding would overflow the ring, or the input is NaN or infinite. */
export class FixedPointRangeError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('fixed-point-range', message, options);
  }
}

/** Authenticated decryption failed: wrong key, wrong associated data, or altered bytes. */
export class DecryptionError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('decryption-failed', message, options);
  }
}

/** A key file is missing, unreadable, malformed or has unsafe permissions. */
export class KeyFileError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('key-file', message, options);
  }
}

/** The native addon could not be loaded or was asked for by `MPC_NATIVE=1` and is absent. */
export class NativeBackendError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('native-backend', message, options);
  }
}
