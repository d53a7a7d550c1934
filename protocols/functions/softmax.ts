/**
 * @module protocols/functions/softmax
 * Secure softmax over the last axis, max-subtracted for range (CrypTen `softmax`):
 *
 *   m = max over the row (tournament, 10 ceil(log2 cols) rounds; protocols/rss/argmax)
 *   e = exp(x - m), arguments <= 0      (1 + 2n rounds)
 *   s = sum of e over the row, in [1, cols] (local)
 *   r = 1/s, normalized reciprocal on [1, 2^(ceil(log2 cols)+1))   (26 rounds)
 *   out = e r                           (2 rounds)
 *
 * Cost for 10 classes at n = 9: 40 + 19 + 26 + 2 = 87 rounds. Differences x - m below -2^n are
 * outside the exponential's domain; logits of a trained model are far inside it.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { ProtocolContext } from '../rss/context.js';
import { gather, sub, sum } from '../rss/local-ops.js';
import { mulFixed } from '../rss/truncate.js';
import { maxLastAxis } from '../rss/argmax.js';
import { checkShare, type ReplicatedShare } from '../rss/replicated-share.js';
import { exp, type ExpOptions } from './exp.js';
import { reciprocal } from './reciprocal.js';

/** Repeats each element `times` times: one value per row spread over the row. */
function spread(x: ReplicatedShare, times: number): ReplicatedShare {
  const idx = new Uint32Array(x.a.length * times);
  for (let r = 0; r < x.a.length; r++) idx.fill(r, r * times, (r + 1) * times);
  return gather(x, idx);
}

/** Softmax of each row of x ([rows, cols] row-major). */
export async function softmax(ctx: ProtocolContext, x: ReplicatedShare, rows: number, cols: number, opts: ExpOptions = {}): Promise<ReplicatedShare> {
  const n = checkShare('x', x);
  if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(cols) || rows < 1 || cols < 1 || rows * cols !== n) {
    throw new InvalidArgumentError(`rows/cols: expected positive integers with rows * cols = ${n}, got ${rows} x ${cols}`);
  }
  ctx = ctx.scope('softmax');
  const m = cols === 1 ? x : spread(await maxLastAxis(ctx, x, rows, cols), cols);
  const e = await exp(ctx, sub(ctx, x, m), opts);
  const s = sum(e, cols);
  const r = await reciprocal(ctx, s, { minExponent: 0, maxExponent: Math.ceil(Math.log2(cols)) });
  const out = await mulFixed(ctx, e, spread(r, cols));
  return { a: out.a, b: out.b, shape: x.shape ?? [rows, cols] };
}
