/**
 * @module services/sdk/dataset-upload-client
 * The hospital's side of an upload (the SDK re-exports it): encode and check rows against the
 * schema on the hospital's machine (encodeRows), split them into replicated shares, and seal
 * party i's share pair to party i's X25519 key with `datasetUploadAad(name, uploadId, i)`. What
 * leaves the hospital is three sealed boxes and public metadata (schema, policy, row count).
 */
import { randomBytes } from 'node:crypto';
import { fromHex, toBase64, toHex } from '../../crypto-core/encoding.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { Prg } from '../../crypto-core/prg.js';
import { seal } from '../../crypto-core/sealed-box.js';
import { checkPolicy, checkSchema, DEFAULT_POLICY, type DatasetSchema, type DisclosurePolicy } from '../../protocols/analytics/dataset-schema.js';
import { encodeRows, type Row } from '../../protocols/analytics/encode-rows.js';
import { shareEncodedRows } from '../../protocols/analytics/share-dataset.js';
import { datasetUploadAad, encodeSharePair } from '../wire/sealed-share-pair.js';
import { sha256Hex, uploadDigest } from '../wire/analytics-jobs.js';

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
  };
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
  const uploadId = opts.uploadId ?? toHex(new Uint8Array(randomBytes(16)));
  const encoded = encodeRows(schema, rows);
  const shares = shareEncodedRows(encoded, opts.rng);
  const boxes = ([0, 1, 2] as const).map((i) => {
    const pk = fromHex(parties[i], `parties[${i}]`, 32);
    return seal(pk, encodeSharePair(shares[i].share.a, shares[i].share.b), datasetUploadAad(opts.name, uploadId, i));
  });
  const boxSha256 = boxes.map((b) => sha256Hex(b)) as [string, string, string];
  return {
    request: { name: opts.name, uploadId, schema, policy, rows: encoded.rows, sealedShares: boxes.map((b) => toBase64(b)) as [string, string, string] },
    boxSha256,
    sha256: uploadDigest(boxSha256),
  };
}
