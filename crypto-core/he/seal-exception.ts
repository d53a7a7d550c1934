/**
 * @module crypto-core/he/seal-exception
 * Translation of SEAL's C++ exceptions into named errors. node-seal surfaces a C++ exception as
 * a `WebAssembly.Exception` whose `message` is the pair `[c++ type, what()]`; an exhausted heap
 * appears either as `std::bad_alloc` or as a `RangeError` from a failed `WebAssembly.Memory.grow`.
 */
import { MpcError } from '../errors.js';
import { HeMalformedDataError, HeOutOfMemoryError, HeSealError } from './errors.js';

/** The C++ type and message of a SEAL exception, or undefined when `e` is not one. */
export function sealExceptionParts(e: unknown): { type: string; what: string } | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const msg = (e as { message?: unknown }).message;
  if (Array.isArray(msg) && msg.length >= 2 && typeof msg[0] === 'string') {
    return { type: msg[0], what: String(msg[1]) };
  }
  return undefined;
}

/** True when `e` says the WebAssembly heap ran out (after which the instance must be discarded). */
export function isOutOfMemory(e: unknown): boolean {
  if (e instanceof HeOutOfMemoryError) return true;
  const parts = sealExceptionParts(e);
  if (parts) return parts.type.includes('bad_alloc') || /bad_alloc|out of memory/i.test(parts.what);
  if (e instanceof RangeError) return /memory|allocation/i.test(e.message);
  if (e instanceof Error) return /bad_alloc|Out of memory|Cannot enlarge memory/i.test(e.message);
  return false;
}

/**
 * Rethrows `e` as a named error. `what` names the operation and the data for the message
 * (e.g. `ciphertext`). Errors that are already ours pass through unchanged. `malformed` says
 * whether a failed load means broken bytes (true while deserializing).
 */
export function toHeError(e: unknown, what: string, malformed = false): Error {
  if (e instanceof MpcError) return e;
  if (isOutOfMemory(e)) return new HeOutOfMemoryError(`${what}: the SEAL WebAssembly heap is exhausted`, { cause: e });
  const parts = sealExceptionParts(e);
  if (parts) {
    const text = `${what}: ${parts.what} (${parts.type})`;
    return malformed ? new HeMalformedDataError(text, { cause: e }) : new HeSealError(text, { cause: e });
  }
  if (e instanceof Error) return malformed ? new HeMalformedDataError(`${what}: ${e.message}`, { cause: e }) : e;
  return new HeSealError(`${what}: ${String(e)}`, { cause: e });
}
