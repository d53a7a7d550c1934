/**
 * @module bench/analytics
 * Secure analytics over three hospitals: `npx mpc bench analytics [--json] [--quick]`.
 *
 * Data: rows resampled from the bundled breast-cancer data set with noise (30 features
 * min-max scaled into [0, 1], diagnosis, size class), 3 hospitals x 100,000 rows (quick:
 * 3 x 5,000), each hospital's rows prepared by the SDK helper (encode, share, seal) and
 * uploaded through the `dataset-upload` runner. Queries run through the `analytics-query`
 * runner at three parties in this process, over the in-memory network and, when a nats-server
 * binary is available, over a real nats-server with sealed per-job channels (impl `nats`).
 *
 * Cases: mean + variance + a 10-bin histogram of one column; a filtered group-by count
 * (numeric and categorical filter, 2 x 3 groups); 10 epochs of logistic regression on 30
 * features; and a standard deviation over 3 x 500 values (the size a leading JavaScript MPC
 * library needs ~5 s for on this machine). Reported: median_ms over the repetitions (the whole
 * query at the slowest party: loading shares from the encrypted store, protocol, sealing the
 * output), rounds and bytes sent by the busiest party (ChannelStats), bytes sent by all three,
 * the largest deviation from the plaintext reference, and the plaintext reference's own time
 * as baseline (ratio = plaintext / secure), and bytes per row. The mean + variance + histogram
 * (no filter, hence no disclosure history growing between runs) also runs, in the same run and
 * process, with the previous code paths: `baseline: "previous"` is `analyticsCompareOps` (the
 * range-aware comparisons with per-row histogram bins by a secret binary search, the default
 * before the plane-based `thresholdCounts` of counting-compare-ops), `baseline: "64-bit"` is
 * `defaultCompareOps` (64-bit `ltz` for filter leaves and histogram edges); each line has
 * `speedup`, rounds and bytes per row of both.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Prg } from '../crypto-core/prg.js';
import { checkSchema, type DatasetSchema } from '../protocols/analytics/dataset-schema.js';
import type { Row } from '../protocols/analytics/encode-rows.js';
import { plaintextQuery } from '../protocols/analytics/plaintext-query.js';
import { checkQuery, type Query } from '../protocols/analytics/query.js';
import type { QueryResult } from '../protocols/analytics/query-result.js';
import { analyticsQueryPlan, datasetUploadPlan } from '../services/coordinator/analytics/analytics-job-plans.js';
import type { AnalyticsQueryResult } from '../services/wire/analytics-jobs.js';
import { startAnalyticsParties, type AnalyticsPartySet, type PartySetTransport } from '../services/testing/analytics-party-set.js';
import { prepareDatasetUpload } from '../services/sdk/dataset-upload-client.js';
import { openQueryResult, prepareQueryRequest } from '../services/sdk/query-client.js';
import { NatsServerProcess } from '../services/cluster/nats-server-process.js';
import type { CompareOps } from '../protocols/analytics/compare-ops.js';
import { defaultCompareOps } from '../protocols/analytics/default-compare-ops.js';
import { analyticsCompareOps } from '../protocols/analytics/range-compare-malicious.js';
import type { BenchCase, BenchSuite } from './bench-case.js';
import { deviation } from './query-deviation.js';
import { median } from './bench-case.js';
import { runMaliciousCases } from './analytics-malicious.js';

/**
 * The bundled CSV: this file runs from bench/ (sources) or dist/bench/ (build), so look for
 * test/fixtures in each ancestor directory, as the native addon loader does for its build.
 */
function findCsv(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'test', 'fixtures', 'data', 'breast_cancer.csv');
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error('breast_cancer.csv: not found under test/fixtures/data in any ancestor directory');
    dir = up;
  }
}

/** The 30 scaled features, diagnosis and size class; `count` rows resampled with noise. */
function syntheticRows(count: number, rng: Prg): { rows: Row[]; features: string[] } {
  const lines = readFileSync(findCsv(), 'utf8').trim().split('\n');
  const features = lines[0]!.split(',').slice(0, 30);
  const base = lines.slice(1).map((l) => l.split(',').map(Number));
  const lo = features.map((_, j) => Math.min(...base.map((r) => r[j]!)));
  const hi = features.map((_, j) => Math.max(...base.map((r) => r[j]!)));
  const u = rng.u64(count * 32);
  const unit = (i: number): number => Number(u[i]! >> 11n) / 2 ** 53;
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) {
    const src = base[Math.floor(unit(i * 32) * base.length)]!;
    const row: Record<string, number | string> = { diagnosis: src[30] === 0 ? 'malignant' : 'benign', size: src[3]! < 500 ? 'small' : src[3]! < 1000 ? 'medium' : 'large' };
    features.forEach((f, j) => {
      const v = (src[j]! - lo[j]!) / (hi[j]! - lo[j]!) + 0.04 * (unit(i * 32 + 1 + j) - 0.5);
      row[f] = Math.min(1, Math.max(0, Math.round(v * 1e4) / 1e4));
    });
    rows.push(row);
  }
  return { rows, features };
}

function schemaFor(features: readonly string[]): DatasetSchema {
  return checkSchema({
    columns: [
      ...features.map((f) => ({ name: f, type: 'numeric', min: 0, max: 1 })),
      { name: 'diagnosis', type: 'categorical', categories: ['benign', 'malignant'] },
      { name: 'size', type: 'categorical', categories: ['small', 'medium', 'large'] },
    ],
  });
}


interface QueryCase {
  readonly name: string;
  readonly query: (features: readonly string[]) => Query;
  readonly reps: number;
  /** Also run with the previous code paths (analyticsCompareOps, defaultCompareOps) and report the speed-ups. */
  readonly againstPrevious?: boolean;
}

const CASES: QueryCase[] = [
  {
    name: 'mean+variance+hist10',
    query: (f) => ({ datasets: [], aggregates: [{ op: 'mean', column: f[0]! }, { op: 'variance', column: f[0]! }, { op: 'histogram', column: f[0]!, bins: Array.from({ length: 11 }, (_, i) => i / 10) }] }),
    reps: 2,
    againstPrevious: true,
  },
  {
    name: 'filtered group-by count',
    query: (f) => ({ datasets: [], filter: { and: [{ column: f[1]!, op: '>=', value: 0.2 }, { not: { column: 'size', in: ['large'] } }] }, groupBy: ['diagnosis', 'size'], aggregates: [{ op: 'count' }] }),
    reps: 2,
    // Not run against the previous comparisons: each run of a filtered query adds to the data
    // sets' disclosure history, whose overlap checks grow the next run's cost, so a later
    // "previous" run would be slower for reasons that are not the comparisons.
  },
  {
    name: 'logistic 30 features x 10 epochs',
    query: (f) => ({ datasets: [], aggregates: [{ op: 'logisticRegression', features: [...f], label: 'diagnosis', epochs: 10, learningRate: 0.5 }] }),
    reps: 1,
  },
];

async function uploadAll(parties: AnalyticsPartySet, schema: DatasetSchema, hospitals: readonly Row[][], prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, rows] of hospitals.entries()) {
    const id = `${prefix}${i + 1}`;
    const up = prepareDatasetUpload(schema, rows, parties.agreementKeys, { name: id });
    const payload = { ...up.request, datasetId: id, mode: 'create' as const, owner: { tenant: `hospital-${i + 1}`, actor: 'bench' } };
    await parties.run('dataset-upload', [0, 1, 2].map((j) => datasetUploadPlan.partyPayload(payload, j)) as [unknown, unknown, unknown]);
    ids.push(id);
  }
  return ids;
}

async function runQuery(parties: AnalyticsPartySet, schema: DatasetSchema, q: Query, ids: readonly string[], ops?: CompareOps): Promise<{ ms: number; rounds: number; bytes: number; bytesAll: number; result: QueryResult }> {
  const req = prepareQueryRequest(q);
  const payload = { query: q, datasetIds: ids, minCellSize: 10, clientPublicKey: req.clientPublicKey };
  const out = await parties.run('analytics-query', [payload, payload, payload], undefined, ops);
  const result = openQueryResult(req, schema, analyticsQueryPlan.combine(payload, out.results) as AnalyticsQueryResult);
  return {
    ms: out.ms,
    rounds: Math.max(...out.stats.map((s) => s.rounds)),
    bytes: Math.max(...out.stats.map((s) => s.bytesSent)),
    bytesAll: out.stats.reduce((t, s) => t + s.bytesSent, 0),
    result,
  };
}

async function runTransport(
  emit: (c: BenchCase) => void,
  transport: PartySetTransport,
  impl: string,
  data: { schema: DatasetSchema; features: string[]; hospitals: Row[][]; all: Row[] },
  quick: boolean,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-analytics-'));
  const parties = await startAnalyticsParties({ stateDir: dir, transport });
  try {
    const ids = await uploadAll(parties, data.schema, data.hospitals, 'h');
    const small = syntheticRows(1500, Prg.fromSeed(new Uint8Array(32).fill(7)));
    const smallIds = await uploadAll(parties, data.schema, [small.rows.slice(0, 500), small.rows.slice(500, 1000), small.rows.slice(1000)], 's');
    const cases: { name: string; q: Query; ids: string[]; rows: Row[]; reps: number; againstPrevious?: boolean }[] = [
      ...CASES.map((c) => ({ name: c.name, q: { ...c.query(data.features), datasets: ids }, ids, rows: data.all, reps: quick ? 1 : c.reps, againstPrevious: c.againstPrevious === true })),
      { name: 'stddev 3x500', q: { datasets: smallIds, aggregates: [{ op: 'stddev', column: data.features[0]! }] }, ids: smallIds, rows: small.rows, reps: quick ? 3 : 9 },
    ];
    for (const c of cases) {
      const q = checkQuery(c.q, data.schema);
      const t0 = performance.now();
      const clear = plaintextQuery(data.schema, c.rows, q, 10);
      const plainMs = performance.now() - t0;
      const runs = [];
      const baselines = [
        { name: 'previous', ops: analyticsCompareOps, runs: [] as Awaited<ReturnType<typeof runQuery>>[] },
        { name: '64-bit', ops: defaultCompareOps, runs: [] as Awaited<ReturnType<typeof runQuery>>[] },
      ];
      // Against the previous code paths: one unmeasured warm-up of each, then interleaved (the
      // baselines first on even reps), so none pays the process's JIT warm-up or a drift of the
      // machine's load alone.
      if (c.againstPrevious) {
        for (const b of baselines) await runQuery(parties, data.schema, q, c.ids, b.ops);
        await runQuery(parties, data.schema, q, c.ids);
      }
      for (let r = 0; r < c.reps; r++) {
        if (c.againstPrevious && r % 2 === 0) for (const b of baselines) b.runs.push(await runQuery(parties, data.schema, q, c.ids, b.ops));
        runs.push(await runQuery(parties, data.schema, q, c.ids));
        if (c.againstPrevious && r % 2 === 1) for (const b of baselines) b.runs.push(await runQuery(parties, data.schema, q, c.ids, b.ops));
      }
      const ms = median(runs.map((r) => r.ms));
      const last = runs[runs.length - 1]!;
      emit({
        suite: 'analytics',
        case: c.name,
        impl,
        median_ms: ms,
        ops_per_s: 1000 / ms,
        baseline: 'plaintext',
        ratio: plainMs / ms,
        rows: c.rows.length,
        hospitals: 3,
        rounds: last.rounds,
        bytes_sent_max_party: last.bytes,
        bytes_sent_all_parties: last.bytesAll,
        max_deviation: deviation(last.result, clear, q),
        plaintext_ms: plainMs,
        bytes_per_row: last.bytes / c.rows.length,
        reps: c.reps,
      });
      if (!c.againstPrevious) continue;
      // The same query, same data, same process, with each previous code path.
      for (const b of baselines) {
        const prevMs = median(b.runs.map((r) => r.ms));
        const prevLast = b.runs[b.runs.length - 1]!;
        emit({
          suite: 'analytics',
          case: `${c.name} vs ${b.name}`,
          impl,
          median_ms: ms,
          ops_per_s: 1000 / ms,
          baseline: b.name,
          ratio: prevMs / ms,
          speedup: prevMs / ms,
          previous_ms: prevMs,
          rows: c.rows.length,
          rounds: last.rounds,
          previous_rounds: prevLast.rounds,
          bytes_per_row: last.bytes / c.rows.length,
          previous_bytes_per_row: prevLast.bytes / c.rows.length,
          bytes_ratio: last.bytes / prevLast.bytes,
          max_deviation: deviation(last.result, clear, q),
          previous_max_deviation: deviation(prevLast.result, clear, q),
          reps: c.reps,
        });
      }
    }
  } finally {
    await parties.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The analytics suite. */
export const suite: BenchSuite = {
  name: 'analytics',
  description: 'secure analytics queries over 3 hospitals (in-memory network and real NATS)',
  async run(opts) {
    const perHospital = opts.quick ? 5_000 : 100_000;
    const { rows, features } = syntheticRows(3 * perHospital, Prg.fromSeed(new Uint8Array(32).fill(3)));
    const data = { schema: schemaFor(features), features, hospitals: [rows.slice(0, perHospital), rows.slice(perHospital, 2 * perHospital), rows.slice(2 * perHospital)], all: rows };
    await runTransport(opts.emit, { kind: 'memory' }, 'memory', data, opts.quick);
    // Malicious vs semi-honest side by side (bench/analytics-malicious), at 3 x 2,000 rows.
    await runMaliciousCases(opts.emit, { schema: data.schema, features, rows }, opts.quick ? 300 : 2_000, opts.quick ? 1 : 3);
    let server: NatsServerProcess | undefined;
    try {
      server = await NatsServerProcess.start();
    } catch {
      server = undefined; // no nats-server binary: the in-memory numbers stand alone
    }
    if (server) {
      try {
        await runTransport(opts.emit, { kind: 'nats', servers: server.url }, 'nats', data, opts.quick);
      } finally {
        await server.stop();
      }
    }
  },
};
