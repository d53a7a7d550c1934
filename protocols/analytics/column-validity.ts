/**
 * @module protocols/analytics/column-validity
 * Per-column validity bits of a shared table, computed once when a part is uploaded so that
 * queries need no range checks of their own: a query ANDs the stored bits of the columns it
 * reads (a product tree, no comparison). The checks are the ones runSecureQuery makes when no
 * stored bits exist, on shares, nothing opened:
 * - numeric: [x < min] and [x > max] on the column's own encoding (one batched ltz over all
 *   numeric columns); valid = (1 - lo)(1 - hi), one product: both bits are 1 for a value about
 *   2^63 away from the range (x - min and max - x both wrap negative), where 1 - lo - hi would
 *   give -1 and let a poisoned row subtract itself from every count. With
 *   `ops.ltzThresholds` (range-compare-malicious) the two are [x < min] and [x < max + 1] of
 *   one call, valid = the second minus the first (the same bit for every ring element, since
 *   [max - x < 0] = 1 - [x - max - 1 < 0]), which in malicious mode shares one verified bit
 *   decomposition of x between the two;
 * - numeric in malicious mode: valid = [(x - min) mod 2^64 < max - min + 1] as unsigned integers
 *   (the same bit as (1 - lo)(1 - hi) for every ring element, when max - min < 2^63) on verified
 *   bit planes: the 64 planes of x - min (rss/plane-decompose: no input from party 0, 125
 *   verified plane ANDs), one comparison with the public span (rss/plane-compare: at most 64),
 *   and the bit made arithmetic by two verified products per row: ~190 verified AND gates and 2
 *   products per value, against ~506 gates and 5 products on the per-value 64-bit fields;
 * - one-hot / boolean: [e (e - 1) = 0] per element (only 0 and 1 satisfy it mod 2^64) and
 *   [sum - 1 = 0] per one-hot group (one product round, one batched eqz);
 * and a column's bit is the AND of its element bits.
 * Output layout: `schema.columns.length` columns of `rows` bits, column-major (like the table).
 */
import { addPublic, concat, split, subFromPublic, add } from '../rss/local-ops.js';
import type { ProtocolContext } from '../rss/context.js';
import type { ReplicatedShare } from '../rss/replicated-share.js';
import type { CompareOps } from './compare-ops.js';
import { columnOffset, columnWidth, DEFAULT_COLUMN_FRACTION_BITS, type DatasetSchema } from './dataset-schema.js';
import { andAll, mulPairs } from './secure-bits.js';
import { sliceShare, type SharedDataset } from './share-columns.js';
import { verifyPending } from '../rss/malicious/verify-products.js';
import { toLanes } from '../rss/bit-packing.js';
import { bitToArithmetic } from '../rss/malicious/compare-malicious.js';
import { andVerified } from '../rss/malicious/verified-and.js';
import { lessThanPublicPlanes } from '../rss/plane-compare.js';
import { decomposeToPlanes } from '../rss/plane-decompose.js';

/**
 * [(x - lo) mod 2^64 < span] (unsigned) per row of each x, on verified bit planes (module doc);
 * malicious contexts. `span` in 1..2^64-1 as a ring element.
 */
async function inRangeOnPlanes(parent: ProtocolContext, xs: readonly ReplicatedShare[], lo: readonly bigint[], span: readonly bigint[]): Promise<ReplicatedShare[]> {
  if (xs.length === 0) return [];
  const ctx = parent.scope('range-planes');
  const n = xs[0]!.a.length;
  const ys = xs.map((x, i) => addPublic(ctx, x, BigInt.asUintN(64, -lo[i]!)));
  const planes = await decomposeToPlanes(ctx, ys, ys.map(() => 64), andVerified);
  const lt = await lessThanPublicPlanes(ctx, planes.map((p, i) => ({ planes: p, constants: [span[i]!] })), andVerified);
  // Each plane's bits, one 0/1 word per row, for every column after one another.
  const rows = (side: 'a' | 'b'): BigUint64Array => {
    const out = new BigUint64Array(xs.length * n);
    lt.forEach(([p], i) => {
      const lanes = toLanes(p![side]);
      for (let r = 0; r < n; r++) out[i * n + r] = BigInt((lanes[r >>> 5]! >>> (r & 31)) & 1);
    });
    return out;
  };
  return split(await bitToArithmetic(ctx, rows('a'), rows('b')), xs.map(() => n));
}

/** Elements per batched comparison: bounds the size of one message (a transport's pending-bytes limit). */
const MAX_BATCH_ELEMENTS = 1 << 20;

/**
 * In malicious mode: elements per batch, each batch's products verified before the next starts
 * (a checked element leaves ~250 verified products, ~200 bytes each, pending until verified).
 */
const MALICIOUS_BATCH_ELEMENTS = 1 << 14;

/**
 * Shares of the validity bits of every column of `table` (see the module doc). Columns are
 * processed in groups of at most 2^20 checked elements, so no single message grows with the
 * table's width; in malicious mode groups of 2^14, each verified (`verifyPending`) before the
 * next, so the pending claims stay bounded too (a single column of more than 2^13 rows is still
 * one group).
 */
export async function computeColumnValidity(parent: ProtocolContext, ops: CompareOps, schema: DatasetSchema, table: SharedDataset): Promise<ReplicatedShare> {
  const ctx = parent.scope('column-validity');
  const checks = (c: DatasetSchema['columns'][number]): number => (c.type === 'numeric' ? 2 : c.type === 'categorical' ? c.categories.length + 1 : 1);
  const limit = ctx.security === 'malicious' ? MALICIOUS_BATCH_ELEMENTS : MAX_BATCH_ELEMENTS;
  const groups: DatasetSchema['columns'][number][][] = [[]];
  let load = 0;
  for (const c of schema.columns) {
    const cost = checks(c) * table.rows;
    if (load > 0 && load + cost > limit) {
      groups.push([]);
      load = 0;
    }
    groups[groups.length - 1]!.push(c);
    load += cost;
  }
  const out: ReplicatedShare[] = [];
  for (const g of groups) {
    out.push(await validityOfColumns(ctx, ops, schema, table, g));
    await verifyPending(ctx);
  }
  return concat(out);
}

async function validityOfColumns(
  ctx: ProtocolContext,
  ops: CompareOps,
  schema: DatasetSchema,
  table: SharedDataset,
  columns: readonly DatasetSchema['columns'][number][],
): Promise<ReplicatedShare> {
  const n = table.rows;
  const col = (name: string, j = 0): ReplicatedShare => sliceShare(table.share, (columnOffset(schema, name) + j) * n, n);
  const enc = (v: number, f: number): bigint => BigInt.asUintN(64, BigInt(Math.round(v * 2 ** f)));
  const cmp: ReplicatedShare[] = [];
  const elems: ReplicatedShare[] = [];
  const sumsMinusOne: ReplicatedShare[] = [];
  const steps: ({ kind: 'numeric'; at: number } | { kind: 'encoded'; at: number; width: number; sumAt: number })[] = [];
  for (const c of columns) {
    if (c.type === 'numeric') {
      const f = c.fractionBits ?? DEFAULT_COLUMN_FRACTION_BITS;
      const x = col(c.name);
      steps.push({ kind: 'numeric', at: cmp.length });
      cmp.push(addPublic(ctx, x, enc(-c.min, f)), subFromPublic(ctx, enc(c.max, f), x));
    } else {
      const width = columnWidth(c);
      const es = Array.from({ length: width }, (_, j) => col(c.name, j));
      steps.push({ kind: 'encoded', at: elems.length, width, sumAt: c.type === 'categorical' ? sumsMinusOne.length : -1 });
      elems.push(...es);
      if (c.type === 'categorical') sumsMinusOne.push(addPublic(ctx, es.reduce((s, e) => add(ctx, s, e)), BigInt.asUintN(64, -1n)));
    }
  }
  const [ltzCtx, mulCtx, eqCtx] = [ctx.scope('range'), ctx.scope('square'), ctx.scope('equal')];
  const encodingOk = async (): Promise<ReplicatedShare[]> => {
    if (elems.length === 0) return [];
    const squares = await mulPairs(mulCtx, elems, elems.map((e) => addPublic(mulCtx, e, BigInt.asUintN(64, -1n))));
    const zero = [...squares, ...sumsMinusOne];
    return split(await ops.eqz(eqCtx, concat(zero)), zero.map(() => n));
  };
  const rangeBits = async (): Promise<ReplicatedShare[]> => {
    if (cmp.length === 0) return [];
    if (!ops.ltzThresholds) return split(await ops.ltz(ltzCtx, concat(cmp)), cmp.map(() => n));
    // [x < min] and [x < max + 1] of every numeric column in one call; out[2i] lo, out[2i+1] 1 - hi.
    const numeric = columns.filter((c) => c.type === 'numeric');
    const lo = new BigUint64Array(numeric.length * n);
    const hiPlus1 = new BigUint64Array(numeric.length * n);
    numeric.forEach((c, i) => {
      const f = c.fractionBits ?? DEFAULT_COLUMN_FRACTION_BITS;
      lo.fill(BigInt.asUintN(64, -enc(-c.min, f)), i * n, (i + 1) * n);
      hiPlus1.fill(BigInt.asUintN(64, enc(c.max, f) + 1n), i * n, (i + 1) * n);
    });
    const [below, belowTop] = await ops.ltzThresholds(ltzCtx, concat(numeric.map((c) => col(c.name))), [lo, hiPlus1], 64);
    const [b, t] = [split(below!, numeric.map(() => n)), split(belowTop!, numeric.map(() => n))];
    return numeric.flatMap((_, i) => [b[i]!, subFromPublic(ctx, 1n, t[i]!)]);
  };
  const numericSteps = steps.filter((s) => s.kind === 'numeric');
  let inRange: ReplicatedShare[];
  let eq: ReplicatedShare[];
  const numeric = columns.filter((c) => c.type === 'numeric');
  const bounds = numeric.map((c) => {
    const f = c.fractionBits ?? DEFAULT_COLUMN_FRACTION_BITS;
    const lo = BigInt.asIntN(64, enc(c.min, f));
    return { lo, span: BigInt.asIntN(64, enc(c.max, f)) - lo + 1n };
  });
  // The unsigned test equals the two signed ones while max - min < 2^63 (module doc).
  if (ctx.security === 'malicious' && bounds.every((b) => b.span > 0n && b.span < 1n << 63n)) {
    [inRange, eq] = await Promise.all([
      inRangeOnPlanes(ltzCtx, numeric.map((c) => col(c.name)), bounds.map((b) => b.lo), bounds.map((b) => b.span)),
      encodingOk(),
    ]);
  } else {
    let bits: ReplicatedShare[];
    [bits, eq] = await Promise.all([rangeBits(), encodingOk()]);
    inRange = await mulPairs(
      ctx,
      numericSteps.map((s) => subFromPublic(ctx, 1n, bits[s.at]!)),
      numericSteps.map((s) => subFromPublic(ctx, 1n, bits[s.at + 1]!)),
    );
  }
  const out: ReplicatedShare[] = [];
  for (const s of steps) {
    if (s.kind === 'numeric') out.push(inRange[numericSteps.indexOf(s)]!);
    else {
      const parts = eq.slice(s.at, s.at + s.width);
      if (s.sumAt >= 0) parts.push(eq[elems.length + s.sumAt]!);
      out.push(await andAll(ctx, parts, n));
    }
  }
  return concat(out);
}
