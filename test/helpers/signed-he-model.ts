/**
 * The `onnx` and `statement` of a `models.publish` with mode `he`, as the SDK makes them
 * (services/sdk/model-version-signer): for tests that call the coordinator directly.
 */
import { toBase64 } from '../../crypto-core/encoding.js';
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';
import { signHeModelVersion } from '../../services/sdk/model-version-signer.js';
import type { SignedModelVersion } from '../../services/wire/model-version.js';

/** A key per test file is enough: the workers pin one key per model name. */
const ownerKey = generateSigningKeyPair().secretKey;

/** The signed publication fields of HE model `name` `version` (owner key `key`, default one per test file). */
export function signedHeModel(onnx: Uint8Array, name: string, version: string, key: Uint8Array = ownerKey): { onnx: string; statement: SignedModelVersion } {
  return { onnx: toBase64(onnx), statement: signHeModelVersion(key, { name, version, onnx }) };
}
