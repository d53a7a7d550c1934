/**
 * @module protocols/he/he-client
 * The SDK side of encrypted inference: key generation for a plan (Galois keys for exactly the
 * plan's rotation steps), input packing + seeded encryption, decryption + output extraction.
 * The secret key stays in {@link CkksClientKeys}; only the {@link EvalKeyBundle} is uploaded.
 * Everything here takes the public part of a plan ({@link HePublicPlan}); a full HePlan works too.
 */
import { CkksContext } from '../../crypto-core/he/ckks-context.js';
import type { EvalKeyBundle } from '../../crypto-core/he/ckks-keys.js';
import { CkksClientKeys } from '../../crypto-core/he/ckks-keys.js';
import { describeCkksParams, sameCkksParams } from '../../crypto-core/he/ckks-params.js';
import { HeParameterMismatchError } from '../../crypto-core/he/errors.js';
import type { SealModule } from '../../crypto-core/he/seal-loader.js';
import type { HePublicPlan } from './public-plan.js';
import { packInput, packInputs, planBatch, unpackOutput, unpackOutputs } from './input-packing.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';

function checkPlanKeys(plan: HePublicPlan, keys: CkksClientKeys): void {
  if (!sameCkksParams(plan.params, keys.ctx.params)) {
    throw new HeParameterMismatchError(`keys: made for ${describeCkksParams(keys.ctx.params)}, plan uses ${describeCkksParams(plan.params)}`);
  }
}

/** Generates client keys in `ctx` for `plan` and the evaluation-key bundle to upload. */
export function generateClientKeys(ctx: CkksContext, plan: HePublicPlan): { keys: CkksClientKeys; evalKeys: EvalKeyBundle } {
  if (!sameCkksParams(plan.params, ctx.params)) {
    throw new HeParameterMismatchError(`ctx: has ${describeCkksParams(ctx.params)}, plan uses ${describeCkksParams(plan.params)}`);
  }
  return CkksClientKeys.generate(ctx, plan.galoisSteps);
}

/** Packs `x` (batch 1) as the plan's input layout says and encrypts it (seeded, zstd). */
export function encryptInput(plan: HePublicPlan, keys: CkksClientKeys, x: Float64Array): Uint8Array {
  checkPlanKeys(plan, keys);
  return keys.encryptSlots(packInput(plan, x));
}

/**
 * Encrypts any number of queries: ceil(N / batch) ciphertexts, query i in ciphertext
 * floor(i / batch) at position i mod batch (see input-packing `packInputs`).
 */
export function encryptInputs(plan: HePublicPlan, keys: CkksClientKeys, xs: readonly Float64Array[]): Uint8Array[] {
  checkPlanKeys(plan, keys);
  if (!Array.isArray(xs) || xs.length === 0) throw new InvalidArgumentError('xs: expected at least one query');
  const q = planBatch(plan);
  const out: Uint8Array[] = [];
  for (let i = 0; i < xs.length; i += q) out.push(keys.encryptSlots(packInputs(plan, xs.slice(i, i + q))));
  return out;
}

/** Decrypts the results of {@link encryptInputs} for `count` queries, in query order. */
export function decryptOutputs(plan: HePublicPlan, keys: CkksClientKeys, results: readonly Uint8Array[], count: number): Float64Array[] {
  checkPlanKeys(plan, keys);
  const q = planBatch(plan);
  if (!Number.isInteger(count) || count < 1 || results.length !== Math.ceil(count / q)) {
    throw new InvalidArgumentError(`results: expected ${Math.ceil(count / q)} ciphertexts for ${count} queries at ${q} per ciphertext, got ${results.length}`);
  }
  return results.flatMap((bytes, i) => unpackOutputs(plan, keys.decryptSlots(bytes, `results[${i}]`), Math.min(q, count - i * q)));
}

/** Decrypts a result and returns the model outputs (with the plan's final sigmoid/softmax applied). */
export function decryptOutput(plan: HePublicPlan, keys: CkksClientKeys, bytes: Uint8Array): Float64Array {
  checkPlanKeys(plan, keys);
  return unpackOutput(plan, keys.decryptSlots(bytes, 'result'));
}

/** A client session for one plan: context, keys and bundle together. */
export class HeClient {
  readonly plan: HePublicPlan;
  readonly ctx: CkksContext;
  readonly keys: CkksClientKeys;
  readonly evalKeys: EvalKeyBundle;

  private constructor(plan: HePublicPlan, ctx: CkksContext, keys: CkksClientKeys, evalKeys: EvalKeyBundle) {
    this.plan = plan;
    this.ctx = ctx;
    this.keys = keys;
    this.evalKeys = evalKeys;
  }

  /** Creates a context for the plan's parameters in `seal` and generates fresh keys. */
  static create(seal: SealModule, plan: HePublicPlan): HeClient {
    const ctx = CkksContext.create(seal, plan.params);
    try {
      const { keys, evalKeys } = generateClientKeys(ctx, plan);
      return new HeClient(plan, ctx, keys, evalKeys);
    } catch (e) {
      ctx.dispose();
      throw e;
    }
  }

  /** See {@link encryptInput}. */
  encrypt(x: Float64Array): Uint8Array {
    return encryptInput(this.plan, this.keys, x);
  }

  /** See {@link decryptOutput}. */
  decrypt(bytes: Uint8Array): Float64Array {
    return decryptOutput(this.plan, this.keys, bytes);
  }

  /** See {@link encryptInputs}. */
  encryptBatch(xs: readonly Float64Array[]): Uint8Array[] {
    return encryptInputs(this.plan, this.keys, xs);
  }

  /** See {@link decryptOutputs}. */
  decryptBatch(results: readonly Uint8Array[], count: number): Float64Array[] {
    return decryptOutputs(this.plan, this.keys, results, count);
  }

  /** Frees keys and context. */
  dispose(): void {
    this.keys.dispose();
    this.ctx.dispose();
  }
}
