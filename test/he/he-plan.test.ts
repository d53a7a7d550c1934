/**
 * Planning and packing of CKKS models, checked without encryption: the plan's steps are run on
 * plain slot vectors (test/he/he-fixtures.ts simulatePlan) and compared with float64 inference.
 * Tolerance 1e-9 (only float64 rounding differs). Also the rotation plan of the 784-128-10
 * model and the refusal of every unsupported layer.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CKKS_PARAMS } from '../../crypto-core/he/ckks-params.js';
import { HeUnsupportedModelError } from '../../protocols/he/errors.js';
import { planHeModel } from '../../protocols/he/he-plan.js';
import { packInput, unpackOutput } from '../../protocols/he/input-packing.js';
import { inferPlain } from '../../protocols/he/plain-inference.js';
import type { Layer } from '../../protocols/model/model-ir.js';
import { denseLayer, mnistSquareMlp, model, sampleInput, simulatePlan } from './he-fixtures.js';

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

describe('planHeModel: 784-128-10 square MLP', () => {
  const ir = mnistSquareMlp();
  const plan = planHeModel(ir);

  it('uses the packed generalized-diagonal layout: 32 diagonals (8x4 BSGS), 17 Galois keys, 22 rotations, 33 products', () => {
    expect(plan.params).toEqual(DEFAULT_CKKS_PARAMS);
    expect(plan.inputLayout).toEqual({ kind: 'diagonal-groups', rowPeriod: 128, diagonals: 32 });
    const fc1 = plan.steps[0]!;
    expect(fc1.kind).toBe('dense-diagonal');
    if (fc1.kind === 'dense-diagonal') expect([fc1.baby, fc1.giant]).toEqual([8, 4]);
    expect(plan.steps.map((s) => s.kind)).toEqual(['dense-diagonal', 'square', 'dense-rowblock']);
    expect(plan.galoisSteps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 16, 24, 32, 64, 128, 256, 512, 1024, 2048]);
    expect(plan.cost).toEqual({ rotations: 22, plainMultiplies: 33, cipherMultiplies: 1 });
    expect(plan.depth).toBe(3);
    expect(plan.output).toEqual({ length: 10, stride: 128 });
  });

  it('its slot algebra reproduces float64 inference', () => {
    for (const label of ['a', 'b']) {
      const x = sampleInput(label, 784);
      const got = unpackOutput(plan, simulatePlan(plan, packInput(plan, x)));
      expect(maxAbsDiff(got, inferPlain(ir, x))).toBeLessThan(1e-9);
    }
  });
});

describe('planHeModel: layouts of other shapes match float64 inference', () => {
  const cases: [string, number, number, Layer[]][] = [
    ['logistic 30 -> 1 + sigmoid', 30, 1, [denseLayer('lr', 1, 30), { kind: 'sigmoid', name: 'sig' }]],
    ['linear 784 -> 1', 784, 1, [denseLayer('lin', 1, 784)]],
    ['two replicated layers 20-64-33-5', 20, 5, [denseLayer('a', 64, 20), { kind: 'square', name: 's' }, denseLayer('b', 33, 64), denseLayer('c', 5, 33)]],
    ['wide then narrow 100-300-3 poly', 100, 3, [denseLayer('a', 300, 100), { kind: 'polynomial', name: 'p', coeffs: [0.1, 0.5, 0.25] }, denseLayer('b', 3, 300)]],
    ['activation first', 16, 4, [{ kind: 'polynomial', name: 'p', coeffs: [1, 0.5] }, denseLayer('a', 4, 16)]],
    ['no dense layer', 10, 10, [{ kind: 'square', name: 's' }]],
    ['softmax head 64-10', 64, 10, [denseLayer('a', 10, 64), { kind: 'softmax', name: 'sm' }]],
  ];
  for (const [name, n, m, layers] of cases) {
    it(name, () => {
      const ir = model(n, m, layers);
      const plan = planHeModel(ir, { params: { polyModulusDegree: 16384, coeffModulusBits: [60, 40, 40, 40, 40, 40, 60], scaleBits: 40 } });
      const x = sampleInput(name, n);
      const got = unpackOutput(plan, simulatePlan(plan, packInput(plan, x)));
      expect(maxAbsDiff(got, inferPlain(ir, x))).toBeLessThan(1e-9);
      // Every rotation the plan performs has a key in its list, and no key is unused.
      const used = new Set<number>();
      for (const s of plan.steps) {
        if (s.kind === 'dense-diagonal') {
          s.diagonals.forEach((d, i) => {
            if (d && i % s.baby) used.add(i % s.baby);
            if (d && i >= s.baby) used.add(Math.floor(i / s.baby) * s.baby);
          });
        }
        if (s.kind === 'dense-diagonal' || s.kind === 'dense-rowblock') s.sumStrides.forEach((k) => used.add(k));
      }
      expect([...used].sort((a, b) => a - b)).toEqual(plan.galoisSteps);
    });
  }
});

describe('planHeModel: refusals name the layer', () => {
  const bad: [string, Layer[], RegExp][] = [
    ['relu', [denseLayer('a', 4, 8), { kind: 'relu', name: 'r1' }, denseLayer('b', 2, 4)], /layer 'r1': relu is not a polynomial/],
    ['conv2d', [{ kind: 'conv2d', name: 'c1', weight: { shape: [1, 1, 1, 1], data: new Float64Array(1) }, strides: [1, 1], pads: [0, 0, 0, 0] }], /layer 'c1'.*conv2d/],
    ['maxpool', [{ kind: 'maxpool', name: 'mp', kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] }], /layer 'mp'.*maxpool/],
    ['sigmoid in the middle', [denseLayer('a', 4, 8), { kind: 'sigmoid', name: 'sg' }, denseLayer('b', 2, 4)], /layer 'sg': sigmoid is only supported as the last layer/],
    ['shape mismatch', [denseLayer('a', 4, 7)], /layer 'a': weight expects 7 inputs but the previous layer gives 8/],
    ['too deep for the default set', [denseLayer('a', 4, 8), { kind: 'square', name: 's1' }, denseLayer('b', 4, 4), { kind: 'square', name: 's2' }, denseLayer('c', 2, 4)], /needs depth 5 but N=8192/],
    ['constant polynomial', [denseLayer('a', 2, 8), { kind: 'polynomial', name: 'pc', coeffs: [3, 0] }], /layer 'pc': polynomial is constant/],
    ['NaN weight', [{ kind: 'dense', name: 'nan', weight: { shape: [1, 8], data: new Float64Array(8).fill(NaN) } }], /layer 'nan': weight contains NaN/],
    ['all-zero weights', [{ kind: 'dense', name: 'z', weight: { shape: [2, 8], data: new Float64Array(16) } }], /layer 'z': all weights are zero/],
  ];
  for (const [name, layers, re] of bad) {
    it(name, () => {
      const out = layers.at(-1)?.kind === 'dense' ? ((layers.at(-1) as { weight: { shape: readonly number[] } }).weight.shape[0] ?? 1) : 4;
      const ir = model(8, out, layers);
      const call = () => planHeModel(ir, layers.length === 5 ? { params: DEFAULT_CKKS_PARAMS } : {});
      expect(call).toThrow(HeUnsupportedModelError);
      expect(call).toThrow(re);
    });
  }

  it('chooses larger parameters when the model is deeper than the default set', () => {
    const ir = model(8, 2, [denseLayer('a', 4, 8), { kind: 'square', name: 's1' }, denseLayer('b', 4, 4), { kind: 'square', name: 's2' }, denseLayer('c', 2, 4)]);
    const plan = planHeModel(ir);
    expect(plan.params.polyModulusDegree).toBe(16384);
    expect(plan.depth).toBe(5);
  });
});
