/**
 * @module protocols/rss/plane-decompose
 * Bit decomposition of the low k bits of shared values into bit planes (rss/bit-planes), with a
 * ripple-carry adder on planes: range-aware A2B for values known to lie in [0, 2^k) (ABY3
 * section 5.3, restricted to the low bits and bit-sliced across rows instead of within a word).
 *
 * x = x0 + x1 + x2 mod 2^64, and the low k bits of a sum depend only on the low k bits of the
 * summands, so x mod 2^k = (A + B) mod 2^k with A = x0 + x1 (known to party 0) and B = x2
 * (known to parties 1 and 2):
 *   1. party 0 inputs the k planes of A (rss/conversion `inputBinary`: 1 round, k n/8 bytes
 *      from party 0); the planes of B are the free sharing (0, 0, B);
 *   2. s_0 = a_0 ^ b_0, c_1 = a_0 & b_0; for i = 1 .. k-1: s_i = a_i ^ b_i ^ c_i and
 *      c_{i+1} = ((a_i ^ c_i) & (b_i ^ c_i)) ^ c_i (the majority, one AND), up to c_{k-1}.
 * Cost: 1 + (k - 1) rounds, k - 1 plane ANDs: (k - 1) n/8 bytes from every party, plus the
 * input. Several columns (each its own k) run in lockstep, one message per round for all.
 * A value outside [0, 2^k) yields its residue mod 2^k, as the arithmetic says. Semi-honest.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { andB, concatB, splitB, xorB, type BinaryShare } from './binary-share.js';
import { planeWords, toPlanes } from './bit-planes.js';
import type { ProtocolContext } from './context.js';
import { binaryFromParties12, inputBinary } from './conversion.js';
import { requireSemiHonest } from './malicious/guard.js';
import { checkShare, type ReplicatedShare } from './replicated-share.js';

/**
 * The k_c bit planes of (x_c mod 2^k_c) for each shared vector x_c (all of n elements), as
 * boolean shares of planeWords(n) words each, least significant plane first.
 * @param ks the widths, integers in 1..32.
 */
export async function decomposeToPlanes(parent: ProtocolContext, xs: readonly ReplicatedShare[], ks: readonly number[]): Promise<BinaryShare[][]> {
  requireSemiHonest(parent, 'decomposeToPlanes');
  if (xs.length !== ks.length) throw new InvalidArgumentError(`ks: expected ${xs.length} widths, got ${ks.length}`);
  if (xs.length === 0) return [];
  const ctx = parent.scope('plane-decompose');
  const n = checkShare('xs[0]', xs[0]);
  xs.forEach((x, i) => {
    if (checkShare(`xs[${i}]`, x) !== n) throw new InvalidArgumentError(`xs[${i}]: expected ${n} elements like xs[0]`);
    const k = ks[i]!;
    if (!Number.isInteger(k) || k < 1 || k > 32) throw new InvalidArgumentError(`ks[${i}]: expected an integer in 1..32, got ${String(k)}`);
  });
  const W = planeWords(n);
  const total = ks.reduce((s, k) => s + k, 0);
  // Party 0's planes of A = x0 + x1, every column in one input.
  let aIn: BigUint64Array | undefined;
  if (ctx.self === 0) {
    aIn = new BigUint64Array(total * W);
    let at = 0;
    xs.forEach((x, i) => (aIn!.set(toPlanes(ctx.ring.add(x.a, x.b), ks[i]!), at), (at += ks[i]! * W)));
  }
  const aAll = await inputBinary(ctx, 0, aIn, total * W);
  const bAll = binaryFromParties12(
    ctx,
    (() => {
      const v = new BigUint64Array(total * W);
      if (ctx.self === 0) return v;
      let at = 0;
      xs.forEach((x, i) => (v.set(toPlanes(ctx.self === 1 ? x.b : x.a, ks[i]!), at), (at += ks[i]! * W)));
      return v;
    })(),
  );
  const offsets = ks.map((_, i) => ks.slice(0, i).reduce((s, k) => s + k, 0));
  const byColumn = (all: BinaryShare): BinaryShare[][] => {
    const planes = splitB(all, total);
    return ks.map((k, i) => planes.slice(offsets[i]!, offsets[i]! + k));
  };
  const a = byColumn(aAll);
  const b = byColumn(bAll);
  const sums: BinaryShare[][] = ks.map((_, c) => [xorB(ctx, a[c]![0]!, b[c]![0]!)]);
  const carries: (BinaryShare | undefined)[] = ks.map(() => undefined);
  const maxK = Math.max(...ks);
  for (let i = 1; i < maxK; i++) {
    // The carry into bit i of every column that has a bit i, in one AND.
    const live = ks.flatMap((k, c) => (k > i ? [c] : []));
    const xsA: BinaryShare[] = [];
    const ysA: BinaryShare[] = [];
    for (const c of live) {
      const carry = carries[c];
      if (carry === undefined) {
        xsA.push(a[c]![0]!);
        ysA.push(b[c]![0]!);
      } else {
        xsA.push(xorB(ctx, a[c]![i - 1]!, carry));
        ysA.push(xorB(ctx, b[c]![i - 1]!, carry));
      }
    }
    const prods = splitB(await andB(ctx, concatB(xsA), concatB(ysA)), live.length);
    live.forEach((c, j) => {
      const p = prods[j]!;
      const prev = carries[c];
      const carry = prev === undefined ? p : xorB(ctx, p, prev);
      carries[c] = carry;
      sums[c]!.push(xorB(ctx, xorB(ctx, a[c]![i]!, b[c]![i]!), carry));
    });
  }
  return sums;
}
