/**
 * @module crypto-core/keys/storage-key
 * A party's storage key: 32 random bytes under which it encrypts its shares at rest
 * (AES-256-GCM, see aead). Kept in its own 0600 file, apart from the identity, so that the two
 * can be rotated and backed up separately.
 *
 * File, mode 0600: `{"format":"mpc-storage-key/v1","key":"<64 hex>"}`
 */
import { toHex } from '../encoding.js';
import { checkBytes, checkRng, drawRandom, type RandomSource } from './byte-checks.js';
import { keyFileHexField, parseKeyFileJson, readKeyFileText, writeKeyFileText, SECRET_FILE_MODE, type WriteKeyFileOptions } from './key-file-io.js';

/** Format tag of storage-key files. */
export const STORAGE_KEY_FILE_FORMAT = 'mpc-storage-key/v1';
/** Length in bytes of a storage key. */
export const STORAGE_KEY_LENGTH = 32;

/**
 * A fresh storage key.
 * @param rng - source of the 32 bytes; defaults to `node:crypto` randomBytes.
 */
export function generateStorageKey(rng?: RandomSource): Uint8Array {
  return drawRandom(checkRng(rng), STORAGE_KEY_LENGTH);
}

/**
 * Writes `key` to `path` with mode 0600, atomically, creating parent directories with 0700.
 * @param options - `overwrite: true` replaces an existing file; by default an existing file is
 *   an error, because replacing a storage key makes every share stored under it unreadable.
 * @throws InvalidArgumentError when `key` is not 32 bytes.
 * @throws KeyFileError when the file cannot be written or already exists.
 */
export function writeStorageKeyFile(path: string, key: Uint8Array, options?: WriteKeyFileOptions): void {
  checkBytes('key', key, STORAGE_KEY_LENGTH);
  const doc = { format: STORAGE_KEY_FILE_FORMAT, key: toHex(key) };
  writeKeyFileText(path, `${JSON.stringify(doc, null, 2)}\n`, SECRET_FILE_MODE, options);
}

/**
 * Reads the storage key at `path`.
 * @throws KeyFileError for a missing or unreadable file, permissions wider than 0600, text that
 *   is not JSON, a wrong format tag, or a key that is not 32 bytes of hex.
 */
export function readStorageKeyFile(path: string): Uint8Array {
  const what = 'storage-key file';
  const obj = parseKeyFileJson(path, readKeyFileText(path, what, true), what, STORAGE_KEY_FILE_FORMAT);
  return keyFileHexField(path, obj, '', 'key', STORAGE_KEY_LENGTH);
}
