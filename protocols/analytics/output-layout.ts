/**
 * @module protocols/analytics/output-layout
 * What each element of a query's output vector means. The parties reveal one vector per query
 * (to the analyst only); the layout, which depends only on the public query and schema, tells
 * the analyst's SDK how to turn the opened ring elements into a {@link QueryResult}. Suppressed
 * cells arrive as zero together with a zero `ok` bit, so nothing of them is revealed.
 */
import type { DatasetSchema } from './dataset-schema.js';
import { aggregateName, type Query } from './query.js';
import { groupKeys } from './plaintext-query.js';
import type { AggregateValue, GroupResult, QueryResult } from './query-result.js';

/** One element of the output vector. `scale` is its number of fractional bits. */
export type OutputSlot =
  | { readonly kind: 'excluded' }
  | { readonly kind: 'excludedOk' }
  | { readonly kind: 'ok'; readonly group: number }
  | { readonly kind: 'count'; readonly group: number }
  | { readonly kind: 'sum' | 'sumsq' | 'max' | 'minFromTop'; readonly group: number; readonly column: string; readonly scale: number }
  | { readonly kind: 'sumxy'; readonly group: number; readonly column: string; readonly column2: string; readonly scale: number }
  | { readonly kind: 'bin' | 'binOk'; readonly group: number; readonly aggregate: number; readonly bin: number }
  | { readonly kind: 'coef'; readonly aggregate: number; readonly index: number; readonly scale: number };

/** The layout of one query's output. */
export interface OutputLayout {
  readonly slots: readonly OutputSlot[];
  readonly rows: number;
  readonly minCellSize: number;
}

function signed(v: bigint, scale: number): number {
  return Number(BigInt.asIntN(64, v)) / 2 ** scale;
}

/**
 * Turns the opened output vector into the query's answer, deriving means, variances and
 * correlations from the revealed sums. Throws when the vector does not fit the layout.
 */
export function decodeQueryOutput(schema: DatasetSchema, query: Query, layout: OutputLayout, values: BigUint64Array): QueryResult {
  if (values.length !== layout.slots.length) {
    throw new RangeError(`values: expected ${layout.slots.length} elements for this query's layout, got ${values.length}`);
  }
  const keys = groupKeys(schema, query.groupBy ?? []);
  let excluded = 0;
  let excludedGate: boolean | undefined;
  const ok = new Map<number, boolean>();
  const num = new Map<string, number>();
  const bins = new Map<string, number | null>();
  const binOk = new Map<string, boolean>();
  const coefs = new Map<number, number[]>();
  const key = (...parts: (string | number)[]): string => parts.join('\u0000');
  layout.slots.forEach((s, i) => {
    const v = values[i]!;
    switch (s.kind) {
      case 'excluded':
        excluded = Number(v);
        break;
      case 'excludedOk':
        excludedGate = v === 1n;
        break;
      case 'ok':
        ok.set(s.group, v === 1n);
        break;
      case 'count':
        num.set(key('count', s.group), Number(v));
        break;
      case 'sumxy':
        num.set(key('sumxy', s.group, s.column, s.column2), signed(v, s.scale));
        break;
      case 'bin':
        bins.set(key(s.group, s.aggregate, s.bin), Number(v));
        break;
      case 'binOk':
        binOk.set(key(s.group, s.aggregate, s.bin), v === 1n);
        break;
      case 'coef': {
        const c = coefs.get(s.aggregate) ?? [];
        c[s.index] = signed(v, s.scale);
        coefs.set(s.aggregate, c);
        break;
      }
      default:
        num.set(key(s.kind, s.group, s.column), signed(v, s.scale));
    }
  });
  const groups: GroupResult[] = keys.map((k, g) => {
    if (!ok.get(g)) return { key: k, suppressed: true, values: {} };
    const n = num.get(key('count', g))!;
    const get = (kind: string, col: string): number => num.get(key(kind, g, col))!;
    const variance = (col: string): number => (get('sumsq', col) - get('sum', col) ** 2 / n) / (n - 1);
    const out: Record<string, AggregateValue> = {};
    query.aggregates.forEach((a, ai) => {
      const name = aggregateName(a);
      switch (a.op) {
        case 'count':
          out[name] = n;
          break;
        case 'sum':
          out[name] = get('sum', a.column);
          break;
        case 'mean':
          out[name] = get('sum', a.column) / n;
          break;
        case 'variance':
          out[name] = variance(a.column);
          break;
        case 'stddev':
          out[name] = Math.sqrt(Math.max(0, variance(a.column)));
          break;
        case 'max':
          out[name] = get('max', a.column);
          break;
        case 'min':
          out[name] = get('minFromTop', a.column);
          break;
        case 'histogram':
          out[name] = {
            edges: [...a.bins],
            counts: a.bins.slice(1).map((_, j) => (binOk.get(key(g, ai, j)) ? bins.get(key(g, ai, j))! : null)),
          };
          break;
        case 'correlation': {
          const [x, y] = a.columns;
          const cov = num.get(key('sumxy', g, x, y))! - (get('sum', x) * get('sum', y)) / n;
          out[name] = cov / Math.sqrt((get('sumsq', x) - get('sum', x) ** 2 / n) * (get('sumsq', y) - get('sum', y) ** 2 / n));
          break;
        }
        case 'logisticRegression': {
          const w = coefs.get(ai)!;
          out[name] = { intercept: w[0]!, coefficients: w.slice(1), features: [...a.features], epochs: a.epochs };
          break;
        }
      }
    });
    return { key: k, suppressed: false, values: out };
  });
  return { groups, rows: layout.rows, excludedOutOfRange: excludedGate === false ? null : excluded, minCellSize: layout.minCellSize };
}
