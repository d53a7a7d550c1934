/**
 * Bad inputs thrown at the public functions of services/analytics: payload checks of the three
 * runners, the coordinator plans, the SDK helpers and the policy decision each refuse with a
 * named error whose message names the offending field.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { toHex } from '../../crypto-core/encoding.js';
import { generateAgreementKeyPair } from '../../crypto-core/keys/agreement.js';
import { QueryError, SchemaError } from '../../protocols/analytics/errors.js';
import type { Query } from '../../protocols/analytics/query.js';
import { ApiFailure } from '../../services/coordinator/errors.js';
import { JobPayloadError } from '../../services/party/errors.js';
import { analyticsQueryPlan, datasetDeletePlan, datasetUploadPlan } from '../../services/coordinator/analytics/analytics-job-plans.js';
import { checkQueryPayload } from '../../services/party/runners/analytics-query-runner.js';
import { checkDeletePayload } from '../../services/party/runners/dataset-delete-runner.js';
import { checkUploadPayload } from '../../services/party/runners/dataset-upload-runner.js';
import { prepareDatasetUpload } from '../../services/sdk/dataset-upload-client.js';
import { authorizeQuery } from '../../services/coordinator/analytics/query-policy.js';

const key = toHex(generateAgreementKeyPair().publicKey);
const keys: [string, string, string] = [key, key, key];
const schema = { columns: [{ name: 'age', type: 'numeric' as const, min: 0, max: 120 }] };
const upload = prepareDatasetUpload(schema, [{ age: 30 }], keys, { name: 'd', uploadId: 'u1' });
const goodUpload = { ...upload.request, datasetId: 'd', mode: 'create', owner: { tenant: 't', actor: 'a' } };
const goodQuery = { query: { datasets: ['d'], aggregates: [{ op: 'count' }] }, datasetIds: ['d'], minCellSize: 10, clientPublicKey: key };

describe('analytics services: bad inputs', () => {
  it.each([
    [null, /payload: expected an object/],
    [{ ...goodUpload, datasetId: '../x' }, /payload.datasetId/],
    [{ ...goodUpload, uploadId: '' }, /payload.uploadId/],
    [{ ...goodUpload, mode: 'replace' }, /payload.mode: expected 'create' or 'append', got "replace"/],
    [{ ...goodUpload, owner: 'me' }, /payload.owner/],
    [{ ...goodUpload, schema: { columns: [] } }, /at least one column/],
    [{ ...goodUpload, policy: { roles: ['analyst'], minCellSize: 0 } }, /policy.minCellSize/],
    [{ ...goodUpload, rows: 1.5 }, /payload.rows/],
  ])('upload plan and runner refuse bad payload %#', (p, msg) => {
    expect(() => datasetUploadPlan.validate(p)).toThrow(ApiFailure);
    expect(() => datasetUploadPlan.validate(p)).toThrow(msg);
  });

  it('the upload runner refuses a payload whose digests do not add up', () => {
    const party = datasetUploadPlan.partyPayload(goodUpload, 0) as Record<string, unknown>;
    expect(() => checkUploadPayload(party)).not.toThrow();
    expect(() => checkUploadPayload({ ...party, sha256: '00'.repeat(32) })).toThrow(/payload.sha256: does not match/);
    expect(() => checkUploadPayload({ ...party, boxSha256: ['x', 'y', 'z'] })).toThrow(JobPayloadError);
    expect(() => checkUploadPayload({ ...party, sealedShare: 7 })).toThrow(/payload.sealedShare/);
  });

  it.each([
    [null, /payload: expected an object/],
    [{ ...goodQuery, query: 'count' }, /payload.query/],
    [{ ...goodQuery, datasetIds: [] }, /payload.datasetIds/],
    [{ ...goodQuery, datasetIds: ['d', 'd'] }, /distinct/],
    [{ ...goodQuery, minCellSize: 0 }, /payload.minCellSize/],
    [{ ...goodQuery, clientPublicKey: 'zz' }, /clientPublicKey/],
  ])('the query runner refuses bad payload %#', (p, msg) => {
    expect(() => checkQueryPayload(p)).toThrow(JobPayloadError);
    expect(() => checkQueryPayload(p)).toThrow(msg);
  });

  it('the query and delete plans refuse bad payloads', () => {
    expect(() => analyticsQueryPlan.validate({ ...goodQuery, minCellSize: -1 })).toThrow(/payload.minCellSize/);
    expect(() => analyticsQueryPlan.validate({ ...goodQuery, clientPublicKey: '00' })).toThrow(ApiFailure);
    expect(() => datasetDeletePlan.validate({ datasetId: 'a b' })).toThrow(/payload.datasetId/);
    expect(() => checkDeletePayload({})).toThrow(JobPayloadError);
    expect(() => analyticsQueryPlan.combine(goodQuery, [{ sealedOutput: 'a', layout: { slots: [], rows: 1, minCellSize: 10 } }, { sealedOutput: 'b', layout: { slots: [], rows: 2, minCellSize: 10 } }, { sealedOutput: 'c', layout: { slots: [], rows: 1, minCellSize: 10 } }])).toThrow(/the parties disagree/);
  });

  it('the SDK upload helper refuses bad rows, names and keys', () => {
    expect(() => prepareDatasetUpload(schema, [{ age: 200 }], keys, { name: 'd' })).toThrow(SchemaError);
    expect(() => prepareDatasetUpload(schema, [], keys, { name: 'd' })).toThrow(/rows: expected at least one row/);
    expect(() => prepareDatasetUpload(schema, [{ age: 1 }], keys, { name: '' })).toThrow(/opts.name/);
    expect(() => prepareDatasetUpload(schema, [{ age: 1 }], ['00', key, key], { name: 'd' })).toThrow(InvalidArgumentError);
  });

  it('the policy decision refuses a missing data set list', () => {
    expect(() => authorizeQuery({ tenant: 't', actor: 'a', roles: ['analyst'] }, { aggregates: [] } as unknown as Query, () => undefined)).toThrow(QueryError);
  });
});
