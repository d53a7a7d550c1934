/**
 * @module bench/analytics-malicious
 * Malicious against semi-honest analytics, side by side in the same run (issue 13): the cases of
 * `npx mpc bench analytics` that `runMaliciousCases` adds. Two sets of three in-process parties
 * over the in-memory network, one running every job semi-honest and one malicious, each upload
 * the same three hospitals (3 x 2,000 rows; quick: 3 x 300) through the `dataset-upload` runner
 * (the malicious set verifies share consistency and the column validity bits), then run the
 * same queries through the `analytics-query` runner, interleaved rep by rep. Uploads go in parts
 * of 250 rows (a malicious upload keeps a part's verified products pending until its checks);
 * the logistic-regression case runs on three smaller data sets of 100 rows per hospital.
 *
 * Per case one line, `baseline: "semi-honest"`: median_ms of the malicious run, the semi-honest
 * one (`semi_honest_ms`), `time_overhead` = malicious / semi-honest (`ratio` = its inverse, as
 * every bench reports baseline / this), `bytes_overhead` (busiest party), rounds of both, and
 * the largest deviation of each from the plaintext reference. The histogram query also runs in
 * malicious mode with the previous malicious comparisons (`rangeCompareOps`, whose bounded
 * comparison is the verified 64-bit `ltz`): `baseline: "malicious-64-bit"`, `speedup`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyPair } from '../crypto-core/keys/signing.js';
import { DEFAULT_POLICY, type DatasetSchema } from '../protocols/analytics/dataset-schema.js';
import type { Row } from '../protocols/analytics/encode-rows.js';
import { plaintextQuery } from '../protocols/analytics/plaintext-query.js';
import { checkQuery, type Query } from '../protocols/analytics/query.js';
import type { QueryResult } from '../protocols/analytics/query-result.js';
import { rangeCompareOps } from '../protocols/analytics/range-compare-ops.js';
import type { CompareOps } from '../protocols/analytics/compare-ops.js';
import type { SecurityMode } from '../protocols/rss/context.js';
import { analyticsQueryPlan, datasetUploadPlan } from '../services/coordinator/analytics/analytics-job-plans.js';
import type { AnalyticsQueryResult } from '../services/wire/analytics-jobs.js';
import { startAnalyticsParties, type AnalyticsPartySet } from '../services/testing/analytics-party-set.js';
import { prepareDatasetUpload } from '../services/sdk/dataset-upload-client.js';
import { openQueryResult, prepareQueryRequest } from '../services/sdk/query-client.js';
import type { BenchCase } from './bench-case.js';
import { median } from './bench-case.js';
import { deviation } from './query-deviation.js';

/** The data of the analytics suite: schema, the 30 scaled feature names, and rows to draw hospitals from. */
export interface MaliciousBenchData {
  readonly schema: DatasetSchema;
  readonly features: readonly string[];
  /** At least 3 x the per-hospital row count. */
  readonly rows: readonly Row[];
}

interface Measured {
  readonly ms: number;
  readonly rounds: number;
  readonly bytes: number;
  readonly result?: QueryResult;
}

/** Rows per hospital of the logistic-regression case (its verified truncations keep ~1,000 products per row and epoch pending). */
const LOGISTIC_ROWS = 100;

const QUERIES: { name: string; query: (f: readonly string[]) => Query; versus64?: boolean; small?: boolean }[] = [
  {
    name: 'mean+variance+hist10',
    query: (f) => ({ datasets: [], aggregates: [{ op: 'mean', column: f[0]! }, { op: 'variance', column: f[0]! }, { op: 'histogram', column: f[0]!, bins: Array.from({ length: 11 }, (_, i) => i / 10) }] }),
    versus64: true,
  },
  {
    name: 'filtered group-by count',
    query: (f) => ({ datasets: [], filter: { and: [{ column: f[1]!, op: '>=', value: 0.2 }, { column: f[1]!, op: '<', value: 0.8 }, { not: { column: 'size', in: ['large'] } }] }, groupBy: ['diagnosis', 'size'], aggregates: [{ op: 'count' }] }),
  },
  {
    name: 'min/max+correlation',
    query: (f) => ({ datasets: [], aggregates: [{ op: 'min', column: f[2]! }, { op: 'max', column: f[2]! }, { op: 'correlation', columns: [f[0]!, f[3]!] }] }),
  },
  {
    name: 'logistic 6 features x 3 epochs',
    query: (f) => ({ datasets: [], aggregates: [{ op: 'logisticRegression', features: f.slice(0, 6), label: 'diagnosis', epochs: 3, learningRate: 0.5 }] }),
    small: true,
  },
];


const statsOf = (out: { ms: number; stats: readonly { rounds: number; bytesSent: number }[] }): Measured => ({
  ms: out.ms,
  rounds: Math.max(...out.stats.map((s) => s.rounds)),
  bytes: Math.max(...out.stats.map((s) => s.bytesSent)),
});

/** Rows per uploaded part: a malicious upload keeps its verified products of a part pending until its checks (~250 per checked value). */
const PART_ROWS = 250;

/** Uploads the hospitals (ids `<prefix>1..3`) in parts of {@link PART_ROWS}; the measures of each part. */
async function uploadAll(parties: AnalyticsPartySet, schema: DatasetSchema, hospitals: readonly (readonly Row[])[], prefix: string): Promise<(Measured & { rows: number })[]> {
  const out: (Measured & { rows: number })[] = [];
  for (const [i, rows] of hospitals.entries()) {
    // One manifest key per hospital: the parties pin it at creation and check every append against it.
    const manifestKey = generateSigningKeyPair().secretKey;
    for (let at = 0; at < rows.length; at += PART_ROWS) {
      const part = rows.slice(at, at + PART_ROWS);
      // releaseExtremes: the min/max case needs it.
      const up = prepareDatasetUpload(schema, part, parties.agreementKeys, { name: `${prefix}${i + 1}`, manifestKey, policy: { ...DEFAULT_POLICY, releaseExtremes: true } });
      const payload = { ...up.request, datasetId: `${prefix}${i + 1}`, mode: at === 0 ? ('create' as const) : ('append' as const), owner: { tenant: `hospital-${i + 1}`, actor: 'bench' } };
      out.push({ ...statsOf(await parties.run('dataset-upload', [0, 1, 2].map((j) => datasetUploadPlan.partyPayload(payload, j)) as [unknown, unknown, unknown])), rows: part.length });
    }
  }
  return out;
}

async function runQuery(parties: AnalyticsPartySet, schema: DatasetSchema, q: Query, ops?: CompareOps): Promise<Measured> {
  const req = prepareQueryRequest(q);
  const payload = { query: q, datasetIds: q.datasets, minCellSize: 10, clientPublicKey: req.clientPublicKey };
  const out = await parties.run('analytics-query', [payload, payload, payload], undefined, ops);
  return { ...statsOf(out), result: openQueryResult(req, schema, analyticsQueryPlan.combine(payload, out.results) as AnalyticsQueryResult) };
}

/**
 * Runs the malicious-vs-semi-honest cases and emits one line per case (see the module doc).
 * @param perHospital rows per hospital (3 hospitals).
 */
export async function runMaliciousCases(emit: (c: BenchCase) => void, data: MaliciousBenchData, perHospital: number, reps: number): Promise<void> {
  const hospitals = [0, 1, 2].map((h) => data.rows.slice(h * perHospital, (h + 1) * perHospital));
  const all = hospitals.flat();
  const dirs: string[] = [];
  const sets = new Map<SecurityMode, AnalyticsPartySet>();
  try {
    for (const security of ['semi-honest', 'malicious'] as const) {
      const dir = mkdtempSync(join(tmpdir(), `bench-analytics-${security}-`));
      dirs.push(dir);
      sets.set(security, await startAnalyticsParties({ stateDir: dir, transport: { kind: 'memory' }, security }));
    }
    const [semi, mal] = [sets.get('semi-honest')!, sets.get('malicious')!];
    const base = { suite: 'analytics', impl: 'memory', rows: all.length, hospitals: 3, reps };
    // Uploads: every hospital in parts, in each mode; the small data sets of the logistic case.
    const up = { semi: await uploadAll(semi, data.schema, hospitals, 'h'), mal: await uploadAll(mal, data.schema, hospitals, 'h') };
    const smallHospitals = hospitals.map((h) => h.slice(0, LOGISTIC_ROWS));
    for (const s of [semi, mal]) await uploadAll(s, data.schema, smallHospitals, 's');
    const full = (m: (Measured & { rows: number })[]): (Measured & { rows: number })[] => m.filter((x) => x.rows === Math.min(PART_ROWS, perHospital));
    const [us, um] = [median(full(up.semi).map((m) => m.ms)), median(full(up.mal).map((m) => m.ms))];
    const [bs, bm] = [median(full(up.semi).map((m) => m.bytes)), median(full(up.mal).map((m) => m.bytes))];
    const partRows = Math.min(PART_ROWS, perHospital);
    emit({
      ...base,
      case: `upload (parts of ${partRows} rows), malicious vs semi-honest`,
      median_ms: um,
      ops_per_s: 1000 / um,
      baseline: 'semi-honest',
      ratio: us / um,
      semi_honest_ms: us,
      time_overhead: um / us,
      rows: partRows,
      parts: up.mal.length,
      rounds: up.mal[0]!.rounds,
      semi_honest_rounds: up.semi[0]!.rounds,
      ms_per_row: um / partRows,
      semi_honest_ms_per_row: us / partRows,
      bytes_per_row: bm / partRows,
      semi_honest_bytes_per_row: bs / partRows,
      bytes_overhead: bm / bs,
      reps: full(up.mal).length,
    });
    for (const c of QUERIES) {
      const q = checkQuery({ ...c.query(data.features), datasets: c.small ? ['s1', 's2', 's3'] : ['h1', 'h2', 'h3'] }, data.schema);
      const rowsOf = c.small ? smallHospitals.flat() : all;
      const clear = plaintextQuery(data.schema, rowsOf, q, 10);
      const runs: { semi: Measured[]; mal: Measured[]; mal64: Measured[] } = { semi: [], mal: [], mal64: [] };
      // Interleaved, the order alternating by rep, so neither mode alone pays a drift of the machine's load.
      for (let r = 0; r < reps; r++) {
        const order = r % 2 === 0 ? (['semi', 'mal'] as const) : (['mal', 'semi'] as const);
        for (const m of order) runs[m].push(await runQuery(m === 'semi' ? semi : mal, data.schema, q));
        if (c.versus64) runs.mal64.push(await runQuery(mal, data.schema, q, rangeCompareOps));
      }
      const [ms, mm] = [median(runs.semi.map((x) => x.ms)), median(runs.mal.map((x) => x.ms))];
      const [ls, lm] = [runs.semi[runs.semi.length - 1]!, runs.mal[runs.mal.length - 1]!];
      emit({
        ...base,
        case: `${c.name}, malicious vs semi-honest`,
        rows: rowsOf.length,
        median_ms: mm,
        ops_per_s: 1000 / mm,
        baseline: 'semi-honest',
        ratio: ms / mm,
        semi_honest_ms: ms,
        time_overhead: mm / ms,
        rounds: lm.rounds,
        semi_honest_rounds: ls.rounds,
        bytes_per_row: lm.bytes / rowsOf.length,
        semi_honest_bytes_per_row: ls.bytes / rowsOf.length,
        bytes_overhead: lm.bytes / ls.bytes,
        max_deviation: deviation(lm.result!, clear, q),
        semi_honest_max_deviation: deviation(ls.result!, clear, q),
      });
      if (!c.versus64) continue;
      const m64 = median(runs.mal64.map((x) => x.ms));
      const l64 = runs.mal64[runs.mal64.length - 1]!;
      emit({
        ...base,
        case: `${c.name}, malicious range-aware vs malicious 64-bit`,
        rows: rowsOf.length,
        median_ms: mm,
        ops_per_s: 1000 / mm,
        baseline: 'malicious-64-bit',
        ratio: m64 / mm,
        speedup: m64 / mm,
        previous_ms: m64,
        rounds: lm.rounds,
        previous_rounds: l64.rounds,
        bytes_per_row: lm.bytes / rowsOf.length,
        previous_bytes_per_row: l64.bytes / rowsOf.length,
        bytes_ratio: lm.bytes / l64.bytes,
        max_deviation: deviation(lm.result!, clear, q),
        previous_max_deviation: deviation(l64.result!, clear, q),
      });
    }
  } finally {
    for (const s of sets.values()) await s.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
