/**
 * Batched HE queries (issue 17): a plan made with `batch` Q carries Q queries in one ciphertext
 * (query q in slots t Q + q). Checked two ways against float64 inference of each query alone:
 * the slot-level simulator (exact algebra, 1e-9) for several models and every batch up to the
 * largest that fits, and real CKKS (node-seal) for 40 queries of a 64-32-10 square MLP (batch 64:
 * all 40 in one ciphertext; batch 16: three, the last one half empty), max abs error 1e-4, the
 * bound of the batch-1 tests. (The 784-input model's batch 4 under CKKS is `mpc bench he`'s.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { CkksContext } from '../../crypto-core/he/ckks-context.js';
import { CkksEvalKeys } from '../../crypto-core/he/ckks-keys.js';
import { loadSeal, type SealModule } from '../../crypto-core/he/seal-loader.js';
import { HeClient } from '../../protocols/he/he-client.js';
import { HeModelEvaluator } from '../../protocols/he/he-evaluator.js';
import { largestHeBatch, planHeModel } from '../../protocols/he/he-plan.js';
import { packInputs, unpackOutputs } from '../../protocols/he/input-packing.js';
import { inferPlain } from '../../protocols/he/plain-inference.js';
import { parsePublicPlan, publicPlan } from '../../protocols/he/public-plan.js';
import type { ModelIR } from '../../protocols/model/model-ir.js';
import { denseLayer, mnistSquareMlp, model, sampleInput, simulatePlan } from './he-fixtures.js';

const TOL = 1e-4;

function digitsSquareMlp(): ModelIR {
  return model(64, 10, [denseLayer('fc1', 32, 64), { kind: 'square', name: 'act' }, denseLayer('fc2', 10, 32)]);
}

function polyModel(): ModelIR {
  return model(30, 3, [denseLayer('a', 8, 30), { kind: 'polynomial', name: 'p', coeffs: [0.5, 1, 0.25] }, denseLayer('b', 3, 8), { kind: 'softmax', name: 'sm' }]);
}

const maxAbs = (a: Float64Array, b: Float64Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('batched plans: slot algebra (simulator) equals each query alone', () => {
  for (const [name, build, size] of [
    ['784-128-10 square MLP', mnistSquareMlp, 784],
    ['64-32-10 square MLP', digitsSquareMlp, 64],
    ['30-8-3 polynomial + softmax', polyModel, 30],
  ] as const) {
    it(`${name}: every power-of-two batch up to the largest that fits`, () => {
      const ir = build();
      const largest = largestHeBatch(ir);
      const one = planHeModel(ir);
      // floor(slots / input size) is the most queries could share a ciphertext.
      expect(largest).toBeGreaterThan(1);
      expect(largest).toBeLessThanOrEqual(one.slotCount / size);
      for (let q = 2; q <= largest; q *= 2) {
        const plan = planHeModel(ir, { params: one.params, batch: q });
        expect(plan.slotCount).toBe(one.slotCount);
        expect(plan.batch).toBe(q);
        const xs = Array.from({ length: q }, (_, k) => sampleInput(`${name}/${q}/${k}`, size));
        const outs = unpackOutputs(plan, simulatePlan(plan, packInputs(plan, xs)), q);
        outs.forEach((y, k) => expect(maxAbs(y, inferPlain(ir, xs[k]!)), `batch ${q} query ${k}`).toBeLessThan(1e-9));
      }
      expect(() => planHeModel(ir, { params: one.params, batch: largest * 2 })).toThrow();
      console.log(JSON.stringify({ model: name, slots: one.slotCount, inputSize: size, largestBatch: largest }));
    });
  }

  it('refuses a batch that is not a power of two, and more queries than the batch', () => {
    expect(() => planHeModel(digitsSquareMlp(), { batch: 3 })).toThrow(/options.batch: expected a power of two/);
    const plan = planHeModel(digitsSquareMlp(), { batch: 4 });
    const x = sampleInput('q', 64);
    expect(() => packInputs(plan, [x, x, x, x, x])).toThrow(InvalidArgumentError);
    expect(() => packInputs(plan, [new Float64Array(63)])).toThrow(/xs\[0\]: expected Float64Array of length 64/);
  });

  it('the public plan carries the batch and survives JSON and parsePublicPlan', () => {
    const plan = planHeModel(digitsSquareMlp(), { batch: 16 });
    const pub = parsePublicPlan(JSON.parse(JSON.stringify(publicPlan(plan))));
    expect(pub.batch).toBe(16);
    expect(pub.galoisSteps).toEqual(plan.galoisSteps);
    expect(() => parsePublicPlan({ ...publicPlan(plan), batch: 3 })).toThrow(/plan.batch/);
  });
});

describe('batched plans under CKKS: 40 queries', () => {
  let seal: SealModule;
  beforeAll(async () => {
    seal = await loadSeal();
  });
  afterAll(() => undefined);

  for (const [name, build, size, batch] of [
    ['64-32-10 square MLP', digitsSquareMlp, 64, undefined],
    ['64-32-10 square MLP', digitsSquareMlp, 64, 16],
  ] as const) {
    it(`${name}, batch ${batch ?? 'largest'}: 40 queries in ceil(40 / batch) ciphertexts, each within ${TOL} of float64`, () => {
      const ir = build();
      const q = batch ?? largestHeBatch(ir);
      const plan = planHeModel(ir, { batch: q });
      const client = HeClient.create(seal, parsePublicPlan(JSON.parse(JSON.stringify(publicPlan(plan)))));
      const ctx = CkksContext.create(seal, plan.params);
      const keys = CkksEvalKeys.load(ctx, client.evalKeys);
      const evaluator = HeModelEvaluator.prepare(ctx, plan);
      try {
        const xs = Array.from({ length: 40 }, (_, k) => sampleInput(`ckks/${name}/${k}`, size));
        const cts = client.encryptBatch(xs);
        expect(cts.length).toBe(Math.ceil(40 / q));
        const results = cts.map((ct) => evaluator.evaluate(ct, keys));
        const ys = client.decryptBatch(results, 40);
        expect(ys.length).toBe(40);
        let worst = 0;
        ys.forEach((y, k) => (worst = Math.max(worst, maxAbs(y, inferPlain(ir, xs[k]!)))));
        console.log(JSON.stringify({ model: name, batch: q, queries: 40, ciphertexts: cts.length, maxAbsErr: worst }));
        expect(worst).toBeLessThan(TOL);
      } finally {
        evaluator.dispose();
        keys.dispose();
        client.dispose();
        ctx.dispose();
      }
    });
  }
});
