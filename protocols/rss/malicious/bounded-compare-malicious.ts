/**
 * @module protocols/rss/malicious/bounded-compare-malicious
 * Range-aware comparisons on a malicious context: [x - t < 0] for values known to satisfy
 * -2^k <= x - t < 2^k, on verified arithmetic bits (as malicious/compare-malicious) but only
 * W = k + 1 of them, and one verified decomposition of x shared by every public threshold t.
 *
 * With x = A + B (A = x0 + x1 at party 0, B = x2 at parties 1 and 2) and x - t in W-bit
 * two's complement range, [x - t < 0] is bit W-1 of (A + (B - t)) mod 2^W:
 *
 * 1. party 0 inputs the low W bits a_j of A (1 round, 8 W bytes per element); the verifier gets
 *    the bit claims a_j (1 - a_j) = 0 and the sum claim 2^(64-W) (sum_{j<W} 2^j a_j - [A]) = 0,
 *    i.e. sum_j 2^j a_j = A mod 2^W: with 0/1 bits the low W bits of A are the only solution,
 *    so a party 0 that inputs anything else is caught;
 * 2. for each threshold the bits of (B - t) mod 2^W are known to parties 1 and 2 (free);
 * 3. g_j = a_j b_j (1 round), p_j = a_j xor b_j, the carry tree of malicious/compare-malicious
 *    over positions 0..W-2 (ceil(log2(W-1)) rounds) and msb = p_{W-1} xor carry (1 round).
 *
 * Rounds: 3 + ceil(log2(W - 1)) (7 for W = 13 against 9 for the 64-bit `ltz`); per value and
 * threshold under 3W verified products (W generate products, under 2(W - 1) in the tree, one
 * xor) against ~190; the W bit claims
 * and the input are paid once per value, not once per threshold.
 *
 * What the bound means here: the result is bit W-1 of (x - t) mod 2^W, a fixed function of the
 * shared value that no party can choose (every bit and product is verified). It is the true
 * sign when the bound holds; for a value outside it the bit is that function of the wrong
 * value, as the semi-honest bounded comparison's (rss/bounded-msb, W <= 32), so callers must use it
 * only on rows whose bound was itself established by verified checks (analytics: the column
 * validity bit, computed in malicious mode, gates every such row).
 */
import { InvalidArgumentError } from '../../../crypto-core/errors.js';
import type { ProtocolContext } from '../context.js';
import { inputFrom } from '../input.js';
import { concat, split } from '../local-ops.js';
import { mul } from '../mul.js';
import { checkShare, makeShare, type ReplicatedShare } from '../replicated-share.js';
import { bitRow, bitRows, carryTree, xorWith } from './compare-malicious.js';
import { registerClaim } from './state.js';
import { halfA, halfB, knownTo12, WORD } from './verified-bits.js';

/** The low `w` bits of each element of v, bit-major (w * v.length). */
function lowBitsOfWords(ctx: ProtocolContext, v: BigUint64Array, w: number): BigUint64Array {
  const n = v.length;
  const out = new BigUint64Array(w * n);
  const ones = new BigUint64Array(n).fill(1n);
  for (let j = 0; j < w; j++) out.set(ctx.ring.and(ctx.ring.shiftRightLogical(v, j), ones), j * n);
  return out;
}

/** sum_{j<w} 2^j bits_j over a bit-major vector of w * n, for one component. */
function bitSum(ctx: ProtocolContext, bits: BigUint64Array, n: number, w: number): BigUint64Array {
  const out = new BigUint64Array(n);
  for (let j = 0; j < w; j++) ctx.ring.add(out, ctx.ring.scalarMul(bits.subarray(j * n, (j + 1) * n), 1n << BigInt(j)), out);
  return out;
}

/**
 * Party 0 inputs the low `w` bits of A = x0 + x1 (1 round); the claims that they are bits and
 * that they sum to A mod 2^w go to the verifier (see the module doc). Bit-major, w * n.
 */
export async function inputLowBitsOfA(ctx: ProtocolContext, x: ReplicatedShare, w: number): Promise<ReplicatedShare> {
  const n = x.a.length;
  const ring = ctx.ring;
  const shareA = halfA(ctx, x);
  const input = inputFrom(ctx, 0, ctx.self === 0 ? lowBitsOfWords(ctx, ring.add(shareA.a, shareA.b), w) : undefined, w * n);
  const one = (v: BigUint64Array): BigUint64Array => new BigUint64Array(v.length).fill(1n);
  registerClaim(ctx.malicious, ctx.nextTag('low-bits-claim'), input, (b) => {
    // 1 - b as a sharing: the public 1 goes into component 0 (party 0's a, party 2's b).
    const y = makeShare(ctx.self === 0 ? ring.sub(one(b.a), b.a) : ring.neg(b.a), ctx.self === 2 ? ring.sub(one(b.b), b.b) : ring.neg(b.b));
    const z = makeShare(new BigUint64Array(b.a.length), new BigUint64Array(b.a.length));
    return { kind: 'hadamard', x: b, y, z, group: 1 };
  });
  // 2^(64-w) (sum_j 2^j a_j - A) = 0 mod 2^64 iff the bits sum to A mod 2^w.
  const scale = 1n << BigInt(WORD - w);
  registerClaim(ctx.malicious, ctx.nextTag('low-sum-claim'), input, (b) => ({
    kind: 'zero',
    w: makeShare(ring.scalarMul(ring.sub(bitSum(ctx, b.a, n, w), shareA.a), scale), ring.scalarMul(ring.sub(bitSum(ctx, b.b, n, w), shareA.b), scale)),
  }));
  return input;
}

/**
 * [x < t] for every public threshold t of `thresholds` (a signed ring integer for every element,
 * or one per element), as arithmetic 0/1 sharings of x's shape, one per threshold, on a
 * malicious context: exact for every element with -2^bits <= x - t < 2^bits (see the module doc
 * for the others). At bits = 63 (W = 64) the result is msb(x - t mod 2^64) for every element,
 * the 64-bit `ltz` of x - t, with the decomposition still shared between thresholds.
 * @param bits the range exponent k, an integer in 1..63.
 */
export async function ltzThresholdsMalicious(parent: ProtocolContext, x: ReplicatedShare, thresholds: readonly (bigint | BigUint64Array)[], bits: number): Promise<ReplicatedShare[]> {
  if (!Number.isInteger(bits) || bits < 1 || bits > 63) throw new InvalidArgumentError(`bits: expected an integer in 1..63, got ${String(bits)}`);
  if (thresholds.length === 0) return [];
  const ctx = parent.scope('ltz-bounded-mal');
  const n = checkShare('x', x);
  const m = thresholds.length;
  const W = bits + 1;
  const ring = ctx.ring;
  const a = await inputLowBitsOfA(ctx, x, W);
  // Bits of (B - t) mod 2^W for every threshold, known to parties 1 and 2; rows of m * n
  // (row j: bit j of every element, threshold after threshold), and a's rows repeated to match.
  const B = halfB(ctx, x);
  const bRows: BigUint64Array | undefined =
    B === undefined
      ? undefined
      : (() => {
          const perT = thresholds.map((t) => {
            if (typeof t !== 'bigint' && t.length !== n) throw new InvalidArgumentError(`thresholds: expected a bigint or ${n} elements, got ${t.length}`);
            return lowBitsOfWords(ctx, ring.sub(B, typeof t === 'bigint' ? new BigUint64Array(n).fill(BigInt.asUintN(64, t)) : t), W);
          });
          const out = new BigUint64Array(W * m * n);
          for (let j = 0; j < W; j++) perT.forEach((bt, i) => out.set(bt.subarray(j * n, (j + 1) * n), (j * m + i) * n));
          return out;
        })();
  const b = knownTo12(ctx, bRows, W * m * n);
  const aRep = m === 1 ? a : concat(Array.from({ length: W * m }, (_, r) => bitRow(a, Math.floor(r / m), n)));
  const N = m * n;
  const g = await mul(ctx, aRep, b);
  const p = xorWith(ctx, aRep, b, g);
  const rows = (s: ReplicatedShare): ReplicatedShare[] => Array.from({ length: W - 1 }, (_, j) => bitRow(s, j, N));
  const carry = await carryTree(ctx, rows(g), rows(p));
  const top = bitRows(p, W - 1, W, N);
  const msb = xorWith(ctx, top, carry, await mul(ctx, top, carry));
  return split(msb, thresholds.map(() => n)).map((s) => makeShare(s.a, s.b, x.shape));
}

/** [x < 0] for x known to satisfy -2^bits <= x < 2^bits, on a malicious context (bits in 1..63). */
export async function ltzBoundedMalicious(parent: ProtocolContext, x: ReplicatedShare, bits: number): Promise<ReplicatedShare> {
  const [out] = await ltzThresholdsMalicious(parent, x, [0n], bits);
  return out!;
}
