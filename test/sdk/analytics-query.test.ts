/**
 * Dataset upload and analytics queries through the SDK and a real gateway. The coordinator test
 * double (test/gateway/coordinator-double.ts) routes `datasets.upload` and `analytics.query` to
 * three real analytics parties (services/analytics `startAnalyticsParties`, in-memory channels,
 * encrypted share stores) that run the real upload and secure query runners; the SDK shares and
 * seals the rows, and opens and decodes the query result. The result is compared with the same
 * query computed in the clear (protocols/analytics plaintextQuery) with the analytics tests'
 * tolerances (test/analytics/compare-results.ts).
 */
import { publicIdentity } from '../../crypto-core/keys/identity.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useNatsServer } from '../helpers/nats-server.js';
import { startGateway, type GatewayFixture } from '../gateway/gateway-fixture.js';
import { MpcClient, ResultSignatureError, encodeSharePair } from '../../services/sdk/index.js';
import { seal } from '../../crypto-core/sealed-box.js';
import { fromHex, toBase64 } from '../../crypto-core/encoding.js';
import { analyticsOutputAad } from '../../services/wire/analytics-jobs.js';
import { startAnalyticsParties, type AnalyticsPartySet } from '../../services/testing/analytics-party-set.js';
import { analyticsQueryPlan, datasetUploadPlan } from '../../services/coordinator/analytics/analytics-job-plans.js';
import { plaintextQuery } from '../../protocols/analytics/plaintext-query.js';
import { checkQuery, type Query } from '../../protocols/analytics/query.js';
import type { Principal } from '../../services/wire/api.js';
import { loadRows, makeSchema, splitHospitals } from '../analytics/breast-cancer-fixture.js';
import { expectMatches } from '../analytics/compare-results.js';

describe('MpcClient analytics', () => {
  const nats = useNatsServer();
  let f: GatewayFixture;
  let url: string;
  let parties: AnalyticsPartySet;
  let dir: string;
  const rows = loadRows();
  const schema = makeSchema(rows);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sdk-analytics-'));
    parties = await startAnalyticsParties({ stateDir: dir, transport: { kind: 'memory' } });
    f = await startGateway(nats().url, { rateLimitMax: 10_000 });
    f.double.services = parties.agreementKeys.map((k, i) => ({ id: `party-${i}`, kind: 'party' as const, index: i, signingPublicKey: publicIdentity(parties.identities[i]!).signingPublicKey, agreementPublicKey: k, status: 'up' as const }));
    await f.double.serve('datasets.upload', async (b) => {
      const { principal, idempotencyKey: _k, ...req } = b as Record<string, unknown> & { principal: Principal; name: string; rows: number };
      const payload = { ...req, datasetId: req.name, mode: 'create', owner: { tenant: principal.tenant, actor: principal.actor } };
      const out = await parties.run('dataset-upload', [0, 1, 2].map((j) => datasetUploadPlan.partyPayload(payload, j)) as [unknown, unknown, unknown]);
      const combined = datasetUploadPlan.combine(payload, out.results) as { rows: number };
      return { dataset: { id: req.name, name: req.name, rows: combined.rows, schema: req.schema, createdAt: '2026-01-01T00:00:00.000Z' }, created: true };
    });
    await f.double.serve('analytics.query', (b) => {
      const principal = b.principal as Principal;
      const query = b.query as Query;
      const payload = { query, datasetIds: query.datasets, minCellSize: 10, clientPublicKey: b.clientPublicKey as string };
      const job = f.double.createJob(principal, 'analytics-query', payload);
      void parties.run('analytics-query', [payload, payload, payload], job.id).then(
        (out) => {
          f.double.jobs.get(job.id)!.result = analyticsQueryPlan.combine(payload, out.results) as Record<string, unknown>;
          f.double.advance(job.id, 'verified', 1, { stats: { rounds: out.stats[0].rounds, bytesPerParty: out.stats[0].bytesSent, durationMs: out.ms } });
        },
        (e: Error) => f.double.advance(job.id, 'failed', 1, { error: { code: 'query-failed', message: e.message } }),
      );
      return { jobId: job.id, created: true };
    });
    url = await f.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await f?.close();
    await parties?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('uploads three hospitals and answers a filtered, grouped query like the clear computation', async () => {
    const hospital = new MpcClient({ gatewayUrl: url, apiKey: f.keys.hospital! });
    for (const [i, part] of splitHospitals(rows).entries()) {
      const ds = await hospital.uploadDataset(`h${i + 1}`, schema, part);
      expect(ds).toMatchObject({ id: `h${i + 1}`, rows: part.length, created: true });
    }
    // What crossed the gateway were sealed boxes: no row value appears in the upload request.
    expect(JSON.stringify(f.double.callsOf('datasets.upload')[0]!.body)).not.toContain(String(rows[0]!.mean_radius));
    const q = checkQuery(
      {
        datasets: ['h1', 'h2', 'h3'],
        filter: { column: 'mean_smoothness', op: '>', value: 0.09 },
        groupBy: ['diagnosis'],
        aggregates: [{ op: 'count' }, { op: 'mean', column: 'mean_radius' }, { op: 'histogram', column: 'mean_radius', bins: [6, 12, 18, 29] }],
      },
      schema,
    );
    const analyst = new MpcClient({ gatewayUrl: url, apiKey: f.keys.analyst! });
    const submitted = await analyst.query(q);
    const result = await analyst.queryResult(submitted, schema, { timeoutMs: 60_000 });
    expectMatches(result, plaintextQuery(schema, rows, q, 10), q);
    // Another analyst's key cannot open the result: the boxes are sealed to this query's key.
    const other = await analyst.query(q);
    await expect(analyst.queryResult({ jobId: submitted.jobId, request: other.request }, schema)).rejects.toThrow(/decrypt|open|authentic/i);
    await analyst.waitForJob(other.jobId, { timeoutMs: 60_000 });
    // The operator's forgery: shares of zeros sealed to the analyst's key with the right associated
    // data (the boxes open) under the parties' genuine signatures of other boxes: refused unopened.
    const stored = f.double.jobs.get(other.jobId)!.result as { layout: { slots: unknown[] }; sealedOutputs: string[] };
    const n = stored.layout.slots.length;
    stored.sealedOutputs = [0, 1, 2].map((i) => toBase64(seal(fromHex(other.request.clientPublicKey, 'k', 32), encodeSharePair(new BigUint64Array(n), new BigUint64Array(n)), analyticsOutputAad(other.request.clientPublicKey, i))));
    await expect(analyst.queryResult(other, schema)).rejects.toBeInstanceOf(ResultSignatureError);
  });
});
