/**
 * @module protocols/rss/binary-share
 * Boolean replicated sharing on 64-bit words (ABY3 section 3; Araki et al., CCS 2016): the same
 * scheme as the arithmetic one with XOR for + and AND for *: x = x0 ^ x1 ^ x2, party i holds
 * (x_i, x_{i+1}). Every bit position of a word is an independent boolean sharing, so one word
 * carries 64 bits of a bit-sliced circuit and one AND on words is 64 AND gates.
 *
 * Local (no communication): xor, xor with a public word (changes x0, held by parties 0 and 2),
 * and with a public word, logical shifts (linear over XOR). AND of two shared words: 1 round,
 *   z_i = (x_i & y_i) ^ (x_i & y_{i+1}) ^ (x_{i+1} & y_i) ^ beta_i,  party i sends z_i to party i-1,
 * with beta_i boolean zero shares from the PRF seeds. Cost 1 round, 8 bytes per word per party.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { Prg } from '../../crypto-core/prg.js';
import { nextParty, prevParty } from '../channel/channel.js';
import type { ProtocolContext } from './context.js';
import { InconsistentShareError, ShapeError } from './errors.js';
import { recvVector, sendVector } from './exchange.js';
import { requireSemiHonest } from './malicious/guard.js';
import type { BinaryShare } from './binary-share-type.js';

export type { BinaryShare } from './binary-share-type.js';

/** Builds a boolean share. */
export function makeBinaryShare(a: BigUint64Array, b: BigUint64Array, shape?: readonly number[]): BinaryShare {
  return shape === undefined ? { kind: 'binary', a, b } : { kind: 'binary', a, b, shape };
}

/** Checks a boolean share and returns its length in words. */
export function checkBinaryShare(name: string, x: unknown): number {
  const s = x as BinaryShare | null;
  if (s === null || typeof s !== 'object' || s.kind !== 'binary' || !(s.a instanceof BigUint64Array) || !(s.b instanceof BigUint64Array)) {
    throw new InvalidArgumentError(`${name}: expected a binary share { kind: 'binary', a, b }`);
  }
  if (s.a.length !== s.b.length) throw new ShapeError(`${name}: components differ in length (a: ${s.a.length}, b: ${s.b.length})`);
  return s.a.length;
}

/** The common length of two boolean shares, checked. */
export function checkBinaryPair(x: BinaryShare, y: BinaryShare): number {
  const n = checkBinaryShare('x', x);
  const m = checkBinaryShare('y', y);
  if (n !== m) throw new ShapeError(`y: expected ${n} words like x, got ${m}`);
  return n;
}

/** Splits words into three boolean shares (client side). */
export function shareBinary(values: BigUint64Array, rng: Prg = Prg.random()): [BinaryShare, BinaryShare, BinaryShare] {
  if (!(values instanceof BigUint64Array)) throw new InvalidArgumentError('values: expected BigUint64Array');
  const x1 = rng.u64(values.length);
  const x2 = rng.u64(values.length);
  const x0 = new BigUint64Array(values.length);
  for (let t = 0; t < values.length; t++) x0[t] = values[t]! ^ x1[t]! ^ x2[t]!;
  const c = [x0, x1, x2];
  return [0, 1, 2].map((i) => makeBinaryShare(c[i]!.slice(), c[(i + 1) % 3]!.slice())) as [BinaryShare, BinaryShare, BinaryShare];
}

/** x0 ^ x1 ^ x2 from the three boolean shares (no consistency check). */
export function reconstructBinary(shares: readonly [BinaryShare, BinaryShare, BinaryShare]): BigUint64Array {
  const n = checkBinaryShare('shares[0]', shares[0]);
  const out = new BigUint64Array(n);
  for (let t = 0; t < n; t++) out[t] = shares[0].a[t]! ^ shares[1].a[t]! ^ shares[2].a[t]!;
  return out;
}

/** [x ^ y]. */
export function xorB(ctx: ProtocolContext, x: BinaryShare, y: BinaryShare): BinaryShare {
  checkBinaryPair(x, y);
  return makeBinaryShare(ctx.ring.xor(x.a, y.a), ctx.ring.xor(x.b, y.b), x.shape);
}

/** [x ^ c] for public words c (a scalar is broadcast). */
export function xorPublicB(ctx: ProtocolContext, x: BinaryShare, c: bigint | BigUint64Array): BinaryShare {
  const n = checkBinaryShare('x', x);
  const cv = typeof c === 'bigint' ? new BigUint64Array(n).fill(BigInt.asUintN(64, c)) : c;
  if (!(cv instanceof BigUint64Array) || cv.length !== n) throw new ShapeError(`c: expected bigint or ${n} words`);
  const a = ctx.self === 0 ? ctx.ring.xor(x.a, cv) : x.a.slice();
  const b = ctx.self === 2 ? ctx.ring.xor(x.b, cv) : x.b.slice();
  return makeBinaryShare(a, b, x.shape);
}

/** [~x]. */
export function notB(ctx: ProtocolContext, x: BinaryShare): BinaryShare {
  return xorPublicB(ctx, x, 0xffffffffffffffffn);
}

/** [x & c] for a public word c (broadcast): AND with a constant is XOR-linear. */
export function andPublicB(ctx: ProtocolContext, x: BinaryShare, c: bigint): BinaryShare {
  const n = checkBinaryShare('x', x);
  if (typeof c !== 'bigint') throw new InvalidArgumentError(`c: expected bigint, got ${typeof c}`);
  const cv = new BigUint64Array(n).fill(BigInt.asUintN(64, c));
  return makeBinaryShare(ctx.ring.and(x.a, cv), ctx.ring.and(x.b, cv), x.shape);
}

/** [x << k] (logical), k in 0..63. */
export function shiftLeftB(ctx: ProtocolContext, x: BinaryShare, k: number): BinaryShare {
  checkBinaryShare('x', x);
  return makeBinaryShare(ctx.ring.shiftLeft(x.a, k), ctx.ring.shiftLeft(x.b, k), x.shape);
}

/** [x >> k] (logical), k in 0..63. */
export function shiftRightB(ctx: ProtocolContext, x: BinaryShare, k: number): BinaryShare {
  checkBinaryShare('x', x);
  return makeBinaryShare(ctx.ring.shiftRightLogical(x.a, k), ctx.ring.shiftRightLogical(x.b, k), x.shape);
}

/** [x & y] on shared words. 1 round, 8 bytes per word per party. */
export async function andB(ctx: ProtocolContext, x: BinaryShare, y: BinaryShare): Promise<BinaryShare> {
  requireSemiHonest(ctx, 'andB');
  checkBinaryPair(x, y);
  return reshareAnd(ctx, ctx.nextTag('and'), x, y);
}

/**
 * The replicated AND round under step tag `tag`, with no mode guard: `andB`, and the malicious
 * mode's verified gate and AND triples (malicious/verified-and, malicious/verify-ands), whose
 * outputs the batch check verifies. The caller checks that x and y have the same length.
 *   z_i = (x_i & (y_i ^ y_{i+1})) ^ (x_{i+1} & y_i) ^ beta_i, sent to party i-1.
 */
export async function reshareAnd(ctx: ProtocolContext, tag: string, x: { readonly a: BigUint64Array; readonly b: BigUint64Array; readonly shape?: readonly number[] }, y: { readonly a: BigUint64Array; readonly b: BigUint64Array }): Promise<BinaryShare> {
  const n = x.a.length;
  const ring = ctx.ring;
  // (x_i & (y_i ^ y_{i+1})) ^ (x_{i+1} & y_i) = x_i&y_i ^ x_i&y_{i+1} ^ x_{i+1}&y_i
  const z = ring.xor(ring.and(x.a, ring.xor(y.a, y.b)), ring.and(x.b, y.a));
  ring.xor(z, ctx.randomness.zeroShareBinary(tag, n), z);
  const [, zNext] = await Promise.all([sendVector(ctx, prevParty(ctx.self), tag, z), recvVector(ctx, nextParty(ctx.self), tag, n)]);
  return makeBinaryShare(z, zNext, x.shape);
}

/** Concatenates boolean shares (to run several ANDs in one round). */
export function concatB(parts: readonly BinaryShare[]): BinaryShare {
  let n = 0;
  parts.forEach((p, i) => (n += checkBinaryShare(`parts[${i}]`, p)));
  const a = new BigUint64Array(n);
  const b = new BigUint64Array(n);
  let off = 0;
  for (const p of parts) {
    a.set(p.a, off);
    b.set(p.b, off);
    off += p.a.length;
  }
  return makeBinaryShare(a, b);
}

/** Splits a boolean share into `count` equal consecutive pieces. */
export function splitB(x: BinaryShare, count: number): BinaryShare[] {
  const n = checkBinaryShare('x', x);
  if (!Number.isSafeInteger(count) || count <= 0 || n % count !== 0) throw new ShapeError(`count: expected a positive divisor of ${n}, got ${String(count)}`);
  const l = n / count;
  return Array.from({ length: count }, (_, i) => makeBinaryShare(x.a.slice(i * l, (i + 1) * l), x.b.slice(i * l, (i + 1) * l)));
}

/**
 * Opens boolean shares to all parties; checked by default (each party gets its missing
 * component from both holders, as in `open`). 1 round.
 * @throws InconsistentShareError when the two copies differ.
 */
export async function openBinary(ctx: ProtocolContext, x: BinaryShare, opts: { checked?: boolean } = {}): Promise<BigUint64Array> {
  requireSemiHonest(ctx, 'openBinary');
  const n = checkBinaryShare('x', x);
  const checked = opts.checked ?? true;
  const tag = ctx.nextTag('open-binary');
  const next = nextParty(ctx.self);
  const prev = prevParty(ctx.self);
  const sends = [sendVector(ctx, next, tag, x.a)];
  if (checked) sends.push(sendVector(ctx, prev, tag, x.b));
  const recvs = [recvVector(ctx, prev, tag, n)];
  if (checked) recvs.push(recvVector(ctx, next, tag, n));
  const [, got] = await Promise.all([Promise.all(sends), Promise.all(recvs)]);
  const missing = got[0]!;
  if (checked) {
    const other = got[1]!;
    for (let t = 0; t < n; t++) {
      if (missing[t] !== other[t]) {
        throw new InconsistentShareError(
          `${tag}: party ${ctx.self} got two different copies of component x${prev} (word ${t}) from parties ${prev} and ${next}; one of them altered its shares`,
          { suspects: [prev, next].sort((u, v) => u - v), components: [prev] },
        );
      }
    }
  }
  return ctx.ring.xor(ctx.ring.xor(x.a, x.b), missing);
}
