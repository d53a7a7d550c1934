/**
 * @module protocols/wire
 * Ring vectors on the wire: a `BigUint64Array` as little-endian bytes and back. Both directions
 * COPY: a received `Buffer` often views a pooled slab at an odd byte offset, where a
 * `BigUint64Array` view would throw (it needs 8-byte alignment) or alias memory that the
 * transport reuses.
 */
import { InvalidArgumentError } from '../crypto-core/errors.js';

/** True on little-endian hosts, where the typed array's memory already is the wire format. */
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The little-endian bytes of `values` (8 per element), in a fresh buffer. */
export function u64ToBytes(values: BigUint64Array): Uint8Array {
  if (!(values instanceof BigUint64Array)) {
    throw new InvalidArgumentError(`values: expected BigUint64Array, got ${typeof values}`);
  }
  const out = new Uint8Array(values.length * 8);
  if (HOST_LITTLE_ENDIAN) {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  } else {
    const view = new DataView(out.buffer);
    for (let i = 0; i < values.length; i++) view.setBigUint64(i * 8, values[i]!, true);
  }
  return out;
}

/**
 * Decodes little-endian bytes into a fresh `BigUint64Array`.
 * @param expectedLength when given, the number of elements the caller expects.
 * @throws InvalidArgumentError when the byte length is not a multiple of 8 or not `expectedLength * 8`.
 */
export function bytesToU64(bytes: Uint8Array, expectedLength?: number): BigUint64Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new InvalidArgumentError(`bytes: expected Uint8Array, got ${typeof bytes}`);
  }
  if (bytes.length % 8 !== 0) {
    throw new InvalidArgumentError(`bytes: expected a multiple of 8 bytes, got ${bytes.length}`);
  }
  if (expectedLength !== undefined && bytes.length !== expectedLength * 8) {
    throw new InvalidArgumentError(`bytes: expected ${expectedLength * 8} bytes (${expectedLength} elements), got ${bytes.length}`);
  }
  const out = new BigUint64Array(bytes.length / 8);
  if (HOST_LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getBigUint64(i * 8, true);
  }
  return out;
}
