/**
 * Encrypted inference with CKKS (node-seal) against float64 inference of the same ModelIR:
 * decrypted outputs within 1e-4 (max abs) on the 784-128-10 square MLP, a logistic regression
 * trained here on the breast-cancer fixture, and a polynomial-activation model. Then
 * determinism (same bytes from a fresh SEAL instance) and every bad input, each a named error
 * after which the same evaluator still answers correctly. Keys are generated once per model.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { CkksContext } from '../../crypto-core/he/ckks-context.js';
import { sameCkksParams } from '../../crypto-core/he/ckks-params.js';
import { CkksClientKeys, CkksEvalKeys } from '../../crypto-core/he/ckks-keys.js';
import { HeMalformedDataError, HeMissingGaloisKeyError, HeParameterMismatchError } from '../../crypto-core/he/errors.js';
import { createSealInstance, loadSeal, type SealModule } from '../../crypto-core/he/seal-loader.js';
import { resultDigest } from '../../protocols/he/dual-execution.js';
import { encryptInput, HeClient } from '../../protocols/he/he-client.js';
import { HeModelEvaluator } from '../../protocols/he/he-evaluator.js';
import { planHeModel, type HePlan } from '../../protocols/he/he-plan.js';
import { inferPlain } from '../../protocols/he/plain-inference.js';
import { parsePublicPlan, publicPlan } from '../../protocols/he/public-plan.js';
import type { ModelIR } from '../../protocols/model/model-ir.js';
import { denseLayer, mnistSquareMlp, model, sampleInput } from './he-fixtures.js';

const TOL = 1e-4;

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

/** Logistic regression trained by full-batch gradient descent on standardized features, then folded back to raw features. */
function trainLogistic(): { ir: ModelIR; rows: Float64Array[] } {
  const lines = readFileSync(new URL('../fixtures/data/breast_cancer.csv', import.meta.url), 'utf8').trim().split('\n').slice(1);
  const data = lines.map((l) => l.split(',').map(Number));
  const d = data[0]!.length - 1;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (const r of data) for (let j = 0; j < d; j++) mean[j]! += r[j]! / data.length;
  for (const r of data) for (let j = 0; j < d; j++) std[j]! += (r[j]! - mean[j]!) ** 2 / data.length;
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]!);
  const w = new Float64Array(d);
  let b = 0;
  for (let it = 0; it < 200; it++) {
    const gw = new Float64Array(d);
    let gb = 0;
    for (const r of data) {
      let z = b;
      for (let j = 0; j < d; j++) z += (w[j]! * (r[j]! - mean[j]!)) / std[j]!;
      const e = 1 / (1 + Math.exp(-z)) - r[d]!;
      for (let j = 0; j < d; j++) gw[j]! += (e * (r[j]! - mean[j]!)) / std[j]! / data.length;
      gb += e / data.length;
    }
    for (let j = 0; j < d; j++) w[j]! -= 0.5 * gw[j]!;
    b -= 0.5 * gb;
  }
  const wRaw = w.map((v, j) => v / std[j]!);
  const bRaw = b - wRaw.reduce((a, v, j) => a + v * mean[j]!, 0);
  const ir = model(d, 1, [
    { kind: 'dense', name: 'logit', weight: { shape: [1, d], data: wRaw }, bias: { shape: [1], data: Float64Array.of(bRaw) } },
    { kind: 'sigmoid', name: 'prob' },
  ]);
  return { ir, rows: data.slice(0, 12).map((r) => Float64Array.from(r.slice(0, d))) };
}

interface Served {
  ir: ModelIR;
  plan: HePlan;
  client: HeClient;
  keys: CkksEvalKeys;
  evaluator: HeModelEvaluator;
  /** A context of its own when the plan's parameters are not the shared server context's. */
  ownCtx?: CkksContext;
}

let seal: SealModule;
let serverCtx: CkksContext;
let mlp: Served;

function serve(ir: ModelIR): Served {
  const plan = planHeModel(ir);
  // The client sees only the public part of the plan, as it would over the network (JSON).
  const client = HeClient.create(seal, parsePublicPlan(JSON.parse(JSON.stringify(publicPlan(plan)))));
  const ownCtx = sameCkksParams(plan.params, serverCtx.params) ? undefined : CkksContext.create(seal, plan.params);
  const ctx = ownCtx ?? serverCtx;
  const keys = CkksEvalKeys.load(ctx, client.evalKeys);
  return { ir, plan, client, keys, evaluator: HeModelEvaluator.prepare(ctx, plan), ownCtx };
}

function release(s: Served): void {
  s.evaluator.dispose();
  s.keys.dispose();
  s.client.dispose();
  s.ownCtx?.dispose();
}

beforeAll(async () => {
  seal = await loadSeal();
  serverCtx = CkksContext.create(seal, planHeModel(mnistSquareMlp()).params);
  mlp = serve(mnistSquareMlp());
});

afterAll(() => {
  release(mlp);
  serverCtx.dispose();
});

describe('CKKS inference matches float64 (max abs error <= 1e-4)', () => {
  it('784-128-10 MLP with x^2 activation', () => {
    for (const label of ['img0', 'img1']) {
      const x = sampleInput(label, 784);
      const bytes = mlp.evaluator.evaluate(mlp.client.encrypt(x), mlp.keys);
      expect(maxAbsDiff(mlp.client.decrypt(bytes), inferPlain(mlp.ir, x))).toBeLessThan(TOL);
    }
  });

  it('logistic regression trained on the breast-cancer fixture (client applies the sigmoid)', () => {
    const { ir, rows } = trainLogistic();
    const lr = serve(ir);
    try {
      expect(lr.plan.postprocess).toBe('sigmoid');
      for (const x of rows) {
        const got = lr.client.decrypt(lr.evaluator.evaluate(lr.client.encrypt(x), lr.keys));
        const want = inferPlain(ir, x);
        expect(maxAbsDiff(got, want)).toBeLessThan(TOL);
        expect(got[0]! > 0.5).toBe(want[0]! > 0.5);
      }
    } finally {
      release(lr);
    }
  });

  it('dense -> polynomial 0.5 + x + 0.25 x^2 (depth 3)', () => {
    const ir = model(16, 8, [denseLayer('a', 8, 16), { kind: 'polynomial', name: 'p', coeffs: [0.5, 1, 0.25] }]);
    const pm = serve(ir);
    try {
      // The default set has exactly depth 3: no level is spare for the output mask.
      expect(pm.plan.depth).toBe(3);
      expect(pm.plan.outputMasked).toBe(false);
      const x = sampleInput('poly', 16).map((v) => 4 * v - 2);
      const got = pm.client.decrypt(pm.evaluator.evaluate(pm.client.encrypt(x), pm.keys));
      expect(maxAbsDiff(got, inferPlain(ir, x))).toBeLessThan(TOL);
    } finally {
      release(pm);
    }
  });
});

describe('the output mask', () => {
  it('zeroes every slot but the outputs: a client decrypting all slots learns no partial sums of the weights', () => {
    const { ir, rows } = trainLogistic();
    const masked = serve(ir);
    const bare = { ...masked, plan: planHeModel(ir, { maskOutput: false }) };
    const bareEvaluator = HeModelEvaluator.prepare(masked.ownCtx ?? serverCtx, bare.plan);
    try {
      // Depth 1 in a depth-3 set: the mask is free, so it is on by default.
      expect(masked.plan.outputMasked).toBe(true);
      expect(masked.plan.steps.at(-1)?.kind).toBe('output-mask');
      expect(bare.plan.outputMasked).toBe(false);
      const outputSlots = new Set(Array.from({ length: masked.plan.output.length }, (_, k) => k * masked.plan.output.stride));
      const others = (slots: Float64Array) => Math.max(...Array.from(slots).map((v, i) => (outputSlots.has(i) ? 0 : Math.abs(v))));
      const x = rows[0]!;
      const ct = masked.client.encrypt(x);
      const maskedSlots = masked.client.keys.decryptSlots(masked.evaluator.evaluate(ct, masked.keys));
      const bareSlots = masked.client.keys.decryptSlots(bareEvaluator.evaluate(ct, masked.keys));
      // Without the mask, other slots hold partial sums w_j x_j of the model (the attack's material).
      expect(others(bareSlots)).toBeGreaterThan(1e-2);
      expect(others(maskedSlots)).toBeLessThan(1e-4);
      // The outputs are unchanged by the mask (to CKKS precision), and match the model in the clear.
      expect(maxAbsDiff(masked.client.decrypt(masked.evaluator.evaluate(ct, masked.keys)), inferPlain(ir, x))).toBeLessThan(TOL);
    } finally {
      bareEvaluator.dispose();
      release(masked);
    }
  });
});

describe('deeper models get larger parameters', () => {
  it('dense -> cubic -> dense -> square -> dense (depth 7, N=16384) matches float64', () => {
    const ir = model(16, 2, [
      denseLayer('a', 8, 16),
      { kind: 'polynomial', name: 'cubic', coeffs: [0.1, 1, 0, 0.2] },
      denseLayer('b', 4, 8),
      { kind: 'square', name: 'sq' },
      denseLayer('c', 2, 4),
    ]);
    const plan = planHeModel(ir);
    expect(plan.depth).toBe(7);
    expect(plan.params.polyModulusDegree).toBe(16384);
    const ctx = CkksContext.create(seal, plan.params);
    const client = HeClient.create(seal, plan);
    const keys = CkksEvalKeys.load(ctx, client.evalKeys);
    const ev = HeModelEvaluator.prepare(ctx, plan);
    try {
      const x = sampleInput('deep', 16).map((v) => 2 * v - 1);
      const got = client.decrypt(ev.evaluate(client.encrypt(x), keys));
      expect(maxAbsDiff(got, inferPlain(ir, x))).toBeLessThan(TOL);
    } finally {
      ev.dispose();
      keys.dispose();
      client.dispose();
      ctx.dispose();
    }
  });
});

describe('determinism (the basis of dual execution)', () => {
  it('gives byte-identical results twice in one instance and in a fresh SEAL instance', async () => {
    const ct = mlp.client.encrypt(sampleInput('det', 784));
    const a = mlp.evaluator.evaluate(ct, mlp.keys);
    const b = mlp.evaluator.evaluate(ct, mlp.keys);
    const fresh = await createSealInstance();
    const ctx2 = CkksContext.create(fresh, mlp.plan.params);
    const keys2 = CkksEvalKeys.load(ctx2, mlp.client.evalKeys);
    const ev2 = HeModelEvaluator.prepare(ctx2, mlp.plan);
    try {
      const c = ev2.evaluate(ct, keys2);
      expect(resultDigest(b)).toBe(resultDigest(a));
      expect(resultDigest(c)).toBe(resultDigest(a));
      // A different ciphertext of the same input (fresh encryption randomness) gives different bytes.
      const d = mlp.evaluator.evaluate(mlp.client.encrypt(sampleInput('det', 784)), mlp.keys);
      expect(resultDigest(d)).not.toBe(resultDigest(a));
    } finally {
      ev2.dispose();
      keys2.dispose();
      ctx2.dispose();
    }
  });
});

describe('bad inputs: named errors, evaluator keeps working', () => {
  const x = sampleInput('bad', 784);
  let good: Uint8Array;
  beforeAll(() => {
    good = mlp.client.encrypt(x);
  });

  function stillWorks(): void {
    const got = mlp.client.decrypt(mlp.evaluator.evaluate(good, mlp.keys));
    expect(maxAbsDiff(got, inferPlain(mlp.ir, x))).toBeLessThan(TOL);
  }

  it('truncated ciphertext -> HeMalformedDataError', () => {
    expect(() => mlp.evaluator.evaluate(good.subarray(0, good.length - 100), mlp.keys)).toThrow(HeMalformedDataError);
    expect(() => mlp.evaluator.evaluate(good.subarray(0, 10), mlp.keys)).toThrow(/shorter than the 16-byte SEAL header/);
    stillWorks();
  });

  it('corrupted ciphertext body -> HeMalformedDataError', () => {
    const bad = Uint8Array.from(good);
    for (let i = 100; i < bad.length; i += 997) bad[i]! ^= 0x5a;
    expect(() => mlp.evaluator.evaluate(bad, mlp.keys)).toThrow(HeMalformedDataError);
    expect(() => mlp.evaluator.evaluate(new Uint8Array(0), mlp.keys)).toThrow(/ciphertext: expected non-empty Uint8Array/);
    stillWorks();
  });

  it('ciphertext of another parameter set -> HeParameterMismatchError (parms_id)', () => {
    const other = CkksContext.create(seal, { polyModulusDegree: 8192, coeffModulusBits: [60, 40, 40, 60], scaleBits: 40 });
    const { keys } = CkksClientKeys.generate(other, []);
    try {
      const foreign = keys.encryptSlots(new Float64Array(4096).fill(0.5));
      expect(() => mlp.evaluator.evaluate(foreign, mlp.keys)).toThrow(HeParameterMismatchError);
      expect(() => mlp.evaluator.evaluate(foreign, mlp.keys)).toThrow(/made with other encryption parameters/);
    } finally {
      keys.dispose();
      other.dispose();
    }
    stillWorks();
  });

  it('ciphertext at a lower level of the right parameters -> HeParameterMismatchError', () => {
    const ct = serverCtx.loadCiphertext(good);
    try {
      serverCtx.evaluator.cipherModSwitchToNextInplace(ct);
      const lowered = serverCtx.saveCiphertext(ct);
      expect(() => mlp.evaluator.evaluate(lowered, mlp.keys)).toThrow(/at level 2, expected a fresh ciphertext at level 3/);
    } finally {
      ct.delete();
    }
    stillWorks();
  });

  it('missing Galois keys -> HeMissingGaloisKeyError listing the steps', () => {
    const partial = CkksClientKeys.generate(serverCtx, mlp.plan.galoisSteps.filter((s) => s !== 24 && s !== 2048));
    const keys = CkksEvalKeys.load(serverCtx, partial.evalKeys);
    try {
      let err: unknown;
      try {
        mlp.evaluator.evaluate(good, keys);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(HeMissingGaloisKeyError);
      expect((err as HeMissingGaloisKeyError).missingSteps).toEqual([24, 2048]);
    } finally {
      keys.dispose();
      partial.keys.dispose();
    }
    stillWorks();
  });

  it('eval keys of other parameters, or with bytes that do not hold a claimed step, are refused at load', () => {
    const bundle = mlp.client.evalKeys;
    expect(() => CkksEvalKeys.load(serverCtx, { ...bundle, params: { ...bundle.params, scaleBits: 30 } })).toThrow(HeParameterMismatchError);
    expect(() => CkksEvalKeys.load(serverCtx, { ...bundle, relinKeys: bundle.relinKeys.subarray(0, 5000) })).toThrow(HeMalformedDataError);
    const small = CkksClientKeys.generate(serverCtx, [1]);
    try {
      expect(() => CkksEvalKeys.load(serverCtx, { ...small.evalKeys, galoisSteps: [1, 2] })).toThrow(/no key for claimed steps 2/);
    } finally {
      small.keys.dispose();
    }
    stillWorks();
  });

  it('ciphertext under another key evaluates (undetectable) but decrypts to noise', () => {
    const stranger = CkksClientKeys.generate(serverCtx, []).keys;
    try {
      const out = mlp.evaluator.evaluate(encryptInput(mlp.plan, stranger, x), mlp.keys);
      const garbage = mlp.client.decrypt(out);
      expect(maxAbsDiff(garbage, inferPlain(mlp.ir, x))).toBeGreaterThan(1);
    } finally {
      stranger.dispose();
    }
    stillWorks();
  });

  it('input of the wrong length or non-finite -> InvalidArgumentError', () => {
    expect(() => mlp.client.encrypt(new Float64Array(783))).toThrow(InvalidArgumentError);
    expect(() => mlp.client.encrypt(new Float64Array(784).fill(NaN))).toThrow(/x\[0\]: expected a finite number/);
  });
});
