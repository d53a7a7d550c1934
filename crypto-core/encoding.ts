/**
 * @module crypto-core/encoding
 * Hex and base64 text forms of byte strings, strict in what they accept: key files and public
 * identities are compared and fingerprinted as text, so one key must have exactly one spelling
 * (lower-case hex, no prefix, no whitespace; standard padded base64).
 */
import { InvalidArgumentError } from './errors.js';
import { describe } from './ring/check.js';

const HEX_RE = /^(?:[0-9a-f]{2})*$/;

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError(`bytes: expected Uint8Array, got ${describe(bytes)}`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Bytes of the lower-case hex string `hex`. Upper-case digits are rejected on purpose so that
 * a key has a single text form.
 * @param name - the parameter name used in error messages.
 * @param expectedBytes - when given, the exact decoded length required.
 * @throws InvalidArgumentError when `hex` is not a string of lower-case hex pairs of the right length.
 */
export function fromHex(hex: string, name = 'hex', expectedBytes?: number): Uint8Array {
  if (typeof hex !== 'string') throw new InvalidArgumentError(`${name}: expected hex string, got ${describe(hex)}`);
  if (!HEX_RE.test(hex)) throw new InvalidArgumentError(`${name}: expected lower-case hex digits in pairs, got ${JSON.stringify(hex.slice(0, 16))}${hex.length > 16 ? '...' : ''} (${hex.length} chars)`);
  if (expectedBytes !== undefined && hex.length !== 2 * expectedBytes) {
    throw new InvalidArgumentError(`${name}: expected ${2 * expectedBytes} hex characters (${expectedBytes} bytes), got ${hex.length}`);
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** Standard padded base64 of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError(`bytes: expected Uint8Array, got ${describe(bytes)}`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Bytes of the standard padded base64 string `b64`. Node's decoder silently skips invalid
 * characters, so the text is validated first.
 * @throws InvalidArgumentError when `b64` is not canonical standard base64.
 */
export function fromBase64(b64: string, name = 'base64'): Uint8Array {
  if (typeof b64 !== 'string') throw new InvalidArgumentError(`${name}: expected base64 string, got ${describe(b64)}`);
  // Node skips characters outside the alphabet and tolerates missing padding or non-zero padding
  // bits; re-encoding must give the input back, so exactly the canonical standard padded form
  // passes. (A validating regular expression overflows the stack on multi-megabyte strings.)
  const buf = Buffer.from(b64, 'base64');
  if (buf.toString('base64') !== b64) throw new InvalidArgumentError(`${name}: expected canonical standard padded base64 (${b64.length} chars given)`);
  return new Uint8Array(buf); // a copy: small Buffers are views into a shared pool
}

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  if (typeof text !== 'string') throw new InvalidArgumentError(`text: expected string, got ${describe(text)}`);
  return new TextEncoder().encode(text);
}
