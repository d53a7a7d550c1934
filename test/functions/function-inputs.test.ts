/** Bad inputs to the secure functions: each is rejected before any message, naming the parameter. */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import type { ReplicatedShare } from '../../protocols/rss/replicated-share.js';
import { exp } from '../../protocols/functions/exp.js';
import { expRangeReduced } from '../../protocols/functions/exp-range-reduced.js';
import { reciprocal } from '../../protocols/functions/reciprocal.js';
import { invSqrt } from '../../protocols/functions/inv-sqrt.js';
import { sigmoid } from '../../protocols/functions/sigmoid.js';
import { softmax } from '../../protocols/functions/softmax.js';
import { seeded } from './secure-harness.js';

const ctx = createLocalParties({ fractionBits: 16, rng: seeded('fn/inputs') }).contexts[0];
const x: ReplicatedShare = { a: new BigUint64Array(6), b: new BigUint64Array(6) };
const notShare = { a: [1, 2], b: [3, 4] } as unknown as ReplicatedShare;

describe('secure function argument checks', () => {
  const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
    ['exp iterations 0', () => exp(ctx, x, { iterations: 0 }), /iterations/],
    ['exp iterations 2.5', () => exp(ctx, x, { iterations: 2.5 }), /iterations/],
    ['exp on a non-share', () => exp(ctx, notShare), /x: expected a share/],
    ['reciprocal min > max', () => reciprocal(ctx, x, { minExponent: 3, maxExponent: 1 }), /minExponent/],
    ['reciprocal below resolution', () => reciprocal(ctx, x, { minExponent: -20, maxExponent: 1 }), /minExponent/],
    ['reciprocal iterations -1', () => reciprocal(ctx, x, { iterations: -1 }), /iterations/],
    ['invSqrt min = max', () => invSqrt(ctx, x, { minExponent: 2, maxExponent: 2 }), /minExponent/],
    ['invSqrt below resolution', () => invSqrt(ctx, x, { minExponent: -9, maxExponent: 2 }), /minExponent/],
    ['expRangeReduced min >= max', () => expRangeReduced(ctx, x, { min: 1, max: 1 }), /min\/max/],
    ['expRangeReduced output bits below input bits', () => expRangeReduced(ctx, x, { outputFractionBits: 8 }), /outputFractionBits/],
    ['expRangeReduced output overflow', () => expRangeReduced(ctx, x, { max: 20, outputFractionBits: 40 }), /outputFractionBits/],
    ['sigmoid on a non-share', () => sigmoid(ctx, notShare), /x: expected a share/],
    ['softmax rows * cols mismatch', () => softmax(ctx, x, 4, 2), /rows\/cols/],
    ['softmax zero rows', () => softmax(ctx, x, 0, 6), /rows\/cols/],
  ];
  for (const [what, call, msg] of cases) {
    it(`rejects ${what}`, async () => {
      await expect(call()).rejects.toThrow(InvalidArgumentError);
      await expect(call()).rejects.toThrow(msg);
    });
  }
  it('sent nothing while rejecting', () => {
    expect(ctx.channel.stats.messagesSent).toBe(0);
  });
});
