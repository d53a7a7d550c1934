/** The float64 reference evaluator: hand-checked values and bad inputs. */
import { describe, expect, it } from 'vitest';
import { evaluatePlain } from '../../protocols/model/plaintext-eval.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { ModelIR } from '../../protocols/model/model-ir.js';

const IR: ModelIR = {
  inputShape: [1, 2, 2],
  outputShape: [2],
  layers: [
    { kind: 'maxpool', name: 'mp', kernel: [2, 2], strides: [1, 1], pads: [0, 0, 1, 1] },
    { kind: 'flatten', name: 'flat' },
    { kind: 'dense', name: 'fc', weight: { shape: [2, 4], data: Float64Array.of(1, 0, 0, 0, 0, 0, 0, 1) }, bias: { shape: [2], data: Float64Array.of(0.5, -1) } },
    { kind: 'softmax', name: 'sm' },
  ],
};

describe('evaluatePlain', () => {
  it('computes a padded max pool, dense and softmax by hand', () => {
    // Image [[1, -2], [3, 4]]; max pool 2x2 stride 1 with bottom/right padding ignored: [[4, 4], [4, 4]]
    const { output, shape } = evaluatePlain(IR, Float64Array.of(1, -2, 3, 4), 1);
    expect(shape).toEqual([2]);
    const z = [4.5, 3];
    const s = Math.exp(z[0]!) + Math.exp(z[1]!);
    expect(output[0]).toBeCloseTo(Math.exp(4.5) / s, 12);
    expect(output[1]).toBeCloseTo(Math.exp(3) / s, 12);
  });

  it('rejects a bad batch and a wrong input length, naming the parameter', () => {
    expect(() => evaluatePlain(IR, new Float64Array(4), 0)).toThrow(InvalidArgumentError);
    expect(() => evaluatePlain(IR, new Float64Array(4), 1.5)).toThrow(/batch/);
    expect(() => evaluatePlain(IR, new Float64Array(5), 1)).toThrow(/input: expected 4 values/);
  });
});
