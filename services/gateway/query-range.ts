/**
 * @module services/gateway/query-range
 * The numbers of an analytics query that the parties encode as fixed-point ring constants
 * (filter comparison values, histogram bin edges) must fit the ring, or their encoding wraps
 * and the comparison is silently wrong. A column's values are encoded with up to
 * {@link MAX_COLUMN_FRACTION_BITS} fractional bits, and the parties' comparisons are exact for
 * ring values below 2^{@link SAFE_ACCUMULATOR_BITS} (protocols/model/fixed-range), so a constant
 * must satisfy |v| <= 2^(62 - 24) = 2^38 whatever the data set. The gateway refuses one outside
 * that bound before anything else sees the query (a client need not use the SDK), naming the
 * field and the bound. Numbers inside the bound but outside a column's declared range are
 * accepted: the parties answer those comparisons as constants.
 */
import type { Aggregate, Filter, Query } from '../../protocols/analytics/query.js';
import { SAFE_ACCUMULATOR_BITS } from '../../protocols/model/fixed-range.js';
import { ProblemError } from './problems.js';

/** Finest fixed-point precision of a numeric column (protocols/analytics/dataset-schema refuses more). */
export const MAX_COLUMN_FRACTION_BITS = 24;

/** Largest |v| of a query constant: 2^38. */
export const QUERY_CONSTANT_BOUND = 2 ** (SAFE_ACCUMULATOR_BITS - MAX_COLUMN_FRACTION_BITS);

/** Every fixed-point constant of `f` with its request path. */
function* filterConstants(f: Filter, path: string): Generator<[string, number]> {
  if ('and' in f) for (const [i, g] of f.and.entries()) yield* filterConstants(g, `${path}/and/${i}`);
  else if ('or' in f) for (const [i, g] of f.or.entries()) yield* filterConstants(g, `${path}/or/${i}`);
  else if ('not' in f) yield* filterConstants(f.not, `${path}/not`);
  else if ('value' in f) yield [`${path}/value`, f.value];
}

function* aggregateConstants(a: Aggregate, path: string): Generator<[string, number]> {
  if (a.op === 'histogram') for (const [i, e] of a.bins.entries()) yield [`${path}/bins/${i}`, e];
}

/**
 * Refuses a query (already valid against its JSON schema) with a constant outside
 * ±{@link QUERY_CONSTANT_BOUND}.
 * @throws ProblemError `validation` with the field at fault in `errors[]`.
 */
export function checkQueryConstants(query: Query): void {
  const constants = [
    ...(query.filter ? filterConstants(query.filter, 'body/query/filter') : []),
    ...query.aggregates.flatMap((a, i) => [...aggregateConstants(a, `body/query/aggregates/${i}`)]),
  ];
  const errors = constants
    .filter(([, v]) => !(Math.abs(v) <= QUERY_CONSTANT_BOUND))
    .map(([path, v]) => ({ path, message: `${v} is outside the fixed-point range of query constants, |v| <= ${QUERY_CONSTANT_BOUND} (2^${Math.log2(QUERY_CONSTANT_BOUND)})` }));
  if (errors.length > 0) throw new ProblemError('validation', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
}
