/**
 * @module protocols/he
 * CKKS evaluation of dense/polynomial models: planning, packing, evaluation, client side, dual execution.
 */
export { planHeModel, powerDepth, largestHeBatch, interleave } from './he-plan.js';
export type {
  HePlan,
  HeStep,
  HeInputLayout,
  HeOutputLayout,
  HeDiagonalDenseStep,
  HeRowBlockDenseStep,
  HeSquareStep,
  HePolynomialStep,
  PlanOptions,
} from './he-plan.js';
export { HeModelEvaluator, evaluate } from './he-evaluator.js';
export { publicPlan, parsePublicPlan } from './public-plan.js';
export type { HePublicPlan } from './public-plan.js';
export { HeClient, generateClientKeys, encryptInput, decryptOutput, encryptInputs, decryptOutputs } from './he-client.js';
export { packInput, packInputs, planBatch, unpackOutput, unpackOutputs, unpackLogits } from './input-packing.js';
export { inferPlain, sigmoid, softmax } from './plain-inference.js';
export { compareDualExecution, resultDigest } from './dual-execution.js';
export type { HeEvalResult } from './dual-execution.js';
export { HeUnsupportedModelError } from './errors.js';
