/**
 * @module protocols/analytics/secure-query
 * Runs an analytics query on secret-shared rows at one party; the three parties run it
 * together and end with shares of one output vector, which is revealed to the analyst only.
 * No row, selection bit, group membership or small count is ever opened.
 *
 * Phases (each batched over all rows, groups and aggregates; costs are per phase):
 * 1. Comparisons, one batched [x < 0] call: numeric filter leaves and, unless every data set
 *    carries validity bits computed at upload (column-validity.ts), range checks of every
 *    numeric column the query reads (x < min, x > max) with, concurrently, the encoding checks
 *    of one-hot and boolean columns: [e (e - 1) = 0] per element and [s - 1 = 0] per one-hot
 *    group sum s (one product round, one batched equality test). Histograms, with
 *    `ops.thresholdCounts` (the runner's default, in both modes), need no per-row bin: phase 3
 *    counts the selected rows below each edge from bit planes of the column decomposed once
 *    (threshold-counts.ts), bin j = count(x < T_{j+1}) - count(x < T_j); otherwise each row's
 *    bin comes from a secret binary search over the edges (secure-histogram.ts:
 *    ceil(log2(m + 2)) comparisons per row for m bins) and the matrix product below.
 * 2. Bits: valid = AND over the columns read of their validity bits (stored, or 1 - lo - hi and
 *    the encoding checks); filter tree (AND/OR/NOT by products);
 *    selection s = valid * filter; group indicators from one-hot columns; sel_g = s * ind_g.
 * 3. Aggregates: counts are local sums of sel_g; every sum-like aggregate (sums, sums of
 *    squares and cross products, histogram bin counts) is one matrix product
 *    [V] (m x n) @ [Sel]^T (n x G), whose communication is G*m elements (malicious: m G dot
 *    products, verified at linear cost; see `sumProducts`); min/max are a masked
 *    tournament; logistic regression runs its own epochs.
 * 4. Disclosure control inside the computation: ok_g = [count_g >= k] and, per histogram bin,
 *    [bin >= k]; every released value is multiplied by its ok bit, so a suppressed cell opens
 *    as 0 with ok = 0: the analyst sees `suppressed`, neither the value nor the count.
 * With `disclosure` (the parties always), the query-set controls of disclosure-check.ts run
 * after phase 2 and the excluded-row count is gated like the other counts.
 * Means, variances and correlations are derived by the analyst's SDK from the revealed sums
 * (see output-layout.ts); with the count released alongside, they disclose nothing more.
 *
 * Precision: values are fixed point with ctx.fractionBits (F). Sums are exact. Products of two
 * columns (sums of squares, cross products) are never truncated: each factor is first truncated
 * by just enough bits s that n max|x| max|y| 2^(2F - sx - sy) < 2^61, and the sum is exact at
 * 2F - sx - sy bits (see `factorShifts`).
 */
import type { ProtocolContext } from '../rss/context.js';
import { add, addPublic, concat, mulPublic, publicShare, split, sub, subFromPublic, sum } from '../rss/local-ops.js';
import { dot, matmul } from '../rss/mul.js';
import type { ReplicatedShare } from '../rss/replicated-share.js';
import { truncate } from '../rss/truncate.js';
import type { CompareOps } from './compare-ops.js';
import { DEFAULT_COLUMN_FRACTION_BITS, columnOffset, columnWidth, findColumn, type DatasetSchema, type NumericColumn } from './dataset-schema.js';
import { QueryError } from './errors.js';
import type { OutputLayout, OutputSlot } from './output-layout.js';
import { DEFAULT_LEARNING_RATE } from './plaintext-query.js';
import { usedColumns, type Filter, type Query } from './query.js';
import { andAll, mulPairs, notBit } from './secure-bits.js';
import { checkQuerySet, type EarlierSelection } from './disclosure-check.js';
import { histogramBins, histogramThresholds, type HistogramSpec } from './secure-histogram.js';
import { logisticBitBounds, secureLogisticRegression } from './secure-logistic.js';
import { sliceShare, transposeShare, unionColumn, type SharedDataset } from './share-columns.js';

/** Inputs of one query at one party. The query must already pass `checkQuery`. */
export interface SecureQueryInput {
  readonly schema: DatasetSchema;
  readonly datasets: readonly SharedDataset[];
  readonly query: Query;
  readonly minCellSize: number;
  /**
   * The query-set controls of disclosure-check.ts (size on both sides, overlap with `history`)
   * before anything is computed for release, and the excluded-row count gated by k like every
   * other count. The parties always set it; without it (protocol tests) neither applies.
   */
  readonly disclosure?: { readonly history: readonly EarlierSelection[] };
}

/** This party's shares of the output vector, and its public layout. */
export interface SecureQueryOutput {
  readonly output: ReplicatedShare;
  readonly layout: OutputLayout;
  /** The query's selection bits (n rows), with `disclosure`: what the parties keep as its history. */
  readonly selection?: ReplicatedShare;
}

const encode = (v: number, f: number): bigint => BigInt.asUintN(64, BigInt(Math.round(v * 2 ** f)));

/** Largest magnitude a numeric column may hold (its declared bounds). */
function columnBound(schema: DatasetSchema, name: string): number {
  const c = findColumn(schema, name) as NumericColumn;
  return Math.max(Math.abs(c.min), Math.abs(c.max));
}

/**
 * Refuses a query whose intermediate values could leave the signed ring: a product of two
 * columns is formed at 2F bits before truncation (|x y| 2^(2F) < 2^62), and a sum over n rows
 * at F bits must stay below 2^62. The bounds are the schema's, which the in-computation range
 * check enforces, so an accepted query cannot overflow whatever the uploaded values.
 */
function checkRingCapacity(schema: DatasetSchema, query: Query, n: number, F: number): void {
  const LIMIT = 2 ** 62;
  query.aggregates.forEach((a, i) => {
    if (a.op === 'logisticRegression') {
      const bound = Math.max(...a.features.map((c) => columnBound(schema, c)));
      const b = logisticBitBounds(n, bound, a.learningRate ?? DEFAULT_LEARNING_RATE, F);
      if (b.gradientBits > 62 || b.updateBits > 62) {
        throw new QueryError(`/aggregates/${i}`, `gradients over ${n} rows of features bounded by ${bound} would overflow the 64-bit ring at ${F} fractional bits (scale the features)`);
      }
    }
    const cols = a.op === 'count' ? [] : a.op === 'correlation' ? [...a.columns] : a.op === 'logisticRegression' ? [] : [a.column];
    for (const c of cols) {
      if (columnBound(schema, c) * n * 2 ** F >= LIMIT) {
        throw new QueryError(`/aggregates/${i}`, `a sum of ${n} values of '${c}' (|value| <= ${columnBound(schema, c)}) would overflow the 64-bit ring at ${F} fractional bits`);
      }
    }
    const pair = a.op === 'variance' || a.op === 'stddev' ? [a.column, a.column] : a.op === 'correlation' ? [...a.columns] : null;
    if (pair) {
      const { sx, sy } = factorShifts(schema, pair[0]!, pair[1]!, n, F);
      if (sx > F || sy > F) {
        const bxy = columnBound(schema, pair[0]!) * columnBound(schema, pair[1]!);
        throw new QueryError(`/aggregates/${i}`, `a sum of ${n} products of '${pair[0]}' and '${pair[1]}' (bound ${bxy}) would overflow the 64-bit ring even at 0 fractional bits`);
      }
    }
  });
}

/**
 * Bits by which the two factors of a column product are truncated before multiplying, so that
 * the sum over n rows of x'y' (at 2F - sx - sy fractional bits) stays below 2^61:
 * S = ceil(log2(n bx by) + 2F - 61), split between the factors (both ceil(S/2) for a square).
 */
function factorShifts(schema: DatasetSchema, x: string, y: string, n: number, F: number): { sx: number; sy: number } {
  const need = Math.log2(n * columnBound(schema, x) * columnBound(schema, y)) + 2 * F - 61;
  const S = Number.isFinite(need) ? Math.max(0, Math.ceil(need)) : 0;
  const sx = Math.ceil(S / 2);
  return { sx, sy: x === y ? sx : S - sx };
}

/**
 * The range exponent k such that -2^k <= x - t < 2^k for every t of `thresholds` (signed, at F
 * fractional bits) and every x in the column's declared range at F bits, with a margin of 2 for
 * the +-1 of a rescaling truncation; 64 when no bound below 2^62 holds.
 */
export function rangeExponent(c: NumericColumn, thresholds: readonly bigint[], F: number): number {
  const lo = BigInt(Math.floor(c.min * 2 ** F));
  const hi = BigInt(Math.ceil(c.max * 2 ** F));
  let bound = 0n;
  for (const t of thresholds) {
    for (const d of [lo - t, hi - t]) bound = (d < 0n ? -d : d) > bound ? (d < 0n ? -d : d) : bound;
  }
  bound += 2n;
  if (bound >= 1n << 62n) return 64;
  return bound.toString(2).length; // bound < 2^k: x - t lies in (-2^k, 2^k)
}

/**
 * [d < 0] for every comparison of phase 1: range checks (bits 64) exact on any ring element in
 * one batched `ltz`, the others in one batched `ltzBounded` at the widest exponent among them;
 * both run concurrently on scopes taken here.
 */
async function compareAll(ctx: ProtocolContext, ops: CompareOps, cmp: readonly ReplicatedShare[], cmpBits: readonly number[], n: number): Promise<ReplicatedShare[]> {
  const full = cmp.flatMap((_, i) => (cmpBits[i]! >= 64 ? [i] : []));
  const bounded = cmp.flatMap((_, i) => (cmpBits[i]! < 64 ? [i] : []));
  const [fullCtx, boundedCtx] = [ctx.scope('full'), ctx.scope('bounded')];
  const run = async (idx: number[], f: (x: ReplicatedShare) => Promise<ReplicatedShare>): Promise<ReplicatedShare[]> =>
    idx.length ? split(await f(concat(idx.map((i) => cmp[i]!))), idx.map(() => n)) : [];
  const k = Math.max(1, ...bounded.map((i) => cmpBits[i]!));
  const [a, b] = await Promise.all([run(full, (x) => ops.ltz(fullCtx, x)), run(bounded, (x) => ops.ltzBounded(boundedCtx, x, k))]);
  const out: ReplicatedShare[] = new Array<ReplicatedShare>(cmp.length);
  full.forEach((i, j) => (out[i] = a[j]!));
  bounded.forEach((i, j) => (out[i] = b[j]!));
  return out;
}

/**
 * [V] (m x n) @ [Sel]^T (n x G) for the value rows V and the selection vectors (G of n), row
 * major (element (j, g) at j G + g): one matrix product, or on a malicious context m G dot
 * products (see the call).
 */
async function sumProducts(ctx: ProtocolContext, v: ReplicatedShare, sel: readonly ReplicatedShare[], m: number, n: number): Promise<ReplicatedShare> {
  const G = sel.length;
  if (ctx.security !== 'malicious') return matmul(ctx, v, transposeShare(concat(sel), G, n), m, n, G);
  const rows = split(v, new Array<number>(m).fill(n));
  return dot(ctx, concat(rows.flatMap((r) => sel.map(() => r))), concat(rows.flatMap(() => sel)), n);
}

/** Runs `input.query` at this party. All three parties must call it with the same public inputs. */
export async function runSecureQuery(ctx: ProtocolContext, input: SecureQueryInput, ops: CompareOps): Promise<SecureQueryOutput> {
  const { schema, datasets, query, minCellSize } = input;
  const F = ctx.fractionBits;
  const n = datasets.reduce((s, d) => s + d.rows, 0);
  if (n === 0) throw new QueryError('/datasets', 'the chosen data sets hold no rows');
  if (!Number.isSafeInteger(minCellSize) || minCellSize < 1) throw new QueryError('/minCellSize', `expected an integer >= 1, got ${String(minCellSize)}`);
  checkRingCapacity(schema, query, n, F);
  const k = BigInt(minCellSize);
  const numericCol = (name: string): NumericColumn => findColumn(schema, name) as NumericColumn;
  const encodedCol = (name: string, j = 0): ReplicatedShare => unionColumn(datasets, columnOffset(schema, name) + j);

  // Numeric columns rescaled to F fractional bits (sequentially: protocol calls must be ordered).
  const scaled = new Map<string, ReplicatedShare>();
  const numeric = async (name: string): Promise<ReplicatedShare> => {
    let x = scaled.get(name);
    if (!x) {
      const fc = numericCol(name).fractionBits ?? DEFAULT_COLUMN_FRACTION_BITS;
      x = encodedCol(name);
      if (fc < F) x = mulPublic(ctx, x, 1n << BigInt(F - fc));
      else if (fc > F) x = await truncate(ctx, x, fc - F);
      scaled.set(name, x);
    }
    return x;
  };

  // Phase 1: every comparison of the query in one batched call.
  // cmpBits[i]: the range exponent k of comparison i (-2^k <= x - c < 2^k on valid rows), or 64
  // for a range check, which must be exact on every ring element.
  const cmp: ReplicatedShare[] = [];
  const cmpBits: number[] = [];
  const lessThan = async (col: string, c: number, k = 64): Promise<number> => (cmpBits.push(k), cmp.push(addPublic(ctx, await numeric(col), encode(-c, F))) - 1); // [x < c]
  const greaterThan = async (col: string, c: number, k = 64): Promise<number> => (cmpBits.push(k), cmp.push(subFromPublic(ctx, encode(c, F), await numeric(col))) - 1); // [x > c]
  // Filter leaves and histogram edges only matter on valid rows (everything else is multiplied
  // by the validity bit), where x lies in [min, max]: a constant outside that range decides the
  // comparison publicly, and the batched comparison shrinks (bins spanning the range save two).
  const CONST0 = -1;
  const CONST1 = -2;
  const onValidBits = (col: string, c: number): number => rangeExponent(numericCol(col), [BigInt.asIntN(64, encode(c, F))], F);
  const ltOnValid = async (col: string, c: number): Promise<number> =>
    c <= numericCol(col).min ? CONST0 : c > numericCol(col).max ? CONST1 : await lessThan(col, c, onValidBits(col, c));
  const gtOnValid = async (col: string, c: number): Promise<number> =>
    c >= numericCol(col).max ? CONST0 : c < numericCol(col).min ? CONST1 : await greaterThan(col, c, onValidBits(col, c));
  const used = usedColumns(query, schema);
  const ranges: { lo: number; hi: number }[] = [];
  const oneHotElems: ReplicatedShare[] = [];
  const oneHotSumsMinusOne: ReplicatedShare[] = [];
  // Validity bits stored at upload replace the checks below (no comparison in the query).
  const stored = datasets.every((d) => d.validity !== undefined);
  const storedValid: ReplicatedShare[] = [];
  for (const name of used) {
    const c = findColumn(schema, name)!;
    if (stored) storedValid.push(unionColumn(datasets.map((d) => ({ rows: d.rows, share: d.validity! })), schema.columns.indexOf(c)));
    else if (c.type === 'numeric') ranges.push({ lo: await lessThan(name, c.min), hi: await greaterThan(name, c.max) });
    else {
      // One-hot and boolean elements must be 0 or 1, and a one-hot group must sum to 1: an
      // uploader that writes 1000 into an indicator would otherwise inflate counts. e is 0 or 1
      // iff e (e - 1) = 0 mod 2^64 (e and e - 1 are coprime, so 2^64 must divide the even one):
      // one product and an equality test, cheaper than two comparisons.
      const width = columnWidth(c);
      const elems = Array.from({ length: width }, (_, j) => encodedCol(name, j));
      oneHotElems.push(...elems);
      if (c.type === 'categorical') oneHotSumsMinusOne.push(addPublic(ctx, elems.reduce((acc, e) => add(ctx, acc, e)), BigInt.asUintN(64, -1n)));
    }
  }
  const leaves = new Map<Filter, number>();
  const collect = async (f: Filter): Promise<void> => {
    if ('and' in f) for (const g of f.and) await collect(g);
    else if ('or' in f) for (const g of f.or) await collect(g);
    else if ('not' in f) await collect(f.not);
    else if ('op' in f) leaves.set(f, f.op === '<' || f.op === '>=' ? await ltOnValid(f.column, f.value) : await gtOnValid(f.column, f.value));
  };
  if (query.filter) await collect(query.filter);
  const histSpecs: { ai: number; column: string; spec: HistogramSpec }[] = [];
  for (const [ai, a] of query.aggregates.entries()) {
    if (a.op !== 'histogram') continue;
    const t = histogramThresholds(a.bins, numericCol(a.column).max, F);
    histSpecs.push({ ai, column: a.column, spec: { x: await numeric(a.column), ...t, bits: rangeExponent(numericCol(a.column), [...t.thresholds, t.pad], F) } });
  }
  // The comparisons and the encoding checks run concurrently, each on its own scope (taken
  // synchronously here, in the same order at every party, so the step tags line up).
  const [ltzCtx, mulCtx, eqCtx] = [ctx.scope('range-compare'), ctx.scope('onehot-square'), ctx.scope('onehot-equal')];
  const encodingCheck = async (): Promise<ReplicatedShare[]> => {
    if (oneHotElems.length === 0) return [];
    const squares = await mulPairs(mulCtx, oneHotElems, oneHotElems.map((e) => addPublic(mulCtx, e, BigInt.asUintN(64, -1n))));
    const zero = [...squares, ...oneHotSumsMinusOne];
    return split(await ops.eqz(eqCtx, concat(zero)), zero.map(() => n));
  };
  const [bits, encodingOk] = await Promise.all([compareAll(ltzCtx, ops, cmp, cmpBits, n), encodingCheck()]);
  const bitAt = (i: number): ReplicatedShare => (i >= 0 ? bits[i]! : publicShare(ctx, new BigUint64Array(n).fill(i === CONST1 ? 1n : 0n)));

  // Phase 2: validity, filter, selection, groups.
  // 1 - lo and 1 - hi as two inputs of the AND (not 1 - lo - hi: both are 1 for a value about
  // 2^63 away from the range, where the difference would be -1 and subtract the row from counts).
  const validBits = [...ranges.flatMap((r) => [subFromPublic(ctx, 1n, bits[r.lo]!), subFromPublic(ctx, 1n, bits[r.hi]!)]), ...encodingOk, ...storedValid];
  const valid = await andAll(ctx, validBits, n);
  const evalFilter = async (f: Filter): Promise<ReplicatedShare> => {
    if ('and' in f || 'or' in f) {
      const parts: ReplicatedShare[] = [];
      for (const g of 'and' in f ? f.and : f.or) parts.push('and' in f ? await evalFilter(g) : notBit(ctx, await evalFilter(g)));
      const all = await andAll(ctx, parts, n);
      return 'and' in f ? all : notBit(ctx, all);
    }
    if ('not' in f) return notBit(ctx, await evalFilter(f.not));
    if ('in' in f) {
      const c = findColumn(schema, f.column);
      if (c?.type !== 'categorical') throw new QueryError('/filter', `column '${f.column}' is not categorical`);
      return f.in.map((v) => encodedCol(f.column, c.categories.indexOf(v))).reduce((s, x) => add(ctx, s, x));
    }
    if ('is' in f) return f.is ? encodedCol(f.column) : notBit(ctx, encodedCol(f.column));
    const b = bitAt(leaves.get(f)!);
    return f.op === '<' || f.op === '>' ? b : notBit(ctx, b);
  };
  const selection = query.filter ? (await mulPairs(ctx, [valid], [await evalFilter(query.filter)]))[0]! : valid;
  // Query-set controls come before any aggregate, so a refused query computes nothing more.
  if (input.disclosure) await checkQuerySet(ctx, ops, { selection, valid, filtered: query.filter !== undefined, history: input.disclosure.history, k: minCellSize });

  let indicators: ReplicatedShare[] | null = null; // null: a single group of all rows
  for (const g of query.groupBy ?? []) {
    const c = findColumn(schema, g)!;
    const values = c.type === 'categorical' ? c.categories.map((_, j) => encodedCol(g, j)) : [notBit(ctx, encodedCol(g)), encodedCol(g)];
    if (indicators === null) indicators = values;
    else {
      const prev: ReplicatedShare[] = indicators;
      indicators = await mulPairs(ctx, prev.flatMap((p) => values.map(() => p)), prev.flatMap(() => values));
    }
  }
  const sel = indicators === null ? [selection] : await mulPairs(ctx, indicators.map(() => selection), indicators);
  const G = sel.length;
  const counts = sel.map((s) => sum(s));

  // Phase 3a: sum-like aggregates as one matrix product [Sel] @ [V].
  const vecs: { slot: (g: number) => OutputSlot; v?: ReplicatedShare; pre?: ReplicatedShare[]; isBin?: { ai: number; bin: number } }[] = [];
  const sumCols = new Set<string>();
  const sqCols = new Set<string>();
  const pairs: [string, string][] = [];
  for (const a of query.aggregates) {
    if (a.op === 'sum' || a.op === 'mean') sumCols.add(a.column);
    if (a.op === 'variance' || a.op === 'stddev') [sumCols, sqCols].forEach((s) => s.add(a.column));
    if (a.op === 'correlation') {
      a.columns.forEach((c) => [sumCols, sqCols].forEach((s) => s.add(c)));
      if (!pairs.some(([x, y]) => x === a.columns[0] && y === a.columns[1])) pairs.push([a.columns[0], a.columns[1]]);
    }
  }
  for (const c of sumCols) vecs.push({ slot: (g) => ({ kind: 'sum', group: g, column: c, scale: F }), v: await numeric(c) });
  const prodSpecs: { x: string; y: string; sq: boolean }[] = [...[...sqCols].map((c) => ({ x: c, y: c, sq: true })), ...pairs.map(([x, y]) => ({ x, y, sq: false }))];
  if (prodSpecs.length) {
    // No product is truncated: truncating a value near 2^62 fails with probability about
    // 2^(l+1-64) per element (SecureML bound; it did, in tests, for areas in the thousands).
    // Instead each factor is first truncated by just enough bits that the sum of x'y' over n rows
    // fits the ring exactly; a factor (|x| 2^F) is far below 2^62, so its truncation is safe.
    const shifts = prodSpecs.map((p) => factorShifts(schema, p.x, p.y, n, F));
    const reduced = new Map<string, ReplicatedShare>();
    const wanted = new Map<number, string[]>(); // shift -> columns
    prodSpecs.forEach((p, i) => {
      const want = (c: string, sh: number): void => {
        if (sh === 0) return;
        const cols = wanted.get(sh) ?? [];
        if (!cols.includes(c)) cols.push(c);
        wanted.set(sh, cols);
      };
      want(p.x, shifts[i]!.sx);
      want(p.y, shifts[i]!.sy);
    });
    for (const [sh, cols] of wanted) {
      const xs: ReplicatedShare[] = [];
      for (const c of cols) xs.push(await numeric(c));
      split(await truncate(ctx, concat(xs), sh), cols.map(() => n)).forEach((v, j) => reduced.set(`${cols[j]!}>>${sh}`, v));
    }
    const factor = async (c: string, sh: number): Promise<ReplicatedShare> => (sh === 0 ? await numeric(c) : reduced.get(`${c}>>${sh}`)!);
    const xs: ReplicatedShare[] = [];
    const ys: ReplicatedShare[] = [];
    for (const [i, p] of prodSpecs.entries()) {
      xs.push(await factor(p.x, shifts[i]!.sx));
      ys.push(await factor(p.y, shifts[i]!.sy));
    }
    const prods = await mulPairs(ctx, xs, ys);
    prodSpecs.forEach((p, i) => {
      const scale = 2 * F - shifts[i]!.sx - shifts[i]!.sy;
      vecs.push({ slot: (g) => (p.sq ? { kind: 'sumsq', group: g, column: p.x, scale } : { kind: 'sumxy', group: g, column: p.x, column2: p.y, scale }), v: prods[i]! });
    });
  }
  if (histSpecs.length && ops.thresholdCounts) {
    // Counts, not per-row bins: bin j of group g is count_g(x < T_{j+1}) - count_g(x < T_j),
    // from bit planes of each histogram column decomposed once (threshold-counts.ts).
    const cols = [...new Set(histSpecs.map((h) => h.column))];
    const edges = cols.map((c) => [...new Set(histSpecs.filter((h) => h.column === c).flatMap((h) => h.spec.thresholds))]);
    const columns = [];
    for (const [i, c] of cols.entries()) {
      // The rows that count are valid (sel = 1), where x is in [min, max] at F bits, up to the +-1 of a rescaling truncation.
      const col = numericCol(c);
      columns.push({ x: await numeric(c), lo: BigInt(Math.floor(col.min * 2 ** F)) - 2n, hi: BigInt(Math.ceil(col.max * 2 ** F)) + 2n, thresholds: edges[i]! });
    }
    const below = await ops.thresholdCounts(ctx, columns, sel);
    histSpecs.forEach(({ ai, column, spec }) => {
      const c = cols.indexOf(column);
      const at = (g: number, t: bigint): ReplicatedShare => below[g]![c]![edges[c]!.indexOf(t)]!;
      for (let j = 0; j + 1 < spec.thresholds.length; j++) {
        const pre = sel.map((_, g) => sub(ctx, at(g, spec.thresholds[j + 1]!), at(g, spec.thresholds[j]!)));
        vecs.push({ slot: (g) => ({ kind: 'bin', group: g, aggregate: ai, bin: j }), pre, isBin: { ai, bin: j } });
      }
    });
  } else {
    const binSets = await histogramBins(ctx, ops, histSpecs.map((h) => h.spec), n);
    histSpecs.forEach(({ ai }, h) => {
      binSets[h]!.forEach((v, j) => vecs.push({ slot: (g) => ({ kind: 'bin', group: g, aggregate: ai, bin: j }), v, isBin: { ai, bin: j } }));
    });
  }
  const m = vecs.length;
  // [V] (m' x n) @ [Sel]^T (n x G) for the m' vectors without precomputed sums: transposing the
  // G selection rows is cheaper than the value rows; the product's element (j, g) is the sum of
  // vector j over group g.
  const mat = vecs.flatMap((x, j) => (x.v ? [j] : []));
  const mm = mat.length;
  // Malicious: the same sums as mm G dot products of length n, whose claims the batch check
  // verifies at linear cost in n (a matrix claim's proof works over the Galois ring, 56 words
  // per element, and costs seconds per 10^4 rows).
  const vg = mm === 0 ? [] : split(await sumProducts(ctx, concat(mat.map((j) => vecs[j]!.v!)), sel, mm, n), new Array<number>(G * mm).fill(1));
  const rowOf = new Map(mat.map((j, r) => [j, r]));
  const sums = Array.from({ length: G * m }, (_, i) => {
    const g = Math.floor(i / m);
    const j = i % m;
    const v = vecs[j]!;
    return v.pre ? v.pre[g]! : vg[rowOf.get(j)! * G + g]!;
  }); // sums[g * m + j]

  // Phase 3b: min / max by a masked tournament: max over rows of sel*(x - min) (resp. sel*(max - x)).
  const extremes: { op: 'max' | 'min'; col: string }[] = [];
  for (const a of query.aggregates) if ((a.op === 'min' || a.op === 'max') && !extremes.some((e) => e.op === a.op && e.col === a.column)) extremes.push({ op: a.op, col: a.column });
  const extremeVals: ReplicatedShare[] = [];
  if (extremes.length) {
    const xs: ReplicatedShare[] = [];
    const ys: ReplicatedShare[] = [];
    for (let g = 0; g < G; g++) {
      for (const e of extremes) {
        const c = numericCol(e.col);
        const x = await numeric(e.col);
        xs.push(sel[g]!);
        ys.push(e.op === 'max' ? addPublic(ctx, x, encode(-c.min, F)) : subFromPublic(ctx, encode(c.max, F), x));
      }
    }
    const masked = await mulPairs(ctx, xs, ys);
    // Every masked value lies in [0, span] (sel = 0 gives 0, sel = 1 only on valid rows), up to
    // the +-1 of a rescaling truncation: a bound on every element, which the tournament may use.
    const span = Math.max(...extremes.map((e) => Math.ceil((numericCol(e.col).max - numericCol(e.col).min) * 2 ** F) + 4));
    const best = split(await ops.maxGroups(ctx, concat(masked), n, Math.ceil(Math.log2(span + 1))), masked.map(() => 1));
    best.forEach((r, i) => {
      const c = numericCol(extremes[i % extremes.length]!.col);
      extremeVals.push(extremes[i % extremes.length]!.op === 'max' ? addPublic(ctx, r, encode(c.min, F)) : subFromPublic(ctx, encode(c.max, F), r));
    });
  }

  // Phase 3c: logistic regression (never grouped, so G = 1).
  const coefs = new Map<number, ReplicatedShare>();
  for (const [ai, a] of query.aggregates.entries()) {
    if (a.op !== 'logisticRegression') continue;
    const feats: ReplicatedShare[] = [];
    for (const fcol of a.features) feats.push(await numeric(fcol));
    const lab = findColumn(schema, a.label)!;
    const labels = lab.type === 'categorical' ? encodedCol(a.label, 1) : encodedCol(a.label);
    coefs.set(
      ai,
      await secureLogisticRegression(ctx, ops, {
        featuresT: concat(feats),
        d: a.features.length,
        n,
        labels,
        selection: sel[0]!,
        count: counts[0]!,
        epochs: a.epochs,
        learningRate: a.learningRate ?? DEFAULT_LEARNING_RATE,
        featureBound: Math.max(...a.features.map((c) => columnBound(schema, c))),
      }),
    );
  }

  // Phase 4: disclosure control inside the computation.
  const binIdx = vecs.flatMap((v, j) => (v.isBin ? [j] : []));
  const excluded = subFromPublic(ctx, BigInt(n), sum(valid));
  const thresholds = [...counts, ...Array.from({ length: G }, (_, g) => binIdx.map((j) => sums[g * m + j]!)).flat(), ...(input.disclosure ? [excluded] : [])];
  const okAll = split(await ops.ltz(ctx, addPublic(ctx, concat(thresholds), BigInt.asUintN(64, -k))), thresholds.map(() => 1)).map((b) => notBit(ctx, b));
  const ok = okAll.slice(0, G);
  const binOk = okAll.slice(G, G + binIdx.length * G);

  // The excluded-row count is a count of records too: with disclosure controls it opens only
  // when at least k (next to its ok bit), else as 0.
  const slots: OutputSlot[] = input.disclosure ? [{ kind: 'excludedOk' }] : [{ kind: 'excluded' }];
  const pieces: ReplicatedShare[] = input.disclosure ? [okAll[okAll.length - 1]!] : [excluded];
  ok.forEach((b, g) => {
    slots.push({ kind: 'ok', group: g });
    pieces.push(b);
  });
  const gateVals: ReplicatedShare[] = [];
  const gateBits: ReplicatedShare[] = [];
  const gated = (slot: OutputSlot, v: ReplicatedShare, bit: ReplicatedShare): void => {
    slots.push(slot);
    gateVals.push(v);
    gateBits.push(bit);
  };
  if (input.disclosure) gated({ kind: 'excluded' }, excluded, okAll[okAll.length - 1]!);
  const pieceKinds = new Set<OutputSlot['kind']>(input.disclosure ? ['excludedOk', 'ok', 'binOk'] : ['excluded', 'ok', 'binOk']);
  let bi = 0;
  for (let g = 0; g < G; g++) {
    gated({ kind: 'count', group: g }, counts[g]!, ok[g]!);
    vecs.forEach((v, j) => {
      if (v.isBin) {
        slots.push({ kind: 'binOk', group: g, aggregate: v.isBin.ai, bin: v.isBin.bin });
        pieces.push(binOk[bi]!);
        gated(v.slot(g), sums[g * m + j]!, binOk[bi++]!);
      } else gated(v.slot(g), sums[g * m + j]!, ok[g]!);
    });
    extremes.forEach((e, j) => gated({ kind: e.op === 'max' ? 'max' : 'minFromTop', group: g, column: e.col, scale: F }, extremeVals[g * extremes.length + j]!, ok[g]!));
  }
  for (const [ai, w] of coefs) {
    for (let i = 0; i < w.a.length; i++) gated({ kind: 'coef', aggregate: ai, index: i, scale: F }, sliceShare(w, i, 1), ok[0]!);
  }
  const released = gateVals.length ? await mulPairs(ctx, gateVals, gateBits) : [];
  // Output order: excluded, ok bits and binOk bits (in `pieces` order), then gated values in slot order.
  const order: OutputSlot[] = [];
  const outPieces: ReplicatedShare[] = [];
  let pi = 0;
  let gi = 0;
  for (const s of slots) {
    order.push(s);
    if (pieceKinds.has(s.kind)) outPieces.push(pieces[pi++]!);
    else outPieces.push(released[gi++]!);
  }
  return { output: concat(outPieces), layout: { slots: order, rows: n, minCellSize }, ...(input.disclosure ? { selection } : {}) };
}
