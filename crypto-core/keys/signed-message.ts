/**
 * @module crypto-core/keys/signed-message
 * Signed JSON objects: the coordinator signs job messages with these, and parties verify them
 * before acting.
 *
 * ```
 * { payload:   RFC 8785 (JCS) canonical JSON text of the object,
 *   signature: hex Ed25519 signature of  "mpc-signed-object/v1" || 0x00 || UTF-8(payload),
 *   keyId:     keyId(signing public key) }
 * ```
 *
 * Why this shape: the payload travels as the exact signed text, so a verifier never has to
 * re-serialise to check a signature (re-serialisation across languages is where JSON signing
 * schemes break). It is canonical anyway, and a verifier insists on that: a text with duplicate
 * keys or another number spelling would parse differently in different parsers, so only the
 * one canonical text of a value is accepted. The domain prefix keeps these signatures from ever
 * being valid for another use of the same Ed25519 key (tree heads, registrations). keyId only
 * helps pick the key; the signature check against the caller's full public key is what counts.
 */
import canonicalize from 'canonicalize';
import { InvalidArgumentError } from '../errors.js';
import { describe } from '../ring/check.js';
import { fromHex, toHex } from '../encoding.js';
import { checkBytes } from './byte-checks.js';
import { sign, signingPublicKey, verifySignature, SIGNATURE_LENGTH, SIGNING_PUBLIC_KEY_LENGTH, SIGNING_SECRET_KEY_LENGTH } from './signing.js';
import { keyId } from './identity.js';

/** Domain-separation label prefixed (with a 0x00 byte) to the payload before signing. */
export const SIGNED_OBJECT_DOMAIN = 'mpc-signed-object/v1';

/** A JSON object with its canonical text, a signature over that text, and the signer's keyId. */
export interface SignedObject {
  /** RFC 8785 canonical JSON text of the signed object. */
  payload: string;
  /** Hex Ed25519 signature of the domain label, a zero byte and the UTF-8 payload. */
  signature: string;
  /** {@link keyId} of the signer's Ed25519 public key. */
  keyId: string;
}

/** The bytes signed for `payload` under domain label `domain`: UTF-8(domain) || 0x00 || UTF-8(payload). */
export function domainMessage(domain: string, payload: string): Uint8Array {
  if (typeof payload !== 'string') throw new InvalidArgumentError(`payload: expected string, got ${describe(payload)}`);
  const enc = new TextEncoder();
  const label = enc.encode(domain);
  const body = enc.encode(payload);
  const out = new Uint8Array(label.length + 1 + body.length);
  out.set(label, 0);
  out.set(body, label.length + 1);
  return out;
}

/** The exact bytes that are signed for `payload`; exported for independent verifiers. */
export function signedObjectMessage(payload: string): Uint8Array {
  return domainMessage(SIGNED_OBJECT_DOMAIN, payload);
}

/**
 * The RFC 8785 text of `obj`, or undefined when `obj` has no canonical JSON text that parses
 * back to itself (functions, NaN, cycles, lone surrogates, BigInt).
 */
function canonicalText(obj: unknown): string | undefined {
  let text: string | undefined;
  try {
    text = canonicalize(obj);
  } catch {
    return undefined;
  }
  if (typeof text !== 'string') return undefined;
  // The package prints a function-valued property as `undefined`, which is not JSON; a round trip
  // catches that and any similar gap.
  try {
    return canonicalize(JSON.parse(text)) === text ? text : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Signs the JSON object `obj` with the Ed25519 `secretKey`.
 * @param obj - a plain object or array made of JSON values (no NaN, Infinity, BigInt, functions or cycles).
 * @returns payload (canonical JSON), hex signature and the signer's keyId.
 * @throws InvalidArgumentError when `obj` is not an object or has no canonical JSON form, or
 *   `secretKey` is not 32 bytes.
 */
export function signObject(obj: object, secretKey: Uint8Array): SignedObject {
  if (typeof obj !== 'object' || obj === null) throw new InvalidArgumentError(`obj: expected object or array, got ${describe(obj)}`);
  checkBytes('secretKey', secretKey, SIGNING_SECRET_KEY_LENGTH);
  const payload = canonicalText(obj);
  if (payload === undefined) {
    throw new InvalidArgumentError('obj: has no canonical JSON form (contains NaN, Infinity, BigInt, a function, a cycle or a lone surrogate)');
  }
  // An object whose toJSON gives a primitive (a Date) would sign text that verifySignedObject refuses.
  if (payload[0] !== '{' && payload[0] !== '[') {
    throw new InvalidArgumentError(`obj: serialises to a JSON ${describe(JSON.parse(payload))}, expected an object or array`);
  }
  return {
    payload,
    signature: toHex(sign(signedObjectMessage(payload), secretKey)),
    keyId: keyId(signingPublicKey(secretKey)),
  };
}

/**
 * The object signed in `signed` if its signature verifies under `publicKey`, else null. Never
 * throws: a malformed `signed` or `publicKey`, a keyId of another key, a bad signature or a
 * payload that is not canonical JSON of an object all give null.
 */
export function verifySignedObject(signed: SignedObject, publicKey: Uint8Array): object | null {
  try {
    if (typeof signed !== 'object' || signed === null) return null;
    const { payload, signature, keyId: kid } = signed;
    if (typeof payload !== 'string' || typeof signature !== 'string' || typeof kid !== 'string') return null;
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== SIGNING_PUBLIC_KEY_LENGTH) return null;
    if (kid !== keyId(publicKey)) return null;
    if (signature.length !== 2 * SIGNATURE_LENGTH) return null;
    if (!verifySignature(fromHex(signature, 'signature', SIGNATURE_LENGTH), signedObjectMessage(payload), publicKey)) return null;
    const value: unknown = JSON.parse(payload);
    if (typeof value !== 'object' || value === null) return null;
    if (canonicalText(value) !== payload) return null;
    return value;
  } catch {
    return null;
  }
}
