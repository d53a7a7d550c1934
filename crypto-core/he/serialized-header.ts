/**
 * @module crypto-core/he/serialized-header
 * Reading SEAL's serialization header and, for ciphertexts, the `parms_id` behind it, without
 * loading anything into a SEAL context. This is how a ciphertext from another parameter set is
 * told apart from a truncated or corrupted one: SEAL's own load reports both as "data is invalid".
 *
 * Header (16 bytes, little-endian): magic 0xA15E (u16), header size 16 (u8), version major (u8),
 * minor (u8), compression mode (u8: 0 none, 1 zlib, 2 zstd), 2 reserved bytes, total size (u64).
 * A ciphertext's members start with its parms_id (4 x u64), then is_ntt_form, size, N, ...
 */
import { inflateSync, zstdDecompressSync } from 'node:zlib';
import { HeMalformedDataError } from './errors.js';

/** SEAL's serialization magic number. */
export const SEAL_MAGIC = 0xa15e;

/** The parsed 16-byte SEAL header. */
export interface SealHeader {
  readonly versionMajor: number;
  readonly versionMinor: number;
  /** 0 none, 1 zlib, 2 zstd. */
  readonly comprMode: number;
  /** Total size in bytes that the header announces, header included. */
  readonly size: number;
}

/**
 * Parses and checks the header of serialized SEAL data named `what` (for messages).
 * Throws {@link HeMalformedDataError} when the bytes are not SEAL data or their length differs
 * from the announced size (truncation, appended bytes).
 */
export function readSealHeader(bytes: Uint8Array, what: string): SealHeader {
  if (!(bytes instanceof Uint8Array)) throw new HeMalformedDataError(`${what}: expected Uint8Array, got ${typeof bytes}`);
  if (bytes.length < 16) throw new HeMalformedDataError(`${what}: ${bytes.length} bytes is shorter than the 16-byte SEAL header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = dv.getUint16(0, true);
  if (magic !== SEAL_MAGIC || bytes[2] !== 16) throw new HeMalformedDataError(`${what}: not SEAL data (magic 0x${magic.toString(16)}, expected 0xa15e)`);
  const comprMode = bytes[5]!;
  if (comprMode > 2) throw new HeMalformedDataError(`${what}: unknown compression mode ${comprMode}`);
  const size = Number(dv.getBigUint64(8, true));
  if (size !== bytes.length) {
    throw new HeMalformedDataError(`${what}: header announces ${size} bytes but ${bytes.length} were received (truncated or altered)`);
  }
  return { versionMajor: bytes[3]!, versionMinor: bytes[4]!, comprMode, size };
}

/**
 * The parms_id (hex, 64 characters) a serialized ciphertext claims, or throws
 * {@link HeMalformedDataError} when it cannot be read.
 */
export function peekCiphertextParmsId(bytes: Uint8Array, what = 'ciphertext'): string {
  const header = readSealHeader(bytes, what);
  const body = bytes.subarray(16);
  let members: Uint8Array;
  try {
    members = header.comprMode === 0 ? body : header.comprMode === 1 ? inflateSync(body) : zstdDecompressSync(body);
  } catch (e) {
    throw new HeMalformedDataError(`${what}: compressed body does not decompress`, { cause: e });
  }
  if (members.length < 32) throw new HeMalformedDataError(`${what}: body of ${members.length} bytes holds no parms_id`);
  return parmsIdHex(new BigUint64Array(Uint8Array.from(members.subarray(0, 32)).buffer));
}

/** Hex form of a parms_id (4 x u64, as SEAL's `ParmsIdType.values()` returns it). */
export function parmsIdHex(words: BigUint64Array | readonly bigint[]): string {
  return Array.from(words, (w) => w.toString(16).padStart(16, '0')).join('');
}
