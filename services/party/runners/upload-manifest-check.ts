/**
 * @module services/party/runners/upload-manifest-check
 * The party's check of a hospital-signed upload manifest (services/wire/dataset-manifest)
 * against the coordinator's job order: the signature verifies under the key it names; the
 * order says what the hospital signed (name, upload id, schema, policy, row count, the three
 * boxes' digests, and the owner when the hospital named one); and the key is the one pinned at
 * the data set's creation when this is an append. Any difference refuses the upload, so a
 * coordinator can neither lower the minimum cell size nor widen the roles the hospital signed.
 */
import { canonicalJson } from '../../../crypto-core/canonical-json.js';
import { sameSchema } from '../../../protocols/analytics/dataset-schema.js';
import { JobPayloadError } from '../errors.js';
import type { DatasetManifest, DatasetUploadPartyPayload } from '../../wire/analytics-jobs.js';
import { openDatasetManifest, type DatasetManifestBody } from '../../wire/dataset-manifest.js';

/**
 * The signed body of `p.manifest`, checked against the order and, for an append, against the
 * stored manifest `existing`.
 * @throws JobPayloadError naming what does not match.
 */
export function checkUploadManifest(p: DatasetUploadPartyPayload, existing: DatasetManifest | undefined): DatasetManifestBody {
  const body = openDatasetManifest(p.manifest);
  if (!body) throw new JobPayloadError('payload.manifest: missing, or its signature does not verify: the parties store only uploads the hospital signed');
  const differs = (what: string): never => {
    throw new JobPayloadError(`payload.${what}: differs from the hospital-signed manifest of upload ${p.uploadId}`);
  };
  if (body.name !== p.name) differs('name');
  if (body.uploadId !== p.uploadId) differs('uploadId');
  if (body.rows !== p.rows) differs('rows');
  if (!sameSchema(body.schema, p.schema)) differs('schema');
  if (canonicalJson(body.boxSha256) !== canonicalJson(p.boxSha256)) differs('boxSha256');
  if (body.owner && (body.owner.tenant !== p.owner.tenant || (body.owner.actor !== undefined && body.owner.actor !== p.owner.actor))) differs('owner');
  if (p.mode === 'create' && canonicalJson(body.policy) !== canonicalJson(p.policy)) differs('policy');
  if (p.mode === 'append' && existing) {
    if (existing.hospitalKey !== p.manifest!.publicKey) {
      throw new JobPayloadError(`payload.manifest: signed by another key than the one pinned when data set '${p.datasetId}' was created; appends must be signed by the same hospital key`);
    }
    if (canonicalJson(existing.policy) !== canonicalJson(p.policy)) throw new JobPayloadError(`payload.policy: differs from the signed policy stored for data set '${p.datasetId}'`);
  }
  return body;
}
