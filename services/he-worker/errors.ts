/**
 * @module services/he-worker/errors
 * Errors of the HE worker pool and its session registry, and their transport across the
 * worker-thread boundary (a structured clone loses the class, so errors travel as
 * `{ name, code, message }` and are rebuilt here by name).
 */
import { InvalidArgumentError, MpcError } from '../../crypto-core/errors.js';
import {
  HeMalformedDataError,
  HeMissingGaloisKeyError,
  HeOutOfMemoryError,
  HeParameterError,
  HeParameterMismatchError,
  HeSealError,
} from '../../crypto-core/he/errors.js';
import { HeUnsupportedModelError } from '../../protocols/he/errors.js';

/** A request names a session id that was never registered (or was evicted and purged). */
export class HeUnknownSessionError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('he-unknown-session', message, options);
  }
}

/** A request names a session whose keys expired; the client must register its keys again. */
export class HeSessionExpiredError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('he-session-expired', message, options);
  }
}

/** A key bundle alone exceeds the registry's byte budget. */
export class HeSessionLimitError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('he-session-limit', message, options);
  }
}

/** A request names a model id that was not registered with the pool. */
export class HeUnknownModelError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('he-unknown-model', message, options);
  }
}

/** A request's worker died (crash, out of memory) more times than the retry limit allows. */
export class HeWorkerCrashedError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('he-worker-crashed', message, options);
  }
}

/** The pool was closed before the request could run. */
export class HePoolClosedError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('he-pool-closed', message, options);
  }
}

/**
 * A coordinator request the HE worker service refused before running it. `code` says why:
 * `bad-signature`, `wrong-addressee`, `stale-request`, `replayed-request`, `malformed-request`.
 */
export class HeRequestRefusedError extends MpcError {}

/** An error as it crosses the thread boundary. */
export interface WireError {
  readonly name: string;
  readonly code: string;
  readonly message: string;
  readonly missingSteps?: readonly number[];
}

/** Flattens an error for postMessage. */
export function toWireError(e: unknown): WireError {
  if (e instanceof HeMissingGaloisKeyError) return { name: e.name, code: e.code, message: e.message, missingSteps: [...e.missingSteps] };
  if (e instanceof MpcError) return { name: e.name, code: e.code, message: e.message };
  if (e instanceof Error) return { name: e.name, code: 'internal', message: e.message };
  return { name: 'Error', code: 'internal', message: String(e) };
}

const revivers: Record<string, (m: string) => Error> = {
  HeParameterError: (m) => new HeParameterError(m),
  HeMalformedDataError: (m) => new HeMalformedDataError(m),
  HeParameterMismatchError: (m) => new HeParameterMismatchError(m),
  HeOutOfMemoryError: (m) => new HeOutOfMemoryError(m),
  HeSealError: (m) => new HeSealError(m),
  HeUnsupportedModelError: (m) => new HeUnsupportedModelError(m),
  InvalidArgumentError: (m) => new InvalidArgumentError(m),
  HeUnknownSessionError: (m) => new HeUnknownSessionError(m),
  HeUnknownModelError: (m) => new HeUnknownModelError(m),
};

/** Rebuilds the named error class from its wire form (unknown names become a plain MpcError). */
export function fromWireError(w: WireError): Error {
  if (w.name === 'HeMissingGaloisKeyError') return new HeMissingGaloisKeyError(w.message, w.missingSteps ?? []);
  const make = revivers[w.name];
  return make ? make(w.message) : new MpcError(w.code, w.message);
}
