/**
 * @module services/sdk/model-version-signer
 * The model owner's side of signed model versions (services/wire/model-version): the key a
 * client signs its versions with, and the statement for one MPC publication over the sealed
 * views it is about to send.
 */
import { createHash } from 'node:crypto';
import { hkdfSha256 } from '../../crypto-core/hkdf.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';
import { toBase64, toHex } from '../../crypto-core/encoding.js';
import { signingPublicKey } from '../../crypto-core/keys/signing.js';
import { seal } from '../../crypto-core/sealed-box.js';
import type { SharedModel } from '../../protocols/nn/shared-model.js';
import { encodeSharedModel } from '../wire/shared-model-codec.js';
import { MODEL_VERSION_DOMAIN, signedModelShareAad, signModelVersion, type SignedModelVersion } from '../wire/model-version.js';

/** Label of the HKDF that derives a model key from a gateway signing key. */
const MODEL_KEY_INFO = 'mpc-model-version-key/v1';

/**
 * The model key a client signs versions with: `modelKey` when given (32 bytes), else one derived
 * from the gateway `signingKey` by HKDF-SHA256 under its own label (the gateway holds only that
 * key's public half), else a fresh key. The parties pin the key at a name's first version, so an
 * owner that publishes later versions from another session must keep and pass one.
 * @throws InvalidArgumentError when `modelKey` is not 32 bytes.
 */
export function modelKeyFor(opts: { readonly modelKey?: Uint8Array; readonly signingKey?: { readonly secretKey: Uint8Array } }): Uint8Array {
  if (opts.modelKey !== undefined) {
    if (!(opts.modelKey instanceof Uint8Array) || opts.modelKey.length !== 32) throw new InvalidArgumentError('opts.modelKey: expected a 32-byte Ed25519 seed');
    return opts.modelKey;
  }
  if (opts.signingKey?.secretKey instanceof Uint8Array) return hkdfSha256(opts.signingKey.secretKey, new Uint8Array(0), MODEL_KEY_INFO, 32);
  return generateSigningKeyPair().secretKey;
}

/**
 * The signed statement of MPC model `name` `version` whose sealed views are `boxes` (by party).
 * @throws InvalidArgumentError when `residency` is not 1..64 characters.
 */
export function signMpcModelVersion(key: Uint8Array, v: { name: string; version: string; boxes: readonly Uint8Array[]; residency?: string; owner?: { tenant: string } }): SignedModelVersion {
  if (v.residency !== undefined && (typeof v.residency !== 'string' || v.residency.length === 0 || v.residency.length > 64)) throw new InvalidArgumentError('opts.residency: expected 1..64 characters');
  const digest = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
  return signModelVersion(
    {
      format: MODEL_VERSION_DOMAIN,
      name: v.name,
      version: v.version,
      mode: 'mpc',
      boxSha256: [digest(v.boxes[0]!), digest(v.boxes[1]!), digest(v.boxes[2]!)],
      ...(v.owner ? { owner: { tenant: v.owner.tenant } } : {}),
      ...(v.residency !== undefined ? { residency: v.residency } : {}),
      createdAt: new Date().toISOString(),
    },
    key,
  );
}

/** The signed statement of HE model `name` `version` whose ONNX file is `onnx` (the HE workers check it and pin the key). */
export function signHeModelVersion(key: Uint8Array, v: { name: string; version: string; onnx: Uint8Array; owner?: { tenant: string } }): SignedModelVersion {
  return signModelVersion(
    {
      format: MODEL_VERSION_DOMAIN,
      name: v.name,
      version: v.version,
      mode: 'he',
      onnxSha256: createHash('sha256').update(v.onnx).digest('hex'),
      ...(v.owner ? { owner: { tenant: v.owner.tenant } } : {}),
      createdAt: new Date().toISOString(),
    },
    key,
  );
}

/**
 * Seals party i's view to `partyKeys[i]` under the owner's model key and signs the version
 * statement over the three boxes: the `sealedShares` and `statement` of a `models.publish`.
 */
export function sealSignedModel(
  partyKeys: readonly Uint8Array[],
  views: readonly SharedModel[],
  modelKey: Uint8Array,
  v: { name: string; version: string; residency?: string; owner?: { tenant: string } },
): { sealedShares: [string, string, string]; statement: SignedModelVersion } {
  const ownerKey = toHex(signingPublicKey(modelKey));
  const boxes = views.map((view, i) => seal(partyKeys[i]!, encodeSharedModel(view), signedModelShareAad(v.name, v.version, i, ownerKey)));
  return { sealedShares: boxes.map((b) => toBase64(b)) as [string, string, string], statement: signMpcModelVersion(modelKey, { ...v, boxes }) };
}
