/**
 * @module services/wire/query-constants
 * The numbers of an analytics query that the parties encode as fixed-point ring constants
 * (filter comparison values, histogram bin edges) must fit the ring, or their encoding wraps
 * and the comparison is silently wrong. A column's values are encoded with up to
 * {@link MAX_COLUMN_FRACTION_BITS} fractional bits, and the parties' comparisons are exact for
 * ring values below 2^{@link SAFE_ACCUMULATOR_BITS} (protocols/model/fixed-range), so a constant
 * must satisfy |v| <= 2^(62 - 24) = 2^38 whatever the data set. The SDK refuses a query outside
 * the bound before sending it, and the gateway refuses it again (a client need not use the SDK).
 * Numbers inside the bound but outside a column's declared range are accepted: the parties
 * answer those comparisons as constants.
 */
import { SAFE_ACCUMULATOR_BITS } from '../../protocols/model/fixed-range.js';

/** Finest fixed-point precision of a numeric column (protocols/analytics/dataset-schema refuses more). */
export const MAX_COLUMN_FRACTION_BITS = 24;

/** Largest |v| of a query constant: 2^38. */
export const QUERY_CONSTANT_BOUND = 2 ** (SAFE_ACCUMULATOR_BITS - MAX_COLUMN_FRACTION_BITS);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every fixed-point constant of filter `f` with its path in the query. */
function* filterConstants(f: unknown, path: string): Generator<[string, unknown]> {
  if (!isObject(f)) return;
  for (const op of ['and', 'or'] as const) if (Array.isArray(f[op])) for (const [i, g] of (f[op] as unknown[]).entries()) yield* filterConstants(g, `${path}/${op}/${i}`);
  if ('not' in f) yield* filterConstants(f.not, `${path}/not`);
  if ('value' in f) yield [`${path}/value`, f.value];
}

/**
 * The constants of `query` outside ±{@link QUERY_CONSTANT_BOUND}, each with its path in the
 * query document (`/filter/and/1/value`, `/aggregates/2/bins/0`) and a message giving the bound.
 * Parts of the wrong shape are skipped (the query schema refuses those).
 */
export function queryConstantErrors(query: unknown): { path: string; message: string }[] {
  if (!isObject(query)) return [];
  const constants = [...filterConstants(query.filter, '/filter')];
  if (Array.isArray(query.aggregates)) {
    for (const [i, a] of (query.aggregates as unknown[]).entries()) {
      if (isObject(a) && a.op === 'histogram' && Array.isArray(a.bins)) for (const [j, e] of (a.bins as unknown[]).entries()) constants.push([`/aggregates/${i}/bins/${j}`, e]);
    }
  }
  return constants
    .filter(([, v]) => typeof v === 'number' && !(Math.abs(v) <= QUERY_CONSTANT_BOUND))
    .map(([path, v]) => ({ path, message: `${String(v)} is outside the fixed-point range of query constants, |v| <= ${QUERY_CONSTANT_BOUND} (2^${Math.log2(QUERY_CONSTANT_BOUND)})` }));
}
