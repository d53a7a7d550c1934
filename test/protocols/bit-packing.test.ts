import { describe, expect, it } from 'vitest';
import { evenBits, evenOddOfLanes, evenOddOfWords, pack, toLanes, toWords, unpack } from '../../protocols/rss/bit-packing.js';
import { seeded } from './helpers.js';

/** Reference: the bits of x at positions start, start + 2, ... compacted, in bigint. */
function compactRef(x: bigint, start: number, count: number): number {
  let out = 0;
  for (let i = 0; i < count; i++) out |= Number((x >> BigInt(start + 2 * i)) & 1n) << i;
  return out >>> 0;
}

describe('bit packing helpers', () => {
  const rng = seeded('bitpack');

  it('evenBits / evenOddOfWords / evenOddOfLanes compact the right bits', () => {
    expect(evenBits(0b0101)).toBe(0b11);
    expect(evenBits(0b1011)).toBe(0b01);
    expect(evenBits(0xffffffff)).toBe(0xffff);
    const words = rng.u64(50);
    const { even, odd } = evenOddOfWords(words);
    for (let t = 0; t < words.length; t++) {
      expect(even[t]).toBe(compactRef(words[t]!, 0, 32));
      expect(odd[t]).toBe(compactRef(words[t]!, 1, 32));
    }
    const lanes = toLanes(words).slice(0, 40);
    const eo = evenOddOfLanes(lanes);
    for (let t = 0; t < lanes.length; t++) {
      expect(eo.even[t]).toBe(compactRef(BigInt(lanes[t]!), 0, 16));
      expect(eo.odd[t]).toBe(compactRef(BigInt(lanes[t]!), 1, 16));
    }
  });

  it('toWords / toLanes are inverse and put lane 2t in the low half of word t', () => {
    const lanes = Uint32Array.from([1, 2, 0xffffffff, 0]);
    const words = toWords(lanes);
    expect(words).toEqual(new BigUint64Array([1n | (2n << 32n), 0xffffffffn]));
    expect(toLanes(words)).toEqual(lanes);
  });

  for (const bits of [1, 2, 4, 8, 16, 32]) {
    for (const n of [1, 31, 33, 100]) {
      it(`pack/unpack ${n} values of ${bits} bits round-trip into ceil(n*${bits}/64) words`, () => {
        const raw = toLanes(rng.u64(Math.ceil(n / 2)));
        const values = Uint32Array.from({ length: n }, (_, t) => (bits === 32 ? raw[t]! : raw[t]! & ((1 << bits) - 1)));
        const words = pack(values, bits);
        expect(words.length).toBe(Math.ceil(Math.ceil((n * bits) / 32) / 2));
        expect(unpack(words, n, bits)).toEqual(values);
      });
    }
  }
});
