/**
 * @module services/wire/analytics-jobs
 * The three party job kinds of analytics and what travels in them:
 *
 * - `dataset-upload`: a hospital's table (encodeRows layout, column-major) as party i's share
 *   pair sealed to party i with `datasetUploadAad(name, uploadId, i)` (wire/sealed-share-pair).
 *   `mode: 'create'` starts a data set, `'append'` adds another part with the same schema.
 * - `dataset-delete`: the parties erase every part of a data set and its manifest.
 * - `analytics-query`: the parties load the parts of the chosen data sets, run the secure query
 *   and seal their output pairs to the analyst's ephemeral X25519 key with
 *   {@link analyticsOutputAad}. The output layout is public (it depends only on the query and the
 *   schema) and is returned next to the sealed pairs.
 *
 * The upload digest (`sha256`) recorded in the manifest and the audit log is SHA-256 over the
 * SHA-256 digests of the three sealed boxes: each party can check its own box against the list,
 * and the list against the digest, without seeing the other boxes.
 */
import { createHash } from 'node:crypto';
import type { DatasetSchema, DisclosurePolicy } from '../../protocols/analytics/dataset-schema.js';
import type { OutputLayout } from '../../protocols/analytics/output-layout.js';
import type { Query } from '../../protocols/analytics/query.js';
import type { SignedDatasetManifest } from './dataset-manifest.js';

/** The analytics kinds (services/wire/job-kinds). */
export { ANALYTICS_JOB_KINDS, type AnalyticsJobKind } from './job-kinds.js';

/** Who uploaded a data set (from the authenticated principal). */
export interface DatasetOwner {
  readonly tenant: string;
  readonly actor: string;
}

/** One uploaded part of a data set, as the manifest records it. */
export interface DatasetPart {
  readonly uploadId: string;
  readonly rows: number;
  /** {@link uploadDigest} of the part's three sealed boxes (hex). */
  readonly sha256: string;
  /** The three boxes' own SHA-256 digests (hex), by party index. */
  readonly boxSha256: readonly [string, string, string];
  /**
   * `malicious` when the part was uploaded in malicious mode: its share consistency and its
   * column validity bits were verified. Absent: semi-honest, so a malicious query checks the
   * part's shares and ranges again instead of trusting them (analytics-query-runner).
   */
  readonly security?: 'malicious';
}

/** What a party keeps about a data set (encrypted at rest next to the shares; never values). */
export interface DatasetManifest {
  readonly datasetId: string;
  readonly name: string;
  readonly owner: DatasetOwner;
  readonly schema: DatasetSchema;
  readonly policy: DisclosurePolicy;
  readonly parts: readonly DatasetPart[];
  /** Sum of the parts' rows. */
  readonly rows: number;
  /** Hex Ed25519 key of the hospital that signed the first upload: every append must be signed by it. */
  readonly hospitalKey?: string;
  /** Residency the hospital signed at creation, if any. */
  readonly residency?: string;
  /** The hospital-signed manifests of the parts, in upload order (the policy above is the first one's). */
  readonly signedManifests?: readonly SignedDatasetManifest[];
}

/** The coordinator's submission payload of `dataset-upload`. */
export interface DatasetUploadJobPayload {
  readonly datasetId: string;
  readonly name: string;
  readonly mode: 'create' | 'append';
  readonly uploadId: string;
  readonly owner: DatasetOwner;
  readonly schema: DatasetSchema;
  readonly policy: DisclosurePolicy;
  readonly rows: number;
  /** Party i's sealed share pair (base64), by index. */
  readonly sealedShares: readonly [string, string, string];
  /** The hospital-signed manifest of this upload (services/wire/dataset-manifest); parties refuse an upload without one. */
  readonly manifest?: SignedDatasetManifest;
  /** The protocols' security asked for (coordinator default when absent); goes into the job orders, not the party payloads. */
  readonly security?: 'semi-honest' | 'malicious';
}

/** What party i receives for `dataset-upload`: its own box and the digests of all three. */
export interface DatasetUploadPartyPayload extends Omit<DatasetUploadJobPayload, 'sealedShares'> {
  readonly sealedShare: string;
  readonly boxSha256: readonly [string, string, string];
  readonly sha256: string;
}

/** Party result of `dataset-upload` (equal at the three parties when they agree). */
export interface DatasetUploadPartyResult {
  readonly datasetId: string;
  readonly rows: number;
  readonly parts: number;
  /** SHA-256 (hex) of the manifest's canonical JSON. */
  readonly manifestSha256: string;
  /** The mode the parties stored the part in (absent in results of older parties: semi-honest). */
  readonly security?: 'semi-honest' | 'malicious';
}

/** Payload (submission and party) of `dataset-delete`. */
export interface DatasetDeletePayload {
  readonly datasetId: string;
}

/** Party result of `dataset-delete`. */
export interface DatasetDeletePartyResult {
  readonly datasetId: string;
  readonly erasedParts: number;
}

/** Payload (submission and party) of `analytics-query`. */
export interface AnalyticsQueryPayload {
  readonly query: Query;
  /** Data set ids in query order (the coordinator resolves the query's names to ids). */
  readonly datasetIds: readonly string[];
  /** Minimum cell size decided by policy; a party applies at least its own manifests' k. */
  readonly minCellSize: number;
  /** Analyst's ephemeral X25519 public key (hex): the output pairs are sealed to it. */
  readonly clientPublicKey: string;
  /** Fixed-point fractional bits of the job (default 16). */
  readonly fractionBits?: number;
  /** The protocols' security asked for (coordinator default when absent); goes into the job orders, not the party payloads. */
  readonly security?: 'semi-honest' | 'malicious';
}

/** Party result of `analytics-query`. */
export interface AnalyticsQueryPartyResult {
  readonly sealedOutput: string;
  readonly layout: OutputLayout;
  /** The party's signature of its output statement (wire/output-statement). */
  readonly signature: string;
}

/** Requester's result of `analytics-query` (the coordinator's combination). */
export interface AnalyticsQueryResult {
  readonly layout: OutputLayout;
  readonly sealedOutputs: readonly [string, string, string];
  /** outputSignatures[i]: party i's signature of its output statement (wire/output-statement). */
  readonly outputSignatures: readonly [string, string, string];
}

/** Associated data of party `i`'s analytics output box. */
export function analyticsOutputAad(requestId: string, i: number): Uint8Array {
  return new TextEncoder().encode(`mpc-analytics-output/v1\n${requestId}\n${i}`);
}

/** SHA-256 (hex) of bytes or a UTF-8 string. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The upload digest: SHA-256 over the three boxes' hex digests joined by newlines. */
export function uploadDigest(boxSha256: readonly [string, string, string]): string {
  return sha256Hex(`mpc-dataset-upload/v1\n${boxSha256.join('\n')}`);
}

/** Share store id of a data set's manifest. */
export function manifestObjectId(datasetId: string): string {
  return `dataset-${datasetId}.manifest`;
}

/** Share store id of one part's share pair. */
export function partObjectId(datasetId: string, uploadId: string): string {
  return `dataset-${datasetId}.part-${uploadId}`;
}

/** Share store id of one part's column validity bits (computed at upload, column-validity.ts). */
export function validityObjectId(datasetId: string, uploadId: string): string {
  return `dataset-${datasetId}.part-${uploadId}.valid`;
}

/** Data set ids and upload ids: short, file-name safe. */
export const DATASET_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
