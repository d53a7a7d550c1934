/**
 * The analytics engine with the range-aware comparisons (rangeCompareOps) against the plaintext
 * reference, exactly: random rows on the encoding grid with values on the range edges and on
 * every bin edge, a column with a negative range and one stored at fewer fractional bits,
 * histograms whose edges coincide with the range ends, filters at edges; out-of-range rows
 * injected as shares (their bounded comparisons are garbage bits, which the validity bit must
 * cancel), with and without validity stored at upload. The same queries cost fewer bytes than
 * with the previous 64-bit comparisons.
 */
import { describe, expect, it } from 'vitest';
import { Prg } from '../../crypto-core/prg.js';
import { checkSchema, columnOffset } from '../../protocols/analytics/dataset-schema.js';
import { encodeRows, type Row } from '../../protocols/analytics/encode-rows.js';
import { plaintextQuery } from '../../protocols/analytics/plaintext-query.js';
import { checkQuery, type Query } from '../../protocols/analytics/query.js';
import { rangeCompareOps } from '../../protocols/analytics/range-compare-ops.js';
import { defaultCompareOps } from '../../protocols/analytics/default-compare-ops.js';
import { expectMatches } from './compare-results.js';
import { runSecure, splitHospitals } from './breast-cancer-fixture.js';

const schema = checkSchema({
  columns: [
    { name: 't', type: 'numeric', min: -50, max: 50 },
    { name: 'u', type: 'numeric', min: 0, max: 1 },
    { name: 'v', type: 'numeric', min: -3, max: 7, fractionBits: 12 },
    { name: 'g', type: 'categorical', categories: ['a', 'b', 'c'] },
  ],
});
const T_BINS = [-50, -37.5, -25, -12.5, 0, 12.5, 25, 37.5, 50];
const U_BINS = Array.from({ length: 11 }, (_, i) => i / 10);
const V_BINS = [-2, 0, 1, 2.5, 7];

/** n rows on a 2^-8 grid; the first ones sit on range ends and bin edges. */
function makeRows(n: number, seed: number): Row[] {
  const rng = Prg.fromSeed(new Uint8Array(32).fill(seed));
  const u = rng.u64(4 * n);
  const unit = (i: number): number => Number(u[i]! >> 11n) / 2 ** 53;
  const grid = (x: number): number => Math.round(x * 256) / 256;
  const edgesT = [-50, 50, ...T_BINS, -49.99609375, 49.99609375];
  const edgesU = [0, 1, ...U_BINS.map(grid), 0.99609375];
  const edgesV = [-3, 7, ...V_BINS, -2.00390625, 6.99609375];
  return Array.from({ length: n }, (_, i) => ({
    t: i < edgesT.length ? edgesT[i]! : grid(-50 + 100 * unit(4 * i)),
    u: i < edgesU.length ? edgesU[i]! : grid(unit(4 * i + 1)),
    v: i < edgesV.length ? edgesV[i]! : grid(-3 + 10 * unit(4 * i + 2)),
    g: ['a', 'b', 'c'][Math.floor(3 * unit(4 * i + 3))]!,
  }));
}

const QUERIES: Query[] = [
  {
    datasets: ['h1', 'h2', 'h3'],
    aggregates: [
      { op: 'mean', column: 'u' },
      { op: 'variance', column: 'u' },
      { op: 'histogram', column: 'u', bins: U_BINS },
      { op: 'histogram', column: 't', bins: T_BINS },
      { op: 'histogram', column: 'v', bins: V_BINS },
    ],
  },
  {
    datasets: ['h1', 'h2', 'h3'],
    filter: { and: [{ column: 't', op: '>=', value: 0 }, { column: 'u', op: '<', value: 0.5 }, { not: { column: 'v', op: '>', value: 2.5 } }] },
    groupBy: ['g'],
    aggregates: [{ op: 'count' }, { op: 'sum', column: 't' }, { op: 'histogram', column: 'v', bins: V_BINS }],
  },
  {
    datasets: ['h1', 'h2', 'h3'],
    filter: { or: [{ column: 't', op: '<=', value: -12.5 }, { column: 'v', op: '>=', value: 6.99609375 }, { column: 'u', op: '>', value: 0.1 }] },
    aggregates: [{ op: 'count' }, { op: 'histogram', column: 't', bins: [-40, -12.5, 12.5, 40] }],
  },
];

describe('range-aware comparisons in secure queries', () => {
  const rows = makeRows(240, 5);
  const parts = splitHospitals(rows);
  const hospitals = parts.map((h) => encodeRows(schema, h));

  it.each(QUERIES.map((q, i) => [i, q] as const))('query %i matches the plaintext reference exactly, in fewer bytes than 64-bit comparisons', async (i, query) => {
    const q = checkQuery(query, schema);
    const clear = plaintextQuery(schema, rows, q, 1);
    for (const stored of [false, true]) {
      const range = await runSecure(schema, hospitals, q, 1, `range-${i}-${stored}`, undefined, stored, 'semi-honest', false, rangeCompareOps);
      expectMatches(range.result, clear, q);
      const previous = await runSecure(schema, hospitals, q, 1, `prev-${i}-${stored}`, undefined, stored, 'semi-honest', false, defaultCompareOps);
      expectMatches(previous.result, clear, q);
      expect(range.bytesSent).toBeLessThan(previous.bytesSent);
      expect(range.depth).toBeLessThanOrEqual(previous.depth);
    }
  });

  it('rows outside the declared range (injected as shares) are excluded; the counts stay exact', async () => {
    const enc = hospitals[1]!;
    const data = BigUint64Array.from(enc.data);
    const bad = parts[1]!.map((r) => ({ ...r }));
    const poison = (row: number, column: string, v: number, f = 16): void => {
      bad[row] = { ...bad[row]!, [column]: v };
      data[columnOffset(schema, column) * enc.rows + row] = BigInt.asUintN(64, BigInt(Math.round(v * 2 ** f)));
    };
    poison(3, 't', 50.00390625); // just above max
    poison(4, 't', -1e9); // far below min: x - T far outside the bounded comparison's range
    poison(5, 'u', 2 ** 40);
    poison(6, 'u', -0.00390625);
    poison(7, 'v', -3.000244140625, 12);
    poison(8, 't', 2 ** 44);
    const badRows = [...parts[0]!, ...bad, ...parts[2]!];
    const badHospitals = [hospitals[0]!, { rows: enc.rows, width: enc.width, data }, hospitals[2]!];
    for (const [i, query] of QUERIES.entries()) {
      const q = checkQuery(query, schema);
      const clear = plaintextQuery(schema, badRows, q, 1);
      expect(clear.excludedOutOfRange).toBeGreaterThan(0);
      for (const stored of [false, true]) {
        const { result } = await runSecure(schema, badHospitals, q, 1, `poison-${i}-${stored}`, undefined, stored, 'semi-honest', false, rangeCompareOps);
        expectMatches(result, clear, q);
      }
    }
  });

  it('in malicious mode the query runs on the verified 64-bit comparisons with the same answers', async () => {
    const few = makeRows(24, 6);
    const fewHospitals = splitHospitals(few).map((h) => encodeRows(schema, h));
    const q = checkQuery({ datasets: ['h1', 'h2', 'h3'], filter: { column: 't', op: '>=', value: 0 }, aggregates: [{ op: 'count' }] }, schema);
    const clear = plaintextQuery(schema, few, q, 1);
    const mal = await runSecure(schema, fewHospitals, q, 1, 'range-mal', undefined, false, 'malicious', false, rangeCompareOps);
    expectMatches(mal.result, clear, q);
    const malPrev = await runSecure(schema, fewHospitals, q, 1, 'range-mal', undefined, false, 'malicious', false, defaultCompareOps);
    expect(mal.bytesSent).toBe(malPrev.bytesSent);
  });
});
