/**
 * ONNX fixtures through the colleague's importer (protocols/onnx) into CKKS: the square MLPs
 * and the logistic regression, evaluated encrypted on fixture inputs and compared with
 * float64 inference of the same imported ModelIR (max abs error 1e-4 on the logits /
 * probabilities, same argmax). Skipped only for fixtures that are absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CkksContext } from '../../crypto-core/he/ckks-context.js';
import { CkksEvalKeys } from '../../crypto-core/he/ckks-keys.js';
import { loadSeal, type SealModule } from '../../crypto-core/he/seal-loader.js';
import { HeClient } from '../../protocols/he/he-client.js';
import { evaluate } from '../../protocols/he/he-evaluator.js';
import { planHeModel } from '../../protocols/he/he-plan.js';
import { inferPlain } from '../../protocols/he/plain-inference.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';

const TOL = 1e-4;
const fixture = (p: string): URL => new URL(`../fixtures/${p}`, import.meta.url);

function rows(file: string, width: number, count: number): Float64Array[] {
  const buf = readFileSync(fixture(`data/${file}`));
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  return Array.from({ length: count }, (_, i) => Float64Array.from(all.subarray(i * width, (i + 1) * width)));
}

function argmax(v: Float64Array): number {
  return v.reduce((best, x, i) => (x > v[best]! ? i : best), 0);
}

let seal: SealModule;
beforeAll(async () => {
  seal = await loadSeal();
});

const cases: [string, string, number][] = [
  ['digits28_square_mlp', 'digits28_test.f32', 784],
  ['digits_square_mlp', 'digits_test.f32', 64],
  ['breast_cancer_logreg', 'breast_cancer_test.f32', 30],
];

describe('ONNX models evaluated under CKKS match their float64 output', () => {
  for (const [name, data, width] of cases) {
    const present = existsSync(fixture(`models/${name}.onnx`)) && existsSync(fixture(`data/${data}`));
    describe.skipIf(!present)(name, () => {
      let client: HeClient;
      let server: CkksContext;
      let keys: CkksEvalKeys;
      let plan: ReturnType<typeof planHeModel>;
      let ir: ReturnType<typeof importOnnx>;
      beforeAll(() => {
        ir = importOnnx(new Uint8Array(readFileSync(fixture(`models/${name}.onnx`))));
        plan = planHeModel(ir);
        client = HeClient.create(seal, plan);
        server = CkksContext.create(seal, plan.params);
        keys = CkksEvalKeys.load(server, client.evalKeys);
      });
      afterAll(() => {
        keys.dispose();
        server.dispose();
        client.dispose();
      });

      it('decrypted outputs within 1e-4 of float64, same argmax', () => {
        for (const x of rows(data, width, 3)) {
          const got = client.decrypt(evaluate(plan, client.encrypt(x), keys));
          const want = inferPlain(ir, x);
          expect(got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i]!)), 0)).toBeLessThan(TOL);
          expect(argmax(got)).toBe(argmax(want));
        }
      });
    });
  }
});
