/**
 * @module services/transport/large-base64
 * Strict base64 decoding for multi-megabyte strings (sealed output shares). crypto-core's
 * `fromBase64` validates with a regular expression whose repetition overflows the stack on
 * strings of a few megabytes; this decoder checks canonical form by re-encoding instead, which
 * is linear and accepts exactly the same strings (standard alphabet, padded, no stray bytes).
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';

/** Bytes of the canonical standard padded base64 string `b64`. @throws InvalidArgumentError naming `name`. */
export function fromLargeBase64(b64: string, name = 'base64'): Uint8Array {
  if (typeof b64 !== 'string') throw new InvalidArgumentError(`${name}: expected base64 string, got ${typeof b64}`);
  const buf = Buffer.from(b64, 'base64');
  // Node skips characters outside the alphabet and tolerates missing padding: re-encoding must
  // give the input back, or the input was not canonical base64.
  if (buf.toString('base64') !== b64) throw new InvalidArgumentError(`${name}: expected canonical standard padded base64 (${b64.length} chars given)`);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
