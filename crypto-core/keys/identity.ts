/**
 * @module crypto-core/keys/identity
 * A service's long-term identity: an Ed25519 key pair that signs (job messages, tree heads,
 * registrations) and an X25519 key pair that receives (sealed boxes, channel key agreement).
 * Two separate keys rather than one converted key, so that neither use can be turned against
 * the other.
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';
import { describe } from '../ring/check.js';
import { fromHex, toHex } from '../encoding.js';
import { bytesEqual, checkBytes, checkRng, type RandomSource } from './byte-checks.js';
import { generateSigningKeyPair, signingPublicKey, type SigningKeyPair, SIGNING_PUBLIC_KEY_LENGTH } from './signing.js';
import { generateAgreementKeyPair, agreementPublicKey, type AgreementKeyPair, AGREEMENT_KEY_LENGTH } from './agreement.js';

/** A service's secret identity: both key pairs. Keep in memory and in a 0600 key file only. */
export interface ServiceIdentity {
  signing: SigningKeyPair;
  agreement: AgreementKeyPair;
}

/** The shareable part of an identity, as lower-case hex, for registration and peer key files. */
export interface PublicIdentity {
  signingPublicKey: string;
  agreementPublicKey: string;
}

/** Number of hex characters in a {@link keyId}: 64 bits of SHA-256. */
export const KEY_ID_HEX_LENGTH = 16;

/**
 * A fresh identity.
 * @param rng - source of both secret keys; defaults to `node:crypto` randomBytes.
 */
export function generateIdentity(rng?: RandomSource): ServiceIdentity {
  checkRng(rng);
  return { signing: generateSigningKeyPair(rng), agreement: generateAgreementKeyPair(rng) };
}

/**
 * Checks that `identity` has four 32-byte keys and that each public key is the one derived
 * from its secret key.
 * @throws InvalidArgumentError naming the first field that is wrong.
 */
export function checkIdentity(identity: ServiceIdentity, name = 'identity'): ServiceIdentity {
  if (typeof identity !== 'object' || identity === null) throw new InvalidArgumentError(`${name}: expected ServiceIdentity, got ${describe(identity)}`);
  for (const part of ['signing', 'agreement'] as const) {
    const pair = identity[part];
    if (typeof pair !== 'object' || pair === null) throw new InvalidArgumentError(`${name}.${part}: expected key pair object, got ${describe(pair)}`);
    checkBytes(`${name}.${part}.publicKey`, pair.publicKey, 32);
    checkBytes(`${name}.${part}.secretKey`, pair.secretKey, 32);
    const derived = part === 'signing' ? signingPublicKey(pair.secretKey) : agreementPublicKey(pair.secretKey);
    if (!bytesEqual(derived, pair.publicKey)) {
      throw new InvalidArgumentError(`${name}.${part}.publicKey: does not match the public key derived from ${name}.${part}.secretKey`);
    }
  }
  return identity;
}

/** The shareable part of `identity`: both public keys in hex. */
export function publicIdentity(identity: ServiceIdentity): PublicIdentity {
  if (typeof identity !== 'object' || identity === null) throw new InvalidArgumentError(`identity: expected ServiceIdentity, got ${describe(identity)}`);
  if (typeof identity.signing !== 'object' || identity.signing === null) throw new InvalidArgumentError(`identity.signing: expected key pair object, got ${describe(identity.signing)}`);
  if (typeof identity.agreement !== 'object' || identity.agreement === null) throw new InvalidArgumentError(`identity.agreement: expected key pair object, got ${describe(identity.agreement)}`);
  return {
    signingPublicKey: toHex(checkBytes('identity.signing.publicKey', identity.signing.publicKey, SIGNING_PUBLIC_KEY_LENGTH)),
    agreementPublicKey: toHex(checkBytes('identity.agreement.publicKey', identity.agreement.publicKey, AGREEMENT_KEY_LENGTH)),
  };
}

/** The two public keys of `pub` as bytes, with their hex checked. */
export function parsePublicIdentity(pub: PublicIdentity, name = 'publicIdentity'): { signingPublicKey: Uint8Array; agreementPublicKey: Uint8Array } {
  if (typeof pub !== 'object' || pub === null) throw new InvalidArgumentError(`${name}: expected PublicIdentity, got ${describe(pub)}`);
  return {
    signingPublicKey: fromHex(pub.signingPublicKey, `${name}.signingPublicKey`, SIGNING_PUBLIC_KEY_LENGTH),
    agreementPublicKey: fromHex(pub.agreementPublicKey, `${name}.agreementPublicKey`, AGREEMENT_KEY_LENGTH),
  };
}

/**
 * A short stable fingerprint of a public key: the first 16 hex characters of SHA-256(publicKey).
 * For naming keys in logs and messages; 64 bits tell keys apart but are not a security binding,
 * so always verify against the full key.
 */
export function keyId(publicKey: Uint8Array): string {
  checkBytes('publicKey', publicKey);
  if (publicKey.length === 0) throw new InvalidArgumentError('publicKey: expected non-empty Uint8Array, got 0 bytes');
  return createHash('sha256').update(publicKey).digest('hex').slice(0, KEY_ID_HEX_LENGTH);
}
