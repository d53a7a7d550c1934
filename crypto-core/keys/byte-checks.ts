/**
 * @module crypto-core/keys/byte-checks
 * Boundary checks shared by the key, HKDF, AEAD and sealed-box functions, so that every one of
 * them rejects a wrong type or length with the same kind of message naming the parameter.
 */
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';
import { describe } from '../ring/check.js';

/** A source of `n` uniformly random bytes; defaults to `node:crypto` randomBytes everywhere. */
export type RandomSource = (n: number) => Uint8Array;

/** Throws unless `v` is a Uint8Array (of exactly `length` bytes when given); returns it typed. */
export function checkBytes(name: string, v: unknown, length?: number): Uint8Array {
  if (!(v instanceof Uint8Array)) {
    throw new InvalidArgumentError(`${name}: expected ${length === undefined ? '' : `${length}-byte `}Uint8Array, got ${describe(v)}`);
  }
  if (length !== undefined && v.length !== length) {
    throw new InvalidArgumentError(`${name}: expected ${length} bytes, got ${v.length}`);
  }
  return v;
}

/** Throws unless `rng` is undefined or a function. */
export function checkRng(rng: unknown): RandomSource | undefined {
  if (rng !== undefined && typeof rng !== 'function') {
    throw new InvalidArgumentError(`rng: expected function (n: number) => Uint8Array, got ${describe(rng)}`);
  }
  return rng as RandomSource | undefined;
}

/**
 * `n` bytes from `rng`, or from the operating system's CSPRNG when `rng` is undefined. The
 * result is checked (and copied) so that a faulty source cannot hand back a short or shared buffer.
 */
export function drawRandom(rng: RandomSource | undefined, n: number): Uint8Array {
  if (rng === undefined) return new Uint8Array(randomBytes(n));
  const out: unknown = rng(n);
  if (!(out instanceof Uint8Array) || out.length !== n) {
    throw new InvalidArgumentError(`rng: expected it to return ${n} bytes as Uint8Array, got ${out instanceof Uint8Array ? `${out.length} bytes` : describe(out)}`);
  }
  return Uint8Array.from(out);
}

/** Whether two byte strings are equal, in time independent of where they differ. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
