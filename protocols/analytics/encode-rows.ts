/**
 * @module protocols/analytics/encode-rows
 * Hospital-side encoding of rows into ring elements, checked against the schema before
 * anything is shared. The result is column-major: encoded column j occupies
 * `data[j * rows .. (j + 1) * rows)`, so a query reads a column as one contiguous vector.
 */
import { encodeFixed } from '../../crypto-core/ring/index.js';
import { DEFAULT_COLUMN_FRACTION_BITS, encodedWidth, type DatasetSchema } from './dataset-schema.js';
import { SchemaError } from './errors.js';

/** A row as the hospital has it. */
export type Row = Readonly<Record<string, number | string | boolean>>;

/** Encoded rows: `width` ring-element columns of `rows` entries each, column-major. */
export interface EncodedRows {
  readonly rows: number;
  readonly width: number;
  readonly data: BigUint64Array;
}

/** Encodes and checks rows; throws SchemaError naming the row and column of the first bad value. */
export function encodeRows(schema: DatasetSchema, rows: readonly Row[]): EncodedRows {
  if (!Array.isArray(rows)) throw new SchemaError('rows: expected an array');
  const n = rows.length;
  const width = encodedWidth(schema);
  const data = new BigUint64Array(width * n);
  const known = new Set(schema.columns.map((c) => c.name));
  rows.forEach((row, r) => {
    if (typeof row !== 'object' || row === null) throw new SchemaError(`rows[${r}]: expected an object`);
    for (const k of Object.keys(row)) if (!known.has(k)) throw new SchemaError(`rows[${r}].${k}: unknown column`);
  });
  let off = 0;
  for (const c of schema.columns) {
    const col = (r: number): unknown => {
      const v = rows[r]![c.name];
      if (v === undefined) throw new SchemaError(`rows[${r}].${c.name}: missing value`);
      return v;
    };
    if (c.type === 'numeric') {
      const vals = new Float64Array(n);
      for (let r = 0; r < n; r++) {
        const v = col(r);
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new SchemaError(`rows[${r}].${c.name}: expected a finite number, got ${JSON.stringify(v)}`);
        if (v < c.min || v > c.max) throw new SchemaError(`rows[${r}].${c.name}: ${v} is outside the allowed range [${c.min}, ${c.max}]`);
        vals[r] = v;
      }
      data.set(encodeFixed(vals, c.fractionBits ?? DEFAULT_COLUMN_FRACTION_BITS), off * n);
      off += 1;
    } else if (c.type === 'categorical') {
      for (let r = 0; r < n; r++) {
        const v = col(r);
        const k = typeof v === 'string' ? c.categories.indexOf(v) : -1;
        if (k < 0) throw new SchemaError(`rows[${r}].${c.name}: ${JSON.stringify(v)} is not one of ${JSON.stringify(c.categories)}`);
        data[(off + k) * n + r] = 1n;
      }
      off += c.categories.length;
    } else {
      for (let r = 0; r < n; r++) {
        const v = col(r);
        if (typeof v !== 'boolean') throw new SchemaError(`rows[${r}].${c.name}: expected a boolean, got ${JSON.stringify(v)}`);
        data[off * n + r] = v ? 1n : 0n;
      }
      off += 1;
    }
  }
  return { rows: n, width, data };
}
