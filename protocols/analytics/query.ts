/**
 * @module protocols/analytics/query
 * The analytics query language: a JSON document, checked first against {@link QUERY_JSON_SCHEMA}
 * (the gateway validates requests with it) and then against the data set schema by
 * {@link checkQuery}, which resolves columns and types. Filters become secret selection bits
 * inside the computation; nothing about individual rows is ever revealed.
 *
 * ```json
 * { "datasets": ["h1", "h2", "h3"],
 *   "filter": { "and": [ { "column": "radius_mean", "op": ">=", "value": 12 },
 *                        { "column": "diagnosis", "in": ["malignant"] } ] },
 *   "groupBy": ["diagnosis"],
 *   "aggregates": [ { "op": "count" }, { "op": "mean", "column": "area_mean" },
 *                   { "op": "histogram", "column": "radius_mean", "bins": [5, 10, 15, 20, 30] } ] }
 * ```
 */
import { findColumn, type Column, type DatasetSchema } from './dataset-schema.js';
import { QueryError } from './errors.js';

/** Comparison operators on numeric columns. */
export type CompareOp = '<' | '<=' | '>' | '>=';

/** A filter expression. */
export type Filter =
  | { readonly column: string; readonly op: CompareOp; readonly value: number }
  | { readonly column: string; readonly in: readonly string[] }
  | { readonly column: string; readonly is: boolean }
  | { readonly and: readonly Filter[] }
  | { readonly or: readonly Filter[] }
  | { readonly not: Filter };

/** One aggregate. `as` names it in the result (default `op(column)`). */
export type Aggregate =
  | { readonly op: 'count'; readonly as?: string }
  | { readonly op: 'sum' | 'mean' | 'variance' | 'stddev' | 'min' | 'max'; readonly column: string; readonly as?: string }
  | { readonly op: 'histogram'; readonly column: string; readonly bins: readonly number[]; readonly as?: string }
  | { readonly op: 'correlation'; readonly columns: readonly [string, string]; readonly as?: string }
  | {
      readonly op: 'logisticRegression';
      readonly features: readonly string[];
      readonly label: string;
      readonly epochs: number;
      readonly learningRate?: number;
      readonly as?: string;
    };

/** A query. */
export interface Query {
  readonly datasets: readonly string[];
  readonly filter?: Filter;
  readonly groupBy?: readonly string[];
  readonly aggregates: readonly Aggregate[];
}

const filterSchema = {
  $id: 'mpc-filter',
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['column', 'op', 'value'],
      properties: { column: { type: 'string' }, op: { enum: ['<', '<=', '>', '>='] }, value: { type: 'number' } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['column', 'in'],
      properties: { column: { type: 'string' }, in: { type: 'array', minItems: 1, maxItems: 256, items: { type: 'string' } } },
    },
    { type: 'object', additionalProperties: false, required: ['column', 'is'], properties: { column: { type: 'string' }, is: { type: 'boolean' } } },
    { type: 'object', additionalProperties: false, required: ['and'], properties: { and: { type: 'array', minItems: 1, maxItems: 32, items: { $ref: 'mpc-filter#' } } } },
    { type: 'object', additionalProperties: false, required: ['or'], properties: { or: { type: 'array', minItems: 1, maxItems: 32, items: { $ref: 'mpc-filter#' } } } },
    { type: 'object', additionalProperties: false, required: ['not'], properties: { not: { $ref: 'mpc-filter#' } } },
  ],
} as const;

/** JSON Schema (draft-07, Ajv) of a query document, shared with the gateway. */
export const QUERY_JSON_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['datasets', 'aggregates'],
  definitions: { filter: filterSchema },
  properties: {
    datasets: { type: 'array', minItems: 1, maxItems: 64, uniqueItems: true, items: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
    filter: { $ref: 'mpc-filter#' },
    groupBy: { type: 'array', maxItems: 3, uniqueItems: true, items: { type: 'string' } },
    aggregates: {
      type: 'array',
      minItems: 1,
      maxItems: 32,
      items: {
        type: 'object',
        required: ['op'],
        additionalProperties: false,
        properties: {
          op: { enum: ['count', 'sum', 'mean', 'variance', 'stddev', 'min', 'max', 'histogram', 'correlation', 'logisticRegression'] },
          as: { type: 'string', pattern: '^[A-Za-z0-9_().,-]{1,64}$' },
          column: { type: 'string' },
          columns: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'string' } },
          bins: { type: 'array', minItems: 2, maxItems: 65, items: { type: 'number' } },
          features: { type: 'array', minItems: 1, maxItems: 64, items: { type: 'string' } },
          label: { type: 'string' },
          epochs: { type: 'integer', minimum: 1, maximum: 100 },
          learningRate: { type: 'number', exclusiveMinimum: 0, maximum: 10 },
        },
      },
    },
  },
} as const;

/** The name an aggregate has in the result. */
export function aggregateName(a: Aggregate): string {
  if (a.as) return a.as;
  switch (a.op) {
    case 'count':
      return 'count';
    case 'correlation':
      return `correlation(${a.columns[0]},${a.columns[1]})`;
    case 'logisticRegression':
      return `logisticRegression(${a.label})`;
    default:
      return `${a.op}(${a.column})`;
  }
}

function column(schema: DatasetSchema, name: unknown, path: string, want?: Column['type']): Column {
  if (typeof name !== 'string') throw new QueryError(path, `expected a column name, got ${JSON.stringify(name)}`);
  const c = findColumn(schema, name);
  if (!c) throw new QueryError(path, `unknown column '${name}'`);
  if (want && c.type !== want) throw new QueryError(path, `column '${name}' is ${c.type}, expected ${want}`);
  return c;
}

function checkFilter(schema: DatasetSchema, f: Filter, path: string, depth: number): void {
  if (depth > 8) throw new QueryError(path, 'filter nested deeper than 8 levels');
  if (typeof f !== 'object' || f === null) throw new QueryError(path, 'expected a filter object');
  if ('and' in f || 'or' in f) {
    const list = 'and' in f ? f.and : f.or;
    const key = 'and' in f ? 'and' : 'or';
    if (!Array.isArray(list) || list.length === 0) throw new QueryError(`${path}/${key}`, 'expected a non-empty array');
    list.forEach((g, i) => checkFilter(schema, g, `${path}/${key}/${i}`, depth + 1));
  } else if ('not' in f) {
    checkFilter(schema, f.not, `${path}/not`, depth + 1);
  } else if ('op' in f) {
    column(schema, f.column, `${path}/column`, 'numeric');
    if (!['<', '<=', '>', '>='].includes(f.op)) throw new QueryError(`${path}/op`, `unknown comparison ${JSON.stringify(f.op)}`);
    if (typeof f.value !== 'number' || !Number.isFinite(f.value)) throw new QueryError(`${path}/value`, 'expected a finite number');
  } else if ('in' in f) {
    const c = column(schema, f.column, `${path}/column`, 'categorical');
    if (c.type !== 'categorical') return;
    f.in.forEach((v, i) => {
      if (!c.categories.includes(v)) throw new QueryError(`${path}/in/${i}`, `'${v}' is not a category of '${c.name}'`);
    });
  } else if ('is' in f) {
    column(schema, f.column, `${path}/column`, 'boolean');
  } else {
    throw new QueryError(path, 'expected one of column+op+value, column+in, column+is, and, or, not');
  }
}

/**
 * Checks a query against the (common) schema of its data sets: every column exists and has
 * the right type, bins are strictly increasing, names are unique, logistic regression is not
 * grouped. Throws {@link QueryError} naming the offending path.
 */
export function checkQuery(query: Query, schema: DatasetSchema): Query {
  if (typeof query !== 'object' || query === null) throw new QueryError('', 'expected a query object');
  if (!Array.isArray(query.datasets) || query.datasets.length === 0) throw new QueryError('/datasets', 'expected at least one data set');
  if (query.filter !== undefined) checkFilter(schema, query.filter, '/filter', 0);
  const groupBy = query.groupBy ?? [];
  groupBy.forEach((g, i) => {
    const c = column(schema, g, `/groupBy/${i}`);
    if (c.type === 'numeric') throw new QueryError(`/groupBy/${i}`, `column '${g}' is numeric; group by categorical or boolean columns`);
  });
  if (!Array.isArray(query.aggregates) || query.aggregates.length === 0) throw new QueryError('/aggregates', 'expected at least one aggregate');
  const names = new Set<string>();
  query.aggregates.forEach((a, i) => {
    const p = `/aggregates/${i}`;
    switch (a.op) {
      case 'count':
        break;
      case 'sum':
      case 'mean':
      case 'variance':
      case 'stddev':
      case 'min':
      case 'max':
        column(schema, a.column, `${p}/column`, 'numeric');
        break;
      case 'histogram': {
        column(schema, a.column, `${p}/column`, 'numeric');
        if (!Array.isArray(a.bins) || a.bins.length < 2) throw new QueryError(`${p}/bins`, 'expected at least two bin edges');
        a.bins.forEach((b: number, j: number) => {
          if (typeof b !== 'number' || !Number.isFinite(b)) throw new QueryError(`${p}/bins/${j}`, 'expected a finite number');
          if (j > 0 && !(b > a.bins[j - 1]!)) throw new QueryError(`${p}/bins/${j}`, `bin edges must be strictly increasing (${a.bins[j - 1]} then ${b})`);
        });
        break;
      }
      case 'correlation':
        if (!Array.isArray(a.columns) || a.columns.length !== 2) throw new QueryError(`${p}/columns`, 'expected two columns');
        column(schema, a.columns[0], `${p}/columns/0`, 'numeric');
        column(schema, a.columns[1], `${p}/columns/1`, 'numeric');
        break;
      case 'logisticRegression': {
        if (groupBy.length > 0) throw new QueryError(p, 'logistic regression cannot be grouped');
        if (!Array.isArray(a.features) || a.features.length === 0) throw new QueryError(`${p}/features`, 'expected at least one feature');
        a.features.forEach((f: string, j: number) => column(schema, f, `${p}/features/${j}`, 'numeric'));
        const lab = column(schema, a.label, `${p}/label`);
        if (lab.type !== 'boolean' && !(lab.type === 'categorical' && lab.categories.length === 2)) {
          throw new QueryError(`${p}/label`, `label '${a.label}' must be boolean or a two-category column`);
        }
        if (!Number.isInteger(a.epochs) || a.epochs < 1 || a.epochs > 100) throw new QueryError(`${p}/epochs`, 'expected an integer in 1..100');
        if (a.learningRate !== undefined && !(a.learningRate > 0 && a.learningRate <= 10)) throw new QueryError(`${p}/learningRate`, 'expected a number in (0, 10]');
        break;
      }
      default:
        throw new QueryError(`${p}/op`, `unknown aggregate ${JSON.stringify((a as { op: unknown }).op)}`);
    }
    const name = aggregateName(a);
    if (names.has(name)) throw new QueryError(p, `duplicate aggregate name '${name}' (use "as")`);
    names.add(name);
  });
  return query;
}

function filterColumns(f: Filter, out: Set<string>): void {
  if ('and' in f) f.and.forEach((g) => filterColumns(g, out));
  else if ('or' in f) f.or.forEach((g) => filterColumns(g, out));
  else if ('not' in f) filterColumns(f.not, out);
  else out.add(f.column);
}

/**
 * The columns a query reads, in schema order. Rows with an out-of-range value in any numeric
 * column among them are excluded from the query (and counted), inside the computation.
 */
export function usedColumns(query: Query, schema: DatasetSchema): string[] {
  const used = new Set<string>(query.groupBy ?? []);
  if (query.filter) filterColumns(query.filter, used);
  for (const a of query.aggregates) {
    if (a.op === 'correlation') a.columns.forEach((c) => used.add(c));
    else if (a.op === 'logisticRegression') [...a.features, a.label].forEach((c) => used.add(c));
    else if (a.op !== 'count') used.add(a.column);
  }
  return schema.columns.filter((c) => used.has(c.name)).map((c) => c.name);
}
