/**
 * @module protocols/rss/local-ops
 * Linear operations on arithmetic replicated shares: no communication, componentwise on the
 * pair (x_i, x_{i+1}). Adding a public constant c changes only component x0, which party 0 holds
 * as `a` and party 2 holds as `b`, so the other components stay uniform and the sum moves by c.
 * All operations are batched over whole vectors and return fresh shares.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { getRing, type Ring64 } from '../../crypto-core/ring/index.js';
import type { ProtocolContext } from './context.js';
import { ShapeError } from './errors.js';
import { checkSameLength, checkShare, makeShare, type ReplicatedShare } from './replicated-share.js';

/** [x + y]. */
export function add(ctx: ProtocolContext, x: ReplicatedShare, y: ReplicatedShare): ReplicatedShare {
  checkSameLength('x', x, 'y', y);
  return makeShare(ctx.ring.add(x.a, y.a), ctx.ring.add(x.b, y.b), x.shape);
}

/** [x - y]. */
export function sub(ctx: ProtocolContext, x: ReplicatedShare, y: ReplicatedShare): ReplicatedShare {
  checkSameLength('x', x, 'y', y);
  return makeShare(ctx.ring.sub(x.a, y.a), ctx.ring.sub(x.b, y.b), x.shape);
}

/** [-x]. */
export function neg(ctx: ProtocolContext, x: ReplicatedShare): ReplicatedShare {
  checkShare('x', x);
  return makeShare(ctx.ring.neg(x.a), ctx.ring.neg(x.b), x.shape);
}

function publicVector(name: string, c: bigint | BigUint64Array, n: number): BigUint64Array {
  if (typeof c === 'bigint') return new BigUint64Array(n).fill(BigInt.asUintN(64, c));
  if (!(c instanceof BigUint64Array)) throw new InvalidArgumentError(`${name}: expected bigint or BigUint64Array`);
  if (c.length !== n) throw new ShapeError(`${name}: expected ${n} elements, got ${c.length}`);
  return c;
}

/** [x + c] for a public scalar or vector c: only the holders of x0 (parties 0 and 2) change. */
export function addPublic(ctx: ProtocolContext, x: ReplicatedShare, c: bigint | BigUint64Array): ReplicatedShare {
  const n = checkShare('x', x);
  const cv = publicVector('c', c, n);
  const a = ctx.self === 0 ? ctx.ring.add(x.a, cv) : x.a.slice();
  const b = ctx.self === 2 ? ctx.ring.add(x.b, cv) : x.b.slice();
  return makeShare(a, b, x.shape);
}

/** [c - x] for a public c. */
export function subFromPublic(ctx: ProtocolContext, c: bigint | BigUint64Array, x: ReplicatedShare): ReplicatedShare {
  return addPublic(ctx, neg(ctx, x), c);
}

/** [x * c] for a public scalar c (a ring element; negative bigints wrap). */
export function mulPublic(ctx: ProtocolContext, x: ReplicatedShare, c: bigint): ReplicatedShare {
  checkShare('x', x);
  if (typeof c !== 'bigint') throw new InvalidArgumentError(`c: expected bigint, got ${typeof c}`);
  return makeShare(ctx.ring.scalarMul(x.a, c), ctx.ring.scalarMul(x.b, c), x.shape);
}

/** [x * c] elementwise for a public vector c. */
export function mulPublicVector(ctx: ProtocolContext, x: ReplicatedShare, c: BigUint64Array): ReplicatedShare {
  const n = checkShare('x', x);
  const cv = publicVector('c', c, n);
  return makeShare(ctx.ring.mul(x.a, cv), ctx.ring.mul(x.b, cv), x.shape);
}

/** [X @ C] for a public matrix C (k x n) and shared X (m x k). */
export function matmulPublic(ctx: ProtocolContext, x: ReplicatedShare, c: BigUint64Array, m: number, k: number, n: number): ReplicatedShare {
  checkShare('x', x);
  return makeShare(ctx.ring.matmul(x.a, c, m, k, n), ctx.ring.matmul(x.b, c, m, k, n), [m, n]);
}

/** Width of the partial sums in the column form of {@link groupSums}. */
const COLUMN_WIDTH = 64;
/**
 * Group size from which {@link groupSums} sums each group by the column form. Below it one
 * (rows x g) @ (g x 1) product for all groups is cheaper than two native calls per group
 * (measured on 2^20 elements, native ring: g = 1024 one product 0.6 ms vs per-group 2.2 ms;
 * g = 2048..65536 per-group 0.5-0.9 ms vs one product 1.4-1.7 ms; for a single group the two
 * forms are within noise below 4096).
 */
const COLUMN_FORM_MIN_GROUP = 4096;

function ones(n: number): BigUint64Array {
  return new BigUint64Array(n).fill(1n);
}

/**
 * Sums of consecutive groups of `groupSize` elements of a plain ring vector, mod 2^64, by the
 * ring's matrix product with a ones vector (the Ring64 interface has no reduction; a product with
 * ones is exact mod 2^64 and runs in the native addon):
 * - groupSize 1: a copy;
 * - small groups: one product (rows x g) @ ones(g x 1);
 * - large groups (and a single group of at least COLUMN_FORM_MIN_GROUP): per group, the group as a
 *   (g/64 x 64) matrix summed by columns, ones(1 x g/64) @ G, which vectorises far better than a
 *   product with one output column (1e6 elements: 0.19 ms against 4 ms on the target machine);
 *   then the 64 partial sums and the g mod 64 leftover elements in one small product.
 * The result does not depend on the form or backend: every form is exact mod 2^64.
 * @throws InvalidArgumentError when `v` is not a BigUint64Array; ShapeError when `groupSize` is
 *   not a positive divisor of its length.
 */
export function groupSums(ring: Ring64, v: BigUint64Array, groupSize: number): BigUint64Array {
  if (!(v instanceof BigUint64Array)) throw new InvalidArgumentError('v: expected BigUint64Array');
  const g = groupSize;
  if (!Number.isSafeInteger(g) || g <= 0 || v.length % g !== 0) {
    throw new ShapeError(`groupSize: expected a positive divisor of ${v.length}, got ${String(groupSize)}`);
  }
  const rows = v.length / g;
  if (g === 1) return v.slice();
  if (g < COLUMN_FORM_MIN_GROUP) return ring.matmul(v, ones(g), rows, g, 1);
  const body = g - (g % COLUMN_WIDTH);
  const k = body / COLUMN_WIDTH;
  const onesK = ones(k);
  // The 64 column sums followed by the leftover elements, reduced by one more product.
  const last = new BigUint64Array(COLUMN_WIDTH + (g - body));
  const onesLast = ones(last.length);
  const partial = last.subarray(0, COLUMN_WIDTH);
  const out = new BigUint64Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * g;
    ring.matmul(onesK, v.subarray(base, base + body), 1, k, COLUMN_WIDTH, partial);
    last.set(v.subarray(base + body, base + g), COLUMN_WIDTH);
    ring.matmul(last, onesLast, 1, last.length, 1, out.subarray(r, r + 1));
  }
  return out;
}

/**
 * Sums of consecutive groups of `groupSize` elements (a row sum for a row-major matrix with
 * `groupSize` columns); with no `groupSize`, the sum of all elements (length 1). No
 * communication. `ring` does the work (default `getRing()`; protocol code passes `ctx.ring`);
 * the result is the same under every backend.
 */
export function sum(x: ReplicatedShare, groupSize?: number, ring: Ring64 = getRing()): ReplicatedShare {
  const n = checkShare('x', x);
  const g = groupSize ?? n;
  if (!Number.isSafeInteger(g) || g <= 0 || n % g !== 0) {
    throw new ShapeError(`groupSize: expected a positive divisor of ${n}, got ${String(groupSize)}`);
  }
  const rows = n / g;
  return makeShare(groupSums(ring, x.a, g), groupSums(ring, x.b, g), groupSize === undefined ? undefined : [rows]);
}

/** A public constant as a share (party 0 holds it in x0; x1 = x2 = 0). */
export function publicShare(ctx: ProtocolContext, c: BigUint64Array, shape?: readonly number[]): ReplicatedShare {
  if (!(c instanceof BigUint64Array)) throw new InvalidArgumentError('c: expected BigUint64Array');
  const zero = new BigUint64Array(c.length);
  const a = ctx.self === 0 ? c.slice() : zero.slice();
  const b = ctx.self === 2 ? c.slice() : zero;
  return makeShare(a, b, shape);
}

/** The elements of `x` at `indices` (a public gather: reshape, slice, transpose, im2col). */
export function gather(x: ReplicatedShare, indices: Uint32Array | readonly number[], shape?: readonly number[]): ReplicatedShare {
  const n = checkShare('x', x);
  const a = new BigUint64Array(indices.length);
  const b = new BigUint64Array(indices.length);
  for (let t = 0; t < indices.length; t++) {
    const i = indices[t]!;
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new ShapeError(`indices[${t}]: ${i} is not an index in 0..${n - 1}`);
    a[t] = x.a[i]!;
    b[t] = x.b[i]!;
  }
  return makeShare(a, b, shape);
}

/** The concatenation of shares (to batch several vectors into one protocol round). */
export function concat(parts: readonly ReplicatedShare[]): ReplicatedShare {
  let n = 0;
  parts.forEach((p, i) => (n += checkShare(`parts[${i}]`, p)));
  const a = new BigUint64Array(n);
  const b = new BigUint64Array(n);
  let off = 0;
  for (const p of parts) {
    a.set(p.a, off);
    b.set(p.b, off);
    off += p.a.length;
  }
  return { a, b };
}

/** Splits `x` into consecutive pieces of the given lengths (inverse of {@link concat}). */
export function split(x: ReplicatedShare, lengths: readonly number[]): ReplicatedShare[] {
  const n = checkShare('x', x);
  const total = lengths.reduce((s, l) => s + l, 0);
  if (total !== n) throw new ShapeError(`lengths: sum to ${total}, share has ${n} elements`);
  const out: ReplicatedShare[] = [];
  let off = 0;
  for (const l of lengths) {
    out.push({ a: x.a.slice(off, off + l), b: x.b.slice(off, off + l) });
    off += l;
  }
  return out;
}
