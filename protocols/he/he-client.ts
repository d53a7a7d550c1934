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
import { packInput, unpackOutput } from './input-packing.js';

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

  /** Frees keys and context. */
  dispose(): void {
    this.keys.dispose();
    this.ctx.dispose();
  }
}
