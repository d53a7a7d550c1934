/**
 * @module protocols/he/input-packing
 * Client-side placement of the input vector into CKKS slots, and extraction of the outputs
 * from the decrypted slots, as the plan's layouts say. The client never handles layouts itself.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { diagonalGroupColumn } from './dense-packing.js';
import type { HePublicPlan } from './public-plan.js';
import { sigmoid, softmax } from './plain-inference.js';

/** The slot vector the client encrypts for input `x` (batch 1). */
export function packInput(plan: HePublicPlan, x: Float64Array): Float64Array {
  if (!(x instanceof Float64Array) || x.length !== plan.inputSize) {
    throw new InvalidArgumentError(`x: expected Float64Array of length ${plan.inputSize}, got ${x instanceof Float64Array ? `length ${x.length}` : typeof x}`);
  }
  for (const [i, a] of x.entries()) if (!Number.isFinite(a)) throw new InvalidArgumentError(`x[${i}]: expected a finite number, got ${a}`);
  const slots = plan.slotCount;
  const v = new Float64Array(slots);
  const layout = plan.inputLayout;
  for (let t = 0; t < slots; t++) {
    const c = layout.kind === 'replicated' ? t % layout.period : diagonalGroupColumn(t, layout.rowPeriod, layout.diagonals);
    if (c < x.length) v[t] = x[c]!;
  }
  return v;
}

/** The model outputs (after the client-side sigmoid or softmax, if any) from the decrypted slots. */
export function unpackOutput(plan: HePublicPlan, slots: Float64Array): Float64Array {
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
