/**
 * @module services/party/runners/inference-runner
 * The `mpc-inference` job: party i loads its view of the model from its share store, opens its
 * input share pair (sealed by the client's SDK, aad `inferenceInputAad(modelId, clientKey, i)`, or
 * the model name instead of the id when the client named the model by name),
 * evaluates the model with the other two parties (protocols/nn `evaluateSecureModel`), and
 * seals its output share pair to the client (`inferenceOutputAad`). The coordinator and the
 * broker see only sealed boxes; the client opens the three pairs with the checked open.
 */
import { boxDigest, securityClaim, signOutputStatement, type OutputStatement } from '../../wire/output-statement.js';
import { verifyJob } from '../../../protocols/rss/malicious/verify-products.js';
import { open as openBox, seal } from '../../../crypto-core/sealed-box.js';
import { fromHex, toBase64 } from '../../../crypto-core/encoding.js';
import { createProtocolContext } from '../../../protocols/rss/context.js';
import { makeShare } from '../../../protocols/rss/replicated-share.js';
import { evaluateSecureModel } from '../../../protocols/nn/evaluate-secure-model.js';
import { decodeSharedModel } from '../../wire/shared-model-codec.js';
import { decodeSharePair, encodeSharePair, inferenceInputAad, inferenceOutputAad, namedModelSubject, shapeSize } from '../../wire/sealed-share-pair.js';
import { fromLargeBase64 } from '../../wire/large-base64.js';
import { JobPayloadError, SealedInputError } from '../errors.js';
import type { JobRunContext, JobRunner, JobRunOutcome } from '../job-runner.js';
import { modelObjectId } from './model-publish-runner.js';
import { ModelViewCache } from '../model-view-cache.js';

/** What party i receives. */
export interface InferencePartyPayload {
  modelId: string;
  /** The model name, when the client named the model by name: its boxes are sealed to the name, not the id the coordinator resolved. */
  model?: string;
  /** Input shape with batch first. */
  shape: number[];
  clientPublicKey: string;
  sealedInput: string;
}

/** The `mpc-inference` runner. */
export class InferenceRunner implements JobRunner {
  readonly kind = 'mpc-inference';

  /** @param models decoded views shared with the publish runner (which refreshes them). */
  constructor(private readonly models: ModelViewCache = new ModelViewCache()) {}

  async run(ctx: JobRunContext): Promise<JobRunOutcome> {
    const p = ctx.order.payload as InferencePartyPayload;
    if (typeof p !== 'object' || p === null || typeof p.modelId !== 'string' || typeof p.sealedInput !== 'string') throw new JobPayloadError('payload: expected modelId and sealedInput');
    if (p.model !== undefined && (typeof p.model !== 'string' || p.model.length === 0)) throw new JobPayloadError('payload.model: expected a model name');
    // What the client's boxes are bound to: the name it asked for, else the id.
    const sealedTo = p.model !== undefined ? namedModelSubject(p.model) : p.modelId;
    let n: number;
    try {
      n = shapeSize(p.shape, 'payload.shape');
      fromHex(p.clientPublicKey, 'payload.clientPublicKey', 32);
    } catch (cause) {
      throw new JobPayloadError((cause as Error).message, { cause });
    }
    const self = ctx.protocol.self;
    let model = this.models.get(p.modelId);
    if (!model) {
      const stored = await ctx.shares.get(modelObjectId(p.modelId));
      if (!stored) throw new JobPayloadError(`payload.modelId: party ${self} holds no model ${p.modelId}`);
      model = decodeSharedModel(stored);
      this.models.set(p.modelId, model, stored.length);
    }
    let pair: Uint8Array;
    try {
      pair = openBox(ctx.identity.agreement.secretKey, fromLargeBase64(p.sealedInput, 'payload.sealedInput'), inferenceInputAad(sealedTo, p.clientPublicKey, self));
    } catch (cause) {
      throw new SealedInputError(`payload.sealedInput: party ${self}'s input box does not open (${(cause as Error).message})`, { cause });
    }
    let a: BigUint64Array, b: BigUint64Array;
    try {
      [a, b] = decodeSharePair(pair, n);
    } catch (cause) {
      throw new SealedInputError(`payload.sealedInput: party ${self}'s input box holds no share pair of ${n} elements (${(cause as Error).message})`, { cause });
    }
    const batch = p.shape[0]!;
    // The model fixes the fixed-point precision; the job's context has the default one.
    const protocol = model.fractionBits === ctx.protocol.fractionBits
      ? ctx.protocol
      : createProtocolContext({ channel: ctx.protocol.channel, randomness: ctx.protocol.randomness, ring: ctx.protocol.ring, fractionBits: model.fractionBits, security: ctx.protocol.security });
    const t0 = performance.now();
    const out = await evaluateSecureModel(protocol, model, makeShare(a, b, p.shape), batch);
    // Malicious mode: every product and comparison is verified before the output share leaves.
    await verifyJob(protocol);
    const ms = performance.now() - t0;
    const sealedOutput = toBase64(seal(fromHex(p.clientPublicKey, 'clientPublicKey', 32), encodeSharePair(out.output.a, out.output.b), inferenceOutputAad(sealedTo, p.clientPublicKey, self)));
    // The client checks this signature against the party's pinned key before opening the box.
    const statement: OutputStatement = {
      jobId: ctx.order.jobId,
      kind: 'mpc-inference',
      subject: p.modelId,
      party: self,
      inputDigest: boxDigest(p.sealedInput),
      outputDigest: boxDigest(sealedOutput),
      clientPublicKey: p.clientPublicKey,
      ...securityClaim(protocol.security),
    };
    const signature = signOutputStatement(statement, ctx.identity.signing);
    return { result: { shape: [batch, ...out.outputShape], sealedOutput, signature }, iterationMs: [ms], output: makeShare(out.output.a, out.output.b) };
  }
}
