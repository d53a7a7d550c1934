/**
 * The HE part of the wire contract (services/wire/api.ts) agrees with what the coordinator's HE
 * path returns (services/coordinator/he/he-methods.ts), and every method is listed once in
 * `COORDINATOR_METHODS`. The type assertions are checked by `tsc --noEmit -p tsconfig.json`
 * (tests are part of the project); the runtime assertions check the subjects and that a real
 * `models.hePlan` answer has exactly the fields of `HeClientPlan`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { planHeModel } from '../../protocols/he/he-plan.js';
import { publicPlan } from '../../protocols/he/public-plan.js';
import { COORDINATOR_METHODS, subjects, type CoordinatorMethods, type HeClientPlan, type JobResults } from '../../services/wire/api.js';
import type { HeInferenceResult } from '../../services/coordinator/he/he-methods.js';
import type { ComputeJobPayload, ComputeJobResult } from '../../services/wire/compute-job.js';

const HE_METHODS = ['models.publish', 'models.list', 'models.hePlan', 'he.registerKeys'] as const;

describe('HE wire contract', () => {
  it('types: the HE plan a client gets is the public plan, the HE result is JobResults[he-inference]', () => {
    expectTypeOf<HeClientPlan>().toEqualTypeOf<ReturnType<typeof publicPlan>>();
    expectTypeOf<HeInferenceResult>().toExtend<JobResults['he-inference']>();
    expectTypeOf<HeInferenceResult['verification']>().toEqualTypeOf<Required<JobResults['he-inference']>['verification']>();
    expectTypeOf<JobResults['mpc-compute']>().toEqualTypeOf<ComputeJobResult>();
    expectTypeOf<Extract<CoordinatorMethods['jobs.submit']['req'], { kind: 'mpc-compute' }>['payload']>().toEqualTypeOf<ComputeJobPayload>();
    expectTypeOf<{ acceptChunks: true }>().toExtend<Pick<CoordinatorMethods['jobs.result']['req'], 'acceptChunks'>>();
    // Keep a runtime assertion in this test too, so it reports as run.
    expect(HE_METHODS).toHaveLength(4);
  });

  it('subjects: each model and HE method is listed once and has its own subject', () => {
    for (const m of HE_METHODS) expect(COORDINATOR_METHODS.filter((x) => x === m)).toHaveLength(1);
    expect(new Set(COORDINATOR_METHODS.map((m) => subjects.api(m))).size).toBe(COORDINATOR_METHODS.length);
    expect(subjects.api('he.registerKeys')).toBe('mpc.coord.api.he.registerKeys');
  });

  it('a real public plan has exactly the HeClientPlan fields', () => {
    const plan = planHeModel(importOnnx(new Uint8Array(readFileSync('test/fixtures/models/digits_square_mlp.onnx'))));
    const fields: (keyof HeClientPlan)[] = ['version', 'params', 'slotCount', 'inputSize', 'inputLayout', 'output', 'postprocess', 'galoisSteps', 'depth', 'outputMasked', 'maxOutputMagnitude'];
    expect(Object.keys(publicPlan(plan)).sort()).toEqual([...fields].sort());
  });
});
