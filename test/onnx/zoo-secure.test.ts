/**
 * The model zoo (scripts/fixtures/make_zoo.py: torch exports, opset 13 and 17) evaluated with
 * secret-shared weights and inputs at three in-memory parties, compared with ONNX Runtime
 * (onnxruntime-node, CPU, float32) on the same inputs.
 *
 * Bounds (issue 17): every output within 5e-3 absolute of ORT's, and the predicted class (argmax
 * of the output, or the output itself for the ArgMax model, or > 0.5 for the logistic
 * regression) the same as ORT's on every input. Inputs: the first 100 rows of each model's
 * test split (all 16 for the random-weight operator mix; ZOO_INPUTS overrides), fixed seeds, so a
 * run is reproducible. f = 16 fractional bits for every model. About 11 s for all 14 models.
 */
import { describe, expect, it } from 'vitest';
import { decodeFixed, encodeFixed } from '../../crypto-core/ring/index.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { shareModel } from '../../protocols/nn/shared-model.js';
import { evaluateSecureModel } from '../../protocols/nn/evaluate-secure-model.js';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { openChecked, shareSecret } from '../../protocols/rss/replicated-share.js';
import { predictions, runOrt, splitRows, zooBytes, zooEntries } from './zoo-fixture.js';
import { seeded } from '../functions/secure-harness.js';

const LOGIT_BOUND = 5e-3;
const FRACTION_BITS = 16;
/** Inputs per model in this test (the bench runs 100). */
const INPUTS = Number(process.env.ZOO_INPUTS ?? 100);

describe(`zoo models: secure inference vs ONNX Runtime (f=${FRACTION_BITS}, ${INPUTS} inputs each)`, () => {
  for (const e of zooEntries()) {
    it(`${e.name}: outputs within ${LOGIT_BOUND} of ORT, same predicted class on every input`, async () => {
      const bytes = zooBytes(e.name);
      const ir = importOnnx(bytes);
      const split = splitRows(e.split, INPUTS);
      const ref = await runOrt(bytes, split.x, [split.count, ...ir.inputShape]);

      const rng = seeded(`zoo/${e.name}`);
      const models = shareModel(ir, rng.fork('model'), FRACTION_BITS);
      const inputs = shareSecret(encodeFixed(Float64Array.from(split.x), FRACTION_BITS), rng.fork('input'));
      const parties = createLocalParties({ fractionBits: FRACTION_BITS, rng: rng.fork('seeds') });
      const out = await parties.run((ctx, self) => evaluateSecureModel(ctx, models[self], inputs[self], split.count));
      const secure = decodeFixed(openChecked([out[0].output, out[1].output, out[2].output]), FRACTION_BITS);

      expect(secure.length).toBe(ref.length);
      let maxDiff = 0;
      for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(secure[i]! - ref[i]!));
      const refPred = predictions(e.name, ref, split.count);
      const securePred = predictions(e.name, secure, split.count);
      const agree = refPred.filter((p, i) => p === securePred[i]).length;
      console.log(JSON.stringify({ model: e.name, inputs: split.count, maxAbsDiff: Number(maxDiff.toExponential(3)), argmaxAgreement: agree / split.count, rounds: out[0].costs.reduce((s, c) => s + c.rounds, 0) }));
      expect(maxDiff).toBeLessThanOrEqual(LOGIT_BOUND);
      expect(agree).toBe(split.count);
    });
  }
});
