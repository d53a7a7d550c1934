/**
 * ONNX import checked against ONNX Runtime: each fixture model is imported, evaluated in float64
 * by the plaintext reference, and compared with onnxruntime-node (CPU, float32) on its test
 * split. Tolerance: max abs diff <= 1e-4 (float32 accumulation error of ORT dominates). The CNN
 * fixture has a BatchNormalization node, so this also checks the folding.
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { evaluatePlain } from '../../protocols/model/plaintext-eval.js';
import { argmaxRows, loadModelBytes, loadSplit } from './load-fixture.js';

const CASES = [
  { model: 'digits_mlp', split: 'digits_test', kinds: ['dense', 'relu', 'dense'] },
  { model: 'digits_mlp_softmax', split: 'digits_test', kinds: ['dense', 'relu', 'dense', 'softmax'] },
  { model: 'digits_square_mlp', split: 'digits_test', kinds: ['dense', 'square', 'dense'] },
  { model: 'digits28_square_mlp', split: 'digits28_test', kinds: ['dense', 'square', 'dense'] },
  {
    model: 'digits_cnn',
    split: 'digits_test',
    kinds: ['conv2d', 'relu', 'maxpool', 'conv2d', 'relu', 'avgpool', 'flatten', 'dense'],
  },
  { model: 'breast_cancer_logreg', split: 'breast_cancer_test', kinds: ['dense', 'sigmoid'] },
  {
    model: 'layer_zoo',
    split: 'layer_zoo_input',
    kinds: ['conv2d', 'relu', 'maxpool', 'avgpool', 'flatten', 'dense', 'polynomial', 'sigmoid'],
    random: true,
  },
] as const;

const TOLERANCE = 1e-4;

describe('importOnnx vs ONNX Runtime', () => {
  for (const c of CASES) {
    it(`${c.model}: plaintext IR matches ORT within ${TOLERANCE} on ${c.split}`, async () => {
      const bytes = loadModelBytes(c.model);
      const ir = importOnnx(bytes);
      expect(ir.layers.map((l) => l.kind)).toEqual(c.kinds);
      const split = loadSplit(c.split);
      const inSize = ir.inputShape.reduce((a, b) => a * b, 1);
      expect(split.x.length).toBe(split.count * inSize);

      const plain = evaluatePlain(ir, split.x, split.count);
      const session = await ort.InferenceSession.create(bytes);
      const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', split.x, [split.count, ...ir.inputShape]) };
      const result = await session.run(feeds);
      const ref = result[session.outputNames[0]!]!.data as Float32Array;
      await session.release();
      expect(ref.length).toBe(plain.output.length);
      let maxDiff = 0;
      for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i]! - plain.output[i]!));
      expect(maxDiff).toBeLessThanOrEqual(TOLERANCE);

      // The imported model is a useful classifier, not just a consistent one.
      if ('random' in c) return;
      const outSize = ir.outputShape.reduce((a, b) => a * b, 1);
      const pred = outSize === 1 ? Array.from(plain.output, (p) => (p > 0.5 ? 1 : 0)) : argmaxRows(plain.output, outSize);
      const acc = pred.filter((p, i) => p === split.labels[i]).length / split.count;
      expect(acc).toBeGreaterThan(0.9);
    });
  }

  it('folds BatchNormalization into the preceding conv (no extra layer, bias present)', () => {
    const ir = importOnnx(loadModelBytes('digits_cnn'));
    const conv1 = ir.layers[0]!;
    expect(conv1.kind).toBe('conv2d');
    expect(conv1.kind === 'conv2d' && conv1.bias?.data.length).toBe(4);
    expect(ir.inputShape).toEqual([1, 8, 8]);
    expect(ir.outputShape).toEqual([10]);
  });
});
