/**
 * @module protocols/he/public-plan
 * The part of an {@link HePlan} that a client needs and may see: parameters, input and output
 * layouts, the rotation steps to make Galois keys for, and the client-side postprocessing. The
 * weight-bearing steps stay with the HE workers (the model owner trusts them, not the client).
 * A client receives this over the network, so {@link parsePublicPlan} checks every field.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { validateCkksParams } from '../../crypto-core/he/ckks-params.js';
import type { HePlan } from './he-plan.js';

/** What a client gets of a plan: no weights. */
export type HePublicPlan = Pick<
  HePlan,
  'version' | 'params' | 'slotCount' | 'batch' | 'inputSize' | 'inputLayout' | 'output' | 'postprocess' | 'galoisSteps' | 'depth' | 'outputMasked' | 'maxOutputMagnitude'
>;

/** The public part of `plan` (a new object; the weights are not referenced). */
export function publicPlan(plan: HePlan): HePublicPlan {
  const { version, params, slotCount, batch, inputSize, inputLayout, output, postprocess, galoisSteps, depth, outputMasked, maxOutputMagnitude } = plan;
  return {
    version,
    params: { polyModulusDegree: params.polyModulusDegree, coeffModulusBits: [...params.coeffModulusBits], scaleBits: params.scaleBits },
    slotCount,
    ...(batch !== undefined && batch > 1 ? { batch } : {}),
    inputSize,
    inputLayout: { ...inputLayout },
    output: { ...output },
    postprocess,
    galoisSteps: [...galoisSteps],
    depth,
    outputMasked,
    maxOutputMagnitude,
  };
}

function isPow2(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 1 && (x & (x - 1)) === 0;
}

function positiveInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x > 0;
}

/**
 * Checks a public plan received from a server (e.g. parsed JSON) and returns it typed.
 * Throws {@link InvalidArgumentError} naming the first bad field.
 */
export function parsePublicPlan(value: unknown): HePublicPlan {
  if (typeof value !== 'object' || value === null) throw new InvalidArgumentError(`plan: expected an object, got ${value === null ? 'null' : typeof value}`);
  const p = value as Record<string, unknown>;
  if (p.version !== 1) throw new InvalidArgumentError(`plan.version: expected 1, got ${String(p.version)}`);
  validateCkksParams(p.params as HePlan['params']);
  const params = p.params as HePlan['params'];
  const allSlots = params.polyModulusDegree / 2;
  if (p.slotCount !== allSlots) throw new InvalidArgumentError(`plan.slotCount: expected ${allSlots} for N=${params.polyModulusDegree}, got ${String(p.slotCount)}`);
  if (p.batch !== undefined && (!isPow2(p.batch) || p.batch > allSlots)) throw new InvalidArgumentError(`plan.batch: expected a power of two <= ${allSlots}, got ${String(p.batch)}`);
  // Layouts are those of one query, which gets slotCount / batch slots.
  const slots = allSlots / ((p.batch as number | undefined) ?? 1);
  if (!positiveInt(p.inputSize) || p.inputSize > slots) throw new InvalidArgumentError(`plan.inputSize: expected an integer in [1, ${slots}], got ${String(p.inputSize)}`);
  const il = p.inputLayout as Record<string, unknown> | null;
  if (typeof il !== 'object' || il === null) throw new InvalidArgumentError('plan.inputLayout: expected an object');
  if (il.kind === 'replicated') {
    if (!isPow2(il.period) || il.period > slots || il.period < p.inputSize) throw new InvalidArgumentError(`plan.inputLayout.period: expected a power of two in [inputSize, ${slots}], got ${String(il.period)}`);
  } else if (il.kind === 'diagonal-groups') {
    if (!isPow2(il.rowPeriod) || il.rowPeriod > slots) throw new InvalidArgumentError(`plan.inputLayout.rowPeriod: expected a power of two <= ${slots}, got ${String(il.rowPeriod)}`);
    if (!isPow2(il.diagonals) || il.diagonals > il.rowPeriod) throw new InvalidArgumentError(`plan.inputLayout.diagonals: expected a power of two <= rowPeriod, got ${String(il.diagonals)}`);
    if ((slots / il.rowPeriod) * il.diagonals < p.inputSize) throw new InvalidArgumentError('plan.inputLayout: does not hold inputSize columns');
  } else throw new InvalidArgumentError(`plan.inputLayout.kind: expected 'replicated' or 'diagonal-groups', got ${String(il.kind)}`);
  const out = p.output as Record<string, unknown> | null;
  if (typeof out !== 'object' || out === null || !positiveInt(out.length) || !positiveInt(out.stride) || (out.length - 1) * out.stride >= slots) {
    throw new InvalidArgumentError('plan.output: expected { length, stride } with every output inside the slots');
  }
  if (p.postprocess !== 'none' && p.postprocess !== 'sigmoid' && p.postprocess !== 'softmax') {
    throw new InvalidArgumentError(`plan.postprocess: expected 'none', 'sigmoid' or 'softmax', got ${String(p.postprocess)}`);
  }
  const steps = p.galoisSteps;
  if (!Array.isArray(steps) || !steps.every((s) => Number.isInteger(s) && s !== 0 && Math.abs(s) < allSlots)) {
    throw new InvalidArgumentError(`plan.galoisSteps: expected non-zero integers with |step| < ${allSlots}`);
  }
  if (!positiveInt(p.depth) || p.depth > params.coeffModulusBits.length - 2) throw new InvalidArgumentError(`plan.depth: expected 1..${params.coeffModulusBits.length - 2}, got ${String(p.depth)}`);
  if (typeof p.outputMasked !== 'boolean') throw new InvalidArgumentError(`plan.outputMasked: expected a boolean, got ${String(p.outputMasked)}`);
  if (typeof p.maxOutputMagnitude !== 'number' || !(p.maxOutputMagnitude > 0)) throw new InvalidArgumentError('plan.maxOutputMagnitude: expected a positive number');
  return publicPlan({ ...(p as unknown as HePlan), steps: [] });
}
