/**
 * The torch-exported zoo (test/fixtures/zoo) and the CKKS path: every zoo model is either planned
 * and evaluated encrypted, or refused by the planner with a reason that names the layer. The
 * polynomial ones (the square MLP, the logistic regression whose sigmoid the client applies)
 * run under CKKS on 8 test inputs and are compared with onnxruntime-node on the same inputs
 * (max abs error 1e-3: ORT's float32 against CKKS's ~1e-6 noise; same predicted class), all
 * 8 queries in one batched ciphertext. Every other zoo model must be
 * refused: non-polynomial activations (relu, tanh, ...), graph models, pooling and convolutions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeUnsupportedModelError } from '../../protocols/he/errors.js';
import { CkksContext } from '../../crypto-core/he/ckks-context.js';
import { CkksEvalKeys } from '../../crypto-core/he/ckks-keys.js';
import { loadSeal, type SealModule } from '../../crypto-core/he/seal-loader.js';
import { HeClient } from '../../protocols/he/he-client.js';
import { HeModelEvaluator } from '../../protocols/he/he-evaluator.js';
import { largestHeBatch, planHeModel } from '../../protocols/he/he-plan.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { argmaxRows } from '../onnx/load-fixture.js';
import { runOrt, splitRows, zooBytes, zooEntries } from '../onnx/zoo-fixture.js';

const TOL = 1e-3;
const INPUTS = 8;
const POLYNOMIAL = new Set(['zoo_logreg', 'zoo_mlp_square']);

let seal: SealModule;
beforeAll(async () => {
  seal = await loadSeal();
});
afterAll(() => undefined);

describe('zoo models under CKKS', () => {
  for (const e of zooEntries()) {
    if (!POLYNOMIAL.has(e.name)) {
      it(`${e.name}: refused by the CKKS planner with the layer named`, () => {
        const ir = importOnnx(zooBytes(e.name));
        let err: unknown;
        try {
          planHeModel(ir);
        } catch (x) {
          err = x;
        }
        expect(err).toBeInstanceOf(HeUnsupportedModelError);
        expect((err as Error).message).toMatch(/^layer '[^']+'/);
      });
      continue;
    }
    // Batched only (batch 1 of such models is test/he/onnx-ckks's), to keep the test quick.
    {
      it(`${e.name} (all inputs in one batched ciphertext): CKKS within ${TOL} of ORT on ${INPUTS} inputs, same class`, async () => {
        const bytes = zooBytes(e.name);
        const ir = importOnnx(bytes);
        const split = splitRows(e.split, INPUTS);
        const ref = await runOrt(bytes, split.x, [split.count, ...ir.inputShape]);
        const one = planHeModel(ir);
        const plan = planHeModel(ir, { params: one.params, batch: Math.min(largestHeBatch(ir), 8) });
        const client = HeClient.create(seal, plan);
        const ctx = CkksContext.create(seal, plan.params);
        const keys = CkksEvalKeys.load(ctx, client.evalKeys);
        const evaluator = HeModelEvaluator.prepare(ctx, plan);
        try {
          const per = split.x.length / split.count;
          const xs = Array.from({ length: split.count }, (_, i) => Float64Array.from(split.x.subarray(i * per, (i + 1) * per)));
          const cts = client.encryptBatch(xs);
          expect(cts.length).toBe(1);
          const got = client.decryptBatch(cts.map((c) => evaluator.evaluate(c, keys)), xs.length);
          const flat = Float64Array.from(got.flatMap((y) => Array.from(y)));
          expect(flat.length).toBe(ref.length);
          const diff = flat.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i]!)), 0);
          const cols = ref.length / split.count;
          const cls = (y: Float64Array): number[] => (cols === 1 ? Array.from(y, (p) => (p > 0.5 ? 1 : 0)) : argmaxRows(y, cols));
          console.log(JSON.stringify({ model: e.name, batch: plan.batch ?? 1, inputs: split.count, maxAbsDiffVsOrt: diff }));
          expect(diff).toBeLessThan(TOL);
          expect(cls(flat)).toEqual(cls(ref));
        } finally {
          evaluator.dispose();
          keys.dispose();
          client.dispose();
          ctx.dispose();
        }
      });
    }
  }
});
