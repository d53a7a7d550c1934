/**
 * @module test/analytics-api/analytics-api.test
 * The analytics API end to end, through HTTP and the SDK, against the real product: a full
 * cluster from dist/ (nats-server, coordinator, three parties, gateway; no HE workers) in a
 * temporary directory. Hospitals upload parts of the breast-cancer table as secret shares, one
 * data set grows by an append, and the analyst's results are compared with `plaintextQuery` on
 * the same rows under the tolerances of test/analytics/compare-results.ts (counts, bins and
 * suppression exact; sums and means relative 1e-4). Listing, the problems of bad queries and
 * roles, and deletion (with its audit event) are checked on the same cluster.
 *
 * Needs `npm run build` first (the cluster runs dist/services/cli/main.js).
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFullCluster, type FullCluster } from '../../services/cluster/full-cluster.js';
import { loadBreastCancer } from '../../services/demo/demo-data.js';
import { MpcClient } from '../../services/sdk/mpc-client.js';
import { GatewayProblemError } from '../../services/sdk/errors.js';
import { plaintextQuery } from '../../protocols/analytics/plaintext-query.js';
import type { Query } from '../../protocols/analytics/query.js';
import type { Row } from '../../protocols/analytics/encode-rows.js';
import type { DatasetRecord } from '../../services/wire/api.js';
import { expectMatches } from '../analytics/compare-results.js';
import { run as datasetsCommand } from '../../services/cli/commands/datasets.js';
import { run as uploadCommand } from '../../services/cli/commands/datasets-upload.js';
import { UsageError } from '../../services/cli/usage-error.js';

/** The minimum cell size every data set of this file is uploaded with. */
const K = 10;
const POLICY = { roles: ['analyst', 'hospital'] as ('analyst' | 'hospital')[], minCellSize: K };

/** Resolves with the problem a call fails with (and fails the test when it succeeds). */
async function problemOf(p: Promise<unknown>): Promise<GatewayProblemError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GatewayProblemError) return e;
    throw e;
  }
  throw new Error('expected the gateway to answer with a problem, but the call succeeded');
}

/** Files under `dir` (the cluster's state: the parties' share stores) whose name holds `datasetId`. */
function storedObjects(dir: string, datasetId: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.includes(datasetId));
}

describe('analytics API against a full cluster', () => {
  const { schema, rows } = loadBreastCancer();
  // Three hospitals' parts; hospital 2 first uploads half of its part and appends the rest later.
  const parts: Row[][] = [rows.filter((_, i) => i % 3 === 0), rows.filter((_, i) => i % 3 === 1), rows.filter((_, i) => i % 3 === 2)];
  const part2First = parts[1]!.slice(0, Math.floor(parts[1]!.length / 2));
  const part2Rest = parts[1]!.slice(part2First.length);

  let dir: string;
  let cluster: FullCluster;
  let hospital: MpcClient;
  let admin: MpcClient;
  let analyst: MpcClient;
  let client: MpcClient;
  let auditor: MpcClient;
  const ids: string[] = [];
  let hospitalOnly: DatasetRecord;

  async function secureAndClear(query: Query, clearRows: readonly Row[]) {
    const submitted = await analyst.query(query);
    const secure = await analyst.queryResult(submitted, schema, { timeoutMs: 120_000 });
    return { secure, clear: plaintextQuery(schema, clearRows, query, K) };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mpc-analytics-api-'));
    cluster = await startFullCluster({ dir, heWorkers: 0 });
    const mk = (id: string) => new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys[id]!, pollIntervalMs: 100 });
    hospital = mk('demo-hospital');
    admin = mk('demo-admin');
    analyst = mk('demo-analyst');
    client = mk('demo-client');
    auditor = mk('demo-auditor');
    const uploads: [MpcClient, Row[]][] = [
      [hospital, parts[0]!],
      [hospital, part2First],
      [admin, parts[2]!],
    ];
    for (const [h, [who, part]] of uploads.entries()) {
      const rec = await who.uploadDataset(`hospital${h + 1}`, schema, part, { policy: POLICY });
      expect(rec.created).toBe(true);
      expect(rec.rows).toBe(part.length);
      ids.push(rec.id);
    }
    // A data set whose policy leaves the analyst out: hospitals may query it, analysts never.
    hospitalOnly = await hospital.uploadDataset('hospital-internal', schema, parts[0]!.slice(0, 40), { policy: { roles: ['hospital'], minCellSize: K } });
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const byDiagnosis: (ds: string[]) => Query = (datasets) => ({
    datasets,
    groupBy: ['diagnosis'],
    aggregates: [{ op: 'count' }, { op: 'sum', column: 'mean_area' }, { op: 'mean', column: 'mean_radius' }, { op: 'histogram', column: 'mean_radius', bins: [5, 10, 15, 20, 30] }],
  });

  it('an analyst query equals the clear query on the same rows, and follows an append', async () => {
    const before = await secureAndClear(byDiagnosis(ids), [...parts[0]!, ...part2First, ...parts[2]!]);
    expect(before.secure.rows).toBe(parts[0]!.length + part2First.length + parts[2]!.length);
    expectMatches(before.secure, before.clear, byDiagnosis(ids));

    const appended = await hospital.uploadDataset('hospital2', schema, part2Rest, { policy: POLICY });
    expect(appended.created).toBe(false);
    expect(appended.id).toBe(ids[1]);
    expect(appended.rows).toBe(parts[1]!.length);

    const after = await secureAndClear(byDiagnosis(ids), [...parts[0]!, ...parts[1]!, ...parts[2]!]);
    expect(after.secure.rows).toBe(rows.length);
    expectMatches(after.secure, after.clear, byDiagnosis(ids));
    // The appended rows changed the answer (not only the row count).
    expect(after.secure.groups[0]!.values.count).toBeGreaterThan(before.secure.groups[0]!.values.count as number);
  }, 120_000);

  it('suppresses small cells exactly as the clear query does', async () => {
    const narrow: Query = { datasets: ids, filter: { column: 'mean_radius', op: '>', value: 20 }, groupBy: ['diagnosis'], aggregates: [{ op: 'count' }, { op: 'mean', column: 'mean_area' }] };
    const { secure, clear } = await secureAndClear(narrow, rows);
    // The fixture has large-radius malignant tumours and (almost) no large benign ones: one group kept, one suppressed.
    expect(clear.groups.map((g) => g.suppressed).sort()).toEqual([false, true]);
    expectMatches(secure, clear, narrow);
  }, 60_000);

  it('lists what the caller may query, metadata only', async () => {
    const seen = await analyst.listDatasets();
    expect(seen.map((d) => d.id).sort()).toEqual([...ids].sort());
    expect(seen.map((d) => d.id)).not.toContain(hospitalOnly.id);
    for (const d of seen) {
      expect(Object.keys(d).sort()).toEqual(['createdAt', 'id', 'name', 'rows', 'schema']);
      expect(d.schema).toEqual(schema);
    }
    expect(seen.find((d) => d.id === ids[1])!.rows).toBe(parts[1]!.length);
    const byHospital = await hospital.listDatasets();
    expect(byHospital.map((d) => d.id)).toContain(hospitalOnly.id);
    expect((await problemOf(client.listDatasets())).status).toBe(403);
  });

  it('documents the data set routes in the OpenAPI document, with closed response schemas', async () => {
    const doc = (await (await fetch(`${cluster.gatewayUrl}/docs/json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: Record<string, unknown> }> }> }>> };
    const list = doc.paths['/v1/datasets']!.get!;
    const del = doc.paths['/v1/datasets/{id}']!.delete!;
    expect(list.responses['200']!.content['application/json']!.schema.additionalProperties).toBe(false);
    expect(del.responses['200']!.content['application/json']!.schema.required).toEqual(['deleted']);
    expect(Object.keys(del.responses['4XX']!.content)).toEqual(['application/problem+json']);
  });

  it('answers bad queries and roles with the right problem', async () => {
    const unknownColumn = await problemOf(analyst.query({ datasets: ids, aggregates: [{ op: 'count' }, { op: 'mean', column: 'no_such_column' }] }));
    expect([unknownColumn.status, unknownColumn.problem]).toEqual([400, 'validation']);
    expect(unknownColumn.message).toContain('/aggregates/1/column');
    expect(unknownColumn.errors).toEqual([{ path: 'body/query/aggregates/1/column', message: expect.stringContaining("unknown column 'no_such_column'") }]);

    // A mean of a categorical column: well-formed JSON, wrong column type for the operation.
    const wrongColumnType = await problemOf(analyst.query({ datasets: ids, aggregates: [{ op: 'mean', column: 'diagnosis' }] }));
    expect([wrongColumnType.status, wrongColumnType.problem]).toEqual([400, 'validation']);
    expect(wrongColumnType.message).toContain('/aggregates/0');

    // A filter value of the wrong JSON type is refused by the route schema, with the field's path.
    const wrongJsonType = await problemOf(analyst.query({ datasets: ids, filter: { column: 'mean_radius', op: '>', value: 'twenty' as unknown as number }, aggregates: [{ op: 'count' }] }));
    expect([wrongJsonType.status, wrongJsonType.problem]).toEqual([400, 'validation']);
    expect(wrongJsonType.errors?.map((e) => e.path)).toContain('body/query/filter/value');

    const binsOutOfOrder = await problemOf(analyst.query({ datasets: ids, aggregates: [{ op: 'histogram', column: 'mean_radius', bins: [5, 20, 10] }] }));
    expect([binsOutOfOrder.status, binsOutOfOrder.problem]).toEqual([400, 'validation']);
    expect(binsOutOfOrder.message).toContain('/aggregates/0/bins');

    const denied = await problemOf(analyst.query({ datasets: [hospitalOnly.id], aggregates: [{ op: 'count' }] }));
    expect([denied.status, denied.problem]).toEqual([403, 'forbidden']);

    const clientQuery = await problemOf(client.query({ datasets: ids, aggregates: [{ op: 'count' }] }));
    expect([clientQuery.status, clientQuery.problem]).toEqual([403, 'forbidden']);

    const unknownDataset = await problemOf(analyst.query({ datasets: [...ids, 'ds-does-not-exist'], aggregates: [{ op: 'count' }] }));
    expect([unknownDataset.status, unknownDataset.problem]).toEqual([400, 'validation']);
    expect(unknownDataset.message).toContain('/datasets/3');

    const clientUpload = await problemOf(client.uploadDataset('client-data', schema, parts[0]!.slice(0, 20)));
    expect([clientUpload.status, clientUpload.problem]).toEqual([403, 'forbidden']);
    expect((await analyst.listDatasets()).map((d) => d.name)).not.toContain('client-data');
  });

  it('deletes a data set: owner or admin only, later queries fail, the auditor sees dataset.deleted', async () => {
    // demo-hospital does not own hospital3 (demo-admin uploaded it): refused, and nothing is erased.
    const notOwner = await problemOf(hospital.deleteDataset(ids[2]!));
    expect([notOwner.status, notOwner.problem]).toEqual([403, 'forbidden']);
    // An analyst may not delete at all (route roles).
    expect((await problemOf(analyst.deleteDataset(ids[0]!))).status).toBe(403);

    // Every party holds encrypted objects of the data set (manifest, share pair, validity shares).
    const before = storedObjects(dir, ids[0]!);
    expect(before.length).toBeGreaterThanOrEqual(3);
    // The admin of the same tenant may delete the hospital's data set; the owner its own.
    expect(await admin.deleteDataset(ids[0]!)).toEqual({ deleted: ids[0] });
    expect(storedObjects(dir, ids[0]!), `still stored after deletion (before: ${before.join(', ')})`).toEqual([]);
    expect(storedObjects(dir, ids[2]!).length).toBeGreaterThanOrEqual(3);
    expect(await hospital.deleteDataset(hospitalOnly.id)).toEqual({ deleted: hospitalOnly.id });

    const after = await analyst.listDatasets();
    expect(after.map((d) => d.id).sort()).toEqual([ids[1]!, ids[2]!].sort());

    const gone = await problemOf(analyst.query({ datasets: [ids[0]!], aggregates: [{ op: 'count' }] }));
    expect([gone.status, gone.problem]).toEqual([400, 'validation']);
    expect(gone.message).toContain('/datasets/0');
    const again = await problemOf(admin.deleteDataset(ids[0]!));
    expect([again.status, again.problem]).toEqual([404, 'not-found']);

    // The remaining data sets still answer, and equal the clear query on their rows only.
    const rest = [ids[1]!, ids[2]!];
    const { secure, clear } = await secureAndClear(byDiagnosis(rest), [...parts[1]!, ...parts[2]!]);
    expectMatches(secure, clear, byDiagnosis(rest));

    const { entries } = await auditor.exportAudit();
    const deleted = entries.filter((e) => e.type === 'dataset.deleted');
    expect(deleted.map((e) => [e.datasetId, e.actor])).toEqual([
      [ids[0], 'demo-admin'],
      [hospitalOnly.id, 'demo-hospital'],
    ]);
    // The analyst's refused query (policy) was logged too.
    expect(entries.some((e) => e.type === 'access.denied' && e.actor === 'demo-analyst')).toBe(true);
    // Metadata only: the deletion event carries no rows or shares.
    expect(JSON.stringify(deleted)).not.toMatch(/[A-Za-z0-9+/]{40,}/);
  }, 90_000);

  it('mpc datasets list|delete: the same through the CLI, with its exit codes', async () => {
    const cli = async (key: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> => {
      const command = args[0] === 'upload' ? (a: string[]) => uploadCommand(a.slice(1)) : datasetsCommand;
      let out = '';
      let err = '';
      const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
      const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
      try {
        const code = await command([...args, '--gateway', cluster.gatewayUrl, '--api-key', cluster.demoKeys[key]!]);
        return { code, out, err };
      } finally {
        o.mockRestore();
        e.mockRestore();
      }
    };
    const listed = await cli('demo-analyst', 'list', '--json');
    expect(listed.code).toBe(0);
    const records = listed.out.trim().split('\n').map((l) => JSON.parse(l) as DatasetRecord);
    expect(records.map((d) => d.id)).toEqual((await analyst.listDatasets()).map((d) => d.id));
    const plain = await cli('demo-analyst', 'list');
    expect(plain.out).toContain(`${ids[1]}\thospital2\t${parts[1]!.length} rows\t`);

    expect((await cli('demo-client', 'list')).code).toBe(3);
    expect((await cli('demo-admin', 'delete', 'ds-does-not-exist')).code).toBe(4);
    await expect(cli('demo-admin', 'delete')).rejects.toBeInstanceOf(UsageError);
    await expect(cli('demo-admin', 'rename', ids[1]!)).rejects.toBeInstanceOf(UsageError);

    // An upload through the CLI with --roles hospital: listed to hospitals, hidden from analysts.
    const csv = join(dir, 'ward.csv');
    const cols = schema.columns.map((c) => c.name);
    writeFileSync(csv, [cols.join(','), ...parts[0]!.slice(0, 30).map((r) => cols.map((c) => String(r[c])).join(','))].join('\n') + '\n');
    writeFileSync(join(dir, 'schema.json'), JSON.stringify(schema));
    const up = await cli('demo-hospital', 'upload', csv, '--name', 'cli-ward', '--schema', join(dir, 'schema.json'), '--roles', 'hospital', '--min-cell', '5', '--json');
    expect(up.code, up.err).toBe(0);
    const uploaded = JSON.parse(up.out) as DatasetRecord & { created: boolean };
    expect([uploaded.rows, uploaded.created]).toEqual([30, true]);
    expect((await hospital.listDatasets()).map((d) => d.id)).toContain(uploaded.id);
    expect((await analyst.listDatasets()).map((d) => d.id)).not.toContain(uploaded.id);
    await expect(cli('demo-hospital', 'upload', csv, '--name', 'x', '--schema', join(dir, 'schema.json'), '--roles', 'analyst,nurse')).rejects.toBeInstanceOf(UsageError);

    const del = await cli('demo-hospital', 'delete', ids[1]!);
    expect([del.code, del.out]).toEqual([0, `${ids[1]}\n`]);
    expect((await analyst.listDatasets()).map((d) => d.id)).toEqual([ids[2]]);
  }, 60_000);

  it('a retried upload (same idempotency key) changes nothing', async () => {
    const rows = parts[0]!.slice(0, 30);
    const first = await hospital.uploadDataset('retried-upload', schema, rows, { policy: POLICY, idempotencyKey: 'upload-retry-1' });
    const again = await hospital.uploadDataset('retried-upload', schema, rows, { policy: POLICY, idempotencyKey: 'upload-retry-1' });
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ id: first.id, rows: 30, created: false });
    const listed = (await hospital.listDatasets()).find((d) => d.id === first.id);
    expect(listed?.rows).toBe(30);
  });
});
