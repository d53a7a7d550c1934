/**
 * @module protocols/he/input-packing
 * Client-side placement of the input vector into CKKS slots, and extraction of the outputs
 * from the decrypted slots, as the plan's layouts say. The client never handles layouts itself.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { diagonalGroupColumn } from './dense-packing.js';
import type { HePublicPlan } from './public-plan.js';
import { sigmoid, softmax } from './plain-inference.js';

/** Queries one ciphertext carries under `plan` (1 unless the plan was made with a batch). */
export function planBatch(plan: HePublicPlan): number {
  return plan.batch ?? 1;
}

/** The plan as one query sees it: slotCount / batch slots, batch 1. */
function perQuery(plan: HePublicPlan): HePublicPlan {
  const q = planBatch(plan);
  return q === 1 ? plan : { ...plan, slotCount: plan.slotCount / q, batch: 1 };
}

/**
 * The slot vector the client encrypts for the queries `xs` (at most the plan's batch): query q
 * in slots t * batch + q; unused query positions stay zero.
 * @throws InvalidArgumentError when there are more queries than the batch, or a query is malformed.
 */
export function packInputs(plan: HePublicPlan, xs: readonly Float64Array[]): Float64Array {
  const q = planBatch(plan);
  if (!Array.isArray(xs) || xs.length < 1 || xs.length > q) throw new InvalidArgumentError(`xs: expected 1..${q} queries for this plan, got ${Array.isArray(xs) ? xs.length : typeof xs}`);
  if (q === 1) return packOne(plan, xs[0]!, 'x');
  const one = perQuery(plan);
  const v = new Float64Array(plan.slotCount);
  xs.forEach((x, k) => {
    const small = packOne(one, x, `xs[${k}]`);
    for (let t = 0; t < small.length; t++) v[t * q + k] = small[t]!;
  });
  return v;
}

/**
 * The outputs of `count` queries from the decrypted slots of one batched ciphertext (query q
 * from slots t * batch + q), each as {@link unpackOutput} gives them.
 */
export function unpackOutputs(plan: HePublicPlan, slots: Float64Array, count: number): Float64Array[] {
  const q = planBatch(plan);
  if (!Number.isInteger(count) || count < 1 || count > q) throw new InvalidArgumentError(`count: expected 1..${q}, got ${String(count)}`);
  if (!(slots instanceof Float64Array) || slots.length !== plan.slotCount) {
    throw new InvalidArgumentError(`slots: expected Float64Array of length ${plan.slotCount}, got ${slots instanceof Float64Array ? `length ${slots.length}` : typeof slots}`);
  }
  if (q === 1) return [unpackOutput(plan, slots)];
  const one = perQuery(plan);
  return Array.from({ length: count }, (_, k) => {
    const small = new Float64Array(one.slotCount);
    for (let t = 0; t < small.length; t++) small[t] = slots[t * q + k]!;
    return unpackOutput(one, small);
  });
}

/** The slot vector the client encrypts for input `x` (one query; in a batched plan, query 0). */
export function packInput(plan: HePublicPlan, x: Float64Array): Float64Array {
  return planBatch(plan) === 1 ? packOne(plan, x, 'x') : packInputs(plan, [x]);
}

function packOne(plan: HePublicPlan, x: Float64Array, name: string): Float64Array {
  if (!(x instanceof Float64Array) || x.length !== plan.inputSize) {
    throw new InvalidArgumentError(`${name}: expected Float64Array of length ${plan.inputSize}, got ${x instanceof Float64Array ? `length ${x.length}` : typeof x}`);
  }
  for (const [i, a] of x.entries()) if (!Number.isFinite(a)) throw new InvalidArgumentError(`${name}[${i}]: expected a finite number, got ${a}`);
  const slots = plan.slotCount;
  const v = new Float64Array(slots);
  const layout = plan.inputLayout;
  for (let t = 0; t < slots; t++) {
    const c = layout.kind === 'replicated' ? t % layout.period : diagonalGroupColumn(t, layout.rowPeriod, layout.diagonals);
    if (c < x.length) v[t] = x[c]!;
  }
  return v;
}

/** The model outputs (after the client-side sigmoid or softmax, if any) from the decrypted slots (query 0 of a batch). */
export function unpackOutput(plan: HePublicPlan, slots: Float64Array): Float64Array {
  if (planBatch(plan) > 1) return unpackOutputs(plan, slots, 1)[0]!;
  if (!(slots instanceof Float64Array) || slots.length !== plan.slotCount) {
    throw new InvalidArgumentError(`slots: expected Float64Array of length ${plan.slotCount}, got ${slots instanceof Float64Array ? `length ${slots.length}` : typeof slots}`);
  }
  const { length, stride } = plan.output;
  const y = new Float64Array(length);
  for (let k = 0; k < length; k++) y[k] = slots[k * stride]!;
  if (plan.postprocess === 'sigmoid') return y.map(sigmoid);
  if (plan.postprocess === 'softmax') return softmax(y);
  return y;
}

/** The raw model outputs before any client-side postprocessing (logits). */
export function unpackLogits(plan: HePublicPlan, slots: Float64Array): Float64Array {
  return unpackOutput({ ...plan, postprocess: 'none' }, slots);
}
