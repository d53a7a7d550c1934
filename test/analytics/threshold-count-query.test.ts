/**
 * The analytics engine with plane-based histogram counts (countingCompareOps, threshold-counts)
 * against the plaintext reference, exactly, on the rows of range-compare-query.test.ts (values
 * on the range ends and on every bin edge, a negative range, a column at 12 fractional bits,
 * grouped and filtered histograms, with and without validity stored at upload); out-of-range
 * rows injected as shares are excluded; fewer bytes than the per-row bins of
 * analyticsCompareOps; in malicious mode the same exact answers on verified planes, in fewer bytes
 * than the verified per-row bins.
 */
import { describe, expect, it } from 'vitest';
import { Prg } from '../../crypto-core/prg.js';
import { checkSchema, columnOffset } from '../../protocols/analytics/dataset-schema.js';
import { encodeRows, type Row } from '../../protocols/analytics/encode-rows.js';
import { plaintextQuery } from '../../protocols/analytics/plaintext-query.js';
import { checkQuery, type Query } from '../../protocols/analytics/query.js';
import { analyticsCompareOps } from '../../protocols/analytics/range-compare-malicious.js';
import { countingCompareOps } from '../../protocols/analytics/counting-compare-ops.js';
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

describe('plane-based histogram counts in secure queries', () => {
  const rows = makeRows(250, 5); // 250 rows: 83 or 84 per hospital, not a multiple of 64
  const parts = splitHospitals(rows);
  const hospitals = parts.map((h) => encodeRows(schema, h));

  it.each(QUERIES.map((q, i) => [i, q] as const))('query %i matches the plaintext reference exactly, in fewer bytes than per-row bins', async (i, query) => {
    const q = checkQuery(query, schema);
    const clear = plaintextQuery(schema, rows, q, 1);
    for (const stored of [false, true]) {
      const counted = await runSecure(schema, hospitals, q, 1, `count-${i}-${stored}`, undefined, stored, 'semi-honest', false, countingCompareOps);
      expectMatches(counted.result, clear, q);
      const perRow = await runSecure(schema, hospitals, q, 1, `rows-${i}-${stored}`, undefined, stored, 'semi-honest', false, analyticsCompareOps);
      expectMatches(perRow.result, clear, q);
      expect(counted.bytesSent).toBeLessThan(perRow.bytesSent);
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
    poison(3, 't', 50.00390625);
    poison(4, 't', -1e9);
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
        const { result } = await runSecure(schema, badHospitals, q, 1, `cpoison-${i}-${stored}`, undefined, stored, 'semi-honest', false, countingCompareOps);
        expectMatches(result, clear, q);
      }
    }
  });

  it('a malicious context counts on verified planes too: the clear answers, equal to semi-honest, in fewer bytes than verified per-row bins', async () => {
    const few = makeRows(90, 6);
    const fewHospitals = splitHospitals(few).map((h) => encodeRows(schema, h));
    for (const query of [QUERIES[0]!, QUERIES[1]!]) {
      const q = checkQuery(query, schema);
      const clear = plaintextQuery(schema, few, q, 1);
      const semi = await runSecure(schema, fewHospitals, q, 1, 'count-semi', undefined, true, 'semi-honest', false, countingCompareOps);
      const mal = await runSecure(schema, fewHospitals, q, 1, 'count-mal', undefined, true, 'malicious', false, countingCompareOps);
      expectMatches(mal.result, clear, q);
      expect(mal.result).toEqual(semi.result);
      const malPerRow = await runSecure(schema, fewHospitals, q, 1, 'count-mal', undefined, true, 'malicious', false, analyticsCompareOps);
      expect(malPerRow.result).toEqual(semi.result);
      expect(mal.bytesSent).toBeLessThan(malPerRow.bytesSent);
    }
  }, 300_000);
});
