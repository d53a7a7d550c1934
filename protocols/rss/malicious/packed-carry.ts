/**
 * @module protocols/rss/malicious/packed-carry
 * The packed boolean circuits of the malicious comparisons on an injected AND gate
 * (malicious/verified-and): the carry-out tree of rss/msb (`groupGenerate`, live bits halving
 * at every level, narrow operands of many elements packed into shared words) and the AND of all
 * 64 bits of a word of rss/and-tree. The same circuits as the semi-honest ones, so the results
 * are bit-identical; only the gate differs.
 */
import { makeBinaryShare, type BinaryShare } from '../binary-share.js';
import { evenOddOfLanes, evenOddOfWords, pack, unpack } from '../bit-packing.js';
import type { ProtocolContext } from '../context.js';
import { splitLanes, type Halves, type Level } from '../msb.js';

/** An AND gate on shared words. */
export type AndGate = (ctx: ProtocolContext, x: BinaryShare, y: BinaryShare) => Promise<BinaryShare>;

/** Splits 64-bit G and P words (one component) into odd and even 32-bit halves. */
export function splitWords(g: BigUint64Array, p: BigUint64Array): Halves {
  const gs = evenOddOfWords(g);
  const ps = evenOddOfWords(p);
  return { gOdd: gs.odd, gEven: gs.even, pOdd: ps.odd, pEven: ps.even };
}

/**
 * The group generate of every element's (G, P) bits, as rss/msb `groupGenerate` (one AND per
 * level, log2(2 firstWidth) rounds), with `and` for the gate. Returns the carry in bit 0 of a
 * lane per element, per component.
 */
export async function groupGenerateWith(and: AndGate, ctx: ProtocolContext, first: Halves[], firstWidth: number, n: number): Promise<Uint32Array[]> {
  let halves = first;
  let width = firstWidth;
  let levels: Level[] = [];
  while (true) {
    const last = width === 1;
    const operandBits = last ? 1 : 2 * width;
    const wide = operandBits === 64;
    // X = (P_odd | P_odd), Y = (G_even | P_even): G' = G_odd ^ P_odd G_even, P' = P_odd P_even.
    const operand = (lo: (h: Halves) => Uint32Array, hi: (h: Halves) => Uint32Array): Uint32Array[] =>
      halves.map((h) => {
        if (last) return lo(h);
        const o = new Uint32Array(wide ? 2 * n : n);
        const l = lo(h);
        const u = hi(h);
        for (let t = 0; t < n; t++) {
          if (wide) {
            o[2 * t] = l[t]!;
            o[2 * t + 1] = u[t]!;
          } else {
            o[t] = (l[t]! | (u[t]! << width)) >>> 0;
          }
        }
        return o;
      });
    const xs = operand((h) => h.pOdd, (h) => h.pOdd);
    const ys = operand((h) => h.gEven, (h) => h.pEven);
    const packBits = wide ? 32 : operandBits;
    const packedLen = wide ? 2 * n : n;
    const prod = await and(ctx, makeBinaryShare(pack(xs[0]!, packBits), pack(xs[1]!, packBits)), makeBinaryShare(pack(ys[0]!, packBits), pack(ys[1]!, packBits)));
    const prodLanes = [unpack(prod.a, packedLen, packBits), unpack(prod.b, packedLen, packBits)];
    levels = halves.map((h, c) => {
      const r = prodLanes[c]!;
      const g = new Uint32Array(n);
      const p = new Uint32Array(n);
      const mask = width === 32 ? 0xffffffff : (1 << width) - 1;
      for (let t = 0; t < n; t++) {
        if (last) {
          g[t] = h.gOdd[t]! ^ r[t]!;
        } else if (wide) {
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

/** [AND of the 64 bits of e] in bit 0 of a lane per element, per component, as rss/and-tree, with `and` for the gate. 6 rounds. */
export async function allOnesWith(and: AndGate, ctx: ProtocolContext, e: BinaryShare): Promise<Uint32Array[]> {
  const n = e.a.length;
  let halves = [evenOddOfWords(e.a), evenOddOfWords(e.b)];
  let values: Uint32Array[] = [];
  for (let width = 32; width >= 1; width >>= 1) {
    const r = await and(ctx, makeBinaryShare(pack(halves[0]!.odd, width), pack(halves[1]!.odd, width)), makeBinaryShare(pack(halves[0]!.even, width), pack(halves[1]!.even, width)));
    values = [unpack(r.a, n, width), unpack(r.b, n, width)];
    if (width > 1) halves = values.map(evenOddOfLanes);
  }
  return values;
}
