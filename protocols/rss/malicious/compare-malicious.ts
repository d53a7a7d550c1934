/**
 * @module protocols/rss/malicious/compare-malicious
 * `ltz` and `equalZero` on a malicious context, on packed boolean shares whose every AND is
 * verified (malicious/verified-and, checked by malicious/verify-ands): no party chooses a
 * comparison result (in semi-honest mode party 0 alone inputs x0 + x1 to A2B and MSB).
 *
 * A2B without a dealer: the arithmetic components x0, x1, x2 of x are each known to the two
 * parties that hold them, so each is trivially a boolean sharing (the component in its place,
 * zeros elsewhere); the holders' copies are compared by digest (malicious/consistency), and a
 * carry-save layer adds the three words with one AND per bit:
 *   s = x0 ^ x1 ^ x2,  c = maj(x0, x1, x2) = ((x0 ^ x2) & (x1 ^ x2)) ^ x2,  x = s + (c << 1).
 * - ltz(x) = msb(s + (c << 1)): G = s & (c << 1), P = s ^ (c << 1) (one AND), then the carry tree
 *   of rss/msb over the odd/even halves (6 ANDs on packed operands): 8 AND rounds, about 253
 *   AND gates per element. On W-bit fields (W <= 32, rounded up to a power of two) the same
 *   circuit gives the bounded comparisons (malicious/bounded-compare-malicious).
 * - equalZero(x): x = 0 iff x0 + x1 + (x2 - 1) = -1 iff s ^ (c << 1) = ~0 with s, c from
 *   (x0, x1, x2 - 1) (u + v = 2^64 - 1 exactly when no position carries), then the AND of the 64
 *   bits (rss/and-tree): 7 AND rounds, 127 gates.
 * B2A: the result bit b = b0 ^ b1 ^ b2 back to an arithmetic 0/1 from its trivially shared
 * components with two verified products (b0 ^ b1 = b0 + b1 - 2 b0 b1, then with b2): 2 rounds.
 * Results are bit-identical to semi-honest mode.
 */
import { makeBinaryShare, xorB, type BinaryShare } from '../binary-share.js';
import { pack, toLanes, unpack } from '../bit-packing.js';
import type { ProtocolContext } from '../context.js';
import { add, mulPublic, sub } from '../local-ops.js';
import { mul } from '../mul.js';
import { checkShare, makeShare, type ReplicatedShare } from '../replicated-share.js';
import { checkConsistent } from './consistency.js';
import { allOnesLanes } from '../and-tree.js';
import { groupGenerate, splitLanes, splitWords } from '../msb.js';
import { andVerified } from './verified-and.js';

/**
 * Awaits the input check and the circuit that runs beside it; the check's failure wins (a peer
 * that caught the same deviation may abort first and fail the circuit's messages).
 */
export async function besideCheck<T>(check: Promise<void>, work: Promise<T>): Promise<T> {
  const [c, w] = await Promise.allSettled([check, work]);
  if (c.status === 'rejected') throw c.reason;
  if (w.status === 'rejected') throw w.reason;
  return w.value;
}

/** u xor v = u + v - 2uv for 0/1 sharings, given uv. */
export function xorWith(ctx: ProtocolContext, u: ReplicatedShare, v: ReplicatedShare, uv: ReplicatedShare): ReplicatedShare {
  return sub(ctx, add(ctx, u, v), mulPublic(ctx, uv, 2n));
}

/**
 * The arithmetic 0/1 of a boolean bit given as this party's two component bits (0/1 words):
 * b0 ^ b1 ^ b2 from the trivially shared [b_j] with two verified products.
 */
export async function bitToArithmetic(ctx: ProtocolContext, mine: BigUint64Array, theirs: BigUint64Array, shape?: readonly number[]): Promise<ReplicatedShare> {
  const n = mine.length;
  const zeros = new BigUint64Array(n);
  // [b_j]: component j in its place. This party holds components self (a) and self+1 (b).
  const comp = (j: number): ReplicatedShare => makeShare(j === ctx.self ? mine : zeros, j === (ctx.self + 1) % 3 ? theirs : zeros);
  const [b0, b1, b2] = [comp(0), comp(1), comp(2)];
  const b01 = xorWith(ctx, b0, b1, await mul(ctx, b0, b1));
  const r = xorWith(ctx, b01, b2, await mul(ctx, b01, b2));
  return shape === undefined ? r : makeShare(r.a, r.b, shape);
}

/** The per-element field width of W-bit values: 64 above 32, else W rounded up to a power of two (at least 2). */
export function fieldWidth(w: number): number {
  if (w > 32) return 64;
  let f = 2;
  while (f < w) f *= 2;
  return f;
}

/** The low `w` bits of each element, at the top of a `width`-bit field, packed (width <= 32) or one word per element (width 64). */
function fieldWords(ctx: ProtocolContext, v: BigUint64Array, w: number, width: number): BigUint64Array {
  const shifted = ctx.ring.shiftLeft(v, width - w);
  if (width === 64) return shifted;
  const lanes = toLanes(shifted);
  const mask = width === 32 ? 0xffffffff : (1 << width) - 1;
  const f = new Uint32Array(v.length);
  for (let t = 0; t < v.length; t++) f[t] = lanes[2 * t]! & mask;
  return pack(f, width);
}

/** A word with bit 0 of every `width`-bit field set. */
function fieldStarts(width: number): bigint {
  let m = 0n;
  for (let k = 0; k < 64; k += width) m |= 1n << BigInt(k);
  return m;
}

/** (x << 1) inside every `width`-bit field (each field's top bit dropped), on each component. */
function shiftFields(ctx: ProtocolContext, x: BinaryShare, width: number): BinaryShare {
  const keep = new BigUint64Array(x.a.length).fill(~fieldStarts(width) & ((1n << 64n) - 1n));
  const r = ctx.ring;
  return makeBinaryShare(r.and(r.shiftLeft(x.a, 1), keep), r.and(r.shiftLeft(x.b, 1), keep));
}

/**
 * The carry-save layer over the three trivially shared components of a sharing whose
 * components are given per party (`a` = component self, `b` = component self+1, both already in
 * field words): returns s, the majority `maj` and c = maj << 1 inside each field (one verified AND).
 */
export async function carrySave(ctx: ProtocolContext, a: BigUint64Array, b: BigUint64Array, width: number): Promise<{ s: BinaryShare; c: BinaryShare; maj: BinaryShare }> {
  const zeros = new BigUint64Array(a.length);
  const comp = (j: number): BinaryShare => makeBinaryShare(j === ctx.self ? a : zeros, j === (ctx.self + 1) % 3 ? b : zeros);
  const [x0, x1, x2] = [comp(0), comp(1), comp(2)];
  const maj = xorB(ctx, await andVerified(ctx, xorB(ctx, x0, x2), xorB(ctx, x1, x2)), x2);
  return { s: xorB(ctx, xorB(ctx, x0, x1), x2), c: shiftFields(ctx, maj, width), maj };
}

/**
 * Bit w-1 of (x0 + x1 + x2') mod 2^w for every element, x2' = x2 - t2 (`t2`: one public value per
 * element, subtracted from component 2), as this party's two component bits (0/1 words).
 * `a`, `b`: this party's components of x, `n` elements. The caller checks their consistency.
 */
export async function signBitOfSum(ctx: ProtocolContext, a: BigUint64Array, b: BigUint64Array, t2: BigUint64Array, w: number): Promise<[BigUint64Array, BigUint64Array]> {
  const n = a.length;
  const ring = ctx.ring;
  const width = fieldWidth(w);
  const minus = (v: BigUint64Array, j: number): BigUint64Array => (j === 2 ? ring.sub(v, t2) : v);
  const fa = fieldWords(ctx, minus(a, ctx.self), w, width);
  const fb = fieldWords(ctx, minus(b, (ctx.self + 1) % 3), w, width);
  const { s, c } = await carrySave(ctx, fa, fb, width);
  const g = await andVerified(ctx, s, c);
  const p = xorB(ctx, s, c);
  // Shifting G and P up by one inside each field puts positions 0..width-2 above a neutral
  // position 0: the group generate of the field is the carry into its top bit.
  const gs = shiftFields(ctx, g, width);
  const ps = shiftFields(ctx, p, width);
  const halves =
    width === 64
      ? [splitWords(gs.a, ps.a), splitWords(gs.b, ps.b)]
      : [splitLanes({ g: unpack(gs.a, n, width), p: unpack(ps.a, n, width) }), splitLanes({ g: unpack(gs.b, n, width), p: unpack(ps.b, n, width) })];
  const carries = await groupGenerate(ctx, halves, width / 2, n, andVerified);
  const top = (pw: BigUint64Array, carry: Uint32Array): BigUint64Array => {
    const out = new BigUint64Array(n);
    if (width === 64) {
      for (let t = 0; t < n; t++) out[t] = (pw[t]! >> 63n) ^ BigInt(carry[t]! & 1);
    } else {
      const f = unpack(pw, n, width);
      for (let t = 0; t < n; t++) out[t] = BigInt(((f[t]! >>> (width - 1)) ^ carry[t]!) & 1);
    }
    return out;
  };
  return [top(p.a, carries[0]!), top(p.b, carries[1]!)];
}

/** [x < 0] as an arithmetic 0/1 on a malicious context (see the module doc). */
export async function ltzMalicious(parent: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare> {
  const ctx = parent.scope('ltz-mal');
  const n = checkShare('x', x);
  const [mine, theirs] = await besideCheck(checkConsistent(ctx, x), signBitOfSum(ctx, x.a, x.b, new BigUint64Array(n), 64));
  return bitToArithmetic(ctx, mine, theirs, x.shape);
}

/** [x == 0] as an arithmetic 0/1 on a malicious context (see the module doc). */
export async function equalZeroMalicious(parent: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare> {
  const ctx = parent.scope('eqz-mal');
  checkShare('x', x);
  const ring = ctx.ring;
  const one = new BigUint64Array(x.a.length).fill(1n);
  const a = ctx.self === 2 ? ring.sub(x.a, one) : x.a;
  const b = ctx.self === 1 ? ring.sub(x.b, one) : x.b;
  const check = checkConsistent(ctx, x);
  const e = (async (): Promise<Uint32Array[]> => {
    const { s, c } = await carrySave(ctx, a, b, 64);
    return allOnesLanes(ctx, xorB(ctx, s, c), andVerified);
  })();
  const bits = await besideCheck(check, e);
  const asWords = (v: Uint32Array): BigUint64Array => BigUint64Array.from(v, (t) => BigInt(t & 1));
  return bitToArithmetic(ctx, asWords(bits[0]!), asWords(bits[1]!), x.shape);
}
