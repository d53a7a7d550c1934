/**
 * The HE part of the wire contract (services/coordinator/api.ts) agrees with what the gateway
 * calls (services/gateway/gateway-methods.ts) and what the coordinator's HE path returns
 * (services/coordinator/he-methods.ts). The type assertions are checked by
 * `tsc --noEmit -p tsconfig.json` (tests are part of the project); the runtime assertions check
 * the subjects and that a real `models.hePlan` answer has exactly the fields of `HeClientPlan`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { planHeModel } from '../../protocols/he/he-plan.js';
import { publicPlan } from '../../protocols/he/public-plan.js';
import { subjects, type CoordinatorMethods, type HeClientPlan, type JobResults, type ModelRecord } from '../../services/wire/api.js';
import type { HeInferenceResult } from '../../services/coordinator/he/he-methods.js';
import type { ComputeJobPayload, ComputeJobResult } from '../../services/wire/compute-job.js';
import { heClientPlan, methodSubject, type GatewayMethods, type HeClientPlan as GatewayHeClientPlan, type ModelRecord as GatewayModelRecord } from '../../services/wire/gateway-methods.js';

const HE_METHODS = ['models.publish', 'models.list', 'models.hePlan', 'he.registerKeys'] as const;

describe('HE wire contract', () => {
  it('types: the model and HE methods of CoordinatorMethods are the gateway\'s, the HE result is JobResults[he-inference]', () => {
    expectTypeOf<GatewayMethods['models.publish']>().toEqualTypeOf<CoordinatorMethods['models.publish']>();
    expectTypeOf<GatewayMethods['he.registerKeys']>().toEqualTypeOf<CoordinatorMethods['he.registerKeys']>();
    expectTypeOf<ModelRecord>().toEqualTypeOf<GatewayModelRecord>();
    expectTypeOf<HeClientPlan>().toEqualTypeOf<GatewayHeClientPlan>();
    expectTypeOf<HeInferenceResult>().toExtend<JobResults['he-inference']>();
    expectTypeOf<HeInferenceResult['verification']>().toEqualTypeOf<Required<JobResults['he-inference']>['verification']>();
    expectTypeOf<JobResults['mpc-compute']>().toEqualTypeOf<ComputeJobResult>();
    expectTypeOf<Extract<GatewayMethods['jobs.submit']['req'], { kind: 'mpc-compute' }>['payload']>().toEqualTypeOf<ComputeJobPayload>();
    expectTypeOf<{ acceptChunks: true }>().toExtend<Pick<CoordinatorMethods['jobs.result']['req'], 'acceptChunks'>>();
    // Keep a runtime assertion in this test too, so it reports as run.
    expect(HE_METHODS).toHaveLength(4);
  });

  it('subjects: api.ts and the gateway name each model and HE method with the same subject', () => {
    for (const m of HE_METHODS) expect(subjects.api(m)).toBe(methodSubject(m));
    expect(subjects.api('he.registerKeys')).toBe('mpc.coord.api.he.registerKeys');
  });

  it('a real public plan has exactly the HeClientPlan fields', () => {
    const plan = planHeModel(importOnnx(new Uint8Array(readFileSync('test/fixtures/models/digits_square_mlp.onnx'))));
    const fields: (keyof HeClientPlan)[] = ['version', 'params', 'slotCount', 'inputSize', 'inputLayout', 'output', 'postprocess', 'galoisSteps', 'depth', 'maxOutputMagnitude'];
    expect(Object.keys(heClientPlan(plan)).sort()).toEqual([...fields].sort());
    expect(Object.keys(publicPlan(plan)).sort()).toEqual([...fields].sort());
  });
});
