/**
 * @module protocols/analytics/dataset-schema
 * How a hospital declares a data set: typed columns, and the disclosure policy the parties
 * enforce inside the computation. Rows are encoded on the hospital's side into ring elements:
 * - numeric: fixed point with the column's fractional bits, and an allowed [min, max] range that
 *   is checked before upload and again inside the computation (data poisoning);
 * - categorical: one-hot, one 0/1 ring element per category, so membership filters and group-by
 *   are local linear operations on shares (no comparison needed);
 * - boolean: one 0/1 ring element.
 */
import { SchemaError } from './errors.js';

/** A numeric column. */
export interface NumericColumn {
  readonly name: string;
  readonly type: 'numeric';
  /** Allowed range, inclusive. Values outside are refused at upload and excluded in queries. */
  readonly min: number;
  readonly max: number;
  /** Fractional bits of the fixed-point encoding (default 16). */
  readonly fractionBits?: number;
}

/** A categorical column with a closed list of categories. */
export interface CategoricalColumn {
  readonly name: string;
  readonly type: 'categorical';
  readonly categories: readonly string[];
}

/** A boolean column. */
export interface BooleanColumn {
  readonly name: string;
  readonly type: 'boolean';
}

/** One column. */
export type Column = NumericColumn | CategoricalColumn | BooleanColumn;

/** Who may query a data set, and the minimum cell size. */
export interface DisclosurePolicy {
  /** Roles allowed to query (e.g. ['analyst']). */
  readonly roles: readonly string[];
  /** Minimum count of any released cell; smaller cells are suppressed (default 10). */
  readonly minCellSize: number;
  /**
   * Whether `min` and `max` may be released (default false): an extreme is one record's exact
   * value, whatever the cell's count, so the hospital must allow it explicitly.
   */
  readonly releaseExtremes?: boolean;
  /** Queries the parties answer over this data set before refusing (default {@link DEFAULT_QUERY_BUDGET}). */
  readonly queryBudget?: number;
}

/** Queries per data set when the policy sets no budget. */
export const DEFAULT_QUERY_BUDGET = 1000;

/** A data set's declared schema. */
export interface DatasetSchema {
  readonly columns: readonly Column[];
}

/** Default policy: analysts only, k = 10. */
export const DEFAULT_POLICY: DisclosurePolicy = Object.freeze({ roles: Object.freeze(['analyst']), minCellSize: 10 });

/** Default fractional bits of numeric columns. */
export const DEFAULT_COLUMN_FRACTION_BITS = 16;

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Checks a schema; throws SchemaError naming the offending column. Returns it typed. */
export function checkSchema(schema: unknown): DatasetSchema {
  if (typeof schema !== 'object' || schema === null || !Array.isArray((schema as DatasetSchema).columns)) {
    throw new SchemaError('schema: expected an object with a columns array');
  }
  const cols = (schema as DatasetSchema).columns;
  if (cols.length === 0) throw new SchemaError('schema.columns: expected at least one column');
  const seen = new Set<string>();
  cols.forEach((c, i) => {
    const where = `schema.columns[${i}]`;
    if (typeof c !== 'object' || c === null) throw new SchemaError(`${where}: expected an object`);
    if (typeof c.name !== 'string' || !NAME.test(c.name)) throw new SchemaError(`${where}.name: expected an identifier, got ${JSON.stringify(c.name)}`);
    if (seen.has(c.name)) throw new SchemaError(`${where}.name: duplicate column '${c.name}'`);
    seen.add(c.name);
    switch (c.type) {
      case 'numeric': {
        if (!Number.isFinite(c.min) || !Number.isFinite(c.max) || c.min > c.max) {
          throw new SchemaError(`${where} '${c.name}': expected finite min <= max, got [${c.min}, ${c.max}]`);
        }
        const f = c.fractionBits ?? DEFAULT_COLUMN_FRACTION_BITS;
        if (!Number.isInteger(f) || f < 0 || f > 24) throw new SchemaError(`${where} '${c.name}': fractionBits must be an integer in 0..24, got ${f}`);
        if (Math.max(Math.abs(c.min), Math.abs(c.max)) >= 2 ** 20) {
          throw new SchemaError(`${where} '${c.name}': |min|, |max| must be < 2^20 so that squares and sums fit the ring`);
        }
        break;
      }
      case 'categorical': {
        if (!Array.isArray(c.categories) || c.categories.length < 1 || c.categories.length > 256) {
          throw new SchemaError(`${where} '${c.name}': expected 1..256 categories`);
        }
        if (new Set(c.categories).size !== c.categories.length || c.categories.some((x) => typeof x !== 'string' || x.length === 0)) {
          throw new SchemaError(`${where} '${c.name}': categories must be distinct non-empty strings`);
        }
        break;
      }
      case 'boolean':
        break;
      default:
        throw new SchemaError(`${where} '${(c as Column).name}': unknown type ${JSON.stringify((c as { type: unknown }).type)}`);
    }
  });
  return schema as DatasetSchema;
}

/** Checks a policy; throws SchemaError. */
export function checkPolicy(policy: unknown): DisclosurePolicy {
  const p = policy as DisclosurePolicy;
  if (typeof p !== 'object' || p === null || !Array.isArray(p.roles) || p.roles.some((r) => typeof r !== 'string')) {
    throw new SchemaError('policy.roles: expected an array of role names');
  }
  if (!Number.isInteger(p.minCellSize) || p.minCellSize < 1) throw new SchemaError(`policy.minCellSize: expected integer >= 1, got ${p.minCellSize}`);
  if (p.releaseExtremes !== undefined && typeof p.releaseExtremes !== 'boolean') throw new SchemaError(`policy.releaseExtremes: expected a boolean, got ${JSON.stringify(p.releaseExtremes)}`);
  if (p.queryBudget !== undefined && (!Number.isSafeInteger(p.queryBudget) || p.queryBudget < 1)) throw new SchemaError(`policy.queryBudget: expected integer >= 1, got ${String(p.queryBudget)}`);
  return p;
}

/** Number of ring elements one column takes in a row (a one-hot categorical: one per category). */
export function columnWidth(c: Column): number {
  return c.type === 'categorical' ? c.categories.length : 1;
}

/** Number of ring elements one row takes (one-hot categoricals take one per category). */
export function encodedWidth(schema: DatasetSchema): number {
  return schema.columns.reduce((w, c) => w + columnWidth(c), 0);
}

/** Offset of a column's first ring element within an encoded row. */
export function columnOffset(schema: DatasetSchema, name: string): number {
  let off = 0;
  for (const c of schema.columns) {
    if (c.name === name) return off;
    off += columnWidth(c);
  }
  throw new SchemaError(`column '${name}' is not in the schema`);
}

/** A column by name, or undefined. */
export function findColumn(schema: DatasetSchema, name: string): Column | undefined {
  return schema.columns.find((c) => c.name === name);
}

/** The meaning of a column, independent of key order and of an explicit default fractionBits. */
function columnKey(c: Column): string {
  if (c.type === 'numeric') return JSON.stringify([c.name, c.type, c.min, c.max, c.fractionBits ?? DEFAULT_COLUMN_FRACTION_BITS]);
  if (c.type === 'categorical') return JSON.stringify([c.name, c.type, c.categories]);
  return JSON.stringify([c.name, c.type]);
}

/**
 * True when two schemas declare the same columns in the same order (a query over several data
 * sets, and an append, need this). Key order does not matter: a schema read back from canonical
 * JSON equals the one declared.
 */
export function sameSchema(a: DatasetSchema, b: DatasetSchema): boolean {
  return a.columns.length === b.columns.length && a.columns.every((c, i) => columnKey(c) === columnKey(b.columns[i]!));
}
