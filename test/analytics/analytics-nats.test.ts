/**
 * The analytics runners over a real nats-server: three parties in this process, each with its
 * own NATS connection, sealed per-job channels (X25519 + AES-256-GCM frames) and encrypted
 * share stores. Three hospitals upload their part of the breast-cancer data set, an analyst's
 * query runs over the union, and the opened result matches `plaintextQuery` on the whole data
 * set (tolerances in compare-results.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plaintextQuery } from '../../protocols/analytics/plaintext-query.js';
import { checkQuery, type Query } from '../../protocols/analytics/query.js';
import { analyticsQueryPlan, datasetUploadPlan } from '../../services/coordinator/analytics/analytics-job-plans.js';
import type { AnalyticsQueryResult, DatasetUploadPartyResult } from '../../services/wire/analytics-jobs.js';
import { startAnalyticsParties, type AnalyticsPartySet } from '../../services/testing/analytics-party-set.js';
import { prepareDatasetUpload } from '../../services/sdk/dataset-upload-client.js';
import { openQueryResult, prepareQueryRequest } from '../../services/sdk/query-client.js';
import { useNatsServer } from '../helpers/nats-server.js';
import { loadRows, makeSchema, splitHospitals } from './breast-cancer-fixture.js';
import { expectMatches } from './compare-results.js';

const server = useNatsServer();
const rows = loadRows();
const schema = makeSchema(rows);
let dir: string;
let parties: AnalyticsPartySet;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'analytics-nats-'));
  parties = await startAnalyticsParties({ stateDir: dir, transport: { kind: 'nats', servers: server().url } });
});
afterAll(async () => {
  await parties?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('analytics jobs over NATS', () => {
  it('uploads three hospitals and answers a grouped, filtered query like the clear computation', async () => {
    for (const [i, part] of splitHospitals(rows).entries()) {
      // The query asks for a min: the hospitals' signed policy must release extremes (off by default).
      const up = prepareDatasetUpload(schema, part, parties.agreementKeys, { name: `h${i + 1}`, policy: { roles: ['analyst'], minCellSize: 10, releaseExtremes: true } });
      const payload = { ...up.request, datasetId: `h${i + 1}`, mode: 'create' as const, owner: { tenant: `hospital-${i + 1}`, actor: 'k' } };
      const out = await parties.run('dataset-upload', [0, 1, 2].map((j) => datasetUploadPlan.partyPayload(payload, j)) as [unknown, unknown, unknown]);
      expect((datasetUploadPlan.combine(payload, out.results) as DatasetUploadPartyResult).rows).toBe(part.length);
    }
    const q: Query = checkQuery(
      {
        datasets: ['h1', 'h2', 'h3'],
        filter: { or: [{ column: 'mean_smoothness', op: '>', value: 0.1 }, { column: 'size', in: ['large'] }] },
        groupBy: ['diagnosis'],
        aggregates: [{ op: 'count' }, { op: 'mean', column: 'mean_radius' }, { op: 'variance', column: 'mean_texture' }, { op: 'min', column: 'mean_area' }, { op: 'histogram', column: 'mean_radius', bins: [6, 12, 18, 29] }],
      },
      schema,
    );
    const req = prepareQueryRequest(q);
    const payload = { query: q, datasetIds: ['h1', 'h2', 'h3'], minCellSize: 10, clientPublicKey: req.clientPublicKey };
    const out = await parties.run('analytics-query', [payload, payload, payload]);
    expect(out.stats[0].rounds).toBeGreaterThan(0);
    const result = openQueryResult(req, schema, analyticsQueryPlan.combine(payload, out.results) as AnalyticsQueryResult);
    expectMatches(result, plaintextQuery(schema, rows, q, 10), q);
  });
});
