/**
 * @module crypto-core/aead
 * AES-256-GCM authenticated encryption (NIST SP 800-38D) through `node:crypto`, with a 96-bit
 * nonce and a full 128-bit tag. The output is `ciphertext || tag`, the layout of RFC 5116.
 *
 * A (key, nonce) pair must never be used twice: GCM then leaks the XOR of the plaintexts and
 * lets an attacker forge tags. Callers either use a fresh key per message (sealed boxes) or a
 * counter nonce per direction (channels).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { DecryptionError } from './errors.js';
import { checkBytes } from './keys/byte-checks.js';

/** AES-256 key length in bytes. */
export const AEAD_KEY_LENGTH = 32;
/** GCM nonce length in bytes. */
export const AEAD_NONCE_LENGTH = 12;
/** GCM tag length in bytes. */
export const AEAD_TAG_LENGTH = 16;

const EMPTY = new Uint8Array(0);

/**
 * Encrypts and authenticates `plaintext`, and authenticates `aad`, under `key` and `nonce`.
 * @param key - 32-byte AES-256 key.
 * @param nonce - 12-byte nonce, unique per key.
 * @param plaintext - bytes to encrypt (may be empty).
 * @param aad - associated data, authenticated but not encrypted (default empty).
 * @returns `ciphertext || tag`, `plaintext.length + 16` bytes.
 * @throws InvalidArgumentError naming the offending parameter.
 */
export function aeadEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
  checkBytes('key', key, AEAD_KEY_LENGTH);
  checkBytes('nonce', nonce, AEAD_NONCE_LENGTH);
  checkBytes('plaintext', plaintext);
  checkBytes('aad', aad);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: AEAD_TAG_LENGTH });
  cipher.setAAD(aad);
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  const out = new Uint8Array(head.length + tail.length + AEAD_TAG_LENGTH);
  out.set(head, 0);
  out.set(tail, head.length);
  out.set(cipher.getAuthTag(), head.length + tail.length);
  return out;
}

/**
 * Checks and decrypts `sealed` (`ciphertext || tag`) under `key`, `nonce` and `aad`. No
 * plaintext is returned unless the tag verifies.
 * @returns the plaintext, `sealed.length - 16` bytes.
 * @throws InvalidArgumentError when an argument has the wrong type or `key`/`nonce` the wrong length.
 * @throws DecryptionError when `sealed` is shorter than a tag, or the tag does not verify
 *   (wrong key, nonce or aad, or altered bytes).
 */
export function aeadDecrypt(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
  checkBytes('key', key, AEAD_KEY_LENGTH);
  checkBytes('nonce', nonce, AEAD_NONCE_LENGTH);
  checkBytes('sealed', sealed);
  checkBytes('aad', aad);
  if (sealed.length < AEAD_TAG_LENGTH) {
    throw new DecryptionError(`sealed: ${sealed.length} bytes is shorter than the ${AEAD_TAG_LENGTH}-byte tag`);
  }
  const split = sealed.length - AEAD_TAG_LENGTH;
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: AEAD_TAG_LENGTH });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(split));
  const head = decipher.update(sealed.subarray(0, split));
  let tail: Uint8Array;
  try {
    tail = decipher.final();
  } catch (cause) {
    // Wipe the unauthenticated plaintext so that it cannot leak through a caller's error path.
    head.fill(0);
    throw new DecryptionError('sealed: authentication tag does not verify (wrong key, nonce or aad, or altered bytes)', { cause });
  }
  const out = new Uint8Array(head.length + tail.length);
  out.set(head, 0);
  out.set(tail, head.length);
  head.fill(0);
  return out;
}
