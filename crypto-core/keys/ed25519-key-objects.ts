/**
 * @module crypto-core/keys/ed25519-key-objects
 * Raw Ed25519 keys as `node:crypto` KeyObjects, imported once per key and cached, so that
 * `signing.ts` can sign and verify through OpenSSL (about 20x faster than the pure-TypeScript
 * curve arithmetic of `@noble/curves`) without paying the DER import at every call.
 *
 * Public keys are checked with `@noble/curves` when first seen (canonical point encoding, not of
 * small order); a key that fails is cached as unusable, so OpenSSL only ever sees keys that the
 * strict rule admits. Secret keys are cached by the identity of the caller's array (a service
 * signs with the same identity object all its life) and the cached copy is compared with the
 * array's bytes at every hit, so an array that was overwritten in place is imported again.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesEqual } from './byte-checks.js';

/** RFC 8410 DER prefixes: PKCS#8 PrivateKeyInfo and SubjectPublicKeyInfo around a raw Ed25519 key. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** At most this many public keys are kept (peers, principals, model owners); oldest dropped first. */
const PUBLIC_CACHE_LIMIT = 4096;

/** A secret key's OpenSSL handle and the public key derived from it. */
export interface Ed25519SecretKeyObject {
  readonly keyObject: KeyObject;
  /** The 32-byte public key (derived once with `@noble/curves`); callers get copies. */
  readonly publicKey: Uint8Array;
}

interface SecretEntry extends Ed25519SecretKeyObject {
  readonly seed: Uint8Array;
}

const secretKeys = new WeakMap<Uint8Array, SecretEntry>();
/** Hex public key to its KeyObject, or null when the key is not a usable Ed25519 key. */
const publicKeys = new Map<string, KeyObject | null>();

/** The cached OpenSSL handle of the 32-byte seed `secretKey` (length checked by the caller). */
export function secretKeyObject(secretKey: Uint8Array): Ed25519SecretKeyObject {
  const hit = secretKeys.get(secretKey);
  if (hit !== undefined && bytesEqual(hit.seed, secretKey)) return hit;
  const seed = Uint8Array.from(secretKey);
  const keyObject = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const entry: SecretEntry = { seed, keyObject, publicKey: ed25519.getPublicKey(seed) };
  secretKeys.set(secretKey, entry);
  return entry;
}

/**
 * The cached OpenSSL handle of the 32-byte `publicKey` (length checked by the caller), or null
 * when it is not the canonical encoding of a curve point or is of small order.
 */
export function publicKeyObject(publicKey: Uint8Array): KeyObject | null {
  const hex = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('hex');
  const hit = publicKeys.get(hex);
  if (hit !== undefined) return hit;
  const keyObject = strictlyValidPublicKey(publicKey)
    ? createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' })
    : null;
  if (publicKeys.size >= PUBLIC_CACHE_LIMIT) publicKeys.delete(publicKeys.keys().next().value!);
  publicKeys.set(hex, keyObject);
  return keyObject;
}

/** Canonical point encoding (y < p, no "negative zero" x) and not of small order. Never throws. */
export function strictlyValidPublicKey(publicKey: Uint8Array): boolean {
  try {
    return !ed25519.Point.fromBytes(publicKey, false).isSmallOrder();
  } catch {
    return false;
  }
}
