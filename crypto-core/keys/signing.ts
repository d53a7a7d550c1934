/**
 * @module crypto-core/keys/signing
 * Ed25519 signatures (RFC 8032, pure Ed25519 without context). Keys are made and checked with
 * `@noble/curves` (generation, public-key derivation, the canonical-encoding and small-order checks);
 * signing and verifying go through OpenSSL (`node:crypto`), which is about 20x faster, with each
 * key imported once ({@link secretKeyObject}, {@link publicKeyObject}). RFC 8032 signing is
 * deterministic, so both produce the same bytes (the RFC 8032 7.1 vectors and a cross-check with
 * noble pin this).
 *
 * A secret key is the 32-byte RFC 8032 seed, not the 64-byte libsodium "secret key" that has the
 * public key appended: the public key is always derived, so a key file cannot hold a mismatched pair.
 * Verification is strict: S must be below the group order L (no malleated S + L), the public key
 * must be the canonical encoding of a point that is not of small order (checked once per key), and
 * R must equal the encoding of [S]B - [k]A exactly (OpenSSL's cofactorless equation, which also
 * rejects a non-canonical R). That admits a subset of what noble's strict mode (`zip215: false`,
 * cofactored equation) admits: the two differ only on signatures crafted with a torsion component
 * in R, which no honest signer makes; every party runs this code, so all agree on validity.
 */
import { sign as opensslSign, verify as opensslVerify } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { checkBytes, checkRng, drawRandom, type RandomSource } from './byte-checks.js';
import { publicKeyObject, secretKeyObject, strictlyValidPublicKey } from './ed25519-key-objects.js';

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
  return Uint8Array.from(secretKeyObject(secretKey).publicKey);
}

/**
 * The 64-byte Ed25519 signature of `message` under `secretKey` (deterministic, RFC 8032 5.1.6).
 * @throws InvalidArgumentError when `message` is not a Uint8Array or `secretKey` is not 32 bytes.
 */
export function sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  checkBytes('message', message);
  checkBytes('secretKey', secretKey, SIGNING_SECRET_KEY_LENGTH);
  return new Uint8Array(opensslSign(null, message, secretKeyObject(secretKey).keyObject));
}

/** The group order L of Ed25519, little-endian: S of a signature must be below it. */
const GROUP_ORDER_LE = Uint8Array.from(Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex'));

/** Whether the little-endian scalar `s` (32 bytes) is below L; not secret, so no constant time. */
function isCanonicalScalar(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (s[i]! !== GROUP_ORDER_LE[i]!) return s[i]! < GROUP_ORDER_LE[i]!;
  }
  return false;
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
  if (!isCanonicalScalar(signature.subarray(32))) return false;
  const key = publicKeyObject(publicKey);
  if (key === null) return false;
  try {
    return opensslVerify(null, message, key, signature);
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
  return strictlyValidPublicKey(publicKey);
}
