/**
 * @module services/party/runners/model-publish-runner
 * The `model-publish` job: the model owner's SDK shares the weights and seals party i's view
 * to party i (wire/shared-model-codec, aad `signedModelShareAad(name, version, i, ownerKey)`) and
 * signs a version statement (wire/model-version); the coordinator forwards each party only its
 * own box and the statement; the party checks the statement (model-version-check: signature,
 * its box's digest, the owner key pinned at the name's first version), opens the box, checks
 * that it decodes as a shared model, and stores it re-encrypted under its own storage key as object `model-<modelId>`.
 * No protocol messages are exchanged. The result names the public structure (input and output
 * shapes, fractional bits, layer kinds) so the coordinator can check that the three parties
 * hold views of the same model.
 */
import { ModelViewCache } from '../model-view-cache.js';
import { checkModelShares } from './model-share-check.js';
import { createHash } from 'node:crypto';
import { open as openBox } from '../../../crypto-core/sealed-box.js';
import { decodeSharedModel } from '../../wire/shared-model-codec.js';
import { signedModelShareAad } from '../../wire/model-version.js';
import { checkModelVersion, modelOwnerObjectId } from './model-version-check.js';
import { fromLargeBase64 } from '../../wire/large-base64.js';
import { checkResidency, JobPayloadError, SealedInputError } from '../errors.js';
import type { JobRunContext, JobRunner, JobRunOutcome } from '../job-runner.js';

/** What party i receives. */
export interface ModelPublishPartyPayload {
  modelId: string;
  name: string;
  version: string;
  /** This party's sealed view (base64). */
  sealedShare: string;
  /** The owner's signed version statement (wire/model-version), untouched by the coordinator. */
  statement?: unknown;
  /** The tenant the coordinator publishes for. */
  owner?: { tenant: string };
}

/** The public structure of a stored model, as each party reports it. */
export interface ModelPublishPartyResult {
  modelId: string;
  inputShape: number[];
  outputShape: number[];
  fractionBits: number;
  /** SHA-256 of the layer kinds and names in order: equal at all parties for one model. */
  structure: string;
}

/** Store object id of a model. */
export function modelObjectId(modelId: string): string {
  return `model-${modelId}`;
}

/** The `model-publish` runner. */
export class ModelPublishRunner implements JobRunner {
  readonly kind = 'model-publish';

  /** @param models decoded views shared with the inference runner: refreshed on every store. */
  constructor(private readonly models: ModelViewCache = new ModelViewCache()) {}

  async run(ctx: JobRunContext): Promise<JobRunOutcome> {
    const p = ctx.order.payload as ModelPublishPartyPayload;
    if (typeof p !== 'object' || p === null || typeof p.modelId !== 'string' || !/^[A-Za-z0-9_.-]{1,160}$/.test(p.modelId)) {
      throw new JobPayloadError('payload.modelId: expected 1..160 characters of [A-Za-z0-9_.-]');
    }
    if (typeof p.name !== 'string' || typeof p.version !== 'string' || typeof p.sealedShare !== 'string') throw new JobPayloadError('payload: expected name, version and sealedShare strings');
    const self = ctx.protocol.self;
    const box = fromLargeBase64(p.sealedShare, 'payload.sealedShare');
    const signed = await checkModelVersion(p, self, box, ctx.shares);
    checkResidency(`model ${p.name} ${p.version}`, signed.body.residency, ctx.region, self);
    let bytes: Uint8Array;
    try {
      bytes = openBox(ctx.identity.agreement.secretKey, box, signedModelShareAad(p.name, p.version, self, signed.publicKey));
    } catch (cause) {
      throw new SealedInputError(`payload.sealedShare: party ${self}'s model view does not open (${(cause as Error).message})`, { cause });
    }
    let model;
    try {
      model = decodeSharedModel(bytes);
    } catch (cause) {
      throw new SealedInputError(`payload.sealedShare: party ${self}'s view is not a shared model (${(cause as Error).message})`, { cause });
    }
    // The three views must be one sharing before anything is stored (model-share-check).
    await checkModelShares(ctx.protocol, model);
    await ctx.shares.put(modelObjectId(p.modelId), bytes);
    // Pin the owner key at the name's first version: later versions must be signed by it.
    if (!signed.pinned) await ctx.shares.put(modelOwnerObjectId(p.name), new TextEncoder().encode(signed.publicKey));
    this.models.set(p.modelId, model, bytes.length);
    bytes.fill(0);
    ctx.log.info('model-stored', { modelId: p.modelId, layers: model.layers.length });
    const structure = createHash('sha256').update(JSON.stringify(model.layers.map((l) => [l.kind, l.name]))).digest('hex');
    const result: ModelPublishPartyResult = { modelId: p.modelId, inputShape: [...model.inputShape], outputShape: [...model.outputShape], fractionBits: model.fractionBits, structure };
    return { result };
  }
}
