/**
 * The secure analytics engine against the plaintext reference, over three in-memory parties:
 * the bundled breast-cancer data set (569 rows) split round-robin across three hospitals, each
 * hospital's rows shared separately (three SharedDatasets), every query compared with
 * `plaintextQuery` over the whole data set in the clear.
 *
 * Tolerances (f = 16 fractional bits, columns encoded at 16 bits):
 * - counts, histogram bins, suppression flags, excluded-row counts: exact;
 * - sum, mean: relative 1e-4;
 * - variance, standard deviation: relative 1e-4 (sums of squares are kept at 2f bits when the
 *   schema bounds allow it, else truncated with an error of one unit per row);
 * - correlation: absolute 1e-4;
 * - min, max: absolute 2^-16 (one rounding of the encoding; the tournament itself is exact);
 * - logistic regression coefficients: absolute 2e-3 (6 raw features x 5 epochs; 30 min-max
 *   scaled features x 10 epochs; measured 5e-5 and 7e-4: sigmoid approximation and truncations,
 *   growing with epochs, see docs/analytics.md).
 * Seeds are fixed: shares and PRF keys are the same on every run.
 */
import { describe, expect, it } from 'vitest';
import { encodeRows, type EncodedRows, type Row } from '../../protocols/analytics/encode-rows.js';
import { columnOffset, type DatasetSchema } from '../../protocols/analytics/dataset-schema.js';
import { plaintextQuery } from '../../protocols/analytics/plaintext-query.js';
import { checkQuery, type Query } from '../../protocols/analytics/query.js';
import type { HistogramValue, QueryResult } from '../../protocols/analytics/query-result.js';
import { expectMatches } from './compare-results.js';
import { QueryError } from '../../protocols/analytics/errors.js';
import { FEATURES, loadRows, makeSchema, runSecure, scaledRowsAndSchema, splitHospitals } from './breast-cancer-fixture.js';

const rows = loadRows();
const schema = makeSchema(rows);
const parts = splitHospitals(rows);
const hospitals = parts.map((h) => encodeRows(schema, h));
const DATASETS = ['h1', 'h2', 'h3'];

async function check(
  query: Query,
  k: number,
  data: { rows: readonly Row[]; hospitals: readonly EncodedRows[] } = { rows, hospitals },
  label?: string,
  storedValidity = false,
): Promise<{ secure: QueryResult; clear: QueryResult }> {
  const q = checkQuery(query, schema);
  const clear = plaintextQuery(schema, data.rows, q, k);
  const { result } = await runSecure(schema, data.hospitals, q, k, label, undefined, storedValidity);
  expectMatches(result, clear, q);
  return { secure: result, clear };
}

describe('secure analytics on breast cancer split across three hospitals', () => {
  it('every statistical aggregate over the whole union', async () => {
    const { secure } = await check(
      {
        datasets: DATASETS,
        aggregates: [
          { op: 'count' },
          { op: 'sum', column: 'mean_area' },
          { op: 'mean', column: 'mean_radius' },
          { op: 'mean', column: 'mean_fractal_dimension' },
          { op: 'variance', column: 'mean_texture' },
          { op: 'stddev', column: 'worst_area' },
          { op: 'variance', column: 'mean_smoothness' },
          { op: 'min', column: 'mean_concavity' },
          { op: 'max', column: 'mean_concavity' },
          { op: 'min', column: 'worst_perimeter' },
          { op: 'max', column: 'worst_perimeter' },
          { op: 'histogram', column: 'mean_radius', bins: [6, 10, 12, 14, 16, 20, 29] },
          { op: 'correlation', columns: ['mean_radius', 'mean_perimeter'] },
          { op: 'correlation', columns: ['mean_texture', 'mean_smoothness'] },
        ],
      },
      10,
    );
    expect(secure.groups[0]!.values.count).toBe(569);
  });

  it('numeric filters with every operator, categorical membership, and / or / not, grouped by one and two columns', async () => {
    await check(
      {
        datasets: DATASETS,
        filter: {
          and: [
            { column: 'mean_radius', op: '>=', value: 11 },
            { column: 'mean_texture', op: '<', value: 25 },
            { or: [{ column: 'worst_area', op: '>', value: 600 }, { column: 'mean_smoothness', op: '<=', value: 0.09 }] },
            { not: { column: 'size', in: ['small'] } },
          ],
        },
        groupBy: ['diagnosis'],
        aggregates: [{ op: 'count' }, { op: 'mean', column: 'mean_area' }, { op: 'stddev', column: 'mean_radius' }, { op: 'max', column: 'mean_texture' }],
      },
      10,
      undefined,
      undefined,
      true,
    );
    await check(
      {
        datasets: DATASETS,
        filter: { or: [{ column: 'diagnosis', in: ['malignant'] }, { column: 'mean_concavity', op: '>', value: 0.05 }] },
        groupBy: ['diagnosis', 'size'],
        aggregates: [{ op: 'count' }, { op: 'sum', column: 'mean_perimeter' }, { op: 'min', column: 'mean_symmetry' }, { op: 'histogram', column: 'mean_texture', bins: [9, 15, 20, 25, 40] }],
      },
      10,
    );
  });

  it('decides filter leaves and bin edges outside the declared range publicly, with the same answers', async () => {
    // mean_radius is declared in [0, 43]: 0 and 50 as edges, < 100 and > -1 as filters need no comparison.
    await check(
      {
        datasets: DATASETS,
        filter: { and: [{ column: 'mean_radius', op: '<', value: 100 }, { column: 'mean_texture', op: '>', value: -1 }, { not: { column: 'mean_area', op: '<=', value: 0 } }] },
        groupBy: ['diagnosis'],
        aggregates: [{ op: 'count' }, { op: 'histogram', column: 'mean_radius', bins: [0, 10, 15, 20, 50] }, { op: 'histogram', column: 'mean_texture', bins: [-5, 15, 20, 25, 40] }],
      },
      10,
    );
  });

  it('suppresses inside the computation: small groups and small histogram bins open as suppressed', async () => {
    // Benign tumours are rarely large: the (benign, large) cell is below k = 10.
    const q: Query = {
      datasets: DATASETS,
      filter: { column: 'diagnosis', in: ['benign'] },
      groupBy: ['size'],
      aggregates: [{ op: 'count' }, { op: 'mean', column: 'mean_radius' }, { op: 'histogram', column: 'mean_texture', bins: [9, 12, 15, 20, 30, 40] }],
    };
    const { secure, clear } = await check(q, 10);
    const large = clear.groups.find((g) => g.key.size === 'large')!;
    expect(large.suppressed).toBe(true);
    expect(secure.groups.find((g) => g.key.size === 'large')).toEqual({ key: { size: 'large' }, suppressed: true, values: {} });
    const small = secure.groups.find((g) => g.key.size === 'small')!;
    expect((small.values['histogram(mean_texture)'] as HistogramValue).counts).toContain(null);
    // A k above every group suppresses everything.
    const { secure: all } = await check({ datasets: DATASETS, aggregates: [{ op: 'count' }, { op: 'sum', column: 'mean_area' }] }, 570);
    expect(all.groups[0]!.suppressed).toBe(true);
  });

  it('excludes and counts out-of-range rows injected as shares by a malicious uploader', async () => {
    // Hospital 2 bypasses encodeRows' check: mean_radius far above the declared max in three
    // rows, negative in one, and worst_area (not read by the query) out of range in another.
    const bad = parts[1]!.map((r) => ({ ...r }));
    const enc = hospitals[1]!;
    const data = BigUint64Array.from(enc.data);
    const poison = (row: number, column: string, v: number): void => {
      bad[row] = { ...bad[row]!, [column]: v };
      data[columnOffset(schema, column) * enc.rows + row] = BigInt.asUintN(64, BigInt(Math.round(v * 2 ** 16)));
    };
    poison(0, 'mean_radius', 500);
    poison(5, 'mean_radius', 1e5);
    poison(9, 'mean_radius', 90);
    poison(12, 'mean_radius', -3);
    poison(20, 'worst_area', 1e5);
    // One-hot poisoning: a row claiming both diagnoses, and a size indicator of 1000.
    const setEncoded = (row: number, column: string, j: number, v: bigint): void => {
      data[(columnOffset(schema, column) + j) * enc.rows + row] = v;
    };
    setEncoded(30, 'diagnosis', 0, 1n);
    setEncoded(30, 'diagnosis', 1, 1n);
    bad[30] = { ...bad[30]!, diagnosis: 'both' };
    setEncoded(31, 'size', 0, 0n);
    setEncoded(31, 'size', 1, 0n);
    setEncoded(31, 'size', 2, 1000n);
    bad[31] = { ...bad[31]!, size: 'inflated' };
    const badRows = [...parts[0]!, ...bad, ...parts[2]!];
    const badHospitals = [hospitals[0]!, { rows: enc.rows, width: enc.width, data }, hospitals[2]!];
    const q: Query = {
      datasets: DATASETS,
      groupBy: ['diagnosis'],
      aggregates: [{ op: 'count' }, { op: 'sum', column: 'mean_radius' }, { op: 'variance', column: 'mean_radius' }, { op: 'max', column: 'mean_radius' }, { op: 'min', column: 'mean_radius' }],
    };
    const { secure } = await check(q, 10, { rows: badRows, hospitals: badHospitals }, 'poisoned');
    expect(secure.excludedOutOfRange).toBe(5);
    // The same with validity bits computed at upload (column-validity) instead of in the query.
    const { secure: stored } = await check(q, 10, { rows: badRows, hospitals: badHospitals }, 'poisoned-stored', true);
    expect(stored.excludedOutOfRange).toBe(5);
    // The same rows seen through a query that reads worst_area: only that row is excluded.
    const { secure: other } = await check({ datasets: DATASETS, groupBy: ['size'], aggregates: [{ op: 'count' }, { op: 'mean', column: 'worst_area' }] }, 10, { rows: badRows, hospitals: badHospitals }, 'poisoned-2');
    expect(other.excludedOutOfRange).toBe(2);
    const { secure: other2 } = await check({ datasets: DATASETS, groupBy: ['size'], aggregates: [{ op: 'count' }, { op: 'mean', column: 'worst_area' }] }, 10, { rows: badRows, hospitals: badHospitals }, 'poisoned-2s', true);
    expect(other2.excludedOutOfRange).toBe(2);
  });

  it('trains logistic regression (6 features, 5 epochs) on a filtered selection', async () => {
    const features = ['mean_smoothness', 'mean_compactness', 'mean_concavity', 'mean_concave_points', 'mean_symmetry', 'worst_smoothness'];
    await check(
      {
        datasets: DATASETS,
        filter: { column: 'mean_radius', op: '<', value: 20 },
        aggregates: [{ op: 'count' }, { op: 'logisticRegression', features, label: 'diagnosis', epochs: 5, learningRate: 1 }],
      },
      10,
    );
  });

  it('trains logistic regression on all 30 min-max scaled features for 10 epochs', async () => {
    const scaled = scaledRowsAndSchema(rows);
    const q = checkQuery(
      { datasets: DATASETS, aggregates: [{ op: 'count' }, { op: 'logisticRegression', features: [...FEATURES], label: 'diagnosis', epochs: 10, learningRate: 0.5 }] },
      scaled.schema,
    );
    const clear = plaintextQuery(scaled.schema, scaled.rows, q, 10);
    const { result } = await runSecure(scaled.schema, splitHospitals(scaled.rows).map((h) => encodeRows(scaled.schema, h)), q, 10, 'logistic-30');
    expectMatches(result, clear, q);
  });

  it('refuses a query whose sums could overflow the ring, naming the aggregate', async () => {
    // At f = 40 a sum of 8 values bounded by 10^6 needs 8 * 10^6 * 2^40 > 2^62.
    const big: DatasetSchema = { columns: [{ name: 'x', type: 'numeric', min: 0, max: 1_000_000 }] };
    const enc = encodeRows(big, Array.from({ length: 8 }, (_, i) => ({ x: i })));
    const q = checkQuery({ datasets: ['a'], aggregates: [{ op: 'count' }, { op: 'variance', column: 'x' }] }, big);
    const err = await runSecure(big, [enc], q, 1, 'overflow', 40).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryError);
    expect((err as QueryError).path).toBe('/aggregates/1');
    expect((err as QueryError).message).toMatch(/a sum of 8 values of 'x' .* would overflow the 64-bit ring at 40 fractional bits/);
  });

  it('keeps sums of squares exact for large values (factors pre-truncated, products never truncated)', async () => {
    // Squares of values up to 9e5 at f = 16 are ~2^72: the factors lose just enough bits.
    const big: DatasetSchema = { columns: [{ name: 'x', type: 'numeric', min: 0, max: 900_000 }, { name: 'y', type: 'numeric', min: -5, max: 5 }] };
    const data = Array.from({ length: 200 }, (_, i) => ({ x: 450_000 + 4000 * Math.sin(i), y: Math.cos(i * 1.7) * 4 }));
    const q = checkQuery({ datasets: ['a'], aggregates: [{ op: 'variance', column: 'x' }, { op: 'variance', column: 'y' }, { op: 'correlation', columns: ['x', 'y'] }] }, big);
    const { result } = await runSecure(big, [encodeRows(big, data)], q, 1, 'big-values');
    expectMatches(result, plaintextQuery(big, data, q, 1), q);
  });
});
