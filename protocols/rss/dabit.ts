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
import { andPublicB, checkBinaryShare, makeBinaryShare, openBinary, xorB, type BinaryShare } from './binary-share.js';
import { pack, unpack } from './bit-packing.js';
import { add, addPublic, mulPublic, mulPublicVector, sub } from './local-ops.js';
import { requireSemiHonest } from './malicious/guard.js';
import { mul } from './mul.js';
import { makeShare, type ReplicatedShare } from './replicated-share.js';

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
  const a = r.a.map((v) => v & 1n);
  const b = r.b.map((v) => v & 1n);
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
  const masked = andPublicB(ctx, xorB(ctx, bit, daBits.bool), 1n);
  const lanes = (v: BigUint64Array): Uint32Array => Uint32Array.from(v, (x) => Number(x));
  const words = await openBinary(ctx, makeBinaryShare(pack(lanes(masked.a), 1), pack(lanes(masked.b), 1)), { checked: false });
  const c = BigUint64Array.from(unpack(words, n, 1), (x) => BigInt(x));
  const coef = c.map((x) => BigInt.asUintN(64, 1n - 2n * x));
  const out = addPublic(ctx, mulPublicVector(ctx, daBits.arith, coef), c);
  return bit.shape === undefined ? out : makeShare(out.a, out.b, bit.shape);
}
