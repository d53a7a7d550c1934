/**
 * Analytics in malicious mode (issue 13): breast-cancer queries as in secure-query.test.ts, on malicious contexts and 45 rows, compared with
 * the clear computation under the same bounds (compare-results), including the column-validity
 * bits of an upload with poisoned rows and logistic regression (whose exact truncation becomes
 * the verified wrap-corrected one: at most one unit of 2^-f per gradient). The parties' batch
 * check (verifyJob) passes before the outputs are opened.
 */
import { describe, expect, it } from 'vitest';
import { DisclosureRefusedError } from '../../protocols/analytics/errors.js';
import { encodeRows } from '../../protocols/analytics/encode-rows.js';
import { plaintextQuery } from '../../protocols/analytics/plaintext-query.js';
import { checkQuery, type Query } from '../../protocols/analytics/query.js';
import { expectMatches } from './compare-results.js';
import { loadRows, makeSchema, runSecure, splitHospitals } from './breast-cancer-fixture.js';

// 45 of the 569 rows: malicious comparisons cost ~190 verified products per value, and the
// point here is that the protocols run and agree with the clear computation, not scale.
const all = loadRows();
const schema = makeSchema(all);
const rows = all.slice(0, 45);
const hospitals = splitHospitals(rows).map((h) => encodeRows(schema, h));
const DATASETS = ['h1', 'h2', 'h3'];

async function check(query: Query, storedValidity = false): Promise<void> {
  const q = checkQuery(query, schema);
  const clear = plaintextQuery(schema, rows, q, 10);
  const { result } = await runSecure(schema, hospitals, q, 10, 'malicious', undefined, storedValidity, 'malicious');
  expectMatches(result, clear, q);
}

describe('secure analytics in malicious mode', { timeout: 240_000 }, () => {
  it('aggregates, a histogram, min/max and a correlation over the union', async () => {
    await check({
      datasets: DATASETS,
      aggregates: [
        { op: 'count' },
        { op: 'mean', column: 'mean_radius' },
        { op: 'variance', column: 'mean_texture' },
        { op: 'min', column: 'mean_concavity' },
        { op: 'max', column: 'worst_perimeter' },
        { op: 'histogram', column: 'mean_radius', bins: [6, 10, 12, 14, 16, 20, 29] },
        { op: 'correlation', columns: ['mean_radius', 'mean_perimeter'] },
      ],
    });
  });

  it('filters and group-by, with stored column validity as after an upload', async () => {
    await check(
      {
        datasets: DATASETS,
        filter: { and: [{ column: 'mean_radius', op: '>=', value: 12 }, { not: { column: 'mean_texture', op: '>', value: 25 } }] },
        groupBy: ['diagnosis'],
        aggregates: [{ op: 'count' }, { op: 'mean', column: 'worst_area' }],
      },
      true,
    );
  });

  it('the query-set control opens its decision only after every product is verified: a small selection is refused, a large one answered', async () => {
    const small = checkQuery({ datasets: DATASETS, filter: { column: 'mean_radius', op: '>', value: 25 }, aggregates: [{ op: 'count' }] }, schema);
    await expect(runSecure(schema, hospitals, small, 10, 'malicious-qs', undefined, false, 'malicious', true)).rejects.toBeInstanceOf(DisclosureRefusedError);
    const large = checkQuery({ datasets: DATASETS, filter: { column: 'mean_radius', op: '<', value: 14 }, aggregates: [{ op: 'count' }] }, schema);
    const clear = plaintextQuery(schema, rows, large, 10);
    // Both sides of the selection hold at least k = 10 of the 45 rows, so the control passes.
    const n = clear.groups[0]!.values.count as number;
    expect(n >= 10 && rows.length - n >= 10, `selection of ${n}`).toBe(true);
    const { result } = await runSecure(schema, hospitals, large, 10, 'malicious-qs', undefined, false, 'malicious', true);
    expectMatches(result, clear, large);
  });

  it('trains logistic regression (6 features, 5 epochs) within the semi-honest bound', async () => {
    const features = ['mean_smoothness', 'mean_compactness', 'mean_concavity', 'mean_concave_points', 'mean_symmetry', 'worst_smoothness'];
    await check({ datasets: DATASETS, aggregates: [{ op: 'count' }, { op: 'logisticRegression', features, label: 'diagnosis', epochs: 5, learningRate: 1 }] });
  });
});
