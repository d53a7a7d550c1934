/**
 * @module protocols/rss/msb
 * Most significant bit of an arithmetic sharing with a carry-out tree whose live bits halve at
 * every level (the layout of SPU's ABY3 MsbA2B carry_out; ABY3 section 5.3):
 *
 *   1. [v]^B = [x0 + x1]^B input by party 0 (1 round); [w]^B = (0, 0, x2) is free.
 *   2. G = v & w (1 round), P = v ^ w. msb(x) = P_63 ^ c_63, where c_63, the carry into bit 63,
 *      is the group generate of bit positions 0..62. Shifting G and P left by one puts those 63
 *      positions at 1..63 above a neutral position 0, so c_63 is the group generate of all 64.
 *   3. Six levels, each pairing positions (2j+1, 2j):
 *        G'_j = G_{2j+1} ^ (P_{2j+1} & G_{2j}),   P'_j = P_{2j+1} & P_{2j}
 *      Both ANDs of a level go into one `andB`; the last level needs no P'. The odd and even bits
 *      are compacted locally (XOR-linear, so each share component is compacted on its own), and
 *      the shrinking operands of many elements are packed into shared 64-bit words.
 *
 * Cost: 8 rounds (like a2b); AND traffic per element is 64 + 64 + 32 + 16 + 8 + 4 + 1 = 189 bits
 * (24 bytes, rounded up per batch) instead of the 768 bits of a full-word Kogge-Stone adder.
 */
import type { ProtocolContext } from './context.js';
import { checkShare, type ReplicatedShare } from './replicated-share.js';
import { andB, makeBinaryShare, type BinaryShare } from './binary-share.js';
import { binaryFromParties12, inputBinary } from './conversion.js';
import { evenOddOfLanes, evenOddOfWords, pack, unpack } from './bit-packing.js';

/** One share component's (G, P) per element, as `width`-bit values in 32-bit lanes (width <= 32). */
export interface Level {
  g: Uint32Array;
  p: Uint32Array;
}

/** Odd/even halves of per-element values of one component. */
export interface Halves {
  gOdd: Uint32Array;
  gEven: Uint32Array;
  pOdd: Uint32Array;
  pEven: Uint32Array;
}

/** An AND gate on shared words: `andB`, or malicious/verified-and's checked gate. */
export type AndGate = (ctx: ProtocolContext, x: BinaryShare, y: BinaryShare) => Promise<BinaryShare>;

/** Splits 64-bit G and P words (one component) into odd and even 32-bit halves. */
export function splitWords(g: BigUint64Array, p: BigUint64Array): Halves {
  const gs = evenOddOfWords(g);
  const ps = evenOddOfWords(p);
  return { gOdd: gs.odd, gEven: gs.even, pOdd: ps.odd, pEven: ps.even };
}

/** Splits `width`-bit values (width <= 32) into odd and even halves of width / 2 bits. */
export function splitLanes(level: Level): Halves {
  const gs = evenOddOfLanes(level.g);
  const ps = evenOddOfLanes(level.p);
  return { gOdd: gs.odd, gEven: gs.even, pOdd: ps.odd, pEven: ps.even };
}

/**
 * The group generate (carry out) of every element's (G, P) bits, one boolean share component per
 * entry of `first`: the odd/even halves of the lowest level, each `firstWidth` bits wide (a power
 * of two, 1..32). One `andB` per level, log2(2 firstWidth) rounds; the operands of a level are
 * packed so that the bytes sent shrink with the live bits. Returns the carry in bit 0 of a lane
 * per element, per component. `and` is the gate (default `andB`; the malicious comparisons
 * pass their verified gate, so both modes run the same circuit).
 */
export async function groupGenerate(ctx: ProtocolContext, first: Halves[], firstWidth: number, n: number, and: AndGate = andB): Promise<Uint32Array[]> {
  let halves = first;
  let width = firstWidth; // width of the halves, in bits
  let levels: Level[] = [];
  while (true) {
    const last = width === 1;
    const operandBits = last ? 1 : 2 * width;
    const xs = halves.map((h) => {
      if (last) return h.pOdd;
      const o = new Uint32Array(operandBits === 64 ? 2 * n : n);
      if (operandBits === 64) {
        for (let t = 0; t < n; t++) {
          o[2 * t] = h.pOdd[t]!;
          o[2 * t + 1] = h.pOdd[t]!;
        }
      } else {
        for (let t = 0; t < n; t++) o[t] = (h.pOdd[t]! | (h.pOdd[t]! << width)) >>> 0;
      }
      return o;
    });
    const ys = halves.map((h) => {
      if (last) return h.gEven;
      const o = new Uint32Array(operandBits === 64 ? 2 * n : n);
      if (operandBits === 64) {
        for (let t = 0; t < n; t++) {
          o[2 * t] = h.gEven[t]!;
          o[2 * t + 1] = h.pEven[t]!;
        }
      } else {
        for (let t = 0; t < n; t++) o[t] = (h.gEven[t]! | (h.pEven[t]! << width)) >>> 0;
      }
      return o;
    });
    // Pack: 64-bit operands are already one word per element (two lanes); narrower ones share words.
    const packBits = operandBits === 64 ? 32 : operandBits;
    const packedLen = operandBits === 64 ? 2 * n : n;
    const X = makeBinaryShare(pack(xs[0]!, packBits), pack(xs[1]!, packBits));
    const Y = makeBinaryShare(pack(ys[0]!, packBits), pack(ys[1]!, packBits));
    const prod = await and(ctx, X, Y);
    const prodLanes = [unpack(prod.a, packedLen, packBits), unpack(prod.b, packedLen, packBits)];
    levels = halves.map((h, c) => {
      const r = prodLanes[c]!;
      const g = new Uint32Array(n);
      const p = new Uint32Array(n);
      const mask = width === 32 ? 0xffffffff : (1 << width) - 1;
      for (let t = 0; t < n; t++) {
        if (last) {
          g[t] = h.gOdd[t]! ^ r[t]!;
        } else if (operandBits === 64) {
          g[t] = (h.gOdd[t]! ^ r[2 * t]!) >>> 0;
          p[t] = r[2 * t + 1]!;
        } else {
          g[t] = (h.gOdd[t]! ^ (r[t]! & mask)) >>> 0;
          p[t] = (r[t]! >>> width) & mask;
        }
      }
      return { g, p };
    });
    if (last) break;
    halves = levels.map(splitLanes);
    width >>= 1;
  }
  return levels.map((l) => l.g);
}

/**
 * [msb(x)]^B in the lowest bit of each word: 1 when x < 0 as a signed value. 8 rounds,
 * 8 bytes per element from party 0 for the input plus about 24 bytes per element per party.
 */
export async function msbBit(parent: ProtocolContext, x: ReplicatedShare): Promise<BinaryShare> {
  const ctx = parent.scope('msb');
  const n = checkShare('x', x);
  const ring = ctx.ring;
  const v = await inputBinary(ctx, 0, ctx.self === 0 ? ring.add(x.a, x.b) : undefined, n);
  const w = binaryFromParties12(ctx, ctx.self === 1 ? x.b : x.a);
  const g0 = await andB(ctx, v, w);
  const p0a = ring.xor(v.a, w.a);
  const p0b = ring.xor(v.b, w.b);

  // Level 1 from 64-bit words: operands are 64 bits per element (P_odd | P_odd, G_even | P_even).
  const halves = [splitWords(ring.shiftLeft(g0.a, 1), ring.shiftLeft(p0a, 1)), splitWords(ring.shiftLeft(g0.b, 1), ring.shiftLeft(p0b, 1))];
  const carries = await groupGenerate(ctx, halves, 32, n);
  // msb = P_63 ^ carry_63, both in the lowest bit.
  const msbOf = (p: BigUint64Array, carry: Uint32Array): BigUint64Array => {
    const out = ring.shiftRightLogical(p, 63);
    for (let t = 0; t < n; t++) out[t] = out[t]! ^ BigInt(carry[t]! & 1);
    return out;
  };
  return makeBinaryShare(msbOf(p0a, carries[0]!), msbOf(p0b, carries[1]!), x.shape);
}
