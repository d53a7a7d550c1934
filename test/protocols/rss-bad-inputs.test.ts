/**
 * A table of bad inputs thrown at every public function of the RSS layer: wrong types, NaN,
 * negative or fractional sizes, wrong lengths. Each must fail with a named error whose message
 * names the offending parameter, before any message is sent.
 */
import { describe, expect, it } from 'vitest';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { openChecked, reconstruct, shareSecret, type ReplicatedShare, type ShareTriple } from '../../protocols/rss/replicated-share.js';
import { add, addPublic, gather, matmulPublic, mulPublic, mulPublicVector, split, sub, sum } from '../../protocols/rss/local-ops.js';
import { open, revealTo } from '../../protocols/rss/open.js';
import { dot, matmul, mul } from '../../protocols/rss/mul.js';
import { truncate, mulFixed } from '../../protocols/rss/truncate.js';
import { inputFrom } from '../../protocols/rss/input.js';
import { andB, andPublicB, openBinary, shareBinary, splitB, xorPublicB, type BinaryShare } from '../../protocols/rss/binary-share.js';
import { a2b, bitInjection, inputBinary } from '../../protocols/rss/conversion.js';
import { msbBit } from '../../protocols/rss/msb.js';
import { equal, lessThan, ltz, relu, select } from '../../protocols/rss/comparison.js';
import { argmax, maxLastAxis } from '../../protocols/rss/argmax.js';
import { createCorrelatedRandomness } from '../../protocols/rss/correlated-randomness.js';
import { MpcError } from '../../crypto-core/errors.js';
import { tsRing } from '../../crypto-core/ring/index.js';
import { seeded } from './helpers.js';

const p = createLocalParties({ ring: tsRing, rng: seeded('bad-inputs') });
const ctx = p.contexts[0];
const x: ReplicatedShare = shareSecret(new BigUint64Array(4), seeded('x'))[0];
const short: ReplicatedShare = { a: new BigUint64Array(3), b: new BigUint64Array(3) };
const ragged = { a: new BigUint64Array(4), b: new BigUint64Array(3) } as ReplicatedShare;
const notShare = { a: [1n], b: [1n] } as unknown as ReplicatedShare;
const bx: BinaryShare = shareBinary(new BigUint64Array(4), seeded('b'))[0];

type Case = [name: string, call: () => unknown, param: RegExp];

const cases: Case[] = [
  ['shareSecret: number[]', () => shareSecret([1, 2] as unknown as BigUint64Array), /values/],
  ['reconstruct: two shares', () => reconstruct([x, x] as unknown as ShareTriple), /shares/],
  ['openChecked: ragged share', () => openChecked([x, x, ragged]), /shares\[2\]/],
  ['add: not a share', () => add(ctx, x, notShare), /y:/],
  ['sub: length mismatch', () => sub(ctx, x, short), /y:/],
  ['addPublic: number constant', () => addPublic(ctx, x, 1 as unknown as bigint), /c:/],
  ['addPublic: short vector', () => addPublic(ctx, x, new BigUint64Array(2)), /c:/],
  ['mulPublic: fractional', () => mulPublic(ctx, x, 1.5 as unknown as bigint), /c:/],
  ['mulPublicVector: short', () => mulPublicVector(ctx, x, new BigUint64Array(1)), /c:/],
  ['matmulPublic: wrong dims', () => matmulPublic(ctx, x, new BigUint64Array(4), 3, 2, 2), /a:|m|k/],
  ['sum: groupSize NaN', () => sum(x, Number.NaN), /groupSize/],
  ['sum: groupSize not a divisor', () => sum(x, 3), /groupSize/],
  ['gather: index out of range', () => gather(x, [0, 4]), /indices\[1\]/],
  ['gather: fractional index', () => gather(x, [0.5]), /indices\[0\]/],
  ['split: lengths do not sum', () => split(x, [1, 2]), /lengths/],
  ['open: ragged', () => open(ctx, ragged), /x:/],
  ['revealTo: target 3', () => revealTo(ctx, x, 3 as 0), /target/],
  ['mul: short', () => mul(ctx, x, short), /y:/],
  ['matmul: NaN dim', () => matmul(ctx, x, x, Number.NaN, 2, 2), /m:/],
  ['matmul: x size', () => matmul(ctx, x, x, 3, 2, 2), /x:/],
  ['dot: length 0', () => dot(ctx, x, x, 0), /length/],
  ['truncate: bits NaN', () => truncate(ctx, x, Number.NaN), /bits/],
  ['truncate: bits 64', () => truncate(ctx, x, 64), /bits/],
  ['mulFixed: short', () => mulFixed(ctx, x, short), /y:/],
  ['inputFrom: owner 5', () => inputFrom(ctx, 5 as 0, undefined, 1), /owner/],
  ['inputFrom: n negative', () => inputFrom(ctx, 1, undefined, -1), /n:/],
  ['inputFrom: owner without values', () => inputFrom(ctx, 0, undefined, 2), /values/],
  ['andB: arithmetic share', () => andB(ctx, x as unknown as BinaryShare, bx), /x:/],
  ['andPublicB: number', () => andPublicB(ctx, bx, 3 as unknown as bigint), /c:/],
  ['xorPublicB: short vector', () => xorPublicB(ctx, bx, new BigUint64Array(1)), /c:/],
  ['splitB: count 3', () => splitB(bx, 3), /count/],
  ['openBinary: not binary', () => openBinary(ctx, x as unknown as BinaryShare), /x:/],
  ['inputBinary: n NaN', () => inputBinary(ctx, 1, undefined, Number.NaN), /n:/],
  ['a2b: ragged', () => a2b(ctx, ragged), /x:/],
  ['msbBit: not a share', () => msbBit(ctx, notShare), /x:/],
  ['bitInjection: arithmetic share', () => bitInjection(ctx, x as unknown as BinaryShare), /bit:/],
  ['ltz: ragged', () => ltz(ctx, ragged), /x:/],
  ['lessThan: short', () => lessThan(ctx, x, short), /y:/],
  ['equal: short', () => equal(ctx, x, short), /y:/],
  ['select: short bit', () => select(ctx, short, x, x), /c:/],
  ['relu: not a share', () => relu(ctx, notShare), /x:/],
  ['argmax: cols NaN', () => argmax(ctx, x, 2, Number.NaN), /cols/],
  ['maxLastAxis: rows x cols mismatch', () => maxLastAxis(ctx, x, 3, 2), /x:/],
  ['createCorrelatedRandomness: seeds null', () => createCorrelatedRandomness(0, null as never), /seeds/],
];

describe('bad inputs at every public RSS function', () => {
  it.each(cases)('%s', async (_name, call, param) => {
    let err: unknown;
    try {
      await call();
    } catch (e) {
      err = e;
    }
    expect(err, 'expected a throw or rejection').toBeInstanceOf(MpcError);
    expect((err as Error).message).toMatch(param);
  });

  it('sent nothing while rejecting', () => {
    expect(p.contexts.map((c) => c.channel.stats.messagesSent)).toEqual([0, 0, 0]);
  });
});
