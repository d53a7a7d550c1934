/**
 * Secure layers on a synthetic ModelIR with shapes the fixtures do not cover (3x3 average
 * pooling with padding, a cubic polynomial, softmax after it), compared with the float64
 * plaintext evaluation: max abs diff <= 1e-2 at f = 20. Also the bad inputs of shareModel and
 * evaluateSecureModel.
 */
import { describe, expect, it } from 'vitest';
import { decodeFixed, encodeFixed } from '../../crypto-core/ring/index.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { ModelIR } from '../../protocols/model/model-ir.js';
import { evaluatePlain } from '../../protocols/model/plaintext-eval.js';
import { shareModel } from '../../protocols/nn/shared-model.js';
import { evaluateSecureModel } from '../../protocols/nn/evaluate-secure-model.js';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { openChecked, shareSecret } from '../../protocols/rss/replicated-share.js';
import { ShapeError } from '../../protocols/rss/errors.js';
import { seeded } from '../functions/secure-harness.js';

/** Deterministic pseudo-random reals in [-scale, scale]. */
function values(n: number, seed: number, scale: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => scale * Math.sin((i + 1) * 12.9898 + seed * 78.233));
}

const IR: ModelIR = {
  inputShape: [1, 5, 5],
  outputShape: [3],
  layers: [
    { kind: 'conv2d', name: 'conv', weight: { shape: [2, 1, 3, 3], data: values(18, 1, 0.5) }, bias: { shape: [2], data: values(2, 2, 0.2) }, strides: [1, 1], pads: [1, 1, 1, 1] },
    { kind: 'avgpool', name: 'avg3', kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
    { kind: 'flatten', name: 'flat' },
    { kind: 'dense', name: 'fc', weight: { shape: [3, 18], data: values(54, 3, 0.4) }, bias: { shape: [3], data: values(3, 4, 0.1) } },
    { kind: 'polynomial', name: 'cubic', coeffs: [0.1, -0.5, 0.25, 0.05] },
    { kind: 'softmax', name: 'softmax' },
  ],
};

describe('secure layers on a synthetic model', () => {
  it('conv + padded 3x3 avgpool + dense + cubic + softmax match plaintext within 1e-2 (f=20)', async () => {
    const f = 20;
    const batch = 6;
    const x = values(batch * 25, 5, 1);
    const rng = seeded('nn/synthetic');
    const models = shareModel(IR, rng.fork('model'), f);
    const inputs = shareSecret(encodeFixed(x, f), rng.fork('input'));
    const parties = createLocalParties({ fractionBits: f, rng: rng.fork('seeds') });
    const out = await parties.run((ctx, self) => evaluateSecureModel(ctx, models[self], inputs[self], batch));
    const secure = decodeFixed(openChecked([out[0].output, out[1].output, out[2].output]), f);
    const plain = evaluatePlain(IR, x, batch);
    expect(out[0].outputShape).toEqual([3]);
    expect(plain.shape).toEqual([3]);
    let maxDiff = 0;
    for (let i = 0; i < plain.output.length; i++) maxDiff = Math.max(maxDiff, Math.abs(secure[i]! - plain.output[i]!));
    expect(maxDiff).toBeLessThanOrEqual(1e-2);
    expect(out[0].costs.map((c) => c.kind)).toEqual(['conv2d', 'avgpool', 'flatten', 'dense', 'polynomial', 'softmax']);
  });

  it('rejects a context whose fractional bits differ from the model', async () => {
    const models = shareModel(IR, seeded('nn/bad-f'), 20);
    const parties = createLocalParties({ fractionBits: 16, rng: seeded('nn/bad-f-seeds') });
    const inputs = shareSecret(encodeFixed(values(25, 1, 1), 16), seeded('nn/bad-f-in'));
    await expect(parties.run((ctx, self) => evaluateSecureModel(ctx, models[self], inputs[self], 1))).rejects.toThrow(/fractional bits/);
  });

  it('rejects an input of the wrong length and a bad batch', async () => {
    const models = shareModel(IR, seeded('nn/bad-len'), 16);
    const parties = createLocalParties({ fractionBits: 16, rng: seeded('nn/bad-len-seeds') });
    const inputs = shareSecret(encodeFixed(values(24, 1, 1), 16), seeded('nn/bad-len-in'));
    await expect(parties.run((ctx, self) => evaluateSecureModel(ctx, models[self], inputs[self], 1))).rejects.toThrow(ShapeError);
    await expect(parties.run((ctx, self) => evaluateSecureModel(ctx, models[self], inputs[self], 0))).rejects.toThrow(InvalidArgumentError);
  });

  it('shareModel rejects malformed models and inconsistent shapes, naming the layer', () => {
    expect(() => shareModel(null as unknown as ModelIR)).toThrow(InvalidArgumentError);
    const bad: ModelIR = { ...IR, inputShape: [1, 4, 4], layers: [IR.layers[0]!, IR.layers[2]!, IR.layers[3]!] };
    expect(() => shareModel(bad, seeded('nn/bad-shape'))).toThrow(/'fc'/);
    const huge: ModelIR = { inputShape: [1], outputShape: [1], layers: [{ kind: 'dense', name: 'd', weight: { shape: [1, 1], data: Float64Array.of(2 ** 50) } }] };
    expect(() => shareModel(huge, seeded('nn/huge'), 16)).toThrow(/overflows/);
  });

  it('each party view holds shares, not the weights', () => {
    const views = shareModel(IR, seeded('nn/views'), 16);
    const dense = views.map((v) => v.layers[3]!);
    const [d0, d1, d2] = dense;
    if (d0?.kind !== 'dense' || d1?.kind !== 'dense' || d2?.kind !== 'dense') throw new Error('dense layer expected');
    const opened = decodeFixed(openChecked([d0.weightT, d1.weightT, d2.weightT]), 16);
    // W^T [18, 3]: element (i, o) is W[o, i].
    const w = IR.layers[3]!.kind === 'dense' ? IR.layers[3]!.weight.data : new Float64Array(0);
    expect(Math.abs(opened[1 * 3 + 2]! - w[2 * 18 + 1]!)).toBeLessThan(2 ** -16);
    expect(decodeFixed(d0.weightT.a, 16)[0]).not.toBeCloseTo(w[0]!, 3);
  });
});
