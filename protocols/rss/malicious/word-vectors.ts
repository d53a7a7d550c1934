/**
 * @module protocols/rss/malicious/word-vectors
 * Concatenating and cutting vectors of u64 words, the message form of the verification's
 * batched values (Z_2^64 elements, Z_2^128 pairs, Galois-ring elements alike).
 */

/** The words of `parts` one after the other, in a fresh array. */
export function concatWords(parts: readonly BigUint64Array[]): BigUint64Array {
  const out = new BigUint64Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Cuts `v` into consecutive views of the given lengths. */
export function cutWords(v: BigUint64Array, lengths: readonly number[]): BigUint64Array[] {
  const out: BigUint64Array[] = [];
  let off = 0;
  for (const len of lengths) {
    out.push(v.subarray(off, off + len));
    off += len;
  }
  return out;
}
