/**
 * @module protocols/rss/plane-decompose
 * Bit decomposition of the low k bits of shared values into bit planes (rss/bit-planes), with a
 * ripple-carry adder on planes: range-aware A2B for values known to lie in [0, 2^k) (ABY3
 * section 5.3, restricted to the low bits and bit-sliced across rows instead of within a word).
 * The low k bits of a sum depend only on the low k bits of the summands, so x mod 2^k is a
 * k-bit sum of planes the parties can share cheaply.
 *
 * Semi-honest: x mod 2^k = (A + B) mod 2^k with A = x0 + x1 (known to party 0) and B = x2
 * (known to parties 1 and 2):
 *   1. party 0 inputs the k planes of A (rss/conversion `inputBinary`: 1 round, k n/8 bytes
 *      from party 0); the planes of B are the free sharing (0, 0, B);
 *   2. the ripple: s_0 = a_0 ^ b_0, c_1 = a_0 & b_0; for i = 1 .. k-1: s_i = a_i ^ b_i ^ c_i and
 *      c_{i+1} = ((a_i ^ c_i) & (b_i ^ c_i)) ^ c_i (the majority, one AND), up to c_{k-1}.
 *   Cost: 1 + (k - 1) rounds, k - 1 plane ANDs: (k - 1) n/8 bytes from every party, plus the input.
 * Malicious (the AND gate passed in is the verified one, malicious/verified-and): no party
 * inputs anything, since party 0 alone could choose A's planes. Each component x_j is known to
 * its two holders, so its planes are trivially a boolean sharing (the component in its place,
 * zeros elsewhere); the holders' copies of x are compared by digest (malicious/consistency,
 * beside the circuit), and a carry-save layer adds the three:
 *   u = x0 ^ x1 ^ x2,  v = maj(x0, x1, x2) << 1 = (((x0 ^ x2) & (x1 ^ x2)) ^ x2) << 1
 * (one AND of k - 1 planes, v_0 = 0), then the same ripple on (u, v), whose carry into bit 1 is
 * 0. Cost: 2k - 3 verified plane ANDs, k - 1 rounds (the digest check beside the first);
 * every AND goes to the job's batch check, so a party that deviates anywhere in the
 * decomposition (a wrong component, a wrong AND term) is caught before any output.
 * Several columns (each its own k) run in lockstep, one message per round for all.
 * A value outside [0, 2^k) yields its residue mod 2^k, as the arithmetic says.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { andB, concatB, makeBinaryShare, splitB, xorB, type BinaryShare } from './binary-share.js';
import { planeWords, toPlanes } from './bit-planes.js';
import type { ProtocolContext } from './context.js';
import { binaryFromParties12, inputBinary } from './conversion.js';
import { besideCheck } from './malicious/compare-malicious.js';
import { checkConsistent } from './malicious/consistency.js';
import type { AndGate } from './msb.js';
import { concat } from './local-ops.js';
import { checkShare, type ReplicatedShare } from './replicated-share.js';

/** planes[c][i]: plane i of column c. */
type Planes = BinaryShare[][];

/** Cuts one concatenation of every column's planes (column c: ks[c] planes) into columns. */
function byColumn(all: BinaryShare, ks: readonly number[]): Planes {
  const total = ks.reduce((s, k) => s + k, 0);
  const planes = splitB(all, total);
  let at = 0;
  return ks.map((k) => planes.slice(at, (at += k)));
}

/** The planes of one component per column, concatenated (column c: ks[c] planes of v_c). */
function planesOf(values: readonly BigUint64Array[], ks: readonly number[], W: number): BigUint64Array {
  const out = new BigUint64Array(ks.reduce((s, k) => s + k, 0) * W);
  let at = 0;
  values.forEach((v, i) => (out.set(toPlanes(v, ks[i]!), at), (at += ks[i]! * W)));
  return out;
}

/**
 * (a + b) mod 2^k_c per column on planes, by the ripple of the module doc. `bZeroAt0`: every
 * b_0 is the shared 0 (v of the carry-save layer), so the carry into bit 1 is 0 and needs no AND.
 */
async function ripple(ctx: ProtocolContext, a: Planes, b: Planes, ks: readonly number[], and: AndGate, bZeroAt0 = false): Promise<Planes> {
  const W = a[0]![0]!.a.length;
  const zero = makeBinaryShare(new BigUint64Array(W), new BigUint64Array(W));
  // carries[c][i]: the carry into bit i of column c (undefined: the public 0).
  const carries: (BinaryShare | undefined)[][] = ks.map((k) => new Array<BinaryShare | undefined>(k).fill(undefined));
  const maxK = Math.max(...ks);
  for (let i = bZeroAt0 ? 2 : 1; i < maxK; i++) {
    // The carry into bit i of every column that has a bit i, in one AND:
    // maj(a, b, c) = ((a ^ c) & (b ^ c)) ^ c at bit i - 1.
    const live = ks.flatMap((k, c) => (k > i ? [c] : []));
    const xsA: BinaryShare[] = [];
    const ysA: BinaryShare[] = [];
    for (const c of live) {
      const carry = carries[c]![i - 1];
      xsA.push(carry === undefined ? a[c]![i - 1]! : xorB(ctx, a[c]![i - 1]!, carry));
      ysA.push(carry === undefined ? b[c]![i - 1]! : xorB(ctx, b[c]![i - 1]!, carry));
    }
    const prods = splitB(await and(ctx, concatB(xsA), concatB(ysA)), live.length);
    live.forEach((c, j) => {
      const prev = carries[c]![i - 1];
      carries[c]![i] = prev === undefined ? prods[j]! : xorB(ctx, prods[j]!, prev);
    });
  }
  return ks.map((k, c) => Array.from({ length: k }, (_, i) => xorB(ctx, xorB(ctx, a[c]![i]!, b[c]![i]!), carries[c]![i] ?? zero)));
}

/** Semi-honest addends: party 0's input planes of A = x0 + x1 and the free planes of B = x2. */
async function inputAddends(ctx: ProtocolContext, xs: readonly ReplicatedShare[], ks: readonly number[], W: number): Promise<[Planes, Planes]> {
  const total = ks.reduce((s, k) => s + k, 0);
  const aIn = ctx.self === 0 ? planesOf(xs.map((x) => ctx.ring.add(x.a, x.b)), ks, W) : undefined;
  const aAll = await inputBinary(ctx, 0, aIn, total * W);
  const bAll = binaryFromParties12(ctx, ctx.self === 0 ? new BigUint64Array(total * W) : planesOf(xs.map((x) => (ctx.self === 1 ? x.b : x.a)), ks, W));
  return [byColumn(aAll, ks), byColumn(bAll, ks)];
}

/** Malicious addends: u and v = maj << 1 of the carry-save layer over the trivially shared components. */
async function carrySaveAddends(ctx: ProtocolContext, xs: readonly ReplicatedShare[], ks: readonly number[], W: number, and: AndGate): Promise<[Planes, Planes]> {
  const mineA = byColumn(makeBinaryShare(planesOf(xs.map((x) => x.a), ks, W), planesOf(xs.map((x) => x.b), ks, W)), ks);
  const zero = new BigUint64Array(W);
  // Component j of column c, plane i, as a sharing: this party's a is component self, its b component self + 1.
  const comp = (j: number, c: number, i: number): BinaryShare => {
    const p = mineA[c]![i]!;
    return makeBinaryShare(j === ctx.self ? p.a : zero, j === (ctx.self + 1) % 3 ? p.b : zero);
  };
  // maj of planes 0 .. k-2 of every column (plane k-1's carry leaves the k bits), one AND.
  const at = ks.flatMap((k, c) => Array.from({ length: k - 1 }, (_, i) => ({ c, i })));
  const xs0 = at.map(({ c, i }) => xorB(ctx, comp(0, c, i), comp(2, c, i)));
  const ys0 = at.map(({ c, i }) => xorB(ctx, comp(1, c, i), comp(2, c, i)));
  const maj = at.length ? splitB(await and(ctx, concatB(xs0), concatB(ys0)), at.length).map((p, q) => xorB(ctx, p, comp(2, at[q]!.c, at[q]!.i))) : [];
  const u: Planes = ks.map((k, c) => Array.from({ length: k }, (_, i) => xorB(ctx, xorB(ctx, comp(0, c, i), comp(1, c, i)), comp(2, c, i))));
  const v: Planes = ks.map((k) => [makeBinaryShare(new BigUint64Array(W), new BigUint64Array(W)), ...new Array<BinaryShare>(k - 1)]);
  at.forEach(({ c, i }, q) => (v[c]![i + 1] = maj[q]!));
  return [u, v];
}

/**
 * The k_c bit planes of (x_c mod 2^k_c) for each shared vector x_c (all of n elements), as
 * boolean shares of planeWords(n) words each, least significant plane first.
 * @param ks the widths, integers in 1..64.
 * @param and the AND gate: rss/binary-share `andB` (the default) or the verified gate of
 *   malicious/verified-and, which a malicious context needs (`andB` refuses one); the context's
 *   mode chooses the decomposition of the module doc.
 */
export async function decomposeToPlanes(parent: ProtocolContext, xs: readonly ReplicatedShare[], ks: readonly number[], and: AndGate = andB): Promise<BinaryShare[][]> {
  if (xs.length !== ks.length) throw new InvalidArgumentError(`ks: expected ${xs.length} widths, got ${ks.length}`);
  if (xs.length === 0) return [];
  const ctx = parent.scope('plane-decompose');
  const n = checkShare('xs[0]', xs[0]);
  xs.forEach((x, i) => {
    if (checkShare(`xs[${i}]`, x) !== n) throw new InvalidArgumentError(`xs[${i}]: expected ${n} elements like xs[0]`);
    const k = ks[i]!;
    if (!Number.isInteger(k) || k < 1 || k > 64) throw new InvalidArgumentError(`ks[${i}]: expected an integer in 1..64, got ${String(k)}`);
  });
  const W = planeWords(n);
  if (ctx.security !== 'malicious') {
    const [a, b] = await inputAddends(ctx, xs, ks, W);
    return ripple(ctx, a, b, ks, and);
  }
  const check = checkConsistent(ctx, concat(xs));
  return besideCheck(
    check,
    (async () => {
      const [u, v] = await carrySaveAddends(ctx, xs, ks, W, and);
      return ripple(ctx, u, v, ks, and, true);
    })(),
  );
}
