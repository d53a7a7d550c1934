/**
 * @module protocols/rss/and-tree
 * The AND of all 64 bits of each shared word, by a tree of depth log2(64) = 6 whose operands
 * halve at every level: level k ANDs the odd and even bits of the previous level's values
 * (compacted locally), and the narrow operands of many elements are packed into shared words
 * (`bit-packing.ts`). Traffic per element: 32 + 16 + 8 + 4 + 2 + 1 = 63 bits, about 8 bytes,
 * instead of 6 full words (48 bytes) for the in-place tree e & (e >> 32), e & (e >> 16), ...
 */
import type { ProtocolContext } from './context.js';
import { andB, checkBinaryShare, makeBinaryShare, type BinaryShare } from './binary-share.js';
import { evenOddOfLanes, evenOddOfWords, pack, unpack } from './bit-packing.js';
import type { AndGate } from './msb.js';

/** [AND of the 64 bits of e] in the lowest bit of each word. 6 rounds. */
export async function allOnesBit(parent: ProtocolContext, e: BinaryShare): Promise<BinaryShare> {
  const ctx = parent.scope('allOnes');
  const n = checkBinaryShare('e', e);
  const values = await allOnesLanes(ctx, e);
  const toWordsOfBits = (v: Uint32Array): BigUint64Array => {
    const out = new BigUint64Array(n);
    for (let t = 0; t < n; t++) out[t] = BigInt(v[t]! & 1);
    return out;
  };
  return makeBinaryShare(toWordsOfBits(values[0]!), toWordsOfBits(values[1]!), e.shape);
}

/**
 * The tree of {@link allOnesBit} on the gate `and` (default `andB`): the result in bit 0 of a
 * lane per element, per component.
 */
export async function allOnesLanes(ctx: ProtocolContext, e: BinaryShare, and: AndGate = andB): Promise<Uint32Array[]> {
  const n = e.a.length;
  let halves = [evenOddOfWords(e.a), evenOddOfWords(e.b)];
  let values: Uint32Array[] = [];
  for (let width = 32; width >= 1; width >>= 1) {
    const X = makeBinaryShare(pack(halves[0]!.odd, width), pack(halves[1]!.odd, width));
    const Y = makeBinaryShare(pack(halves[0]!.even, width), pack(halves[1]!.even, width));
    const r = await and(ctx, X, Y);
    values = [unpack(r.a, n, width), unpack(r.b, n, width)];
    if (width > 1) halves = values.map(evenOddOfLanes);
  }
  return values;
}
