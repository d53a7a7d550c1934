/**
 * @module protocols/analytics/threshold-counts
 * Counts of gated rows below public thresholds, sum_r g[r] [x[r] < t], for many thresholds of
 * a few columns (histogram edges: bin j = count(x < T_{j+1}) - count(x < T_j)), without a
 * per-row comparison bit in the arithmetic ring, in both modes. For a column with lo <= x <= hi
 * on gated rows and k = bit length of hi - lo (<= 32):
 *   1. y = x - lo lies in [0, 2^k) on gated rows; its k bit planes, once per column
 *      (rss/plane-decompose: semi-honest 1 + (k - 1) rounds, 2k - 1 plane bits from party 0;
 *      malicious k - 1 rounds, 2k - 3 verified plane ANDs and no input);
 *   2. [y < t - lo] per threshold on the planes, all thresholds of all columns together
 *      (rss/plane-compare: k rounds, <= k plane ANDs each); a threshold <= lo counts 0 and one
 *      above hi counts every gated row (the gate's local sum), both public decisions;
 *   3. AND with each gate's plane (bit 0 of its arithmetic components, free; rss/bit-planes):
 *      1 round, one plane AND per (gate, threshold);
 *   4. the 1s of every gated plane counted by a carry-save tree (rss/plane-popcount: about one
 *      plane AND each, a few dozen bits converted with daBits, or in malicious mode with
 *      verified products).
 * On a malicious context every AND of steps 1-4 is the verified gate (malicious/verified-and),
 * checked by the job's batch check before any output leaves, and the decomposition compares
 * the holders' copies of x first: a party that deviates in any plane AND, in the
 * decomposition's inputs or in the count is caught (test/analytics/threshold-counts-malicious).
 * What the range promise means there: a gated row outside [lo, hi] would count by its residue
 * mod 2^k, a fixed function of its value that no party chooses; the engine gates with the
 * selection bits, which are 0 on every row outside the column's validated range.
 * Per row and threshold that is about k + 2 bits of AND instead of a 64-bit arithmetic bit, a
 * comparison and a product. Wider columns (k > 32) take the per-row path: `ltz` of x - t, a
 * product with the gate, a local sum.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { andB, concatB, type BinaryShare } from '../rss/binary-share.js';
import { andVerified } from '../rss/malicious/verified-and.js';
import type { AndGate } from '../rss/msb.js';
import { bitPlaneOf } from '../rss/bit-planes.js';
import { ltz } from '../rss/comparison.js';
import type { ProtocolContext } from '../rss/context.js';
import { addPublic, concat, publicShare, split, sum } from '../rss/local-ops.js';
import { lessThanPublicPlanes } from '../rss/plane-compare.js';
import { decomposeToPlanes } from '../rss/plane-decompose.js';
import { popcountVectors } from '../rss/plane-popcount.js';
import type { ReplicatedShare } from '../rss/replicated-share.js';
import type { ThresholdColumn } from './compare-ops.js';
import { mulPairs } from './secure-bits.js';

/** Widest span (bits of hi - lo) decomposed into planes. */
export const MAX_PLANE_BITS = 32;

type Plan = { kind: 'zero' } | { kind: 'all' } | { kind: 'planes'; c: bigint } | { kind: 'wide'; t: bigint };

/** out[g][c][j] = shares of sum_r gates[g][r] [columns[c].x[r] < thresholds[j]] (see the module doc). */
export async function thresholdCounts(parent: ProtocolContext, columns: readonly ThresholdColumn[], gates: readonly ReplicatedShare[]): Promise<ReplicatedShare[][][]> {
  const ctx = parent.scope('threshold-counts');
  const and: AndGate = ctx.security === 'malicious' ? andVerified : andB;
  if (gates.length === 0) return [];
  const n = gates[0]!.a.length;
  for (const [i, c] of columns.entries()) {
    if (c.x.a.length !== n) throw new InvalidArgumentError(`columns[${i}].x: expected ${n} elements like the gates`);
    if (c.hi < c.lo) throw new InvalidArgumentError(`columns[${i}]: hi ${c.hi} below lo ${c.lo}`);
  }
  if (gates.some((g) => g.a.length !== n)) throw new InvalidArgumentError(`gates: expected ${n} elements each`);
  const widths = columns.map((c) => (c.hi - c.lo).toString(2).length);
  const plans: Plan[][] = columns.map((c, i) =>
    c.thresholds.map((t): Plan => {
      if (t <= c.lo) return { kind: 'zero' };
      if (t > c.hi) return { kind: 'all' };
      return widths[i]! <= MAX_PLANE_BITS ? { kind: 'planes', c: t - c.lo } : { kind: 'wide', t };
    }),
  );
  const planeCols = columns.flatMap((_, i) => (widths[i]! <= MAX_PLANE_BITS && plans[i]!.some((p) => p.kind === 'planes') ? [i] : []));
  const wide = columns.flatMap((_, i) => plans[i]!.flatMap((p, j) => (p.kind === 'wide' ? [{ c: i, j, t: p.t }] : [])));
  const [planeCtx, wideCtx] = [ctx.scope('planes'), ctx.scope('wide')];

  const viaPlanes = async (): Promise<Map<string, ReplicatedShare>> => {
    const out = new Map<string, ReplicatedShare>();
    if (planeCols.length === 0) return out;
    const ys = planeCols.map((i) => addPublic(planeCtx, columns[i]!.x, BigInt.asUintN(64, -columns[i]!.lo)));
    const planes = await decomposeToPlanes(planeCtx, ys, planeCols.map((i) => widths[i]!), and);
    const which = planeCols.map((i) => plans[i]!.flatMap((p, j) => (p.kind === 'planes' ? [{ j, c: p.c }] : [])));
    const lt = await lessThanPublicPlanes(planeCtx, planeCols.map((_, q) => ({ planes: planes[q]!, constants: which[q]!.map((w) => w.c) })), and);
    const flat: BinaryShare[] = lt.flat();
    const gatePlanes = gates.map(bitPlaneOf);
    const gated = await and(planeCtx, concatB(gates.flatMap(() => flat)), concatB(gatePlanes.flatMap((g) => flat.map(() => g))));
    const counts = split(await popcountVectors(planeCtx, gated, gates.length * flat.length, and), new Array<number>(gates.length * flat.length).fill(1));
    let at = 0;
    gates.forEach((_, g) => planeCols.forEach((i, q) => which[q]!.forEach(({ j }) => out.set(`${g}/${i}/${j}`, counts[at++]!))));
    return out;
  };
  const viaRows = async (): Promise<Map<string, ReplicatedShare>> => {
    const out = new Map<string, ReplicatedShare>();
    if (wide.length === 0) return out;
    const bits = split(await ltz(wideCtx, concat(wide.map((w) => addPublic(wideCtx, columns[w.c]!.x, BigInt.asUintN(64, -w.t))))), wide.map(() => n));
    const prods = await mulPairs(wideCtx, gates.flatMap(() => bits), gates.flatMap((g) => bits.map(() => g)));
    gates.forEach((_, g) => wide.forEach((w, q) => out.set(`${g}/${w.c}/${w.j}`, sum(prods[g * wide.length + q]!, undefined, ctx.ring))));
    return out;
  };
  const [a, b] = await Promise.all([viaPlanes(), viaRows()]);
  const zero = publicShare(ctx, new BigUint64Array(1));
  return gates.map((g, gi) => {
    const all = sum(g, undefined, ctx.ring);
    return columns.map((_, i) =>
      plans[i]!.map((p, j) => (p.kind === 'zero' ? zero : p.kind === 'all' ? all : (a.get(`${gi}/${i}/${j}`) ?? b.get(`${gi}/${i}/${j}`))!)),
    );
  });
}
