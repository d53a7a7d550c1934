/**
 * @module services/sdk/canonical-base64
 * Strict decoding of standard padded base64 for large payloads (HE keys and ciphertexts are
 * megabytes). crypto-core/encoding `fromBase64` validates with a grouped regular expression
 * that exhausts the stack on multi-megabyte strings; this check uses a flat character scan and
 * the same canonical rule (re-encoding gives the same text), so one byte string still has one
 * spelling.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';

const ALPHABET = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Bytes of canonical standard padded base64.
 * @throws InvalidArgumentError naming `name` for a non-string, a character outside the
 *   alphabet, a length that is not a multiple of 4, or non-zero padding bits.
 */
export function decodeCanonicalBase64(b64: string, name = 'base64'): Uint8Array {
  if (typeof b64 !== 'string') throw new InvalidArgumentError(`${name}: expected base64 string, got ${typeof b64}`);
  if (b64.length % 4 !== 0 || !ALPHABET.test(b64)) throw new InvalidArgumentError(`${name}: expected standard padded base64 (${b64.length} chars given)`);
  const out = Buffer.from(b64, 'base64');
  if (out.toString('base64') !== b64) throw new InvalidArgumentError(`${name}: non-canonical base64 (padding bits set)`);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
