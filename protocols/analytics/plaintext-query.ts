/**
 * @module protocols/analytics/plaintext-query
 * The same query language evaluated in the clear, in float64. It is the reference that every
 * secure result is compared with in tests, and it defines the semantics the secure engine must
 * match: row exclusion by range, filter, group-by over category combinations, suppression of
 * groups (and histogram bins) below the minimum cell size, sample variance (n - 1), Pearson
 * correlation, and logistic regression by full-batch gradient descent from zero weights.
 */
import type { DatasetSchema, NumericColumn } from './dataset-schema.js';
import type { Row } from './encode-rows.js';
import { aggregateName, usedColumns, type Filter, type Query } from './query.js';
import type { AggregateValue, GroupResult, QueryResult } from './query-result.js';

/** Default learning rate of logistic regression. */
export const DEFAULT_LEARNING_RATE = 0.5;

function matches(f: Filter, row: Row): boolean {
  if ('and' in f) return f.and.every((g) => matches(g, row));
  if ('or' in f) return f.or.some((g) => matches(g, row));
  if ('not' in f) return !matches(f.not, row);
  if ('in' in f) return f.in.includes(row[f.column] as string);
  if ('is' in f) return row[f.column] === f.is;
  const v = row[f.column] as number;
  switch (f.op) {
    case '<':
      return v < f.value;
    case '<=':
      return v <= f.value;
    case '>':
      return v > f.value;
    default:
      return v >= f.value;
  }
}

/** Group keys: the cartesian product of the group-by columns' values, in schema order. */
export function groupKeys(schema: DatasetSchema, groupBy: readonly string[]): Record<string, string | boolean>[] {
  let keys: Record<string, string | boolean>[] = [{}];
  for (const g of groupBy) {
    const c = schema.columns.find((x) => x.name === g)!;
    const vals: (string | boolean)[] = c.type === 'categorical' ? [...c.categories] : [false, true];
    keys = keys.flatMap((k) => vals.map((v) => ({ ...k, [g]: v })));
  }
  return keys;
}

/** 1 for the positive class of a logistic-regression label (true, or the second category). */
export function labelValue(schema: DatasetSchema, label: string, row: Row): number {
  const c = schema.columns.find((x) => x.name === label)!;
  if (c.type === 'categorical') return row[label] === c.categories[1] ? 1 : 0;
  return row[label] === true ? 1 : 0;
}

/** Logistic regression by full-batch gradient descent (the algorithm the secure engine runs). */
export function fitLogistic(x: readonly Float64Array[], y: Float64Array, epochs: number, lr: number): Float64Array {
  const d = x[0]?.length ?? 0;
  const w = new Float64Array(d + 1);
  const n = x.length;
  for (let e = 0; e < epochs; e++) {
    const grad = new Float64Array(d + 1);
    for (let r = 0; r < n; r++) {
      let z = w[0]!;
      for (let j = 0; j < d; j++) z += w[j + 1]! * x[r]![j]!;
      const err = 1 / (1 + Math.exp(-z)) - y[r]!;
      grad[0]! += err;
      for (let j = 0; j < d; j++) grad[j + 1]! += err * x[r]![j]!;
    }
    for (let j = 0; j <= d; j++) w[j]! -= (lr / n) * grad[j]!;
  }
  return w;
}

/** Evaluates `query` over `rows` in the clear. The query must already pass `checkQuery`. */
export function plaintextQuery(schema: DatasetSchema, rows: readonly Row[], query: Query, minCellSize: number): QueryResult {
  const used = new Set(usedColumns(query, schema));
  const numeric = schema.columns.filter((c): c is NumericColumn => c.type === 'numeric' && used.has(c.name));
  const others = schema.columns.filter((c) => c.type !== 'numeric' && used.has(c.name));
  // A row is valid when every column the query reads holds a value its schema allows; the
  // secure engine checks the same inside the computation (values outside [min, max], and
  // one-hot or boolean encodings that are not a single 0/1 indicator).
  const inRange = (r: Row): boolean =>
    numeric.every((c) => typeof r[c.name] === 'number' && (r[c.name] as number) >= c.min && (r[c.name] as number) <= c.max) &&
    others.every((c) => (c.type === 'categorical' ? c.categories.includes(r[c.name] as string) : typeof r[c.name] === 'boolean'));
  const valid = rows.filter(inRange);
  const selected = query.filter ? valid.filter((r) => matches(query.filter!, r)) : valid;
  const groupBy = query.groupBy ?? [];
  const groups: GroupResult[] = groupKeys(schema, groupBy).map((key) => {
    const members = selected.filter((r) => groupBy.every((g) => r[g] === key[g]));
    const n = members.length;
    if (n < minCellSize) return { key, suppressed: true, values: {} };
    const col = (name: string): number[] => members.map((r) => r[name] as number);
    const values: Record<string, AggregateValue> = {};
    for (const a of query.aggregates) {
      const name = aggregateName(a);
      switch (a.op) {
        case 'count':
          values[name] = n;
          break;
        case 'sum':
          values[name] = col(a.column).reduce((s, v) => s + v, 0);
          break;
        case 'mean':
          values[name] = col(a.column).reduce((s, v) => s + v, 0) / n;
          break;
        case 'variance':
        case 'stddev': {
          const xs = col(a.column);
          const m = xs.reduce((s, v) => s + v, 0) / n;
          const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1);
          values[name] = a.op === 'variance' ? v : Math.sqrt(v);
          break;
        }
        case 'min':
          values[name] = Math.min(...col(a.column));
          break;
        case 'max':
          values[name] = Math.max(...col(a.column));
          break;
        case 'histogram': {
          const xs = col(a.column);
          const m = a.bins.length - 1;
          const counts = Array.from({ length: m }, (_, j) =>
            xs.filter((x) => x >= a.bins[j]! && (j === m - 1 ? x <= a.bins[j + 1]! : x < a.bins[j + 1]!)).length,
          );
          values[name] = { edges: [...a.bins], counts: counts.map((c) => (c < minCellSize ? null : c)) };
          break;
        }
        case 'correlation': {
          const xs = col(a.columns[0]);
          const ys = col(a.columns[1]);
          const mx = xs.reduce((s, v) => s + v, 0) / n;
          const my = ys.reduce((s, v) => s + v, 0) / n;
          let sxy = 0;
          let sxx = 0;
          let syy = 0;
          for (let i = 0; i < n; i++) {
            sxy += (xs[i]! - mx) * (ys[i]! - my);
            sxx += (xs[i]! - mx) ** 2;
            syy += (ys[i]! - my) ** 2;
          }
          values[name] = sxy / Math.sqrt(sxx * syy);
          break;
        }
        case 'logisticRegression': {
          const x = members.map((r) => Float64Array.from(a.features, (f) => r[f] as number));
          const y = Float64Array.from(members, (r) => labelValue(schema, a.label, r));
          const w = fitLogistic(x, y, a.epochs, a.learningRate ?? DEFAULT_LEARNING_RATE);
          values[name] = { intercept: w[0]!, coefficients: [...w.subarray(1)], features: [...a.features], epochs: a.epochs };
          break;
        }
      }
    }
    return { key, suppressed: false, values };
  });
  return { groups, rows: rows.length, excludedOutOfRange: rows.length - valid.length, minCellSize };
}
