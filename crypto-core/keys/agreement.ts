/**
 * @module crypto-core/keys/agreement
 * X25519 key agreement (RFC 7748) through `@noble/curves`.
 *
 * `agree` refuses peer keys of small order: with such a key the shared secret is all zeros
 * whatever our secret is, so an attacker who substitutes it would know the derived key
 * (RFC 7748 section 6.1 "check ... is not all zero"). noble rejects the known low-order
 * encodings before the ladder; we also check the output, so the guarantee does not depend on
 * the library's blocklist.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { checkBytes, checkRng, drawRandom, type RandomSource } from './byte-checks.js';
import { LowOrderPointError } from './errors.js';

/** Length in bytes of an X25519 secret key, public key and shared secret. */
export const AGREEMENT_KEY_LENGTH = 32;

/** An X25519 key pair. */
export interface AgreementKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/**
 * A fresh X25519 key pair.
 * @param rng - source of the 32-byte secret; defaults to `node:crypto` randomBytes.
 */
export function generateAgreementKeyPair(rng?: RandomSource): AgreementKeyPair {
  const secretKey = drawRandom(checkRng(rng), AGREEMENT_KEY_LENGTH);
  return { publicKey: x25519.getPublicKey(secretKey), secretKey };
}

/** The X25519 public key (u-coordinate of secretKey * 9) of the 32-byte `secretKey`. */
export function agreementPublicKey(secretKey: Uint8Array): Uint8Array {
  checkBytes('secretKey', secretKey, AGREEMENT_KEY_LENGTH);
  return x25519.getPublicKey(secretKey);
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
    shared = x25519.getSharedSecret(secretKey, peerPublicKey);
  } catch (cause) {
    // The arguments are checked above, so the only failure left is noble's low-order rejection.
    throw new LowOrderPointError('peerPublicKey: low-order X25519 point (shared secret would be all zero)', { cause });
  }
  let acc = 0;
  for (const b of shared) acc |= b;
  if (acc === 0) throw new LowOrderPointError('peerPublicKey: low-order X25519 point (shared secret is all zero)');
  return shared;
}

// Any clamped scalar works as a probe: the product of a low-order point with a multiple of the
// cofactor is the identity whatever the rest of the scalar is.
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
