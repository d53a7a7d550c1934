/**
 * @module bench/query-deviation
 * How far a secure query result is from the plaintext reference, for the analytics benches.
 */
import { aggregateName, type Query } from '../protocols/analytics/query.js';
import type { HistogramValue, LogisticRegressionValue, QueryResult } from '../protocols/analytics/query-result.js';

/** Largest relative (sums, means, variances) or absolute (others) deviation from the reference. */
export function deviation(got: QueryResult, want: QueryResult, q: Query): number {
  let worst = 0;
  want.groups.forEach((wg, g) => {
    const gg = got.groups[g]!;
    if (gg.suppressed !== wg.suppressed) worst = Infinity;
    if (wg.suppressed) return;
    for (const a of q.aggregates) {
      const name = aggregateName(a);
      const w = wg.values[name];
      const v = gg.values[name];
      if (typeof w === 'number' && typeof v === 'number') worst = Math.max(worst, Math.abs(v - w) / Math.max(1, Math.abs(w)));
      else if (a.op === 'histogram') {
        const [wc, vc] = [(w as HistogramValue).counts, (v as HistogramValue).counts];
        wc.forEach((c, j) => (worst = Math.max(worst, c === vc[j] ? 0 : Infinity)));
      } else if (a.op === 'logisticRegression') {
        const [wl, vl] = [w as LogisticRegressionValue, v as LogisticRegressionValue];
        worst = Math.max(worst, Math.abs(vl.intercept - wl.intercept), ...wl.coefficients.map((c, j) => Math.abs(c - vl.coefficients[j]!)));
      }
    }
  });
  return worst;
}
