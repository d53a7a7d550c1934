/**
 * @module test/analytics-api/analytics-security.test
 * The per-job security option of analytics (issue 13) against a full cluster from dist/
 * (nats-server, coordinator, three parties, gateway; no HE workers): uploads and queries with
 * `security: 'malicious'` and `'semi-honest'` through the SDK and the CLI (`--security`). The
 * mode goes into the parties' orders, the job status, the audit entries (`dataset.uploaded`,
 * `query.run`, `job.placed`) and the result the client gets (the upload answer; the query
 * result, whose mode the three parties sign); malicious and semi-honest answers equal the
 * clear query. A malicious query over a part uploaded semi-honest does not trust its unverified
 * validity bits (it checks the shares and ranges itself) and still answers exactly.
 *
 * Needs `npm run build` first (the cluster runs dist/services/cli/main.js).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFullCluster, type FullCluster } from '../../services/cluster/full-cluster.js';
import { loadBreastCancer } from '../../services/demo/demo-data.js';
import { MpcClient } from '../../services/sdk/mpc-client.js';
import { plaintextQuery } from '../../protocols/analytics/plaintext-query.js';
import type { Query } from '../../protocols/analytics/query.js';
import type { Row } from '../../protocols/analytics/encode-rows.js';
import { expectMatches } from '../analytics/compare-results.js';
import { run as uploadCommand } from '../../services/cli/commands/datasets-upload.js';
import { run as queryCommand } from '../../services/cli/commands/query.js';
import { UsageError } from '../../services/cli/usage-error.js';

const K = 5;
const POLICY = { roles: ['analyst', 'hospital'] as ('analyst' | 'hospital')[], minCellSize: K };

describe('analytics security option against a full cluster', () => {
  const { schema, rows } = loadBreastCancer();
  // Small parts: a malicious upload verifies ~60 comparisons per row (docs/protocols-malicious.md).
  const malRows = rows.slice(0, 40);
  const semiRows = rows.slice(40, 80);
  let dir: string;
  let cluster: FullCluster;
  let hospital: MpcClient;
  let analyst: MpcClient;
  let auditor: MpcClient;
  let malId: string;
  let semiId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mpc-analytics-security-'));
    cluster = await startFullCluster({ dir, heWorkers: 0 });
    const mk = (id: string) => new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys[id]!, pollIntervalMs: 100 });
    hospital = mk('demo-hospital');
    analyst = mk('demo-analyst');
    auditor = mk('demo-auditor');
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const query = (datasets: string[], filtered = true): Query => ({
    datasets,
    ...(filtered ? { filter: { column: 'mean_radius', op: '>=', value: 15 } } : {}),
    groupBy: ['diagnosis'],
    aggregates: [{ op: 'count' }, { op: 'mean', column: 'mean_area' }, { op: 'histogram', column: 'mean_radius', bins: [5, 10, 15, 20, 30] }],
  });

  it('uploads in the mode asked for, answers with it and audits it', async () => {
    const mal = await hospital.uploadDataset('ward-verified', schema, malRows, { policy: POLICY, security: 'malicious' });
    expect(mal.security).toBe('malicious');
    const semi = await hospital.uploadDataset('ward-fast', schema, semiRows, { policy: POLICY, security: 'semi-honest' });
    expect(semi.security).toBe('semi-honest');
    [malId, semiId] = [mal.id, semi.id];
    const { entries } = await auditor.exportAudit();
    const uploaded = (id: string) => entries.find((e) => e.type === 'dataset.uploaded' && e.datasetId === id);
    expect(uploaded(malId)?.security).toBe('malicious');
    expect(uploaded(semiId)?.security).toBe('semi-honest');
    // The upload jobs' own entries carry the mode the parties were ordered to run.
    const placed = entries.filter((e) => e.type === 'job.placed').map((e) => e.security);
    expect(placed).toContain('malicious');
    expect(placed).toContain('semi-honest');
  }, 240_000);

  it('queries in either mode give the clear answer, and the result, job and audit say which mode produced it', async () => {
    for (const security of ['malicious', 'semi-honest'] as const) {
      // Two different selections: the same one twice would be refused as differencing.
      const q = query([malId], security === 'malicious');
      const submitted = await analyst.query(q, { security });
      const result = await analyst.queryResult(submitted, schema, { timeoutMs: 180_000 });
      expect(result.security).toBe(security);
      expectMatches(result, plaintextQuery(schema, malRows, q, K), q);
      const job = await analyst.waitForJob(submitted.jobId);
      expect(job.security).toBe(security);
      const { entries } = await auditor.exportAudit();
      expect(entries.find((e) => e.type === 'query.run' && e.jobId === submitted.jobId)?.security).toBe(security);
      expect(entries.find((e) => e.type === 'job.placed' && e.jobId === submitted.jobId)?.security).toBe(security);
    }
  }, 360_000);

  it('a malicious query over a semi-honest upload checks it again and answers exactly', async () => {
    const q = query([malId, semiId]);
    const submitted = await analyst.query(q, { security: 'malicious' });
    const result = await analyst.queryResult(submitted, schema, { timeoutMs: 180_000 });
    expect(result.security).toBe('malicious');
    expectMatches(result, plaintextQuery(schema, [...malRows, ...semiRows], q, K), q);
  }, 240_000);

  it('mpc datasets upload and mpc query take --security', async () => {
    const cli = async (command: (a: string[]) => Promise<number>, key: string, ...args: string[]): Promise<{ code: number; out: string }> => {
      let out = '';
      const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
      const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        return { code: await command([...args, '--gateway', cluster.gatewayUrl, '--api-key', cluster.demoKeys[key]!]), out };
      } finally {
        o.mockRestore();
        e.mockRestore();
      }
    };
    const part = rows.slice(80, 110);
    const rowsFile = join(dir, 'ward.json');
    const schemaFile = join(dir, 'schema.json');
    writeFileSync(rowsFile, JSON.stringify(part));
    writeFileSync(schemaFile, JSON.stringify(schema));
    const up = await cli(uploadCommand, 'demo-hospital', rowsFile, '--name', 'ward-cli', '--schema', schemaFile, '--min-cell', String(K), '--roles', 'analyst', '--security', 'malicious', '--json');
    expect(up.code).toBe(0);
    const rec = JSON.parse(up.out) as { id: string; security?: string };
    expect(rec.security).toBe('malicious');
    const q: Query = { datasets: [rec.id], aggregates: [{ op: 'count' }, { op: 'mean', column: 'mean_radius' }] };
    const res = await cli(queryCommand, 'demo-analyst', '--query', JSON.stringify(q), '--schema', schemaFile, '--security', 'malicious', '--json');
    expect(res.code).toBe(0);
    const result = JSON.parse(res.out) as { security?: string; groups: { values: Record<string, unknown> }[] };
    expect(result.security).toBe('malicious');
    expectMatches(result as unknown as Parameters<typeof expectMatches>[0], plaintextQuery(schema, part as Row[], q, K), q);
    await expect(cli(queryCommand, 'demo-analyst', '--query', JSON.stringify(q), '--security', 'paranoid')).rejects.toBeInstanceOf(UsageError);
    await expect(cli(uploadCommand, 'demo-hospital', rowsFile, '--name', 'x', '--schema', schemaFile, '--security', 'fast')).rejects.toBeInstanceOf(UsageError);
  }, 240_000);
});
