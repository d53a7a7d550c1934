/**
 * The analytics engine in malicious mode with the verified range-aware comparisons
 * (analyticsCompareOps): the same answers as the semi-honest range-aware engine, bit for bit
 * (the decoded results are equal), and the plaintext reference, on rows at the range ends and
 * bin edges, with out-of-range rows injected as shares (their bounded comparisons give a bit
 * the validity bit must cancel), with and without validity stored at upload; fewer bytes than
 * the previous malicious engine (verified 64-bit comparisons everywhere); min/max by the
 * bounded tournament (masked values lie in the column's span on every row). The breast-cancer
 * filter and group-by of secure-query-malicious.test.ts agree with semi-honest too.
 */
import { describe, expect, it } from 'vitest';
import { Prg } from '../../crypto-core/prg.js';
import { checkSchema, columnOffset } from '../../protocols/analytics/dataset-schema.js';
import { encodeRows, type Row } from '../../protocols/analytics/encode-rows.js';
import { plaintextQuery } from '../../protocols/analytics/plaintext-query.js';
import { checkQuery, type Query } from '../../protocols/analytics/query.js';
import { analyticsCompareOps } from '../../protocols/analytics/range-compare-malicious.js';
import { rangeCompareOps } from '../../protocols/analytics/range-compare-ops.js';
import { computeColumnValidity } from '../../protocols/analytics/column-validity.js';
import { defaultCompareOps } from '../../protocols/analytics/default-compare-ops.js';
import { shareEncodedRows } from '../../protocols/analytics/share-dataset.js';
import { verifyJob } from '../../protocols/rss/malicious/verify-products.js';
import { open } from '../../protocols/rss/open.js';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { expectMatches } from './compare-results.js';
import { loadRows, makeSchema, runSecure, splitHospitals } from './breast-cancer-fixture.js';

const schema = checkSchema({
  columns: [
    { name: 't', type: 'numeric', min: -50, max: 50 },
    { name: 'u', type: 'numeric', min: 0, max: 1 },
    { name: 'v', type: 'numeric', min: -3, max: 7, fractionBits: 12 },
    { name: 'g', type: 'categorical', categories: ['a', 'b', 'c'] },
  ],
});
const T_BINS = [-50, -25, 0, 25, 50];
const U_BINS = [0, 0.25, 0.5, 0.75, 1];
const V_BINS = [-2, 0, 2.5, 7];

/** n rows on a 2^-8 grid; the first ones sit on range ends and bin edges. */
function makeRows(n: number, seed: number): Row[] {
  const rng = Prg.fromSeed(new Uint8Array(32).fill(seed));
  const u = rng.u64(4 * n);
  const unit = (i: number): number => Number(u[i]! >> 11n) / 2 ** 53;
  const grid = (x: number): number => Math.round(x * 256) / 256;
  const edgesT = [-50, 50, ...T_BINS, 49.99609375];
  const edgesU = [0, 1, ...U_BINS, 0.99609375];
  const edgesV = [-3, 7, ...V_BINS, 6.99609375];
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
      { op: 'histogram', column: 'u', bins: U_BINS },
      { op: 'histogram', column: 't', bins: T_BINS },
      { op: 'histogram', column: 'v', bins: V_BINS },
    ],
  },
  {
    datasets: ['h1', 'h2', 'h3'],
    filter: { and: [{ column: 't', op: '>=', value: -25 }, { column: 't', op: '<', value: 25 }, { or: [{ column: 'u', op: '<', value: 0.5 }, { not: { column: 'v', op: '>', value: 2.5 } }] }] },
    groupBy: ['g'],
    aggregates: [{ op: 'count' }, { op: 'sum', column: 't' }, { op: 'min', column: 'v' }, { op: 'max', column: 't' }, { op: 'max', column: 'u' }],
  },
];

describe('range-aware comparisons in malicious mode', { timeout: 600_000 }, () => {
  const rows = makeRows(36, 9);
  const parts = splitHospitals(rows);
  // Out-of-range rows injected as shares into hospital 2 (an uploader can put any ring element there).
  const enc = encodeRows(schema, parts[1]!);
  const data = BigUint64Array.from(enc.data);
  const bad = parts[1]!.map((r) => ({ ...r }));
  const poison = (row: number, column: string, v: number, f = 16): void => {
    bad[row] = { ...bad[row]!, [column]: v };
    data[columnOffset(schema, column) * enc.rows + row] = BigInt.asUintN(64, BigInt(Math.round(v * 2 ** f)));
  };
  poison(3, 't', 50.00390625); // just above max: x - t just outside the bounded range of the edges
  poison(4, 't', -1e9); // far below min
  poison(5, 'u', 2 ** 40);
  poison(6, 'v', -3.000244140625, 12);
  poison(2, 't', 2 ** 47); // the ring element 2^63: x - min and max - x both wrap negative
  const badRows = [...parts[0]!, ...bad, ...parts[2]!];
  const hospitals = [encodeRows(schema, parts[0]!), { rows: enc.rows, width: enc.width, data }, encodeRows(schema, parts[2]!)];

  it.each(QUERIES.map((q, i) => [i, q] as const))('query %i: equal to semi-honest and the plaintext reference, out-of-range rows excluded, in fewer bytes', async (i, query) => {
    const q = checkQuery(query, schema);
    const clear = plaintextQuery(schema, badRows, q, 1);
    expect(clear.excludedOutOfRange).toBeGreaterThan(0);
    for (const stored of [false, true]) {
      const semi = await runSecure(schema, hospitals, q, 1, `rm-semi-${i}-${stored}`, undefined, stored, 'semi-honest', false, rangeCompareOps);
      const mal = await runSecure(schema, hospitals, q, 1, `rm-mal-${i}-${stored}`, undefined, stored, 'malicious', false, analyticsCompareOps);
      expect(mal.result).toEqual(semi.result);
      expectMatches(mal.result, clear, q);
      // The previous malicious engine: verified 64-bit comparisons for every filter leaf and edge.
      const prev = await runSecure(schema, hospitals, q, 1, `rm-prev-${i}-${stored}`, undefined, stored, 'malicious', false, rangeCompareOps);
      expect(prev.result).toEqual(semi.result);
      // (Both runs include the exact 64-bit range checks, in the query or in the upload's validity.)
      expect(mal.bytesSent).toBeLessThan(prev.bytesSent);
    }
  });

  it('column validity at upload: the shared-decomposition range checks give the 64-bit bits on every ring element', async () => {
    const table = BigUint64Array.from(data);
    const tCol = columnOffset(schema, 't') * enc.rows;
    // Ring extremes and the values next to the encoded bounds (t in [-50, 50] at 16 bits).
    const edge = [2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n, 0n, BigInt(50 * 2 ** 16), BigInt(50 * 2 ** 16 + 1), BigInt.asUintN(64, BigInt(-50 * 2 ** 16)), BigInt.asUintN(64, BigInt(-50 * 2 ** 16 - 1))];
    const at = [0, 1, 2, 7, 8, 9, 10, 11]; // rows 3..6 are poisoned already
    edge.forEach((v, i) => (table[tCol + at[i]!] = v));
    const shared = shareEncodedRows({ rows: enc.rows, width: enc.width, data: table }, Prg.fromSeed(new Uint8Array(32).fill(4)));
    const validity = async (security: 'semi-honest' | 'malicious', ops: typeof defaultCompareOps): Promise<BigUint64Array> => {
      const out = await createLocalParties({ security, rng: Prg.fromSeed(new Uint8Array(32).fill(6)) }).run(async (ctx, self) => {
        const v = await computeColumnValidity(ctx, ops, schema, shared[self]!);
        await verifyJob(ctx);
        return open(ctx, v);
      });
      return out[0];
    };
    const want = await validity('semi-honest', defaultCompareOps);
    // The t column's bits at those rows (validity is column-major, like the table).
    expect(at.map((r) => want[r]!)).toEqual([0n, 0n, 1n, 1n, 1n, 0n, 1n, 0n]);
    expect(await validity('malicious', analyticsCompareOps)).toEqual(want);
    expect(await validity('semi-honest', analyticsCompareOps)).toEqual(want);
  });

  it('breast-cancer filter and group-by with stored validity: equal to semi-honest', async () => {
    const all = loadRows();
    const bcSchema = makeSchema(all);
    const few = all.slice(0, 30);
    const bcHospitals = splitHospitals(few).map((h) => encodeRows(bcSchema, h));
    const q = checkQuery(
      {
        datasets: ['h1', 'h2', 'h3'],
        filter: { and: [{ column: 'mean_radius', op: '>=', value: 12 }, { not: { column: 'mean_texture', op: '>', value: 25 } }] },
        groupBy: ['diagnosis'],
        aggregates: [{ op: 'count' }, { op: 'mean', column: 'worst_area' }, { op: 'histogram', column: 'mean_radius', bins: [6, 10, 12, 14, 16, 20, 29] }],
      },
      bcSchema,
    );
    const semi = await runSecure(bcSchema, bcHospitals, q, 3, 'bc-semi', undefined, true, 'semi-honest', false, rangeCompareOps);
    const mal = await runSecure(bcSchema, bcHospitals, q, 3, 'bc-mal', undefined, true, 'malicious', false, analyticsCompareOps);
    expect(mal.result).toEqual(semi.result);
    expectMatches(mal.result, plaintextQuery(bcSchema, few, q, 3), q);
  });
});
