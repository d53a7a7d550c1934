/**
 * @module protocols/rss/malicious/truncate-malicious
 * Truncation on a malicious context: x / 2^d rounded to the nearest integer (halves up), exactly
 * and deterministically, for every signed 64-bit x with x + 2^(d-1) still in the signed range,
 * with no party inputting anything. The semi-honest truncations (rss/truncate, rss/truncate-wrap) let
 * party 0 alone turn A = x0 + x1 into A >> d, which nobody can check; here the three share
 * components, each known to the two parties that hold it, are added in a boolean circuit whose
 * every AND is verified (malicious/verified-and), as the dealer-free A2B of the malicious
 * comparisons (malicious/compare-malicious) does, and only the two carries that a local shift
 * loses are computed:
 *
 *   x' = x + 2^(d-1) + 2^63 (public offsets in component 0: the rounding half, which keeps the
 *   result unbiased, and the shift to unsigned), read unsigned: 0 <= x' < 2^64.
 *   x0' + x1 + x2 = x' + W 2^64 as integers, W in {0, 1, 2} (the wrap), and
 *   floor(x' / 2^d) = sum_j floor(x_j' / 2^d) + c - W 2^(64-d),
 *   c = floor((l0 + l1 + l2) / 2^d) in {0, 1, 2}, l_j = x_j' mod 2^d (the carry of the low bits).
 *   round(x / 2^d) = floor((x + 2^(d-1)) / 2^d) = floor(x' / 2^d) - 2^(63-d).
 *
 * Carry-save layer (one AND): s = x0' ^ x1 ^ x2, m = maj(x0', x1, x2), x0' + x1 + x2 = s + 2m, so
 *   W = m_63 + carry-out(s + (m << 1)),   c = m_(d-1) + carry into bit d of s + (m << 1).
 * G = s & (m << 1), P = s ^ (m << 1) (one AND); the carry-out is the group generate of all 64
 * positions (rss/msb's tree, 6 ANDs), the carry into bit d the group generate of the low d bits
 * (the same tree on d-bit fields, packed, in parallel). The four bits go to arithmetic with two
 * verified products each (compare-malicious `bitToArithmetic`), the two m bits while the trees
 * run. Unlike `ltz`, the input's copies are not compared by digest first: a truncation's input
 * is a verified product (mulFixed, matmulFixed) or a linear combination of products and of
 * inputs checked where they entered, so two holders' copies of a component can only differ
 * after a deviation that the job's product check catches before any output leaves.
 *
 * Cost: 10 rounds; per element about 64 + 64 + 189 + 2d verified AND gates and 8 verified
 * products, nothing input by a single party. A party that deviates in any message (an AND, a
 * product) is caught by the job's checks. The result is deterministic and within half a unit of
 * x / 2^d (the semi-honest truncations give the floor or one above, within one unit).
 */
import { xorB, type BinaryShare } from '../binary-share.js';
import type { ProtocolContext } from '../context.js';
import { add, addPublic, mulPublic, split, sub } from '../local-ops.js';
import { groupGenerate, splitLanes, splitWords, type Halves } from '../msb.js';
import { checkShare, makeShare, type ReplicatedShare } from '../replicated-share.js';
import { bitToArithmetic, carrySave, fieldWidth } from './compare-malicious.js';
import { andVerified } from './verified-and.js';
import { concatWords } from './word-vectors.js';


/** [round(x / 2^bits)] on a malicious context, exact (see the module doc). 10 rounds. */
export async function truncateMalicious(parent: ProtocolContext, x: ReplicatedShare, bits: number): Promise<ReplicatedShare> {
  if (bits === 0) return x;
  const ctx = parent.scope('trunc-mal');
  const n = checkShare('x', x);
  const ring = ctx.ring;
  // This party's components: a = x_self, b = x_(self+1); the offset goes into component 0.
  const offset0 = (1n << 63n) + (1n << BigInt(bits - 1));
  const offset = (v: BigUint64Array, j: number): BigUint64Array => (j === 0 ? ring.add(v, new BigUint64Array(n).fill(offset0)) : v);
  const a = offset(x.a, ctx.self);
  const b = offset(x.b, (ctx.self + 1) % 3);
  // The branches that run concurrently draw their step tags from scopes of their own, made
  // here in a fixed order, so that every party numbers every message alike.
  const scopes: Branches = { maj: ctx.scope('maj-bits'), low: ctx.scope('low-carry'), high: ctx.scope('carry-out'), cout: ctx.scope('carry-bits') };
  const { m, cout } = await carryBits(ctx, scopes, a, b, bits);
  const [mArith, coutArith] = await Promise.all([m, cout.then((c) => bitToArithmetic(scopes.cout, c[0], c[1]))]);
  const [mLow, mHigh] = split(mArith, [n, n]);
  const [cLow, cHigh] = split(coutArith, [n, n]);
  const d = BigInt(bits);
  const lost = add(ctx, mLow!, cLow!);
  const wrap = add(ctx, mHigh!, cHigh!);
  const shifted = makeShare(ring.shiftRightLogical(a, bits), ring.shiftRightLogical(b, bits));
  const y = addPublic(ctx, sub(ctx, add(ctx, shifted, lost), mulPublic(ctx, wrap, 1n << (64n - d))), -(1n << (63n - d)));
  return makeShare(y.a, y.b, x.shape);
}

/** A component's bits for `bitToArithmetic`: this party's two component words, 0/1 each. */
type ComponentBits = [BigUint64Array, BigUint64Array];

/** The contexts of the concurrent branches: the m bits' B2A, the two carry trees, the carries' B2A. */
interface Branches {
  maj: ProtocolContext;
  low: ProtocolContext;
  high: ProtocolContext;
  cout: ProtocolContext;
}

/**
 * The circuit of the module doc on this party's (offset) components `a`, `b`: the arithmetic
 * [m_(d-1)], [m_63] (started as soon as m is known) and the component bits of the carry into
 * bit d and the carry-out, each 2n long (low then high).
 */
async function carryBits(ctx: ProtocolContext, scopes: Branches, a: BigUint64Array, b: BigUint64Array, bits: number): Promise<{ m: Promise<ReplicatedShare>; cout: Promise<ComponentBits> }> {
  const n = a.length;
  const { s, c, maj } = await carrySave(ctx, a, b, 64);
  const bit = (v: BigUint64Array, j: number): BigUint64Array => ctx.ring.and(ctx.ring.shiftRightLogical(v, j), new BigUint64Array(n).fill(1n));
  const pair = (v: BigUint64Array): BigUint64Array => concatWords([bit(v, bits - 1), bit(v, 63)]);
  const m = bitToArithmetic(scopes.maj, pair(maj.a), pair(maj.b));
  const cout = (async (): Promise<ComponentBits> => {
    const g = await andVerified(ctx, s, c);
    const p = xorB(ctx, s, c);
    const [low, high] = await Promise.all([lowCarry(scopes.low, g, p, bits), groupGenerate(scopes.high, [splitWords(g.a, p.a), splitWords(g.b, p.b)], 32, n, andVerified)]);
    const asWords = (l: Uint32Array): BigUint64Array => BigUint64Array.from(l, (t) => BigInt(t & 1));
    return [concatWords([asWords(low[0]!), asWords(high[0]!)]), concatWords([asWords(low[1]!), asWords(high[1]!)])];
  })();
  // Keep a rejection of one branch from going unhandled while the caller awaits the other.
  m.catch(() => undefined);
  cout.catch(() => undefined);
  return { m, cout };
}

/** The carry into bit `bits` of the sum whose per-position generate and propagate are g, p: the group generate of the low `bits` positions, per component. */
function lowCarry(ctx: ProtocolContext, g: BinaryShare, p: BinaryShare, bits: number): Promise<Uint32Array[]> {
  const width = fieldWidth(bits);
  const n = g.a.length;
  const ring = ctx.ring;
  // The low `bits` positions at the top of a `width`-bit field; the positions below are
  // neutral (G = P = 0), so the field's group generate is the carry out of those positions.
  const up = (v: BigUint64Array): BigUint64Array => ring.shiftLeft(v, 64 - bits);
  if (width === 64) return groupGenerate(ctx, [splitWords(up(g.a), up(p.a)), splitWords(up(g.b), up(p.b))], 32, n, andVerified);
  const lanes = (v: BigUint64Array): Uint32Array => Uint32Array.from(up(v), (w) => Number(w >> BigInt(64 - width)));
  const halves = (gw: BigUint64Array, pw: BigUint64Array): Halves => splitLanes({ g: lanes(gw), p: lanes(pw) });
  return groupGenerate(ctx, [halves(g.a, p.a), halves(g.b, p.b)], width / 2, n, andVerified);
}

