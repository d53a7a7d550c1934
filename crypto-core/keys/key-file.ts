/**
 * @module crypto-core/keys/key-file
 * Identity files (a service's secret keys) and public-key files (a peer's public identity).
 *
 * Identity file, mode 0600:
 * ```json
 * {"format":"mpc-identity/v1",
 *  "signing":{"publicKey":"<64 hex>","secretKey":"<64 hex>"},
 *  "agreement":{"publicKey":"<64 hex>","secretKey":"<64 hex>"}}
 * ```
 * Public-key file, mode 0644:
 * ```json
 * {"format":"mpc-public-identity/v1","signingPublicKey":"<64 hex>","agreementPublicKey":"<64 hex>"}
 * ```
 * Public keys are stored beside the secret keys so that an operator can read them off the file,
 * and checked against the secret keys on every read, so a hand-edited file cannot pair one
 * service's secret with another's public key. Writes and reads go through key-file-io (atomic,
 * permission-checked). Errors say which file and which field is wrong.
 */
import { KeyFileError } from '../errors.js';
import { toHex } from '../encoding.js';
import { bytesEqual } from './byte-checks.js';
import { checkIdentity, publicIdentity, parsePublicIdentity, type PublicIdentity, type ServiceIdentity } from './identity.js';
import { signingPublicKey, isValidSigningPublicKey } from './signing.js';
import { agreementPublicKey, isValidAgreementPublicKey } from './agreement.js';
import {
  keyFileHexField,
  parseKeyFileJson,
  readKeyFileText,
  writeKeyFileText,
  PUBLIC_FILE_MODE,
  SECRET_FILE_MODE,
  type WriteKeyFileOptions,
} from './key-file-io.js';

/** Format tag of identity files. */
export const IDENTITY_FILE_FORMAT = 'mpc-identity/v1';
/** Format tag of public-key files. */
export const PUBLIC_KEY_FILE_FORMAT = 'mpc-public-identity/v1';

export type { WriteKeyFileOptions } from './key-file-io.js';

function subObject(path: string, obj: Record<string, unknown>, field: string): Record<string, unknown> {
  const v = obj[field];
  if (v === undefined) throw new KeyFileError(`${path}: field ${field} is missing`);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new KeyFileError(`${path}: field ${field} must be an object`);
  return v as Record<string, unknown>;
}

/**
 * Writes `identity` to `path` as an identity file with mode 0600, atomically, creating parent
 * directories with mode 0700.
 * @param options - `overwrite: true` replaces an existing file; by default an existing file is
 *   an error, because replacing an identity loses the old keys.
 * @throws InvalidArgumentError when `identity` is malformed or its key pairs do not match.
 * @throws KeyFileError when the file cannot be written or already exists.
 */
export function writeIdentityFile(path: string, identity: ServiceIdentity, options?: WriteKeyFileOptions): void {
  checkIdentity(identity);
  const doc = {
    format: IDENTITY_FILE_FORMAT,
    signing: { publicKey: toHex(identity.signing.publicKey), secretKey: toHex(identity.signing.secretKey) },
    agreement: { publicKey: toHex(identity.agreement.publicKey), secretKey: toHex(identity.agreement.secretKey) },
  };
  writeKeyFileText(path, `${JSON.stringify(doc, null, 2)}\n`, SECRET_FILE_MODE, options);
}

/**
 * Reads the identity file at `path`.
 * @throws KeyFileError for a missing or unreadable file, permissions wider than 0600, text that
 *   is not JSON, a wrong format tag, a missing field, a key that is not 32 bytes of hex, or a
 *   public key that does not match its secret key.
 */
export function readIdentityFile(path: string): ServiceIdentity {
  const what = 'identity file';
  const obj = parseKeyFileJson(path, readKeyFileText(path, what, true), what, IDENTITY_FILE_FORMAT);
  const identity = {} as ServiceIdentity;
  for (const part of ['signing', 'agreement'] as const) {
    const pair = subObject(path, obj, part);
    const publicKey = keyFileHexField(path, pair, part, 'publicKey', 32);
    const secretKey = keyFileHexField(path, pair, part, 'secretKey', 32);
    const derived = part === 'signing' ? signingPublicKey(secretKey) : agreementPublicKey(secretKey);
    if (!bytesEqual(derived, publicKey)) {
      throw new KeyFileError(`${path}: ${part}.publicKey does not match the public key of ${part}.secretKey`);
    }
    identity[part] = { publicKey, secretKey };
  }
  return identity;
}

/**
 * Writes a peer's public identity to `path` (mode 0644, atomic). Accepts the public identity in
 * hex or a whole {@link ServiceIdentity}, of which only the public keys are written.
 * @param options - `overwrite` defaults to true here: a public-key file holds nothing secret.
 * @throws InvalidArgumentError when the keys are malformed.
 * @throws KeyFileError when the file cannot be written.
 */
export function writePublicKeyFile(path: string, pub: PublicIdentity | ServiceIdentity, options?: WriteKeyFileOptions): void {
  const shareable = typeof pub === 'object' && pub !== null && 'signing' in pub ? publicIdentity(pub) : pub;
  // Round-trip through the parser so the file never holds malformed hex.
  const keys = parsePublicIdentity(shareable as PublicIdentity, 'pub');
  const doc = { format: PUBLIC_KEY_FILE_FORMAT, signingPublicKey: toHex(keys.signingPublicKey), agreementPublicKey: toHex(keys.agreementPublicKey) };
  // Replacing is the default here; a malformed `options` goes through unchanged to be rejected.
  let opts = options;
  if (opts === undefined) opts = { overwrite: true };
  else if (typeof opts === 'object' && opts !== null && opts.overwrite === undefined) opts = { ...opts, overwrite: true };
  writeKeyFileText(path, `${JSON.stringify(doc, null, 2)}\n`, PUBLIC_FILE_MODE, opts);
}

/**
 * Reads a peer's public identity from `path`.
 * @throws KeyFileError for a missing or unreadable file, text that is not JSON, a wrong format
 *   tag, a key that is not 32 bytes of hex, an Ed25519 key that is not a valid point, or an
 *   X25519 key of low order.
 */
export function readPublicKeyFile(path: string): PublicIdentity {
  const what = 'public-key file';
  const obj = parseKeyFileJson(path, readKeyFileText(path, what, false), what, PUBLIC_KEY_FILE_FORMAT);
  const signing = keyFileHexField(path, obj, '', 'signingPublicKey', 32);
  const agreement = keyFileHexField(path, obj, '', 'agreementPublicKey', 32);
  if (!isValidSigningPublicKey(signing)) throw new KeyFileError(`${path}: signingPublicKey is not a valid Ed25519 public key`);
  if (!isValidAgreementPublicKey(agreement)) throw new KeyFileError(`${path}: agreementPublicKey is a low-order X25519 point`);
  return { signingPublicKey: toHex(signing), agreementPublicKey: toHex(agreement) };
}
