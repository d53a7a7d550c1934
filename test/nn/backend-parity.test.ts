/**
 * The same secure inference under the native ring and the TypeScript reference ring, with the
 * same seeds: the opened outputs must be identical bit for bit (ring arithmetic is exact), and
 * both must match the float64 plaintext within 1e-2. Small batch: the TypeScript ring is slow.
 */
import { describe, expect, it } from 'vitest';
import { decodeFixed, encodeFixed, tsRing, loadNativeRing, type Ring64 } from '../../crypto-core/ring/index.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { evaluatePlain } from '../../protocols/model/plaintext-eval.js';
import { shareModel } from '../../protocols/nn/shared-model.js';
import { evaluateSecureModel } from '../../protocols/nn/evaluate-secure-model.js';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { openChecked, shareSecret } from '../../protocols/rss/replicated-share.js';
import { loadModelBytes, loadSplit } from '../onnx/load-fixture.js';
import { seeded } from '../functions/secure-harness.js';

const native = loadNativeRing();

async function run(ring: Ring64, model: string, split: string, f: number, batch: number): Promise<BigUint64Array> {
  const ir = importOnnx(loadModelBytes(model));
  const data = loadSplit(split);
  const x = Float64Array.from(data.x.subarray(0, batch * ir.inputShape.reduce((a, b) => a * b, 1)));
  const rng = seeded(`parity/${model}`);
  const views = shareModel(ir, rng.fork('model'), f);
  const inputs = shareSecret(encodeFixed(x, f), rng.fork('input'));
  const parties = createLocalParties({ fractionBits: f, rng: rng.fork('seeds'), ring });
  const out = await parties.run((ctx, self) => evaluateSecureModel(ctx, views[self], inputs[self], batch));
  return openChecked([out[0].output, out[1].output, out[2].output]);
}

describe.skipIf(!native.ok)('native and TypeScript rings give identical secure inference', () => {
  for (const [model, split, f] of [
    ['digits_cnn', 'digits_test', 16],
    ['breast_cancer_logreg', 'breast_cancer_test', 20],
  ] as const) {
    it(`${model}: bit-identical outputs, both within 1e-2 of plaintext`, async () => {
      const batch = 6;
      const viaTs = await run(tsRing, model, split, f, batch);
      const viaNative = await run(native.ok ? native.ring : tsRing, model, split, f, batch);
      expect(Array.from(viaNative)).toEqual(Array.from(viaTs));
      const ir = importOnnx(loadModelBytes(model));
      const data = loadSplit(split);
      const plain = evaluatePlain(ir, data.x.subarray(0, batch * ir.inputShape.reduce((a, b) => a * b, 1)), batch).output;
      const got = decodeFixed(viaTs, f);
      for (let i = 0; i < plain.length; i++) expect(Math.abs(got[i]! - plain[i]!)).toBeLessThanOrEqual(1e-2);
    });
  }
});
