/**
 * Latency depth (longest chain of dependent messages, MemoryNetwork.depth) of each layer kind,
 * measured alone: each layer of the fixture models runs as a one-layer model on shares of its
 * plaintext input, with the parties' clocks aligned before it. The numbers are the "rounds per
 * layer" table of docs/protocols-inference.md; this test keeps that table true.
 */
import { describe, expect, it } from 'vitest';
import { encodeFixed } from '../../crypto-core/ring/index.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { applyLayerPlain } from '../../protocols/model/plaintext-eval.js';
import { modelShapes } from '../../protocols/model/layer-shape.js';
import { shareModel, type SharedModel } from '../../protocols/nn/shared-model.js';
import { evaluateSecureModel } from '../../protocols/nn/evaluate-secure-model.js';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { shareSecret } from '../../protocols/rss/replicated-share.js';
import { loadModelBytes, loadSplit } from '../onnx/load-fixture.js';
import { seeded } from '../functions/secure-harness.js';

/**
 * Documented depth per layer kind (10-class softmax, 2x2 max pool). Layers built only from
 * products must match exactly; layers built on the comparisons of protocols/rss may come out
 * lower when that layer gets faster, never higher.
 */
const COMPARISON_BASED = new Set(['relu', 'maxpool', 'sigmoid', 'softmax']);
const EXPECTED: Record<string, number> = {
  dense: 2,
  conv2d: 2,
  relu: 10,
  maxpool: 19,
  avgpool: 1,
  flatten: 0,
  square: 2,
  sigmoid: 35,
  softmax: 82,
};

async function layerDepths(model: string, split: string, f: number): Promise<Array<{ kind: string; depth: number }>> {
  const ir = importOnnx(loadModelBytes(model));
  const data = loadSplit(split);
  const batch = 8;
  const shapes = modelShapes(ir);
  const rng = seeded(`depth/${model}`);
  const views = shareModel(ir, rng.fork('model'), f);
  const parties = createLocalParties({ fractionBits: f, rng: rng.fork('seeds') });
  let x: Float64Array = Float64Array.from(data.x.subarray(0, batch * shapes[0]!.reduce((a, b) => a * b, 1)));
  const out: Array<{ kind: string; depth: number }> = [];
  for (let i = 0; i < ir.layers.length; i++) {
    const single = (v: SharedModel): SharedModel => ({ fractionBits: f, inputShape: shapes[i]!, outputShape: shapes[i + 1]!, layers: [v.layers[i]!] });
    const inputs = shareSecret(encodeFixed(x, f), rng.fork(`in${i}`));
    parties.network.alignClocks();
    const start = parties.network.depth();
    await parties.run((ctx, self) => evaluateSecureModel(ctx, single(views[self]), inputs[self], batch));
    out.push({ kind: ir.layers[i]!.kind, depth: parties.network.depth() - start });
    x = applyLayerPlain(ir.layers[i]!, x, batch, shapes[i]!);
  }
  return out;
}

describe('latency depth per layer', () => {
  for (const [model, split, f] of [
    ['digits_cnn', 'digits_test', 16],
    ['digits_square_mlp', 'digits_test', 16],
    ['breast_cancer_logreg', 'breast_cancer_test', 20],
    ['digits_mlp_softmax', 'digits_test', 20],
  ] as const) {
    it(`${model}: each layer costs its documented depth`, async () => {
      const depths = await layerDepths(model, split, f);
      console.log(JSON.stringify({ model, depths: depths.map((d) => `${d.kind}:${d.depth}`).join(' ') }));
      for (const d of depths) {
        if (COMPARISON_BASED.has(d.kind)) expect(d.depth, d.kind).toBeLessThanOrEqual(EXPECTED[d.kind]!);
        else expect(d.depth, d.kind).toBe(EXPECTED[d.kind]);
      }
    });
  }
});
