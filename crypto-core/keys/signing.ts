/**
 * @module crypto-core/keys/signing
 * Ed25519 signatures (RFC 8032, pure Ed25519 without context) through `@noble/curves`.
 *
 * A secret key is the 32-byte RFC 8032 seed, not the 64-byte libsodium "secret key" that has the
 * public key appended: the public key is always derived, so a key file cannot hold a mismatched pair.
 * Verification is strict RFC 8032 / FIPS 186-5 (`zip215: false`): non-canonical point or scalar
 * encodings are rejected, which is what OpenSSL does too, so every party agrees on validity.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { checkBytes, checkRng, drawRandom, type RandomSource } from './byte-checks.js';

/** Length in bytes of an Ed25519 secret key (seed). */
export const SIGNING_SECRET_KEY_LENGTH = 32;
/** Length in bytes of an Ed25519 public key. */
export const SIGNING_PUBLIC_KEY_LENGTH = 32;
/** Length in bytes of an Ed25519 signature. */
export const SIGNATURE_LENGTH = 64;

/** An Ed25519 key pair: 32-byte seed and the 32-byte public key derived from it. */
export interface SigningKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/**
 * A fresh Ed25519 key pair.
 * @param rng - source of the 32-byte seed; defaults to `node:crypto` randomBytes.
 */
export function generateSigningKeyPair(rng?: RandomSource): SigningKeyPair {
  const secretKey = drawRandom(checkRng(rng), SIGNING_SECRET_KEY_LENGTH);
  return { publicKey: ed25519.getPublicKey(secretKey), secretKey };
}

/** The Ed25519 public key of the 32-byte `secretKey`. */
export function signingPublicKey(secretKey: Uint8Array): Uint8Array {
  checkBytes('secretKey', secretKey, SIGNING_SECRET_KEY_LENGTH);
  return ed25519.getPublicKey(secretKey);
}

/**
 * The 64-byte Ed25519 signature of `message` under `secretKey` (deterministic, RFC 8032 5.1.6).
 * @throws InvalidArgumentError when `message` is not a Uint8Array or `secretKey` is not 32 bytes.
 */
export function sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  checkBytes('message', message);
  checkBytes('secretKey', secretKey, SIGNING_SECRET_KEY_LENGTH);
  return ed25519.sign(message, secretKey);
}

/**
 * Whether `signature` is a valid Ed25519 signature of `message` under `publicKey`. Returns false,
 * never throws, for any malformed input (wrong types or lengths, an encoding that is not a point),
 * because callers treat "cannot verify" and "does not verify" the same way.
 */
export function verifySignature(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_LENGTH) return false;
  if (!(message instanceof Uint8Array)) return false;
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== SIGNING_PUBLIC_KEY_LENGTH) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/**
 * Whether `publicKey` is usable as an Ed25519 public key: 32 bytes, the canonical encoding of a
 * curve point, and not of small order (a small-order key admits signatures that verify for
 * many messages). Never throws. Used when loading a peer's key, so a bad key fails at load time
 * instead of as a puzzling verification failure later.
 */
export function isValidSigningPublicKey(publicKey: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== SIGNING_PUBLIC_KEY_LENGTH) return false;
  try {
    return !ed25519.Point.fromBytes(publicKey, false).isSmallOrder();
  } catch {
    return false;
  }
}
