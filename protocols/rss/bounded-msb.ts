/**
 * @module protocols/rss/bounded-msb
 * [x < 0] for values known to lie in a small signed range, with a carry tree only as wide as
 * the range (range-aware comparison; ABY3 section 5.3 restricted to the low bits).
 *
 * If -2^k <= x < 2^k, then x mod 2^W with W = k + 1 is x in W-bit two's complement, so
 * [x < 0] is bit W-1 of (A + B) mod 2^W, where A = x0 + x1 (party 0) and B = x2 (parties 1, 2):
 * the shares' low W bits are all that is needed. With L = the next power of two >= W (<= 32):
 *   1. [A mod 2^W]^B input by party 0, packed L bits per element (1 round, L/8 bytes);
 *      [B mod 2^W]^B = (0, 0, B) is free.
 *   2. G = a & b (1 round, L bits per element), P = a ^ b. The carry into bit W-1 is the group
 *      generate of positions 0..W-2; shifting them to the top of an L-bit lane (positions below
 *      hold G = 0) lets the halving tree of rss/msb run on L-bit lanes: log2(L) rounds, with
 *      2L/2 + 2L/4 + ... bits of AND per element, packed.
 *   3. msb = P_{W-1} ^ carry.
 * Cost for W <= 32: 2 + log2(L) rounds (7 for L = 32, 6 for L = 16), about 2L + L/8 bits per
 * element from party 0 for the input and first AND, then ~L bits of tree per party. Wider
 * ranges (W > 32) use the 64-bit `msbBit` (8 rounds), which is exact for every x.
 *
 * An x outside the promised range yields an unspecified bit (still 0 or 1): callers use it only
 * on rows where the range holds (a row outside its column's validated range is multiplied by a
 * validity bit 0). Semi-honest only, like the boolean `msbBit`.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { andB, makeBinaryShare, type BinaryShare } from './binary-share.js';
import { pack, unpack } from './bit-packing.js';
import type { ProtocolContext } from './context.js';
import { inputBinary } from './conversion.js';
import { requireSemiHonest } from './malicious/guard.js';
import { groupGenerate, msbBit, splitLanes } from './msb.js';
import { checkShare, type ReplicatedShare } from './replicated-share.js';

/** Widest range handled on 32-bit lanes; wider ones go to the 64-bit `msbBit`. */
const MAX_LANE_BITS = 32;

/** Words that `pack(values of length n, bits)` produces (all parties must agree on it). */
function packedWords(n: number, bits: number): number {
  const lanes = Math.ceil(n / (32 / bits));
  return (lanes + (lanes % 2)) / 2;
}

/** The low `w` bits (w <= 32) of each word, as 32-bit lanes. */
function lowBits(v: BigUint64Array, w: number): Uint32Array {
  const out = new Uint32Array(v.length);
  const mask = (1n << BigInt(w)) - 1n;
  for (let t = 0; t < v.length; t++) out[t] = Number(v[t]! & mask);
  return out;
}

/**
 * [x < 0]^B in the lowest bit of each word, for x known to satisfy -2^bits <= x < 2^bits
 * (see the module doc; an x outside that range gives an unspecified bit).
 * @param bits the range exponent k, an integer in 1..63.
 */
export async function ltzBoundedBit(parent: ProtocolContext, x: ReplicatedShare, bits: number): Promise<BinaryShare> {
  requireSemiHonest(parent, 'ltzBoundedBit');
  if (!Number.isInteger(bits) || bits < 1 || bits > 63) throw new InvalidArgumentError(`bits: expected an integer in 1..63, got ${String(bits)}`);
  const W = bits + 1;
  if (W > MAX_LANE_BITS) return msbBit(parent, x);
  const ctx = parent.scope('msb-bounded');
  const n = checkShare('x', x);
  const ring = ctx.ring;
  const L = 2 ** Math.ceil(Math.log2(W));
  const words = packedWords(n, L);
  // Party 0 inputs the low W bits of A = x0 + x1, packed L bits per element.
  const vIn = await inputBinary(ctx, 0, ctx.self === 0 ? pack(lowBits(ring.add(x.a, x.b), W), L) : undefined, words);
  const v = [unpack(vIn.a, n, L), unpack(vIn.b, n, L)];
  // B = x2 is party 1's b and party 2's a; its boolean sharing is (0, 0, B).
  const zero = new Uint32Array(n);
  const bLow = ctx.self === 0 ? zero : lowBits(ctx.self === 1 ? x.b : x.a, W);
  const w = ctx.self === 0 ? [zero, zero] : ctx.self === 1 ? [zero, bLow] : [bLow, zero];
  const g0s = await andB(ctx, makeBinaryShare(pack(v[0]!, L), pack(v[1]!, L)), makeBinaryShare(pack(w[0]!, L), pack(w[1]!, L)));
  const g0 = [unpack(g0s.a, n, L), unpack(g0s.b, n, L)];
  // Positions 0..W-2 moved to the top of an L-bit lane: the tree's carry out is the carry into bit W-1.
  const shift = L - W + 1;
  const laneMask = L === 32 ? 0xffffffff : (1 << L) - 1;
  const p0 = v.map((vc, c) => {
    const p = new Uint32Array(n);
    for (let t = 0; t < n; t++) p[t] = (vc[t]! ^ w[c]![t]!) >>> 0;
    return p;
  });
  const first = [0, 1].map((c) => {
    const g = new Uint32Array(n);
    const p = new Uint32Array(n);
    for (let t = 0; t < n; t++) {
      g[t] = ((g0[c]![t]! << shift) & laneMask) >>> 0;
      p[t] = ((p0[c]![t]! << shift) & laneMask) >>> 0;
    }
    return splitLanes({ g, p });
  });
  const carries = await groupGenerate(ctx, first, L / 2, n);
  const msbOf = (p: Uint32Array, carry: Uint32Array): BigUint64Array => {
    const out = new BigUint64Array(n);
    for (let t = 0; t < n; t++) out[t] = BigInt(((p[t]! >>> (W - 1)) ^ carry[t]!) & 1);
    return out;
  };
  return makeBinaryShare(msbOf(p0[0]!, carries[0]!), msbOf(p0[1]!, carries[1]!), x.shape);
}
