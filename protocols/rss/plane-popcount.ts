/**
 * @module protocols/rss/plane-popcount
 * Arithmetic shares of the number of 1s in each of V shared bit vectors (W words each, 64 bits
 * per word), without converting every bit: a bit-sliced carry-save (Wallace) tree, then bit
 * injection of the few bits left.
 *
 * Each vector is a multiset of words with weights 2^w (all of weight 1 at the start); the count
 * is the sum over lanes (bit positions) of the words' bits times their weights. A round takes,
 * at every weight with m >= 3 words, t = floor(m / 3) triples (X, Y, Z) through full adders on
 * whole words: sum = X ^ Y ^ Z stays at weight w, carry = ((X ^ Z) & (Y ^ Z)) ^ Z moves to
 * weight 2w; one AND of t words per weight, all weights and vectors in one message. When no
 * weight has 3 words left, the lanes are halved (each word splits into its low and high half
 * lanes, local) and the rounds go on, down to one-bit lanes. What is left, at most 2 bits per
 * weight, is converted with daBits (rss/dabit, made alongside from the start: the tree's shape
 * depends on W only) and summed with the weights locally.
 * Cost per vector: about W words of AND in total (every AND removes one word of the multiset),
 * about log_{3/2}(W) + 6 log_{3/2}(2) rounds + 1, and ~2 log2(64 W) daBits.
 * Malicious (the verified AND gate passed in, malicious/verified-and): every full adder's AND
 * goes to the job's batch check, and the bits left are converted from their trivially shared
 * components with two verified products each (malicious/compare-malicious `bitToArithmetic`:
 * 2 rounds instead of 1, no daBits), so no step of the count is unverified.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { andB, makeBinaryShare, type BinaryShare } from './binary-share.js';
import type { ProtocolContext } from './context.js';
import { b2aWithDaBits, randomDaBits, type DaBits } from './dabit.js';
import { bitToArithmetic } from './malicious/compare-malicious.js';
import type { AndGate } from './msb.js';
import { makeShare, type ReplicatedShare } from './replicated-share.js';

/** The multiset's shape: words per weight (index w = weight 2^w) and the lane width. */
interface Shape {
  readonly m: readonly number[];
  readonly lane: number;
}

/** The next shape: a carry-save round when a weight has 3 words or more, else a lane halving; null at the end. */
function nextShape(s: Shape): { shape: Shape; kind: 'csa' | 'fold' } | null {
  if (s.m.some((m) => m >= 3)) {
    const m = s.m.map((v, w) => v - 2 * Math.floor(v / 3) + (w > 0 ? Math.floor(s.m[w - 1]! / 3) : 0));
    const top = Math.floor(s.m[s.m.length - 1]! / 3);
    return { shape: { m: top > 0 ? [...m, top] : m, lane: s.lane }, kind: 'csa' };
  }
  if (s.lane > 1) return { shape: { m: s.m.map((v) => 2 * v), lane: s.lane / 2 }, kind: 'fold' };
  return null;
}

/** Words left per weight at the end, for W words per vector. */
function finalShape(W: number): Shape {
  let s: Shape = { m: [W], lane: 64 };
  for (let next = nextShape(s); next; next = nextShape(s)) s = next.shape;
  return s;
}

/** One component of the multiset: per weight, V m_w words, vector-major. */
type Words = BigUint64Array[];

/**
 * The number of 1 bits in each of the V vectors of `bits` (V W words, vector-major), as
 * arithmetic shares (V elements), with the AND gate `and` (default `andB`; a malicious context
 * needs the verified one, and its context's mode chooses the conversion of the module doc).
 */
export async function popcountVectors(parent: ProtocolContext, bits: BinaryShare, V: number, and: AndGate = andB): Promise<ReplicatedShare> {
  const ctx = parent.scope('popcount');
  const malicious = ctx.security === 'malicious';
  if (!Number.isSafeInteger(V) || V < 1 || bits.a.length % V !== 0) throw new InvalidArgumentError(`V: expected a positive divisor of ${bits.a.length}, got ${String(V)}`);
  const W = bits.a.length / V;
  const end = finalShape(W);
  const slots = end.m.reduce((t, m) => t + m, 0);
  const ring = ctx.ring;
  const [treeCtx, daCtx] = [ctx.scope('tree'), ctx.scope('dabits')];
  const daBitsP: Promise<DaBits> | undefined = malicious ? undefined : randomDaBits(daCtx, V * slots);
  let shape: Shape = { m: [W], lane: 64 };
  let comp: [Words, Words] = [[bits.a], [bits.b]];
  const slice = (v: BigUint64Array, m: number, from: number, len: number): BigUint64Array => {
    const out = new BigUint64Array(V * len);
    for (let q = 0; q < V; q++) out.set(v.subarray(q * m + from, q * m + from + len), q * len);
    return out;
  };
  const join = (parts: { v: BigUint64Array; m: number }[]): BigUint64Array => {
    const total = parts.reduce((t, p) => t + p.m, 0);
    const out = new BigUint64Array(V * total);
    for (let q = 0; q < V; q++) {
      let at = q * total;
      for (const p of parts) {
        out.set(p.v.subarray(q * p.m, (q + 1) * p.m), at);
        at += p.m;
      }
    }
    return out;
  };
  for (let next = nextShape(shape); next; next = nextShape(shape)) {
    if (next.kind === 'fold') {
      const half = shape.lane / 2;
      const mask = (1n << BigInt(half)) - 1n;
      comp = comp.map((ws) =>
        ws.map((v) => {
          const out = new BigUint64Array(2 * v.length);
          for (let t = 0; t < v.length; t++) {
            out[2 * t] = v[t]! & mask;
            out[2 * t + 1] = (v[t]! >> BigInt(half)) & mask;
          }
          return out;
        }),
      ) as [Words, Words];
      shape = next.shape;
      continue;
    }
    // Full adders at every weight with 3 words or more, one AND for all.
    const ts = shape.m.map((m) => Math.floor(m / 3));
    const parts = comp.map((ws) =>
      ws.map((v, w) => {
        const m = shape.m[w]!;
        const t = ts[w]!;
        return { X: slice(v, m, 0, t), Y: slice(v, m, t, t), Z: slice(v, m, 2 * t, t), rest: slice(v, m, 3 * t, m - 3 * t) };
      }),
    );
    const T = ts.reduce((s, t) => s + t, 0);
    const opX = comp.map(() => new BigUint64Array(V * T));
    const opY = comp.map(() => new BigUint64Array(V * T));
    let at = 0;
    ts.forEach((t, w) => {
      for (let c = 0; c < 2; c++) {
        const p = parts[c]![w]!;
        opX[c]!.set(ring.xor(p.X, p.Z), at);
        opY[c]!.set(ring.xor(p.Y, p.Z), at);
      }
      at += V * t;
    });
    const prod = await and(treeCtx, makeBinaryShare(opX[0]!, opX[1]!), makeBinaryShare(opY[0]!, opY[1]!));
    const prodC = [prod.a, prod.b];
    comp = [0, 1].map((c) => {
      const out: Words = [];
      let off = 0;
      const carries: BigUint64Array[] = [];
      ts.forEach((t, w) => {
        const p = parts[c]![w]!;
        carries.push(ring.xor(prodC[c]!.subarray(off, off + V * t), p.Z));
        off += V * t;
      });
      shape.m.forEach((m, w) => {
        const p = parts[c]![w]!;
        const t = ts[w]!;
        const pieces = [{ v: ring.xor(ring.xor(p.X, p.Y), p.Z), m: t }, { v: p.rest, m: m - 3 * t }];
        if (w > 0) pieces.push({ v: carries[w - 1]!, m: ts[w - 1]! });
        out.push(join(pieces));
      });
      const top = ts[ts.length - 1]!;
      if (top > 0) out.push(carries[carries.length - 1]!);
      return out;
    }) as [Words, Words];
    shape = next.shape;
  }
  // One word per remaining bit, vector-major: vector q, then weight w, then word.
  const flat = comp.map((ws) => {
    const out = new BigUint64Array(V * slots);
    let i = 0;
    for (let q = 0; q < V; q++) ws.forEach((v, w) => v.subarray(q * shape.m[w]!, (q + 1) * shape.m[w]!).forEach((x) => (out[i++] = x)));
    return out;
  });
  // Each word's bit 0 is the bit (the components' higher bits are the AND reshares' zero-share
  // masks, which cancel in the XOR but not in an arithmetic sum: bitToArithmetic needs 0/1 words).
  const low = (v: BigUint64Array): BigUint64Array => ring.and(v, new BigUint64Array(v.length).fill(1n));
  const arith = daBitsP === undefined ? await bitToArithmetic(daCtx, low(flat[0]!), low(flat[1]!)) : await b2aWithDaBits(ctx, makeBinaryShare(flat[0]!, flat[1]!), await daBitsP);
  const weights: bigint[] = [];
  shape.m.forEach((m, w) => {
    for (let k = 0; k < m; k++) weights.push(1n << BigInt(w));
  });
  const sums = [arith.a, arith.b].map((v) => {
    const out = new BigUint64Array(V);
    for (let q = 0; q < V; q++) {
      let s = 0n;
      for (let k = 0; k < slots; k++) s += weights[k]! * v[q * slots + k]!;
      out[q] = BigInt.asUintN(64, s);
    }
    return out;
  });
  return makeShare(sums[0]!, sums[1]!);
}
