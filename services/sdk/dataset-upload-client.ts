/**
 * @module services/sdk/dataset-upload-client
 * The hospital's side of an upload (the SDK re-exports it): encode and check rows against the
 * schema on the hospital's machine (encodeRows), split them into replicated shares, and seal
 * party i's share pair to party i's X25519 key with `datasetUploadAad(name, uploadId, i)`. What
 * leaves the hospital is three sealed boxes and public metadata (schema, policy, row count),
 * with a manifest of all of it signed by the hospital's Ed25519 manifest key
 * (services/wire/dataset-manifest): the parties verify it, pin the key at creation, accept
 * appends only under the same key, and enforce the signed policy at query time. The boxes'
 * associated data includes the manifest key, so they open only next to that key's manifest.
 */
import { randomBytes } from 'node:crypto';
import { hkdfSha256 } from '../../crypto-core/hkdf.js';
import { fromHex, toBase64, toHex } from '../../crypto-core/encoding.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { Prg } from '../../crypto-core/prg.js';
import { seal } from '../../crypto-core/sealed-box.js';
import { checkPolicy, checkSchema, DEFAULT_POLICY, type DatasetSchema, type DisclosurePolicy } from '../../protocols/analytics/dataset-schema.js';
import { encodeRows, type Row } from '../../protocols/analytics/encode-rows.js';
import { shareEncodedRows } from '../../protocols/analytics/share-dataset.js';
import { encodeSharePair } from '../wire/sealed-share-pair.js';
import { sha256Hex, uploadDigest } from '../wire/analytics-jobs.js';
import { generateSigningKeyPair, signingPublicKey } from '../../crypto-core/keys/signing.js';
import { DATASET_MANIFEST_DOMAIN, signDatasetManifest, signedDatasetUploadAad, type DatasetManifestBody, type SignedDatasetManifest } from '../wire/dataset-manifest.js';

/** Options of {@link prepareDatasetUpload}. */
export interface DatasetUploadOptions {
  /** Data set name (the gateway's `name`). */
  readonly name: string;
  /** Disclosure policy (default: analysts, k = 10). */
  readonly policy?: DisclosurePolicy;
  /** Upload id bound into the boxes (default: 16 random bytes, hex). */
  readonly uploadId?: string;
  /** Share randomness (default: fresh). */
  readonly rng?: Prg;
  /**
   * The hospital's Ed25519 manifest key (32-byte seed). The parties pin the key of a data set's
   * first upload; every append must be signed by the same key. Default: a fresh key, returned as
   * {@link DatasetUpload.manifestKey} (keep it to append later).
   */
  readonly manifestKey?: Uint8Array;
  /** Where the shares may be kept (signed into the manifest). */
  readonly residency?: string;
  /** The owner the hospital claims (signed; the parties compare it with the job order's owner). */
  readonly owner?: { readonly tenant: string; readonly actor?: string };
}

/** The gateway's `POST /datasets` body, plus the digests the hospital can keep as a receipt. */
export interface DatasetUpload {
  readonly request: {
    readonly name: string;
    readonly uploadId: string;
    readonly schema: DatasetSchema;
    readonly policy: DisclosurePolicy;
    readonly rows: number;
    readonly sealedShares: [string, string, string];
    /** The hospital-signed manifest of this upload. */
    readonly manifest: SignedDatasetManifest;
  };
  /** The manifest key's seed that signed (the given one, or the fresh one made here). */
  readonly manifestKey: Uint8Array;
  /** SHA-256 (hex) of each sealed box, by party. */
  readonly boxSha256: [string, string, string];
  /** The upload digest the manifest and the audit log record (analytics-jobs `uploadDigest`). */
  readonly sha256: string;
}

/**
 * Encodes, checks, shares and seals `rows` for the three parties.
 * @param parties - the parties' X25519 public keys (hex) by index.
 * @throws SchemaError naming the first bad row and column; InvalidArgumentError for bad keys.
 */
export function prepareDatasetUpload(schema: DatasetSchema, rows: readonly Row[], parties: readonly [string, string, string], opts: DatasetUploadOptions): DatasetUpload {
  checkSchema(schema);
  const policy = checkPolicy(opts.policy ?? DEFAULT_POLICY);
  if (typeof opts.name !== 'string' || opts.name.length === 0 || opts.name.length > 128) throw new InvalidArgumentError('opts.name: expected 1..128 characters');
  if (rows.length === 0) throw new InvalidArgumentError('rows: expected at least one row');
  if (opts.residency !== undefined && (typeof opts.residency !== 'string' || opts.residency.length === 0 || opts.residency.length > 64)) throw new InvalidArgumentError('opts.residency: expected 1..64 characters');
  const uploadId = opts.uploadId ?? toHex(new Uint8Array(randomBytes(16)));
  const manifestKey = opts.manifestKey ?? generateSigningKeyPair().secretKey;
  const manifestPublicKey = toHex(signingPublicKey(manifestKey));
  const encoded = encodeRows(schema, rows);
  const shares = shareEncodedRows(encoded, opts.rng);
  const boxes = ([0, 1, 2] as const).map((i) => {
    const pk = fromHex(parties[i], `parties[${i}]`, 32);
    return seal(pk, encodeSharePair(shares[i].share.a, shares[i].share.b), signedDatasetUploadAad(opts.name, uploadId, i, manifestPublicKey));
  });
  const boxSha256 = boxes.map((b) => sha256Hex(b)) as [string, string, string];
  const body: DatasetManifestBody = {
    format: DATASET_MANIFEST_DOMAIN,
    name: opts.name,
    uploadId,
    schema,
    policy,
    ...(opts.residency !== undefined ? { residency: opts.residency } : {}),
    ...(opts.owner !== undefined ? { owner: opts.owner } : {}),
    rows: encoded.rows,
    boxSha256,
  };
  return {
    request: { name: opts.name, uploadId, schema, policy, rows: encoded.rows, sealedShares: boxes.map((b) => toBase64(b)) as [string, string, string], manifest: signDatasetManifest(body, manifestKey) },
    manifestKey,
    boxSha256,
    sha256: uploadDigest(boxSha256),
  };
}

/** Label of the HKDF that derives a manifest key from a gateway signing key. */
const MANIFEST_KEY_INFO = 'mpc-dataset-manifest-key/v1';

/**
 * The manifest key a client signs uploads with: `manifestKey` when given (32 bytes), else one
 * derived from the gateway `signingKey` by HKDF-SHA256 under its own label (the gateway holds
 * only that key's public half, so it cannot derive this one), else a fresh key. An API key is
 * never used: the gateway sees it in every request.
 * @throws InvalidArgumentError when `manifestKey` is not 32 bytes.
 */
export function manifestKeyFor(opts: { readonly manifestKey?: Uint8Array; readonly signingKey?: { readonly secretKey: Uint8Array } }): Uint8Array {
  if (opts.manifestKey !== undefined) {
    if (!(opts.manifestKey instanceof Uint8Array) || opts.manifestKey.length !== 32) throw new InvalidArgumentError('opts.manifestKey: expected a 32-byte Ed25519 seed');
    return opts.manifestKey;
  }
  if (opts.signingKey?.secretKey instanceof Uint8Array) return hkdfSha256(opts.signingKey.secretKey, new Uint8Array(0), MANIFEST_KEY_INFO, 32);
  return generateSigningKeyPair().secretKey;
}
