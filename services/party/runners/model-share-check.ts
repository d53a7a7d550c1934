/**
 * @module services/party/runners/model-share-check
 * Before a party stores its view of a model, the three parties check that the views are one
 * sharing (protocols/rss/malicious/consistency: each component's two holders compare digests).
 * A model owner that dealt inconsistent shares is refused at publication, instead of every
 * later malicious-mode inference failing its check and accusing honest parties.
 */
import type { ProtocolContext } from '../../../protocols/rss/context.js';
import { concat } from '../../../protocols/rss/local-ops.js';
import { checkConsistent } from '../../../protocols/rss/malicious/consistency.js';
import type { ReplicatedShare } from '../../../protocols/rss/replicated-share.js';
import { VerificationFailedError } from '../../../protocols/rss/errors.js';
import { SealedInputError } from '../errors.js';

const isShare = (v: unknown): v is ReplicatedShare =>
  typeof v === 'object' && v !== null && (v as ReplicatedShare).a instanceof BigUint64Array && (v as ReplicatedShare).b instanceof BigUint64Array;

/** Every secret tensor of a decoded model view, in layer order and field order (the same at the three parties). */
export function modelShares(model: { layers: readonly object[] }): ReplicatedShare[] {
  const out: ReplicatedShare[] = [];
  for (const layer of model.layers) for (const v of Object.values(layer)) if (isShare(v)) out.push(v);
  return out;
}

/**
 * @throws SealedInputError (the model owner's fault, `invalid-sealed-input`) when a component's
 *   two copies differ between this party's view and a peer's.
 */
export async function checkModelShares(ctx: ProtocolContext, model: { layers: readonly object[] }): Promise<void> {
  const shares = modelShares(model);
  try {
    await checkConsistent(ctx, shares.length === 0 ? { a: new BigUint64Array(0), b: new BigUint64Array(0) } : concat(shares));
  } catch (cause) {
    if (!(cause instanceof VerificationFailedError)) throw cause;
    throw new SealedInputError(`payload.sealedShare: party ${ctx.self}'s model view and party ${cause.suspects.join(' and ')}'s are not one sharing (the owner dealt inconsistent shares)`, { cause });
  }
}
