/**
 * @module protocols/rss/mul
 * Multiplication of arithmetic replicated shares in one round (Araki et al., CCS 2016; ABY3
 * section 3.2):
 *
 *   1. party i computes z_i = x_i*y_i + x_i*y_{i+1} + x_{i+1}*y_i + alpha_i  (local, `fusedMul`),
 *      where alpha_i are zero shares from the PRF seeds, so z = z0 + z1 + z2 = x*y and each z_i
 *      alone is uniform;
 *   2. party i sends z_i to party i-1 and receives z_{i+1} from party i+1: [z] = (z_i, z_{i+1}).
 *
 * Cost: 1 round, one message of 8 bytes per output element per party. The matrix product is the
 * same with local matrix products (`fusedMatmul`); it sends only the m x n output. The dot
 * product sums the local terms before the reshare, so it sends one element per dot product.
 */
import { nextParty, prevParty } from '../channel/channel.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { ProtocolContext } from './context.js';
import { ShapeError } from './errors.js';
import { recvVector, sendVector } from './exchange.js';
import { groupSums } from './local-ops.js';
import { checkSameLength, checkShare, makeShare, type ReplicatedShare } from './replicated-share.js';
import { requireSemiHonest } from './malicious/guard.js';
import { registerClaim } from './malicious/state.js';

/**
 * Step 2 of every product: turns the 3-out-of-3 additive z_i into a replicated share by sending
 * z_i to party i-1. Exported for protocols that build their own local terms (e.g. fused layers).
 */
export async function reshare(ctx: ProtocolContext, tag: string, z: BigUint64Array, shape?: readonly number[]): Promise<ReplicatedShare> {
  // Local terms built by the caller are not a claim the malicious check could verify.
  requireSemiHonest(ctx, 'reshare of caller-built local terms');
  return reshareTerms(ctx, tag, z, shape);
}

/**
 * The reshare itself. In malicious mode the caller registers the claim (operands and this
 * output) with the verifier before its first await.
 */
async function reshareTerms(ctx: ProtocolContext, tag: string, z: BigUint64Array, shape?: readonly number[]): Promise<ReplicatedShare> {
  const [, zNext] = await Promise.all([
    sendVector(ctx, prevParty(ctx.self), tag, z),
    recvVector(ctx, nextParty(ctx.self), tag, z.length),
  ]);
  return makeShare(z, zNext, shape);
}

/** [x * y] elementwise (integers mod 2^64; for fixed point use `mulFixed`). 1 round. */
export async function mul(ctx: ProtocolContext, x: ReplicatedShare, y: ReplicatedShare): Promise<ReplicatedShare> {
  const n = checkSameLength('x', x, 'y', y);
  const tag = ctx.nextTag('mul');
  const alpha = ctx.randomness.zeroShare(tag, n);
  const z = reshareTerms(ctx, tag, ctx.ring.fusedMul(x.a, x.b, y.a, y.b, alpha), x.shape);
  registerClaim(ctx.malicious, tag, z, (zz) => ({ kind: 'hadamard', x, y, z: zz, group: 1 }));
  return z;
}

function checkDims(m: number, k: number, n: number): void {
  for (const [name, v] of [['m', m], ['k', k], ['n', n]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new InvalidArgumentError(`${name}: expected non-negative integer, got ${String(v)}`);
  }
}

/** [X @ Y] for X (m x k) and Y (k x n), row-major. 1 round, 8mn bytes per party. */
export async function matmul(ctx: ProtocolContext, x: ReplicatedShare, y: ReplicatedShare, m: number, k: number, n: number): Promise<ReplicatedShare> {
  checkDims(m, k, n);
  if (checkShare('x', x) !== m * k) throw new ShapeError(`x: expected ${m}x${k} = ${m * k} elements, got ${x.a.length}`);
  if (checkShare('y', y) !== k * n) throw new ShapeError(`y: expected ${k}x${n} = ${k * n} elements, got ${y.a.length}`);
  const tag = ctx.nextTag('matmul');
  const alpha = ctx.randomness.zeroShare(tag, m * n);
  const z = reshareTerms(ctx, tag, ctx.ring.fusedMatmul(x.a, x.b, y.a, y.b, alpha, m, k, n), [m, n]);
  registerClaim(ctx.malicious, tag, z, (zz) => ({ kind: 'matmul', x, y, z: zz, m, k, n }));
  return z;
}

/**
 * Batched dot products: x and y hold `rows` vectors of `length` elements each (row-major); the
 * result holds the `rows` dot products. 1 round, 8 bytes per dot product per party.
 */
export async function dot(ctx: ProtocolContext, x: ReplicatedShare, y: ReplicatedShare, length: number): Promise<ReplicatedShare> {
  const total = checkSameLength('x', x, 'y', y);
  if (!Number.isSafeInteger(length) || length <= 0 || total % length !== 0) {
    throw new ShapeError(`length: expected a positive divisor of ${total}, got ${String(length)}`);
  }
  const rows = total / length;
  const tag = ctx.nextTag('dot');
  // The local terms of each product, summed per row by the ring (no BigInt loop in JS); the
  // zero share is added once per dot product, so each z_r alone is still uniform.
  const zeros = new BigUint64Array(total);
  const terms = ctx.ring.fusedMul(x.a, x.b, y.a, y.b, zeros, zeros);
  const z = ctx.randomness.zeroShare(tag, rows);
  ctx.ring.add(z, groupSums(ctx.ring, terms, length), z);
  const out = reshareTerms(ctx, tag, z, [rows]);
  registerClaim(ctx.malicious, tag, out, (zz) => ({ kind: 'hadamard', x, y, z: zz, group: length }));
  return out;
}
