/**
 * @module crypto-core/hkdf
 * HKDF with SHA-256 (RFC 5869), extract-then-expand, through `node:crypto`.
 */
import { hkdfSync } from 'node:crypto';
import { InvalidArgumentError } from './errors.js';
import { describe } from './ring/check.js';
import { checkBytes } from './keys/byte-checks.js';

/** The largest output HKDF-SHA256 can give: 255 blocks of 32 bytes (RFC 5869 section 2.3). */
export const HKDF_SHA256_MAX_LENGTH = 255 * 32;

/**
 * `length` bytes of HKDF-SHA256 output keying material.
 * @param ikm - input keying material (e.g. an X25519 shared secret); may be empty.
 * @param salt - optional salt; an empty salt means HashLen zero bytes (RFC 5869 section 2.2).
 * @param info - context and application label, as bytes or as a string encoded in UTF-8.
 * @param length - number of output bytes, 1..8160.
 * @throws InvalidArgumentError naming the offending parameter.
 */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array | string, length: number): Uint8Array {
  checkBytes('ikm', ikm);
  checkBytes('salt', salt);
  if (typeof info !== 'string' && !(info instanceof Uint8Array)) {
    throw new InvalidArgumentError(`info: expected Uint8Array or string, got ${describe(info)}`);
  }
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 1 || length > HKDF_SHA256_MAX_LENGTH) {
    throw new InvalidArgumentError(`length: expected integer in 1..${HKDF_SHA256_MAX_LENGTH}, got ${describe(length)}`);
  }
  const infoBytes = typeof info === 'string' ? new TextEncoder().encode(info) : info;
  // OpenSSL caps info at 1024 bytes; report that as an argument error rather than a raw library error.
  if (infoBytes.length > 1024) throw new InvalidArgumentError(`info: expected at most 1024 bytes, got ${infoBytes.length}`);
  return new Uint8Array(hkdfSync('sha256', ikm, salt, infoBytes, length));
}
