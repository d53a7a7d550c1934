/**
 * Secure inference on the fixture models over the in-memory channel: the model owner shares
 * the imported weights (shareModel), the client shares the test inputs, the three parties run
 * evaluateSecureModel and a secure argmax, and the opened results are compared with the float64
 * plaintext evaluation of the same ModelIR.
 *
 * Tolerances: logits (or probabilities) within 1e-2 of plaintext (max abs over the whole split),
 * secure argmax equal to plaintext argmax on >= 99.5% of the split. Splits: the full digits test
 * set (360 images) for the 8x8 models, the 100 stored images for the 28x28 model, the full
 * breast-cancer test set (114 rows). Seeds are fixed, so a run is reproducible.
 */
import { describe, expect, it } from 'vitest';
import { decodeFixed, encodeFixed } from '../../crypto-core/ring/index.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { evaluatePlain } from '../../protocols/model/plaintext-eval.js';
import { shareModel } from '../../protocols/nn/shared-model.js';
import { evaluateSecureModel, type LayerCost } from '../../protocols/nn/evaluate-secure-model.js';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { openChecked, shareSecret } from '../../protocols/rss/replicated-share.js';
import { argmax } from '../../protocols/rss/argmax.js';
import { argmaxRows, loadModelBytes, loadSplit } from '../onnx/load-fixture.js';
import { seeded } from '../functions/secure-harness.js';

interface Case {
  readonly model: string;
  readonly split: string;
  readonly fractionBits: number;
  /** Random weights (layer_zoo): compare outputs only, no accuracy. */
  readonly random?: boolean;
}

const CASES: readonly Case[] = [
  { model: 'digits_mlp', split: 'digits_test', fractionBits: 16 },
  { model: 'digits_cnn', split: 'digits_test', fractionBits: 16 },
  { model: 'digits_square_mlp', split: 'digits_test', fractionBits: 16 },
  { model: 'digits28_square_mlp', split: 'digits28_test', fractionBits: 16 },
  { model: 'digits_mlp_softmax', split: 'digits_test', fractionBits: 20 },
  { model: 'breast_cancer_logreg', split: 'breast_cancer_test', fractionBits: 20 },
  { model: 'layer_zoo', split: 'layer_zoo_input', fractionBits: 20, random: true },
];

const LOGIT_TOLERANCE = 1e-2;
const ARGMAX_AGREEMENT = 0.995;

async function runCase(c: Case): Promise<{ secure: Float64Array; plain: Float64Array; secureArgmax: number[] | undefined; costs: readonly LayerCost[]; classes: number; labels: readonly number[]; depth: number }> {
  const ir = importOnnx(loadModelBytes(c.model));
  const split = loadSplit(c.split);
  const batch = split.count;
  const rng = seeded(`nn/${c.model}`);
  const models = shareModel(ir, rng.fork('model'), c.fractionBits);
  const inputs = shareSecret(encodeFixed(Float64Array.from(split.x), c.fractionBits), rng.fork('input'));
  const parties = createLocalParties({ fractionBits: c.fractionBits, rng: rng.fork('seeds') });
  const classes = ir.outputShape.reduce((a, b) => a * b, 1);
  const results = await parties.run(async (ctx, self) => {
    const r = await evaluateSecureModel(ctx, models[self], inputs[self], batch);
    const idx = classes > 1 ? (await argmax(ctx, r.output, batch, classes)).index : undefined;
    return { r, idx };
  });
  const secure = decodeFixed(openChecked([results[0].r.output, results[1].r.output, results[2].r.output]), c.fractionBits);
  const secureArgmax =
    classes > 1 ? Array.from(openChecked([results[0].idx!, results[1].idx!, results[2].idx!]), (v) => Number(BigInt.asIntN(64, v))) : undefined;
  const plain = evaluatePlain(ir, split.x, batch).output;
  // Per layer, the most rounds any party counted (a party that only sends in a step counts fewer).
  const costs = results[0].r.costs.map((l, i) => ({
    ...l,
    rounds: Math.max(...results.map((p) => p.r.costs[i]!.rounds)),
    bytesSent: Math.max(...results.map((p) => p.r.costs[i]!.bytesSent)),
  }));
  return { secure, plain, secureArgmax, costs, classes, labels: split.labels, depth: parties.network.depth() };
}

describe('evaluateSecureModel on the fixture models', () => {
  for (const c of CASES) {
    it(`${c.model} (f=${c.fractionBits}): outputs within ${LOGIT_TOLERANCE}, argmax agreement >= ${ARGMAX_AGREEMENT}`, async () => {
      const { secure, plain, secureArgmax, costs, classes, labels, depth } = await runCase(c);
      expect(secure.length).toBe(plain.length);
      let maxDiff = 0;
      for (let i = 0; i < plain.length; i++) maxDiff = Math.max(maxDiff, Math.abs(secure[i]! - plain[i]!));
      expect(maxDiff).toBeLessThanOrEqual(LOGIT_TOLERANCE);

      if (c.random) {
        console.log(JSON.stringify({ model: c.model, f: c.fractionBits, maxAbsDiff: maxDiff, roundsPerLayer: costs.map((l) => `${l.kind}:${l.rounds}`).join(' ') }));
        return;
      }
      const plainPred = classes > 1 ? argmaxRows(plain, classes) : Array.from(plain, (p) => (p > 0.5 ? 1 : 0));
      const securePred = secureArgmax ?? Array.from(secure, (p) => (p > 0.5 ? 1 : 0));
      const agree = plainPred.filter((p, i) => p === securePred[i]).length / plainPred.length;
      expect(agree).toBeGreaterThanOrEqual(ARGMAX_AGREEMENT);
      // Not a degenerate model: the secure predictions classify the split.
      const acc = securePred.filter((p, i) => p === labels[i]).length / labels.length;
      expect(acc).toBeGreaterThan(0.9);

      // Every layer with a secret product or comparison talks; flatten does not.
      for (const l of costs) expect(l.rounds > 0, `${l.name} (${l.kind}) rounds`).toBe(l.kind !== 'flatten');
      console.log(
        JSON.stringify({
          model: c.model,
          f: c.fractionBits,
          batch: labels.length,
          maxAbsDiff: Number(maxDiff.toExponential(3)),
          argmaxAgreement: agree,
          secureAccuracy: acc,
          roundsPerLayer: costs.map((l) => `${l.kind}:${l.rounds}`).join(' '),
          channelRounds: costs.reduce((s, l) => s + l.rounds, 0),
          depthWithArgmax: depth,
        }),
      );
    });
  }
});
