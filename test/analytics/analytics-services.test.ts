/**
 * The analytics services at the runner level: three parties in this process run the real
 * dataset-upload / dataset-delete / analytics-query runners over the in-memory network with
 * encrypted file share stores, fed by the coordinator's job plans and the policy decision, with
 * uploads prepared and results opened by the SDK helpers. Every query result is compared with
 * `plaintextQuery` over the whole breast-cancer data set in the clear (tolerances in
 * compare-results.ts). The same flow over a real nats-server is in analytics-nats.test.ts.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, fromHex, toBase64, toHex } from '../../crypto-core/encoding.js';
import { columnOffset } from '../../protocols/analytics/dataset-schema.js';
import { encodeRows } from '../../protocols/analytics/encode-rows.js';
import { shareEncodedRows } from '../../protocols/analytics/share-dataset.js';
import { seal } from '../../crypto-core/sealed-box.js';
import { PolicyDeniedError, QueryError, SchemaError } from '../../protocols/analytics/errors.js';
import { plaintextQuery } from '../../protocols/analytics/plaintext-query.js';
import type { Query } from '../../protocols/analytics/query.js';
import type { Row } from '../../protocols/analytics/encode-rows.js';
import { InconsistentShareError } from '../../protocols/rss/errors.js';
import { validateAuditEvent } from '../../services/wire/audit-entry.js';
import { ApiFailure } from '../../services/coordinator/errors.js';
import { JobPayloadError } from '../../services/party/errors.js';
import { encodeSharePair } from '../../services/wire/sealed-share-pair.js';
import { DATASET_MANIFEST_DOMAIN, signDatasetManifest, signedDatasetUploadAad } from '../../services/wire/dataset-manifest.js';
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';
import { analyticsOutputAad, sha256Hex, type AnalyticsQueryResult, type DatasetUploadPartyResult, type DatasetDeletePartyResult } from '../../services/wire/analytics-jobs.js';
import { analyticsQueryPlan, datasetDeletePlan, datasetUploadPlan } from '../../services/coordinator/analytics/analytics-job-plans.js';
import { datasetDeletedEvent, datasetUploadedEvent, queryDeniedEvent, queryRunEvent } from '../../services/coordinator/analytics/analytics-audit.js';
import { startAnalyticsParties, type AnalyticsPartySet } from '../../services/testing/analytics-party-set.js';
import { prepareDatasetUpload } from '../../services/sdk/dataset-upload-client.js';
import { DatasetConflictError, UnknownDatasetError } from '../../services/wire/analytics-errors.js';
import { openQueryResult, prepareQueryRequest } from '../../services/sdk/query-client.js';
import { authorizeQuery, datasetsVisibleTo, type CatalogEntry, type QueryPrincipal } from '../../services/coordinator/analytics/query-policy.js';
import { loadRows, makeSchema, splitHospitals } from './breast-cancer-fixture.js';
import { expectMatches } from './compare-results.js';

const rows = loadRows();
const schema = makeSchema(rows);
const [h1, h2, h3] = splitHospitals(rows);
const analyst: QueryPrincipal = { tenant: 'research', actor: 'analyst-key', roles: ['analyst'] };
let dir: string;
let parties: AnalyticsPartySet;
/** The coordinator's catalog in this test: what the upload jobs registered. */
const catalog = new Map<string, CatalogEntry>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'analytics-services-'));
  parties = await startAnalyticsParties({ stateDir: dir, transport: { kind: 'memory' } });
});
afterAll(async () => {
  await parties?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Each hospital's manifest key: the parties pin it at creation, and an append must be signed by it. */
const manifestKeys = new Map<string, Uint8Array>();
function manifestKey(tenant: string): Uint8Array {
  if (!manifestKeys.has(tenant)) manifestKeys.set(tenant, generateSigningKeyPair().secretKey);
  return manifestKeys.get(tenant)!;
}

/** Hospital `tenant` uploads `part` as data set `datasetId` (create or append) through the plan and runners. */
// min/max are off unless the signed policy releases them; these hospitals do (the union query asks for max).
async function upload(tenant: string, datasetId: string, part: readonly Row[], mode: 'create' | 'append', policy = { roles: ['analyst'], minCellSize: 10, releaseExtremes: true }): Promise<DatasetUploadPartyResult> {
  const up = prepareDatasetUpload(schema, part, parties.agreementKeys, { name: datasetId, policy, manifestKey: manifestKey(tenant) });
  const payload = { ...up.request, datasetId, mode, owner: { tenant, actor: `${tenant}-key` } };
  datasetUploadPlan.validate(payload);
  const out = await parties.run('dataset-upload', [0, 1, 2].map((i) => datasetUploadPlan.partyPayload(payload, i)) as [unknown, unknown, unknown]);
  const res = datasetUploadPlan.combine(payload, out.results) as DatasetUploadPartyResult;
  validateAuditEvent(datasetUploadedEvent({ actor: `${tenant}-key`, tenant }, datasetId, mode, part.length, up.sha256));
  const prev = catalog.get(datasetId);
  catalog.set(datasetId, { datasetId, name: datasetId, owner: { tenant, actor: `${tenant}-key` }, schema, policy: prev?.policy ?? policy, rows: res.rows });
  return res;
}

/** An analyst's query: policy decision, job, SDK opening. */
async function query(q: Query, principal = analyst, minCellSizeOverride?: number): Promise<{ result: ReturnType<typeof openQueryResult>; k: number }> {
  const decision = authorizeQuery(principal, q, (name) => catalog.get(name));
  const req = prepareQueryRequest(decision.query);
  const payload = { query: decision.query, datasetIds: decision.datasetIds, minCellSize: minCellSizeOverride ?? decision.minCellSize, clientPublicKey: req.clientPublicKey };
  analyticsQueryPlan.validate(payload);
  const out = await parties.run('analytics-query', [0, 1, 2].map((i) => analyticsQueryPlan.partyPayload(payload, i)) as [unknown, unknown, unknown]);
  const combined = analyticsQueryPlan.combine(payload, out.results) as AnalyticsQueryResult;
  validateAuditEvent(queryRunEvent(principal, 'job-1', decision.query, decision.datasetIds, decision.minCellSize));
  return { result: openQueryResult(req, decision.schema, combined), k: decision.minCellSize };
}

describe('analytics services over three in-process parties', () => {
  it('stores three hospitals (one in two appended parts) encrypted at rest with manifests', async () => {
    expect((await upload('hospital-1', 'h1', h1, 'create')).rows).toBe(h1.length);
    expect((await upload('hospital-2', 'h2', h2, 'create')).rows).toBe(h2.length);
    await upload('hospital-3', 'h3', h3.slice(0, 100), 'create');
    const r = await upload('hospital-3', 'h3', h3.slice(100), 'append');
    expect(r).toMatchObject({ rows: h3.length, parts: 2 });
    // At rest: object files only, no manifest text or schema names in the clear.
    const files = readdirSync(join(dir, 'party-0', 'shares'));
    expect(files.filter((f) => f.endsWith('.manifest.share')).sort()).toEqual(['dataset-h1.manifest.share', 'dataset-h2.manifest.share', 'dataset-h3.manifest.share']);
    // Four parts, one object per schema column for the shares and one for the validity bits.
    expect(files.filter((f) => /^dataset-h[123]\.part-[0-9a-f]{32}\.col-\d+\.share$/.test(f))).toHaveLength(4 * schema.columns.length);
    expect(files.filter((f) => /^dataset-h[123]\.part-[0-9a-f]{32}\.valid\.col-\d+\.share$/.test(f))).toHaveLength(4 * schema.columns.length);
    for (const f of files) expect(readFileSync(join(dir, 'party-0', 'shares', f)).toString('latin1')).not.toMatch(/mean_radius|hospital-1/);
  });

  it('answers queries over the union exactly like the clear computation on the whole data set', async () => {
    const q: Query = {
      datasets: ['h1', 'h2', 'h3'],
      // Not < 30: that selects all but 7 of 569 records, which the parties now refuse (complement below k).
      filter: { column: 'mean_texture', op: '<', value: 25 },
      groupBy: ['diagnosis'],
      aggregates: [
        { op: 'count' },
        { op: 'mean', column: 'mean_radius' },
        { op: 'stddev', column: 'mean_area' },
        { op: 'max', column: 'worst_radius' },
        { op: 'histogram', column: 'mean_radius', bins: [6, 10, 14, 18, 29] },
        { op: 'correlation', columns: ['mean_radius', 'mean_concavity'] },
      ],
    };
    const { result, k } = await query(q);
    expectMatches(result, plaintextQuery(schema, rows, q, k), q);
  });

  it('suppresses small cells with the parties\' own k even when the job asks for less', async () => {
    const q: Query = { datasets: ['h1', 'h2', 'h3'], filter: { column: 'diagnosis', in: ['benign'] }, groupBy: ['size'], aggregates: [{ op: 'count' }, { op: 'mean', column: 'mean_area' }] };
    const { result } = await query(q, analyst, 1);
    const clear = plaintextQuery(schema, rows, q, 10);
    expectMatches(result, clear, q);
    expect(result.groups.find((g) => g.key.size === 'large')?.suppressed).toBe(true);
  });

  it('excludes and counts rows a malicious uploader poisoned behind the SDK\'s back (validity computed at upload)', async () => {
    // Hospital P seals shares of an encoding it altered after encodeRows' check.
    const part = h1.slice(0, 60).map((r) => ({ ...r }));
    const enc = encodeRows(schema, part);
    const data = BigUint64Array.from(enc.data);
    data[columnOffset(schema, 'mean_radius') * enc.rows + 7] = BigInt(900 * 2 ** 16);
    part[7] = { ...part[7]!, mean_radius: 900 };
    data[(columnOffset(schema, 'diagnosis') + 0) * enc.rows + 9] = 5n; // an indicator of 5
    part[9] = { ...part[9]!, diagnosis: 'five' };
    const shares = shareEncodedRows({ ...enc, data });
    const uploadId = 'poisoned-upload';
    // P signs its manifest like any hospital (it is the uploader that lies, not the coordinator).
    const pKey = generateSigningKeyPair();
    const boxes = ([0, 1, 2] as const).map((i) => seal(fromHex(parties.agreementKeys[i], 'key', 32), encodeSharePair(shares[i].share.a, shares[i].share.b), signedDatasetUploadAad('hp', uploadId, i, toHex(pKey.publicKey))));
    const policy = { roles: ['analyst'], minCellSize: 10 };
    const boxSha256 = boxes.map((b) => sha256Hex(b)) as [string, string, string];
    const manifest = signDatasetManifest({ format: DATASET_MANIFEST_DOMAIN, name: 'hp', uploadId, schema, policy, rows: enc.rows, boxSha256 }, pKey.secretKey);
    const payload = { name: 'hp', uploadId, schema, policy, rows: enc.rows, sealedShares: boxes.map((b) => toBase64(b)) as [string, string, string], manifest, datasetId: 'hp', mode: 'create' as const, owner: { tenant: 'p', actor: 'p' } };
    await parties.run('dataset-upload', [0, 1, 2].map((i) => datasetUploadPlan.partyPayload(payload, i)) as [unknown, unknown, unknown]);
    catalog.set('hp', { datasetId: 'hp', name: 'hp', owner: payload.owner, schema, policy: payload.policy, rows: enc.rows });
    const q: Query = { datasets: ['hp'], groupBy: ['diagnosis'], aggregates: [{ op: 'count' }, { op: 'mean', column: 'mean_radius' }] };
    const { result, k } = await query(q);
    // 2 excluded rows are fewer than k = 10: the parties suppress that count like any small count (issue 12 item 8).
    expect(result.excludedOutOfRange).toBeNull();
    expectMatches(result, plaintextQuery(schema, part, q, k), q);
    catalog.delete('hp');
  });

  it('refuses bad uploads: tampered or swapped boxes, duplicate create, schema change on append, bad rows', async () => {
    const up = prepareDatasetUpload(schema, h1.slice(0, 20), parties.agreementKeys, { name: 'x1' });
    const base = { ...up.request, datasetId: 'x1', mode: 'create' as const, owner: { tenant: 't', actor: 'a' } };
    // A box altered after the digests were taken.
    const p1 = datasetUploadPlan.partyPayload(base, 1) as { sealedShare: string };
    const bytes = fromBase64(p1.sealedShare);
    bytes[100]! ^= 1;
    const tampered = [datasetUploadPlan.partyPayload(base, 0), { ...p1, sealedShare: toBase64(bytes) }, datasetUploadPlan.partyPayload(base, 2)] as [unknown, unknown, unknown];
    // Party 1 refuses (its box does not match its digest); parties 0 and 2 learn it in the vote.
    await expect(parties.run('dataset-upload', tampered)).rejects.toThrow(/upload refused by party 1: payload.sealedShare: party 1's box does not match boxSha256\[1\] of the signed manifest; nothing stored/);
    // Party 0's box handed to party 1 (digests recomputed by a dishonest coordinator): the AAD names party 0.
    const swapped = { ...base, sealedShares: [up.request.sealedShares[0], up.request.sealedShares[0], up.request.sealedShares[2]] as [string, string, string] };
    await expect(parties.run('dataset-upload', [0, 1, 2].map((i) => datasetUploadPlan.partyPayload(swapped, i)) as [unknown, unknown, unknown])).rejects.toThrow(JobPayloadError);
    // Nothing was stored by the failed attempts.
    expect((await parties.stores[0]!.list()).filter((id) => id.startsWith('dataset-x1'))).toEqual([]);
    await expect(upload('hospital-1', 'h1', h1.slice(0, 20), 'create')).rejects.toThrow(DatasetConflictError);
    const other = { columns: [{ name: 'age', type: 'numeric' as const, min: 0, max: 120 }] };
    const up2 = prepareDatasetUpload(other, [{ age: 3 }], parties.agreementKeys, { name: 'h2', manifestKey: manifestKey('hospital-2'), policy: { roles: ['analyst'], minCellSize: 10, releaseExtremes: true } });
    const p2 = { ...up2.request, datasetId: 'h2', mode: 'append' as const, owner: { tenant: 'hospital-2', actor: 'k' } };
    await expect(parties.run('dataset-upload', [0, 1, 2].map((i) => datasetUploadPlan.partyPayload(p2, i)) as [unknown, unknown, unknown])).rejects.toThrow(/schema: differs/);
    expect(() => prepareDatasetUpload(schema, [{ ...h1[0]!, mean_radius: 1e6 }], parties.agreementKeys, { name: 'bad' })).toThrow(SchemaError);
    expect(() => datasetUploadPlan.validate({ ...base, rows: 0 })).toThrow(ApiFailure);
  });

  it('gives clear errors for bad queries and roles without permission, and audits the decisions', async () => {
    const ok: Query = { datasets: ['h1', 'h2'], aggregates: [{ op: 'count' }] };
    const client: QueryPrincipal = { tenant: 'x', actor: 'client-key', roles: ['client'] };
    expect(() => authorizeQuery(client, ok, (n) => catalog.get(n))).toThrow(PolicyDeniedError);
    expect(() => authorizeQuery(client, ok, (n) => catalog.get(n))).toThrow(/role 'client' may not query data set 'h1'/);
    validateAuditEvent(queryDeniedEvent(client, ok, "role 'client' may not query data set 'h1'"));
    const cases: [Query, string, RegExp][] = [
      [{ ...ok, datasets: ['h1', 'nope'] }, '/datasets/1', /unknown data set "nope"/],
      [{ ...ok, aggregates: [{ op: 'mean', column: 'mean_radiuss' }] }, '/aggregates/0/column', /unknown column 'mean_radiuss'/],
      [{ ...ok, aggregates: [{ op: 'sum', column: 'diagnosis' }] }, '/aggregates/0/column', /categorical, expected numeric/],
      [{ ...ok, aggregates: [{ op: 'histogram', column: 'mean_radius', bins: [10, 20, 15] }] }, '/aggregates/0/bins/2', /strictly increasing/],
    ];
    for (const [q, path, msg] of cases) {
      let err: unknown;
      try {
        authorizeQuery(analyst, q, (n) => catalog.get(n));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(QueryError);
      expect((err as QueryError).path).toBe(path);
      expect((err as QueryError).message).toMatch(msg);
    }
    expect(datasetsVisibleTo(analyst, [...catalog.values()]).map((e) => e.datasetId)).toEqual(['h1', 'h2', 'h3']);
    expect(datasetsVisibleTo(client, [...catalog.values()])).toEqual([]);
  });

  it('catches a party that alters its output share (checked opening names it)', async () => {
    const q: Query = { datasets: ['h1'], aggregates: [{ op: 'count' }, { op: 'sum', column: 'mean_area' }] };
    const decision = authorizeQuery(analyst, q, (n) => catalog.get(n));
    const req = prepareQueryRequest(decision.query);
    const payload = { query: decision.query, datasetIds: decision.datasetIds, minCellSize: decision.minCellSize, clientPublicKey: req.clientPublicKey };
    const out = await parties.run('analytics-query', [payload, payload, payload]);
    const combined = analyticsQueryPlan.combine(payload, out.results) as AnalyticsQueryResult;
    const z = out.outputs[2]!;
    const a = BigUint64Array.from(z.a);
    a[a.length - 1]! += 1n;
    const forged = toBase64(seal(req.clientKey.publicKey, encodeSharePair(a, z.b), analyticsOutputAad(req.clientPublicKey, 2)));
    let err: unknown;
    try {
      openQueryResult(req, decision.schema, { ...combined, sealedOutputs: [combined.sealedOutputs[0], combined.sealedOutputs[1], forged] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InconsistentShareError);
    expect((err as InconsistentShareError).suspects).toContain(2);
    expect((err as InconsistentShareError).components).toEqual([2]);
  });

  it('deletes a data set: every party erases its shares and manifest, later queries fail', async () => {
    const payload = { datasetId: 'h2' };
    datasetDeletePlan.validate(payload);
    const out = await parties.run('dataset-delete', [payload, payload, payload]);
    const res = datasetDeletePlan.combine(payload, out.results) as DatasetDeletePartyResult;
    expect(res).toEqual({ datasetId: 'h2', erasedParts: 1 });
    validateAuditEvent(datasetDeletedEvent({ actor: 'hospital-2-key', tenant: 'hospital-2' }, 'h2', res.erasedParts));
    for (const s of parties.stores) expect((await s.list()).filter((id) => id.startsWith('dataset-h2'))).toEqual([]);
    const q = { query: { datasets: ['h2'], aggregates: [{ op: 'count' as const }] }, datasetIds: ['h2'], minCellSize: 10, clientPublicKey: prepareQueryRequest({ datasets: ['h2'], aggregates: [{ op: 'count' }] }).clientPublicKey };
    await expect(parties.run('analytics-query', [q, q, q])).rejects.toThrow(UnknownDatasetError);
    await expect(parties.run('dataset-delete', [payload, payload, payload])).rejects.toThrow(UnknownDatasetError);
  });
});
