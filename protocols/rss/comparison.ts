/**
 * @module protocols/rss/comparison
 * Comparisons on arithmetic replicated shares, built from the conversions (ABY3 section 5.3;
 * SPU aby3 MsbA2B / EqualAA):
 *
 * - `ltzBit` / `ltz`: [x < 0] is the most significant bit of x in two's complement, from the
 *   carry-out tree of `msbBit` (8 rounds, ~24 bytes per element); `ltz` adds the 1-round bit
 *   injection: 9 rounds.
 * - `lessThan(x, y)` = ltz(x - y), exact when |x - y| < 2^63 (always for encodings made by
 *   `encodeFixed`, which keeps |v| < 2^62).
 * - `equalZero`: party 0 knows v = x0 + x1, parties 1 and 2 know u = -x2, and x = 0 iff v = u.
 *   [v]^B is input by party 0 (1 round), [u]^B is free; e = ~(v ^ u) is all ones iff equal,
 *   reduced by the packed AND tree of `allOnesBit` (6 rounds, ~8 bytes): 7 rounds, 8 with
 *   bit injection.
 * - `select(c, a, b)` = b + c * (a - b) for an arithmetic bit c: 1 round.
 * - `relu(x)` = x - ltz(x) * x: 10 rounds; `max(x, y)`: 10 rounds.
 * Results are arithmetic 0/1 integers (not fixed point): multiplying a fixed-point value by
 * them needs no truncation. On a malicious context `ltz` and `equalZero` run on verified
 * arithmetic bits (rss/malicious/compare-malicious); the boolean `ltzBit` / `equalZeroBit`
 * refuse it.
 */
import type { ProtocolContext } from './context.js';
import { checkSameLength, checkShare, type ReplicatedShare } from './replicated-share.js';
import { add, neg, sub } from './local-ops.js';
import { mul } from './mul.js';
import { notB, xorB, type BinaryShare } from './binary-share.js';
import { allOnesBit } from './and-tree.js';
import { binaryFromParties12, bitInjection, inputBinary } from './conversion.js';
import { msbBit } from './msb.js';
import { equalZeroMalicious, ltzMalicious } from './malicious/compare-malicious.js';

/** [x < 0] as a boolean share in the lowest bit of each word: the packed carry-out MSB. 8 rounds. */
export async function ltzBit(ctx: ProtocolContext, x: ReplicatedShare): Promise<BinaryShare> {
  return msbBit(ctx, x);
}

/** [x < 0] as an arithmetic 0/1. 9 rounds. */
export async function ltz(parent: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare> {
  if (parent.security === 'malicious') return ltzMalicious(parent, x);
  const ctx = parent.scope('ltz');
  return bitInjection(ctx, await ltzBit(ctx, x));
}

/** [x < y] as an arithmetic 0/1 (signed; exact when |x - y| < 2^63). 9 rounds. */
export async function lessThan(parent: ProtocolContext, x: ReplicatedShare, y: ReplicatedShare): Promise<ReplicatedShare> {
  const ctx = parent.scope('lessThan');
  checkSameLength('x', x, 'y', y);
  return ltz(ctx, sub(ctx, x, y));
}

/** [x == 0] as a boolean share in the lowest bit. 7 rounds. */
export async function equalZeroBit(parent: ProtocolContext, x: ReplicatedShare): Promise<BinaryShare> {
  const ctx = parent.scope('equalZeroBit');
  const n = checkShare('x', x);
  const v = await inputBinary(ctx, 0, ctx.self === 0 ? ctx.ring.add(x.a, x.b) : undefined, n);
  const u = binaryFromParties12(ctx, ctx.ring.neg(ctx.self === 1 ? x.b : x.a));
  return allOnesBit(ctx, notB(ctx, xorB(ctx, v, u)));
}

/** [x == 0] as an arithmetic 0/1. 8 rounds. */
export async function equalZero(parent: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare> {
  if (parent.security === 'malicious') return equalZeroMalicious(parent, x);
  const ctx = parent.scope('equalZero');
  return bitInjection(ctx, await equalZeroBit(ctx, x));
}

/** [x == y] as an arithmetic 0/1 (exact, any ring elements). 8 rounds. */
export async function equal(parent: ProtocolContext, x: ReplicatedShare, y: ReplicatedShare): Promise<ReplicatedShare> {
  const ctx = parent.scope('equal');
  checkSameLength('x', x, 'y', y);
  return equalZero(ctx, sub(ctx, x, y));
}

/** [c ? a : b] for an arithmetic bit c (0 or 1). 1 round. */
export async function select(parent: ProtocolContext, c: ReplicatedShare, a: ReplicatedShare, b: ReplicatedShare): Promise<ReplicatedShare> {
  const ctx = parent.scope('select');
  checkSameLength('a', a, 'b', b);
  checkSameLength('a', a, 'c', c);
  return add(ctx, b, await mul(ctx, c, sub(ctx, a, b)));
}

/** [max(x, 0)]. 10 rounds. */
export async function relu(parent: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare> {
  const ctx = parent.scope('relu');
  const negative = await ltz(ctx, x);
  return sub(ctx, x, await mul(ctx, negative, x));
}

/** [max(x, y)] elementwise (exact when |x - y| < 2^63). 10 rounds. */
export async function max(parent: ProtocolContext, x: ReplicatedShare, y: ReplicatedShare): Promise<ReplicatedShare> {
  const ctx = parent.scope('max');
  const xLess = await lessThan(ctx, x, y);
  return select(ctx, xLess, y, x);
}

/** [min(x, y)] elementwise (exact when |x - y| < 2^63). 10 rounds. */
export async function min(parent: ProtocolContext, x: ReplicatedShare, y: ReplicatedShare): Promise<ReplicatedShare> {
  const ctx = parent.scope('min');
  const xLess = await lessThan(ctx, x, y);
  return select(ctx, xLess, x, y);
}

/** [|x|] = x - 2 * ltz(x) * x. 10 rounds. */
export async function abs(parent: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare> {
  const ctx = parent.scope('abs');
  const negative = await ltz(ctx, x);
  const nx = await mul(ctx, negative, x);
  return add(ctx, x, neg(ctx, add(ctx, nx, nx)));
}
