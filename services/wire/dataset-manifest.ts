/**
 * @module services/wire/dataset-manifest
 * The hospital-signed manifest of one upload: what the hospital states about its data (name,
 * upload id, schema, disclosure policy, residency, row count, and the SHA-256 of each sealed
 * box), signed with the hospital's Ed25519 manifest key. The parties verify it before storing a
 * part, pin the key at creation (an append must be signed by the same key) and enforce the
 * signed policy at query time, whatever the coordinator's job order says.
 *
 * ```
 * { payload:   RFC 8785 canonical JSON of the {@link DatasetManifestBody},
 *   publicKey: hex Ed25519 public key of the hospital's manifest key,
 *   signature: hex Ed25519 signature of "mpc-dataset-manifest/v1" || 0x00 || UTF-8(payload) }
 * ```
 *
 * The payload travels as the signed text (no re-serialisation before verifying); only its one
 * canonical text is accepted. The sealed boxes' associated data includes the manifest key
 * ({@link signedDatasetUploadAad}), so a box opens only next to a manifest signed by the key the
 * hospital chose: a coordinator cannot re-sign a hospital's boxes under a key of its own.
 */
import { domainMessage } from '../../crypto-core/keys/signed-message.js';
import { canonicalJson } from '../../crypto-core/canonical-json.js';
import { fromHex, toHex } from '../../crypto-core/encoding.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { sign, signingPublicKey, verifySignature } from '../../crypto-core/keys/signing.js';
import type { DatasetSchema, DisclosurePolicy } from '../../protocols/analytics/dataset-schema.js';

/** Domain label prefixed (with a 0x00 byte) to the payload before signing. */
export const DATASET_MANIFEST_DOMAIN = 'mpc-dataset-manifest/v1';

/** What the hospital signs for one upload (create or append). */
export interface DatasetManifestBody {
  readonly format: typeof DATASET_MANIFEST_DOMAIN;
  readonly name: string;
  readonly uploadId: string;
  readonly schema: DatasetSchema;
  readonly policy: DisclosurePolicy;
  /** Where the shares may be kept (free text such as a region code), when the hospital says. */
  readonly residency?: string;
  /** The owner the hospital claims, when it knows it; the parties compare it with the order's. */
  readonly owner?: { readonly tenant: string; readonly actor?: string };
  readonly rows: number;
  /** SHA-256 (hex) of the three sealed boxes, by party index. */
  readonly boxSha256: readonly [string, string, string];
}

/** A signed manifest as it travels (gateway body, job order) and as the parties store it. */
export interface SignedDatasetManifest {
  /** Canonical JSON text of the {@link DatasetManifestBody}. */
  readonly payload: string;
  /** Hex Ed25519 public key of the hospital's manifest key. */
  readonly publicKey: string;
  /** Hex Ed25519 signature (see the module comment). */
  readonly signature: string;
}

function message(payload: string): Uint8Array {
  return domainMessage(DATASET_MANIFEST_DOMAIN, payload);
}

/**
 * Signs `body` with the 32-byte Ed25519 seed `secretKey`.
 * @throws InvalidArgumentError when the key is not 32 bytes or the body has no canonical JSON.
 */
export function signDatasetManifest(body: DatasetManifestBody, secretKey: Uint8Array): SignedDatasetManifest {
  if (typeof body !== 'object' || body === null || body.format !== DATASET_MANIFEST_DOMAIN) throw new InvalidArgumentError(`body.format: expected '${DATASET_MANIFEST_DOMAIN}'`);
  const payload = canonicalJson(body);
  return { payload, publicKey: toHex(signingPublicKey(secretKey)), signature: toHex(sign(message(payload), secretKey)) };
}

/**
 * The body of `m` when its signature verifies under its own key and its payload is the
 * canonical text of a manifest body; `undefined` otherwise (never throws). Who the key belongs
 * to is the caller's decision (the parties pin it at creation).
 */
export function openDatasetManifest(m: unknown): DatasetManifestBody | undefined {
  const s = m as SignedDatasetManifest;
  if (typeof s !== 'object' || s === null || typeof s.payload !== 'string' || typeof s.publicKey !== 'string' || typeof s.signature !== 'string') return undefined;
  let body: DatasetManifestBody;
  try {
    body = JSON.parse(s.payload) as DatasetManifestBody;
    if (typeof body !== 'object' || body === null || canonicalJson(body) !== s.payload || body.format !== DATASET_MANIFEST_DOMAIN) return undefined;
    if (!verifySignature(fromHex(s.signature, 'signature', 64), message(s.payload), fromHex(s.publicKey, 'publicKey', 32))) return undefined;
  } catch {
    return undefined;
  }
  return body;
}

/** Associated data of party `i`'s upload box, bound to the hospital's manifest key (hex). */
export function signedDatasetUploadAad(name: string, uploadId: string, partyIndex: number, manifestPublicKey: string): Uint8Array {
  return new TextEncoder().encode(`mpc-dataset-upload/v2\n${name}\n${uploadId}\n${partyIndex}\n${manifestPublicKey}`);
}
