import { describe, expect, it } from 'vitest';
import { checkQuery, type Query } from '../../protocols/analytics/query.js';
import { checkSchema, encodedWidth, type DatasetSchema } from '../../protocols/analytics/dataset-schema.js';
import { encodeRows } from '../../protocols/analytics/encode-rows.js';
import { QueryError, SchemaError } from '../../protocols/analytics/errors.js';
import { plaintextQuery } from '../../protocols/analytics/plaintext-query.js';

const schema: DatasetSchema = checkSchema({
  columns: [
    { name: 'age', type: 'numeric', min: 0, max: 120 },
    { name: 'bmi', type: 'numeric', min: 10, max: 60, fractionBits: 12 },
    { name: 'sex', type: 'categorical', categories: ['F', 'M'] },
    { name: 'smoker', type: 'boolean' },
  ],
});

describe('dataset schema and row encoding', () => {
  it('encodes column-major with one-hot categoricals', () => {
    const enc = encodeRows(schema, [
      { age: 30, bmi: 22.5, sex: 'M', smoker: true },
      { age: 41, bmi: 30, sex: 'F', smoker: false },
    ]);
    expect(enc.width).toBe(encodedWidth(schema));
    expect(enc.width).toBe(5);
    expect([...enc.data]).toEqual([30n << 16n, 41n << 16n, 22n * 4096n + 2048n, 30n * 4096n, 0n, 1n, 1n, 0n, 1n, 0n]);
  });
  it.each([
    [{ age: 130, bmi: 20, sex: 'F', smoker: true }, /rows\[0\]\.age: 130 is outside the allowed range \[0, 120\]/],
    [{ age: 30, bmi: 20, sex: 'X', smoker: true }, /rows\[0\]\.sex: "X" is not one of/],
    [{ age: 30, bmi: 20, sex: 'F' }, /rows\[0\]\.smoker: missing value/],
    [{ age: 'old', bmi: 20, sex: 'F', smoker: true }, /rows\[0\]\.age: expected a finite number/],
    [{ age: 30, bmi: 20, sex: 'F', smoker: 1 }, /rows\[0\]\.smoker: expected a boolean/],
    [{ age: 30, bmi: 20, sex: 'F', smoker: true, name: 'Ann' }, /rows\[0\]\.name: unknown column/],
  ])('rejects a bad row %#', (row, msg) => {
    expect(() => encodeRows(schema, [row as never])).toThrow(msg);
  });
  it.each([
    [{ columns: [] }, /at least one column/],
    [{ columns: [{ name: 'a', type: 'numeric', min: 5, max: 1 }] }, /min <= max/],
    [{ columns: [{ name: 'a', type: 'numeric', min: 0, max: 2 ** 21 }] }, /< 2\^20/],
    [{ columns: [{ name: 'a', type: 'categorical', categories: ['x', 'x'] }] }, /distinct/],
    [{ columns: [{ name: '1a', type: 'boolean' }] }, /identifier/],
    [{ columns: [{ name: 'a', type: 'text' }] }, /unknown type/],
  ])('rejects a bad schema %#', (s, msg) => {
    expect(() => checkSchema(s)).toThrow(SchemaError);
    expect(() => checkSchema(s)).toThrow(msg);
  });
});

describe('query checking', () => {
  const ok: Query = {
    datasets: ['h1'],
    filter: { and: [{ column: 'age', op: '>=', value: 18 }, { column: 'sex', in: ['F'] }] },
    groupBy: ['smoker'],
    aggregates: [{ op: 'count' }, { op: 'mean', column: 'bmi' }, { op: 'histogram', column: 'age', bins: [0, 40, 80, 120] }],
  };
  it('accepts a well-formed query', () => expect(checkQuery(ok, schema)).toBe(ok));
  it.each([
    [{ ...ok, aggregates: [{ op: 'sum', column: 'weight' }] }, '/aggregates/0/column', /unknown column 'weight'/],
    [{ ...ok, aggregates: [{ op: 'sum', column: 'sex' }] }, '/aggregates/0/column', /is categorical, expected numeric/],
    [{ ...ok, aggregates: [{ op: 'histogram', column: 'age', bins: [0, 50, 40] }] }, '/aggregates/0/bins/2', /strictly increasing/],
    [{ ...ok, filter: { column: 'sex', in: ['Q'] } }, '/filter/in/0', /not a category/],
    [{ ...ok, filter: { column: 'sex', op: '>', value: 1 } }, '/filter/column', /expected numeric/],
    [{ ...ok, groupBy: ['age'] }, '/groupBy/0', /numeric/],
    [{ ...ok, aggregates: [{ op: 'count' }, { op: 'count' }] }, '/aggregates/1', /duplicate aggregate name/],
    [{ ...ok, aggregates: [{ op: 'logisticRegression', features: ['age'], label: 'smoker', epochs: 5 }] }, '/aggregates/0', /cannot be grouped/],
  ])('rejects a bad query %#', (q, path, msg) => {
    let err: unknown;
    try {
      checkQuery(q as Query, schema);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(QueryError);
    expect((err as QueryError).path).toBe(path);
    expect((err as QueryError).message).toMatch(msg);
  });
});

describe('plaintext reference', () => {
  it('suppresses small groups and excludes out-of-range rows', () => {
    const rows = Array.from({ length: 25 }, (_, i) => ({ age: 20 + i, bmi: 20 + (i % 5), sex: i < 15 ? 'F' : 'M', smoker: i % 2 === 0 }));
    const res = plaintextQuery(schema, [...rows, { age: 500, bmi: 20, sex: 'F', smoker: true }], { datasets: ['h'], groupBy: ['sex'], aggregates: [{ op: 'count' }, { op: 'mean', column: 'age' }] }, 10);
    expect(res.excludedOutOfRange).toBe(1);
    expect(res.groups).toEqual([
      { key: { sex: 'F' }, suppressed: false, values: { count: 15, 'mean(age)': 27 } },
      { key: { sex: 'M' }, suppressed: false, values: { count: 10, 'mean(age)': 39.5 } },
    ]);
    const res2 = plaintextQuery(schema, rows, { datasets: ['h'], groupBy: ['sex'], aggregates: [{ op: 'count' }] }, 11);
    expect(res2.groups[1]).toEqual({ key: { sex: 'M' }, suppressed: true, values: {} });
  });
});
