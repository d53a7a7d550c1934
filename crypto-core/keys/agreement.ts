/**
 * @module crypto-core/keys/agreement
 * X25519 key agreement (RFC 7748) through `node:crypto` (OpenSSL).
 *
 * Why OpenSSL and not @noble/curves here: the agreement secret key is long-term and `open`
 * (sealed boxes) runs it on attacker-chosen ephemeral keys, so timing matters; OpenSSL's X25519
 * is constant-time, while BigInt arithmetic in JavaScript makes no such promise. It is also 8-10x
 * faster (measured on the 2-core dev machine: ~0.1-0.2 ms vs ~1.1-1.9 ms per agreement, key
 * import included). The tests check it against noble and the RFC 7748 vectors.
 *
 * `agree` refuses peer keys of small order: with such a key the shared secret is all zeros
 * whatever our secret is, so an attacker who substitutes it would know the derived key
 * (RFC 7748 section 6.1, "check ... is not all zero"). OpenSSL fails the derivation in that case;
 * we also check the output, so the guarantee does not depend on the library version.
 */
import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { bytesEqual, checkBytes, checkRng, drawRandom, type RandomSource } from './byte-checks.js';
import { LowOrderPointError } from './errors.js';

/** Length in bytes of an X25519 secret key, public key and shared secret. */
export const AGREEMENT_KEY_LENGTH = 32;

/** An X25519 key pair. */
export interface AgreementKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

// RFC 8410 DER prefixes: PKCS#8 for a raw X25519 private key, SPKI for a raw public key.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

/**
 * Imported private keys by the caller's array, with a copy of the bytes they were imported from:
 * the import is half the cost of an agreement, and a service agrees with the same long-term key
 * at every channel and every sealed input. A hit is used only while the array still holds those
 * bytes, so an array overwritten in place is imported again.
 */
const privateKeys = new WeakMap<Uint8Array, { secret: Uint8Array; key: KeyObject }>();

function privateKeyObject(secretKey: Uint8Array): KeyObject {
  const hit = privateKeys.get(secretKey);
  if (hit !== undefined && bytesEqual(hit.secret, secretKey)) return hit.key;
  const der = Buffer.concat([PKCS8_PREFIX, secretKey]);
  try {
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    privateKeys.set(secretKey, { secret: Uint8Array.from(secretKey), key });
    return key;
  } finally {
    der.fill(0);
  }
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
}

/**
 * A fresh X25519 key pair.
 * @param rng - source of the 32-byte secret; defaults to `node:crypto` randomBytes.
 */
export function generateAgreementKeyPair(rng?: RandomSource): AgreementKeyPair {
  const secretKey = drawRandom(checkRng(rng), AGREEMENT_KEY_LENGTH);
  return { publicKey: agreementPublicKey(secretKey), secretKey };
}

/** The X25519 public key (u-coordinate of clamp(secretKey) * 9) of the 32-byte `secretKey`. */
export function agreementPublicKey(secretKey: Uint8Array): Uint8Array {
  checkBytes('secretKey', secretKey, AGREEMENT_KEY_LENGTH);
  const spki = createPublicKey(privateKeyObject(secretKey)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(SPKI_PREFIX.length));
}

/**
 * The 32-byte X25519 shared secret of our `secretKey` and `peerPublicKey`. The raw output is
 * not uniformly random: feed it to HKDF, never use it as a key directly.
 * @throws InvalidArgumentError when an argument is not a 32-byte Uint8Array.
 * @throws LowOrderPointError when `peerPublicKey` gives the all-zero shared secret.
 */
export function agree(secretKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
  checkBytes('secretKey', secretKey, AGREEMENT_KEY_LENGTH);
  checkBytes('peerPublicKey', peerPublicKey, AGREEMENT_KEY_LENGTH);
  let shared: Uint8Array;
  try {
    shared = new Uint8Array(diffieHellman({ privateKey: privateKeyObject(secretKey), publicKey: publicKeyObject(peerPublicKey) }));
  } catch (cause) {
    // Every 32-byte string imports as an X25519 key, so a failed derivation is OpenSSL's
    // all-zero-result check; anything else is unexpected and passes through unchanged.
    if ((cause as { code?: unknown }).code === 'ERR_OSSL_FAILED_DURING_DERIVATION') {
      throw new LowOrderPointError('peerPublicKey: low-order X25519 point (shared secret would be all zero)', { cause });
    }
    throw cause;
  }
  let acc = 0;
  for (const b of shared) acc |= b;
  if (acc === 0) throw new LowOrderPointError('peerPublicKey: low-order X25519 point (shared secret is all zero)');
  return shared;
}

// Any scalar works as a probe: clamping makes it a multiple of the cofactor, which sends every
// low-order point to the identity whatever the rest of the scalar is.
const PROBE_SECRET = new Uint8Array(AGREEMENT_KEY_LENGTH).fill(0x42);

/**
 * Whether `publicKey` is usable as an X25519 peer key: 32 bytes and not a low-order point.
 * Never throws. Used when loading a peer's key, so a bad key fails at load time.
 */
export function isValidAgreementPublicKey(publicKey: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== AGREEMENT_KEY_LENGTH) return false;
  try {
    agree(PROBE_SECRET, publicKey);
    return true;
  } catch {
    return false;
  }
}
