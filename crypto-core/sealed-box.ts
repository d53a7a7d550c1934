/**
 * @module crypto-core/sealed-box
 * Anonymous public-key encryption to an X25519 key (ECIES-style): anyone with the recipient's
 * agreement public key can seal; only the holder of the secret key can open. The SDK uses it to
 * send each party its input shares through a gateway and coordinator that must not read them.
 *
 * Format, version 1 (all lengths in bytes):
 *
 * ```
 * offset  length  field
 * 0       1       version = 0x01
 * 1       32      epk: ephemeral X25519 public key, fresh per message
 * 33      12      nonce: random
 * 45      n+16    AES-256-GCM ciphertext of the n-byte plaintext, then the 16-byte tag
 * ```
 *
 * Key schedule:
 *
 * ```
 * shared = X25519(esk, rpk)                 (rejected if all zero: low-order rpk or epk)
 * key    = HKDF-SHA256(ikm = shared, salt = epk || rpk, info = "mpc-sealed-box/v1", L = 32)
 * sealed = AES-256-GCM(key, nonce, plaintext, aad = header || aad)  with header = bytes 0..44
 * ```
 *
 * Why: salt binds both public keys, so a box cannot be re-targeted to another recipient or
 * have its ephemeral key swapped (with a related key) without changing the AEAD key; info
 * binds the version, so a future format never shares keys with this one; the header is also
 * GCM associated data, so every byte of the box is authenticated directly. The header has a
 * fixed length, so `header || aad` is unambiguous. A fresh ephemeral key makes the AEAD key
 * single-use, so the random nonce is belt and braces, not load-bearing.
 *
 * Sealed boxes are not authenticated to a sender: anyone can seal to a key. Callers that need to
 * know who sent a box sign it (or its aad) separately.
 */
import { agree, agreementPublicKey, generateAgreementKeyPair, AGREEMENT_KEY_LENGTH } from './keys/agreement.js';
import { checkBytes, checkRng, drawRandom, type RandomSource } from './keys/byte-checks.js';
import { LowOrderPointError } from './keys/errors.js';
import { hkdfSha256 } from './hkdf.js';
import { aeadDecrypt, aeadEncrypt, AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH } from './aead.js';
import { DecryptionError } from './errors.js';

/** The format version byte this module writes and the only one it opens. */
export const SEALED_BOX_VERSION = 0x01;
/** HKDF info label of version 1; part of the format. */
export const SEALED_BOX_INFO = 'mpc-sealed-box/v1';
/** Bytes before the ciphertext: version, ephemeral public key, nonce. */
export const SEALED_BOX_HEADER_LENGTH = 1 + AGREEMENT_KEY_LENGTH + AEAD_NONCE_LENGTH;
/** Bytes a sealed box adds to its plaintext: header and tag (61). */
export const SEALED_BOX_OVERHEAD = SEALED_BOX_HEADER_LENGTH + AEAD_TAG_LENGTH;

const EMPTY = new Uint8Array(0);

function boxKey(shared: Uint8Array, epk: Uint8Array, rpk: Uint8Array): Uint8Array {
  const salt = new Uint8Array(2 * AGREEMENT_KEY_LENGTH);
  salt.set(epk, 0);
  salt.set(rpk, AGREEMENT_KEY_LENGTH);
  return hkdfSha256(shared, salt, SEALED_BOX_INFO, 32);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Seals `plaintext` to the holder of the X25519 secret key behind `recipientPublicKey`.
 * @param recipientPublicKey - the recipient's 32-byte agreement public key.
 * @param plaintext - bytes to seal (may be empty).
 * @param aad - associated data the opener must present unchanged (default empty); not stored in the box.
 * @param rng - source of the ephemeral key and nonce; defaults to `node:crypto` randomBytes.
 * @returns the sealed box, `plaintext.length + 61` bytes, in the format of the module header.
 * @throws InvalidArgumentError naming the offending parameter.
 * @throws LowOrderPointError when `recipientPublicKey` is a low-order point.
 */
export function seal(recipientPublicKey: Uint8Array, plaintext: Uint8Array, aad: Uint8Array = EMPTY, rng?: RandomSource): Uint8Array {
  checkBytes('recipientPublicKey', recipientPublicKey, AGREEMENT_KEY_LENGTH);
  checkBytes('plaintext', plaintext);
  checkBytes('aad', aad);
  checkRng(rng);
  const eph = generateAgreementKeyPair(rng);
  const shared = agree(eph.secretKey, recipientPublicKey);
  eph.secretKey.fill(0);
  const key = boxKey(shared, eph.publicKey, recipientPublicKey);
  shared.fill(0);
  const header = new Uint8Array(SEALED_BOX_HEADER_LENGTH);
  header[0] = SEALED_BOX_VERSION;
  header.set(eph.publicKey, 1);
  header.set(drawRandom(rng, AEAD_NONCE_LENGTH), 1 + AGREEMENT_KEY_LENGTH);
  const body = aeadEncrypt(key, header.subarray(1 + AGREEMENT_KEY_LENGTH), plaintext, concat(header, aad));
  key.fill(0);
  return concat(header, body);
}

/**
 * Opens a box made by {@link seal} for the key pair of `recipientSecretKey`.
 * @param recipientSecretKey - the recipient's 32-byte agreement secret key.
 * @param sealed - the sealed box.
 * @param aad - the associated data given to `seal` (default empty).
 * @returns the plaintext.
 * @throws InvalidArgumentError when an argument has the wrong type or the key the wrong length.
 * @throws DecryptionError for a truncated box, an unknown version, a low-order ephemeral key, a
 *   box for another recipient, wrong `aad`, or any altered byte.
 */
export function open(recipientSecretKey: Uint8Array, sealed: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
  checkBytes('recipientSecretKey', recipientSecretKey, AGREEMENT_KEY_LENGTH);
  checkBytes('sealed', sealed);
  checkBytes('aad', aad);
  if (sealed.length < SEALED_BOX_OVERHEAD) {
    throw new DecryptionError(`sealed: ${sealed.length} bytes is shorter than the ${SEALED_BOX_OVERHEAD}-byte minimum of a sealed box`);
  }
  if (sealed[0] !== SEALED_BOX_VERSION) {
    throw new DecryptionError(`sealed: unsupported sealed-box version ${sealed[0]} (expected ${SEALED_BOX_VERSION})`);
  }
  const header = sealed.subarray(0, SEALED_BOX_HEADER_LENGTH);
  const epk = sealed.subarray(1, 1 + AGREEMENT_KEY_LENGTH);
  const nonce = sealed.subarray(1 + AGREEMENT_KEY_LENGTH, SEALED_BOX_HEADER_LENGTH);
  let shared: Uint8Array;
  try {
    shared = agree(recipientSecretKey, epk);
  } catch (cause) {
    if (cause instanceof LowOrderPointError) {
      throw new DecryptionError('sealed: ephemeral public key is a low-order point', { cause });
    }
    throw cause;
  }
  const key = boxKey(shared, epk, agreementPublicKey(recipientSecretKey));
  shared.fill(0);
  try {
    return aeadDecrypt(key, nonce, sealed.subarray(SEALED_BOX_HEADER_LENGTH), concat(header, aad));
  } finally {
    key.fill(0);
  }
}
