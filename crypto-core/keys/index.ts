/**
 * @module crypto-core/keys
 * The public surface of keys: Ed25519 signing, X25519 agreement, service identities, key files,
 * storage keys and signed JSON objects. Named re-exports only; byte-checks and key-file-io are
 * internals and not re-exported.
 */
export {
  generateSigningKeyPair,
  signingPublicKey,
  sign,
  verifySignature,
  isValidSigningPublicKey,
  SIGNING_SECRET_KEY_LENGTH,
  SIGNING_PUBLIC_KEY_LENGTH,
  SIGNATURE_LENGTH,
} from './signing.js';
export type { SigningKeyPair } from './signing.js';
export { generateAgreementKeyPair, agreementPublicKey, agree, isValidAgreementPublicKey, AGREEMENT_KEY_LENGTH } from './agreement.js';
export type { AgreementKeyPair } from './agreement.js';
export { LowOrderPointError } from './errors.js';
export { generateIdentity, publicIdentity, parsePublicIdentity, checkIdentity, keyId, KEY_ID_HEX_LENGTH } from './identity.js';
export type { ServiceIdentity, PublicIdentity } from './identity.js';
export {
  writeIdentityFile,
  readIdentityFile,
  writePublicKeyFile,
  readPublicKeyFile,
  IDENTITY_FILE_FORMAT,
  PUBLIC_KEY_FILE_FORMAT,
} from './key-file.js';
export type { WriteKeyFileOptions } from './key-file.js';
export { generateStorageKey, writeStorageKeyFile, readStorageKeyFile, STORAGE_KEY_FILE_FORMAT, STORAGE_KEY_LENGTH } from './storage-key.js';
export { signObject, verifySignedObject, signedObjectMessage, SIGNED_OBJECT_DOMAIN } from './signed-message.js';
export type { SignedObject } from './signed-message.js';
export type { RandomSource } from './byte-checks.js';
