/**
 * @module protocols/rss/bit-packing
 * Local bit manipulation for bit-sliced boolean circuits on shares: compacting the odd or even
 * bits of words, and packing narrow per-element values of many elements into shared 64-bit
 * words so that a circuit level whose live bits shrink also sends fewer bytes. Every function
 * is XOR-linear, so each share component is transformed on its own.
 *
 * Packing lays 32-bit lanes into the 64-bit words of a BigUint64Array. Only AND and XOR touch
 * packed words, which are bitwise, so the lane order inside a word never changes a result; all
 * three parties must still pack the same way, which `toWords` / `toLanes` guarantee on either
 * byte order by converting explicitly on big-endian hosts.
 */

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** 64-bit words from 32-bit lanes (lane 2t is the low half of word t). Length must be even. */
export function toWords(lanes: Uint32Array): BigUint64Array {
  if (HOST_LITTLE_ENDIAN) return new BigUint64Array(lanes.buffer, lanes.byteOffset, lanes.length / 2);
  const out = new BigUint64Array(lanes.length / 2);
  for (let t = 0; t < out.length; t++) out[t] = BigInt(lanes[2 * t]!) | (BigInt(lanes[2 * t + 1]!) << 32n);
  return out;
}

/** 32-bit lanes of 64-bit words (inverse of {@link toWords}). */
export function toLanes(words: BigUint64Array): Uint32Array {
  if (HOST_LITTLE_ENDIAN) return new Uint32Array(words.buffer, words.byteOffset, words.length * 2);
  const out = new Uint32Array(words.length * 2);
  for (let t = 0; t < words.length; t++) {
    out[2 * t] = Number(words[t]! & 0xffffffffn);
    out[2 * t + 1] = Number(words[t]! >> 32n);
  }
  return out;
}

/** The even bits of a 32-bit value, compacted into its low 16 bits. */
export function evenBits(x: number): number {
  x &= 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  x = (x | (x >>> 8)) & 0x0000ffff;
  return x;
}

/** Packs per-element values of `bits` bits (1..32, a power of two) into 64-bit words. */
export function pack(values: Uint32Array, bits: number): BigUint64Array {
  const perLane = 32 / bits;
  const lanes = Math.ceil(values.length / perLane);
  const out = new Uint32Array(lanes + (lanes % 2));
  if (bits === 32) {
    out.set(values);
  } else {
    for (let t = 0; t < values.length; t++) {
      const lane = (t / perLane) | 0;
      out[lane] = (out[lane]! | (values[t]! << ((t % perLane) * bits))) >>> 0;
    }
  }
  return toWords(out);
}

/** Inverse of {@link pack}. */
export function unpack(words: BigUint64Array, n: number, bits: number): Uint32Array {
  const lanes = toLanes(words);
  if (bits === 32) return lanes.slice(0, n);
  const perLane = 32 / bits;
  const mask = (1 << bits) - 1;
  const out = new Uint32Array(n);
  for (let t = 0; t < n; t++) out[t] = (lanes[(t / perLane) | 0]! >>> ((t % perLane) * bits)) & mask;
  return out;
}

/** The even and odd bits of 64-bit words, each compacted into a 32-bit value per word. */
export function evenOddOfWords(words: BigUint64Array): { even: Uint32Array; odd: Uint32Array } {
  const n = words.length;
  const lanes = toLanes(words);
  const even = new Uint32Array(n);
  const odd = new Uint32Array(n);
  for (let t = 0; t < n; t++) {
    const lo = lanes[2 * t]!;
    const hi = lanes[2 * t + 1]!;
    even[t] = (evenBits(lo) | (evenBits(hi) << 16)) >>> 0;
    odd[t] = (evenBits(lo >>> 1) | (evenBits(hi >>> 1) << 16)) >>> 0;
  }
  return { even, odd };
}

/** The even and odd bits of per-element values of at most 32 bits, compacted. */
export function evenOddOfLanes(values: Uint32Array): { even: Uint32Array; odd: Uint32Array } {
  const n = values.length;
  const even = new Uint32Array(n);
  const odd = new Uint32Array(n);
  for (let t = 0; t < n; t++) {
    even[t] = evenBits(values[t]!);
    odd[t] = evenBits(values[t]! >>> 1);
  }
  return { even, odd };
}
