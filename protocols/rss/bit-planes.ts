/**
 * @module protocols/rss/bit-planes
 * Bit-sliced ("plane") layout of many narrow values, local only: plane j of n values is bit j of
 * every value, 64 values per 64-bit word (value r in bit r mod 64 of word floor(r / 64)), so a
 * boolean circuit on planes does 64 values per word operation and sends n/8 bytes per AND of a
 * plane. Rows past n (the last word's padding) are 0 in every component of every plane, so a
 * padded row is a shared 0 in all three parties' views.
 *
 * Also: the boolean form of an arithmetic sharing of a 0/1 value is free: g = g0 + g1 + g2 mod
 * 2^64 in {0, 1} means g = (g0 ^ g1 ^ g2) & 1, so bit 0 of each component is a boolean
 * replicated sharing of g (party i keeps bit 0 of its (g_i, g_{i+1})).
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { toWords } from './bit-packing.js';
import { makeBinaryShare, type BinaryShare } from './binary-share.js';
import type { ReplicatedShare } from './replicated-share.js';

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Words of one plane of n values. */
export function planeWords(n: number): number {
  return Math.ceil(n / 64);
}

/** The low (half 0) or high (half 1) 32 bits of each word, as numbers (no BigInt per element on little-endian hosts). */
function half32(v: BigUint64Array, half: 0 | 1): Uint32Array {
  const out = new Uint32Array(v.length);
  if (HOST_LITTLE_ENDIAN) {
    const lanes = new Uint32Array(v.buffer, v.byteOffset, 2 * v.length);
    for (let t = 0; t < v.length; t++) out[t] = lanes[2 * t + half]!;
  } else for (let t = 0; t < v.length; t++) out[t] = Number((half === 0 ? v[t]! : v[t]! >> 32n) & 0xffffffffn);
  return out;
}

/** The low k (1..32) bits of 32-bit values as k planes of planeWords(n) words. */
function planesOf32(v: Uint32Array, k: number): BigUint64Array {
  const n = v.length;
  const W = planeWords(n);
  const lanes = new Uint32Array(2 * W * k); // plane j, lane l: lanes[j 2W + l]; lane l holds rows 32l .. 32l + 31
  const full = n >>> 5;
  for (let j = 0; j < k; j++) {
    const base = j * 2 * W;
    for (let l = 0; l < full; l++) {
      let w = 0;
      const r0 = l << 5;
      for (let b = 0; b < 32; b++) w |= ((v[r0 + b]! >>> j) & 1) << b;
      lanes[base + l] = w >>> 0;
    }
    let w = 0;
    for (let r = full << 5; r < n; r++) w |= ((v[r]! >>> j) & 1) << (r & 31);
    if (n & 31) lanes[base + full] = w >>> 0;
  }
  return toWords(lanes);
}

/**
 * The low `k` bits (1..64) of each value as k planes laid one after the other in one array
 * (plane j at words [j W, (j + 1) W), W = planeWords(n)).
 */
export function toPlanes(values: BigUint64Array, k: number): BigUint64Array {
  if (!Number.isInteger(k) || k < 1 || k > 64) throw new InvalidArgumentError(`k: expected an integer in 1..64, got ${String(k)}`);
  const low = planesOf32(half32(values, 0), Math.min(k, 32));
  if (k <= 32) return low;
  const out = new BigUint64Array(k * planeWords(values.length));
  out.set(low);
  out.set(planesOf32(half32(values, 1), k - 32), low.length);
  return out;
}

/** The k planes of {@link toPlanes}, back to values (for tests and local checks). */
export function fromPlanes(planes: BigUint64Array, n: number, k: number): BigUint64Array {
  const W = planeWords(n);
  const out = new BigUint64Array(n);
  for (let j = 0; j < k; j++) {
    for (let r = 0; r < n; r++) if ((planes[j * W + (r >>> 6)]! >> BigInt(r & 63)) & 1n) out[r] = out[r]! | (1n << BigInt(j));
  }
  return out;
}

/** The boolean sharing, as one plane, of an arithmetic sharing of 0/1 values (bit 0 of each component; free). */
export function bitPlaneOf(g: ReplicatedShare): BinaryShare {
  return makeBinaryShare(toPlanes(g.a, 1), toPlanes(g.b, 1));
}
