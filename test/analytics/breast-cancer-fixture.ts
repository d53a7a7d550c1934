/**
 * @module test/analytics/breast-cancer-fixture
 * The bundled breast-cancer data set (sklearn load_breast_cancer, 569 rows) as analytics rows,
 * its schema, the split across three hospitals, and a runner that evaluates a query at three
 * in-memory parties and decodes the checked opening, for comparison with `plaintextQuery`.
 */
import type { SecurityMode } from '../../protocols/rss/context.js';
import { verifyJob } from '../../protocols/rss/malicious/verify-products.js';
import { readFileSync } from 'node:fs';
import { Prg } from '../../crypto-core/prg.js';
import { computeColumnValidity } from '../../protocols/analytics/column-validity.js';
import { checkSchema, type DatasetSchema, type NumericColumn } from '../../protocols/analytics/dataset-schema.js';
import type { CompareOps } from '../../protocols/analytics/compare-ops.js';
import { defaultCompareOps } from '../../protocols/analytics/default-compare-ops.js';
import type { EncodedRows, Row } from '../../protocols/analytics/encode-rows.js';
import { decodeQueryOutput } from '../../protocols/analytics/output-layout.js';
import type { Query } from '../../protocols/analytics/query.js';
import type { QueryResult } from '../../protocols/analytics/query-result.js';
import { runSecureQuery } from '../../protocols/analytics/secure-query.js';
import { shareEncodedRows } from '../../protocols/analytics/share-dataset.js';
import type { SharedDataset } from '../../protocols/analytics/share-columns.js';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { openChecked } from '../../protocols/rss/replicated-share.js';

const CSV = new URL('../fixtures/data/breast_cancer.csv', import.meta.url);

/** Header names of the 30 features in the CSV. */
export const FEATURES: readonly string[] = readFileSync(CSV, 'utf8').split('\n')[0]!.trim().split(',').slice(0, 30);

/** Size class from mean_area: a three-valued categorical for group-by. */
export function sizeClass(area: number): string {
  return area < 500 ? 'small' : area < 1000 ? 'medium' : 'large';
}

/** The rows: 30 numeric features, diagnosis (sklearn target 0 = malignant), size class. */
export function loadRows(): Row[] {
  const lines = readFileSync(CSV, 'utf8').trim().split('\n').slice(1);
  return lines.map((line) => {
    const v = line.split(',').map(Number);
    const row: Record<string, number | string> = {};
    FEATURES.forEach((f, j) => (row[f] = v[j]!));
    row.diagnosis = v[30] === 0 ? 'malignant' : 'benign';
    row.size = sizeClass(v[3]!);
    return row;
  });
}

/** Schema with per-column ranges a hospital would declare: [0, 1.5 x the largest value, rounded up]. */
export function makeSchema(rows: readonly Row[]): DatasetSchema {
  const numeric: NumericColumn[] = FEATURES.map((f) => {
    const top = Math.max(...rows.map((r) => r[f] as number));
    const max = top >= 10 ? Math.ceil(top * 1.5) : Number((top * 1.5).toPrecision(2));
    return { name: f, type: 'numeric', min: 0, max };
  });
  return checkSchema({
    columns: [
      ...numeric,
      { name: 'diagnosis', type: 'categorical', categories: ['benign', 'malignant'] },
      { name: 'size', type: 'categorical', categories: ['small', 'medium', 'large'] },
    ],
  });
}

/** Three hospitals: rows dealt round-robin, so every hospital has both diagnoses. */
export function splitHospitals<T>(rows: readonly T[]): [T[], T[], T[]] {
  const out: [T[], T[], T[]] = [[], [], []];
  rows.forEach((r, i) => out[i % 3]!.push(r));
  return out;
}

/** A seeded generator (reproducible shares and PRF keys). */
export function seeded(label: string): Prg {
  const seed = new Uint8Array(32);
  new TextEncoder().encodeInto(label.padEnd(32, '.').slice(0, 32), seed);
  return Prg.fromSeed(seed);
}

/** A secure run: the decoded result and the costs party 0..2 saw (max over parties). */
export interface SecureRunResult {
  readonly result: QueryResult;
  readonly rounds: number;
  /**
   * The latency in rounds: the longest chain of dependent messages (Lamport depth of the
   * in-memory network). The channels' `rounds` counters count a send after any receive as a new
   * round, so sub-protocols that run side by side (a comparison's daBits and its carry tree)
   * read as more rounds there than they take.
   */
  readonly depth: number;
  readonly bytesSent: number;
}

/**
 * Shares each hospital's encoded rows, runs `query` at three in-memory parties with `ops`
 * (default: defaultCompareOps), opens the output with the checked reconstruction and decodes it.
 */
export async function runSecure(
  schema: DatasetSchema,
  hospitals: readonly EncodedRows[],
  query: Query,
  minCellSize: number,
  label = 'analytics',
  fractionBits?: number,
  storedValidity = false,
  security: SecurityMode = 'semi-honest',
  disclosure = false,
  ops: CompareOps = defaultCompareOps,
): Promise<SecureRunResult> {
  const rng = seeded(label);
  const parties = createLocalParties({ rng: rng.fork('seeds'), security, ...(fractionBits === undefined ? {} : { fractionBits }) });
  const shared = hospitals.map((h, i) => shareEncodedRows(h, rng.fork(`hospital-${i}`)));
  const perParty = [0, 1, 2].map((p) => shared.map((s) => s[p]!)) as SharedDataset[][];
  const outs = await parties.run(async (ctx, self) => {
    let datasets = perParty[self]!;
    // As at upload: each part's column validity computed once, then used by the query.
    if (storedValidity) {
      const withValidity: SharedDataset[] = [];
      for (const d of datasets) withValidity.push({ ...d, validity: await computeColumnValidity(ctx, defaultCompareOps, schema, d) });
      datasets = withValidity;
    }
    const out = await runSecureQuery(ctx, { schema, datasets, query, minCellSize, ...(disclosure ? { disclosure: { history: [] } } : {}) }, ops);
    // Malicious mode: the parties' batch check passes before the output shares are opened.
    await verifyJob(ctx);
    return out;
  });
  const values = openChecked([outs[0].output, outs[1].output, outs[2].output]);
  const result = decodeQueryOutput(schema, query, outs[0].layout, values);
  return {
    result,
    rounds: Math.max(...parties.contexts.map((c) => c.channel.stats.rounds)),
    depth: parties.network.depth(),
    bytesSent: Math.max(...parties.contexts.map((c) => c.channel.stats.bytesSent)),
  };
}

/**
 * The features min-max scaled into [0, 1] (as a hospital would prepare them for model
 * training) with the diagnosis, and the matching schema. Gradient descent on the raw features
 * (areas in the thousands) saturates the sigmoid after one step.
 */
export function scaledRowsAndSchema(raw: readonly Row[]): { rows: Row[]; schema: DatasetSchema } {
  const lo = FEATURES.map((f) => Math.min(...raw.map((r) => r[f] as number)));
  const hi = FEATURES.map((f) => Math.max(...raw.map((r) => r[f] as number)));
  const rows = raw.map((r) => {
    const o: Record<string, number | string> = { diagnosis: r.diagnosis as string };
    FEATURES.forEach((f, j) => (o[f] = ((r[f] as number) - lo[j]!) / (hi[j]! - lo[j]!)));
    return o;
  });
  const schema = checkSchema({
    columns: [...FEATURES.map((f) => ({ name: f, type: 'numeric', min: 0, max: 1 })), { name: 'diagnosis', type: 'categorical', categories: ['benign', 'malignant'] }],
  });
  return { rows, schema };
}
