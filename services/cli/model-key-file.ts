/**
 * @module services/cli/model-key-file
 * The model owner's key file of `mpc models publish --model-key <file>`: the Ed25519 seed that
 * signs model versions (services/wire/model-version). The parties pin the key at a model name's
 * first version, so every later version must come from the same file. A missing file is created
 * with a fresh key (0600, like `ssh-keygen`); an existing one is read with the key-file checks of
 * crypto-core (regular file, not wider than 0600).
 *
 * ```
 * { "format": "mpc-model-key/v1", "secretKey": "<64 hex>", "publicKey": "<64 hex>" }
 * ```
 */
import { existsSync } from 'node:fs';
import { toHex } from '../../crypto-core/encoding.js';
import { KeyFileError } from '../../crypto-core/errors.js';
import { keyFileHexField, parseKeyFileJson, readKeyFileText, writeKeyFileText } from '../../crypto-core/keys/key-file-io.js';
import { generateSigningKeyPair, signingPublicKey } from '../../crypto-core/keys/signing.js';

/** Format tag of a model key file. */
export const MODEL_KEY_FILE_FORMAT = 'mpc-model-key/v1';

/**
 * The 32-byte seed in `path`, creating the file with a fresh key when it does not exist.
 * @throws KeyFileError when the file is unreadable, too open, malformed, or its public key does not match.
 */
export function loadOrCreateModelKey(path: string): { secretKey: Uint8Array; created: boolean } {
  if (!existsSync(path)) {
    const kp = generateSigningKeyPair();
    writeKeyFileText(path, JSON.stringify({ format: MODEL_KEY_FILE_FORMAT, secretKey: toHex(kp.secretKey), publicKey: toHex(kp.publicKey) }, null, 2) + '\n', 0o600);
    return { secretKey: kp.secretKey, created: true };
  }
  const what = 'model key file';
  const obj = parseKeyFileJson(path, readKeyFileText(path, what, true), what, MODEL_KEY_FILE_FORMAT);
  const secretKey = keyFileHexField(path, obj, '', 'secretKey', 32);
  if (obj.publicKey !== undefined && obj.publicKey !== toHex(signingPublicKey(secretKey))) throw new KeyFileError(`${path}: field publicKey does not belong to secretKey`);
  return { secretKey, created: false };
}
