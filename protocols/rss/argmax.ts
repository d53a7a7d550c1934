/**
 * @module protocols/rss/argmax
 * Maximum and argmax over the last axis of a row-major matrix with a tournament tree
 * (ABY3 section 5.3 comparisons; the layout SPU uses for ArgMax): each layer compares the
 * pairs (0,1), (2,3), ... of every row at once, keeps the larger (the left one on a tie, like
 * numpy's first occurrence) and carries an odd one over; ceil(log2 n) layers.
 * Per layer: one batched `lessThan` (9 rounds) and one batched `select` of value and index
 * together (1 round): 10 rounds per layer. Used by max pooling: gather each window into a row.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { ProtocolContext } from './context.js';
import { ShapeError } from './errors.js';
import { checkShare, makeShare, type ReplicatedShare } from './replicated-share.js';
import { add, concat, gather, publicShare, split, sub } from './local-ops.js';
import { mul } from './mul.js';
import { lessThan } from './comparison.js';

/** The maxima of each row and their column indices. */
export interface ArgmaxResult {
  /** Row maxima, `rows` elements. */
  readonly max: ReplicatedShare;
  /** Column index (an integer, not fixed point) of each row's first maximum. */
  readonly index: ReplicatedShare;
}

async function tournament(
  parent: ProtocolContext,
  x: ReplicatedShare,
  rows: number,
  cols: number,
  withIndex: boolean,
): Promise<{ max: ReplicatedShare; index: ReplicatedShare | undefined }> {
  const ctx = parent.scope('tournament');
  const total = checkShare('x', x);
  if (!Number.isSafeInteger(rows) || rows <= 0) throw new InvalidArgumentError(`rows: expected positive integer, got ${String(rows)}`);
  if (!Number.isSafeInteger(cols) || cols <= 0) throw new InvalidArgumentError(`cols: expected positive integer, got ${String(cols)}`);
  if (total !== rows * cols) throw new ShapeError(`x: expected ${rows}x${cols} = ${rows * cols} elements, got ${total}`);
  let vals = x;
  let idx: ReplicatedShare | undefined;
  if (withIndex) {
    const pub = new BigUint64Array(total);
    for (let t = 0; t < total; t++) pub[t] = BigInt(t % cols);
    idx = publicShare(ctx, pub);
  }
  let width = cols;
  while (width > 1) {
    const pairs = Math.floor(width / 2);
    const left: number[] = [];
    const right: number[] = [];
    const carried: number[] = [];
    for (let r = 0; r < rows; r++) {
      for (let p = 0; p < pairs; p++) {
        left.push(r * width + 2 * p);
        right.push(r * width + 2 * p + 1);
      }
      if (width % 2 === 1) carried.push(r * width + width - 1);
    }
    const lv = gather(vals, left);
    const rv = gather(vals, right);
    const leftLess = await lessThan(ctx, lv, rv);
    // winner = left + [left < right] * (right - left), for values and indices in one round
    let winners: ReplicatedShare[];
    if (idx !== undefined) {
      const li = gather(idx, left);
      const ri = gather(idx, right);
      const prod = await mul(ctx, concat([leftLess, leftLess]), concat([sub(ctx, rv, lv), sub(ctx, ri, li)]));
      const [dv, di] = split(prod, [left.length, left.length]);
      winners = [add(ctx, lv, dv!), add(ctx, li, di!)];
    } else {
      winners = [add(ctx, lv, await mul(ctx, leftLess, sub(ctx, rv, lv)))];
    }
    const next = pairs + (width % 2);
    // Reassemble each row as [its pair winners..., its carried element].
    const rebuild = (won: ReplicatedShare, from: ReplicatedShare): ReplicatedShare => {
      const carriedPart = gather(from, carried);
      const both = concat([won, carriedPart]);
      const order: number[] = [];
      for (let r = 0; r < rows; r++) {
        for (let p = 0; p < pairs; p++) order.push(r * pairs + p);
        if (width % 2 === 1) order.push(rows * pairs + r);
      }
      return gather(both, order);
    };
    const newVals = rebuild(winners[0]!, vals);
    if (idx !== undefined) idx = rebuild(winners[1]!, idx);
    vals = newVals;
    width = next;
  }
  const shape = [rows];
  return {
    max: makeShare(vals.a, vals.b, shape),
    index: idx === undefined ? undefined : makeShare(idx.a, idx.b, shape),
  };
}

/**
 * Maximum and first argmax of each row of x (rows x cols, row-major).
 * 10 * ceil(log2 cols) rounds; values must differ by less than 2^63 (fixed point always does).
 */
export async function argmax(ctx: ProtocolContext, x: ReplicatedShare, rows: number, cols: number): Promise<ArgmaxResult> {
  const r = await tournament(ctx, x, rows, cols, true);
  return { max: r.max, index: r.index! };
}

/** Maximum of each row of x (rows x cols): the tournament without index tracking. */
export async function maxLastAxis(ctx: ProtocolContext, x: ReplicatedShare, rows: number, cols: number): Promise<ReplicatedShare> {
  return (await tournament(ctx, x, rows, cols, false)).max;
}
