/**
 * @module test/analytics/compare-results
 * Compares a secure query result with the plaintext reference under the tolerances stated in
 * secure-query.test.ts: counts, bins, suppression and exclusions exact; sums, means, variances
 * and standard deviations relative 1e-4; correlation absolute 1e-4; min/max absolute 2^-16;
 * logistic-regression coefficients absolute 2e-3.
 */
import { expect } from 'vitest';
import { aggregateName, type Aggregate, type Query } from '../../protocols/analytics/query.js';
import type { AggregateValue, HistogramValue, LogisticRegressionValue, QueryResult } from '../../protocols/analytics/query-result.js';

function close(got: number, want: number, tol: { rel?: number; abs?: number }, what: string): void {
  const err = Math.abs(got - want);
  const ok = (tol.abs !== undefined && err <= tol.abs) || (tol.rel !== undefined && err <= tol.rel * Math.abs(want));
  expect(ok, `${what}: secure ${got}, clear ${want}, error ${err}`).toBe(true);
}

function compareValue(a: Aggregate, got: AggregateValue | undefined, want: AggregateValue, where: string): void {
  expect(got, where).toBeDefined();
  switch (a.op) {
    case 'count':
      expect(got, where).toBe(want);
      break;
    case 'sum':
    case 'mean':
    case 'variance':
    case 'stddev':
      close(got as number, want as number, { rel: 1e-4, abs: 1e-9 }, where);
      break;
    case 'correlation':
      close(got as number, want as number, { abs: 1e-4 }, where);
      break;
    case 'min':
    case 'max':
      close(got as number, want as number, { abs: 2 ** -16 }, where);
      break;
    case 'histogram':
      expect((got as HistogramValue).counts, where).toEqual((want as HistogramValue).counts);
      break;
    case 'logisticRegression': {
      const g = got as LogisticRegressionValue;
      const w = want as LogisticRegressionValue;
      close(g.intercept, w.intercept, { abs: 2e-3 }, `${where} intercept`);
      w.coefficients.forEach((c, i) => close(g.coefficients[i]!, c, { abs: 2e-3 }, `${where} coefficient ${i}`));
      break;
    }
  }
}

/** Compares a secure result with the clear one: suppression exact, values within the tolerances above. */
export function expectMatches(got: QueryResult, want: QueryResult, query: Query): void {
  expect(got.rows).toBe(want.rows);
  // The parties gate the excluded-row count by k like every count (null: suppressed).
  if (got.excludedOutOfRange === null) expect(want.excludedOutOfRange).toBeLessThan(want.minCellSize);
  else expect(got.excludedOutOfRange).toBe(want.excludedOutOfRange);
  expect(got.groups.map((g) => g.key)).toEqual(want.groups.map((g) => g.key));
  want.groups.forEach((wg, i) => {
    const gg = got.groups[i]!;
    expect(gg.suppressed, `group ${JSON.stringify(wg.key)} suppressed`).toBe(wg.suppressed);
    if (wg.suppressed) {
      expect(gg.values).toEqual({});
      return;
    }
    expect(Object.keys(gg.values).sort()).toEqual(Object.keys(wg.values).sort());
    for (const a of query.aggregates) {
      const key = aggregateName(a);
      compareValue(a, gg.values[key], wg.values[key]!, `group ${JSON.stringify(wg.key)} ${key}`);
    }
  });
}

