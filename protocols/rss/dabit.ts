/**
 * @module protocols/rss/dabit
 * Bit-to-arithmetic conversion with random "daBits" (a random bit shared both in Z_2 and in
 * Z_2^64; Rotaru and Wood, INDOCRYPT 2019; Escudero, Ghosh, Keller, Rachuri, Scholl, CRYPTO 2020),
 * semi-honest. Cost model next to the OT-based `bitInjection` of conversion.ts, per bit:
 *
 * | | bytes sent by party 0 | by parties 1, 2 | rounds |
 * |---|---|---|---|
 * | bitInjection (two 3-party OTs) | 32 | 8 | 1 |
 * | daBit: make (input-independent) | 16 | 16 | 2 |
 * | daBit: use (open b xor r, bit-packed) | 1/8 | 1/8 | 1 |
 *
 * The busiest party sends half as much, and the making of the daBits needs no input, so a
 * caller runs it alongside the circuit that computes the bit (range-compare-ops): the latency
 * stays one round after the bit is known.
 *
 * Making one: a random replicated boolean sharing r = r0 ^ r1 ^ r2 costs nothing (pairwise
 * seeds, {@link CorrelatedRandomness.randomShare}); each component r_c is known to its two
 * holders, so [r_c] in Z_2^64 is a sharing with one nonzero component, made locally; then
 * [r] = [r0] XOR [r1] XOR [r2] with x XOR y = x + y - 2xy: two products (protocols/rss/mul).
 * Using one: c = b ^ r is opened (uniform, so it says nothing about b), and
 * [b] = c + (1 - 2c)[r] is local.
 */
import type { ProtocolContext } from './context.js';
import { checkBinaryShare, makeBinaryShare, openBinary, xorB, type BinaryShare } from './binary-share.js';
import { pack, unpack } from './bit-packing.js';
import { add, addPublic, mulPublic, mulPublicVector, sub } from './local-ops.js';
import { requireSemiHonest } from './malicious/guard.js';
import { mul } from './mul.js';
import { makeShare, type ReplicatedShare } from './replicated-share.js';

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The lowest bit of each word, as numbers (no BigInt per element: the low 32-bit lane on little-endian hosts). */
function lowBits(v: BigUint64Array): Uint32Array {
  const out = new Uint32Array(v.length);
  if (HOST_LITTLE_ENDIAN) {
    const lanes = new Uint32Array(v.buffer, v.byteOffset, 2 * v.length);
    for (let t = 0; t < v.length; t++) out[t] = lanes[2 * t]! & 1;
  } else for (let t = 0; t < v.length; t++) out[t] = Number(v[t]! & 1n);
  return out;
}

/** One word per bit: `ifOne` where the bit is 1, `ifZero` where it is 0 (lane writes on little-endian hosts). */
function wordsOf(bits: Uint32Array, ifZero: bigint, ifOne: bigint): BigUint64Array {
  const out = new BigUint64Array(bits.length);
  if (!HOST_LITTLE_ENDIAN) {
    for (let t = 0; t < bits.length; t++) out[t] = bits[t] === 0 ? ifZero : ifOne;
    return out;
  }
  const lanes = new Uint32Array(out.buffer);
  const split = (v: bigint): [number, number] => [Number(v & 0xffffffffn), Number(v >> 32n)];
  const [z0, z1] = split(ifZero);
  const [o0, o1] = split(ifOne);
  for (let t = 0; t < bits.length; t++) {
    const one = bits[t] !== 0;
    lanes[2 * t] = one ? o0 : z0;
    lanes[2 * t + 1] = one ? o1 : z1;
  }
  return out;
}

/** n random bits, shared in Z_2 (lowest bit of each word of `bool`) and in Z_2^64 (`arith`). */
export interface DaBits {
  bool: BinaryShare;
  arith: ReplicatedShare;
}

/** `n` daBits. 2 rounds, 16 bytes per bit from every party; needs no input. */
export async function randomDaBits(ctx: ProtocolContext, n: number): Promise<DaBits> {
  requireSemiHonest(ctx, 'randomDaBits');
  const tag = ctx.nextTag('dabits');
  const r = ctx.randomness.randomShare(`${tag}/r`, n);
  const a = wordsOf(lowBits(r.a), 0n, 1n);
  const b = wordsOf(lowBits(r.b), 0n, 1n);
  const zero = new BigUint64Array(n);
  // Party i holds (r_i, r_{i+1}): component c is its `a` when c = i and its `b` when c = i + 1.
  const component = (c: number): ReplicatedShare => makeShare(ctx.self === c ? a : zero, (ctx.self + 1) % 3 === c ? b : zero);
  const xor = async (x: ReplicatedShare, y: ReplicatedShare): Promise<ReplicatedShare> => sub(ctx, add(ctx, x, y), mulPublic(ctx, await mul(ctx, x, y), 2n));
  const arith = await xor(await xor(component(0), component(1)), component(2));
  return { bool: makeBinaryShare(a, b), arith };
}

/**
 * [b] in Z_2^64 for the lowest bit b of each word of `bit` (higher bits are ignored), using one
 * daBit per element. 1 round, n/8 bytes from every party.
 */
export async function b2aWithDaBits(ctx: ProtocolContext, bit: BinaryShare, daBits: DaBits): Promise<ReplicatedShare> {
  requireSemiHonest(ctx, 'b2aWithDaBits');
  const n = checkBinaryShare('bit', bit);
  if (daBits.arith.a.length !== n) throw new RangeError(`daBits: ${daBits.arith.a.length} for ${n} bits`);
  const masked = xorB(ctx, bit, daBits.bool);
  const words = await openBinary(ctx, makeBinaryShare(pack(lowBits(masked.a), 1), pack(lowBits(masked.b), 1)), { checked: false });
  const c = unpack(words, n, 1);
  // [b] = c + (1 - 2c)[r]: the coefficient is 1 where c = 0 and -1 where c = 1.
  const out = addPublic(ctx, mulPublicVector(ctx, daBits.arith, wordsOf(c, 1n, 0xffffffffffffffffn)), wordsOf(c, 0n, 1n));
  return bit.shape === undefined ? out : makeShare(out.a, out.b, bit.shape);
}
