/**
 * @module services/party/runners/dataset-upload-runner
 * Party side of `dataset-upload`: check the payload, check this party's sealed box against the
 * upload digest, open it (the associated data binds name, upload id and party index), and store
 * the share pair encrypted at rest with an updated manifest. `create` refuses an existing data
 * set; `append` adds a part to one with the same schema and owner, keeping its policy.
 * The order must say what the hospital signed (upload-manifest-check): the stored schema and
 * policy are the signed ones, the hospital's key is pinned at creation and appends must be
 * signed by it, and an upload id is stored once (a replayed signed upload is refused).
 * The parties vote (one round) after their checks and write only when all three accept; they
 * then compute the part's column validity bits together (range and encoding checks on shares,
 * column-validity.ts) and store them next to the part.
 */
import { checkConsistent } from '../../../protocols/rss/malicious/consistency.js';
import { verifyJob } from '../../../protocols/rss/malicious/verify-products.js';
import { open as openBox } from '../../../crypto-core/sealed-box.js';
import { computeColumnValidity } from '../../../protocols/analytics/column-validity.js';
import { checkPolicy, checkSchema, encodedWidth, sameSchema } from '../../../protocols/analytics/dataset-schema.js';
import { analyticsCompareOps } from '../../../protocols/analytics/range-compare-malicious.js';
import { nextParty, prevParty } from '../../../protocols/channel/channel.js';
import { makeShare } from '../../../protocols/rss/replicated-share.js';
import { checkResidency, JobPayloadError, PeerRefusalError, SealedInputError } from '../errors.js';
import { MpcError } from '../../../crypto-core/errors.js';
import { RESIDENCY_REFUSED, SEALED_INPUT_REFUSED } from '../../wire/job-error-codes.js';
import type { JobRunContext, JobRunner, JobRunOutcome } from '../job-runner.js';
import { decodeSharePair } from '../../wire/sealed-share-pair.js';
import { signedDatasetUploadAad } from '../../wire/dataset-manifest.js';
import { checkUploadManifest } from './upload-manifest-check.js';
import { fromLargeBase64 } from '../../wire/large-base64.js';
import { DATASET_ID_RE, sha256Hex, uploadDigest, type DatasetManifest, type DatasetUploadPartyPayload, type DatasetUploadPartyResult } from '../../wire/analytics-jobs.js';
import { markUploadSeen, readManifest, uploadSeen, writeManifest, writePart } from '../dataset-store.js';
import { DatasetConflictError, UnknownDatasetError } from '../../wire/analytics-errors.js';

const HEX64 = /^[0-9a-f]{64}$/;

/** The payload of a `dataset-upload` order, checked. @throws JobPayloadError naming the field. */
export function checkUploadPayload(payload: unknown): DatasetUploadPartyPayload {
  const p = payload as DatasetUploadPartyPayload;
  if (typeof p !== 'object' || p === null) throw new JobPayloadError('payload: expected an object');
  if (typeof p.datasetId !== 'string' || !DATASET_ID_RE.test(p.datasetId)) throw new JobPayloadError(`payload.datasetId: expected 1..64 of [A-Za-z0-9_-], got ${JSON.stringify(p.datasetId)}`);
  if (typeof p.uploadId !== 'string' || !DATASET_ID_RE.test(p.uploadId)) throw new JobPayloadError(`payload.uploadId: expected 1..64 of [A-Za-z0-9_-], got ${JSON.stringify(p.uploadId)}`);
  if (typeof p.name !== 'string' || p.name.length === 0 || p.name.length > 128) throw new JobPayloadError('payload.name: expected 1..128 characters');
  if (p.mode !== 'create' && p.mode !== 'append') throw new JobPayloadError(`payload.mode: expected 'create' or 'append', got ${JSON.stringify(p.mode)}`);
  if (typeof p.owner !== 'object' || p.owner === null || typeof p.owner.tenant !== 'string' || typeof p.owner.actor !== 'string') {
    throw new JobPayloadError('payload.owner: expected { tenant, actor }');
  }
  try {
    checkSchema(p.schema);
    checkPolicy(p.policy);
  } catch (cause) {
    throw new JobPayloadError(`payload: ${(cause as Error).message}`, { cause });
  }
  if (!Number.isSafeInteger(p.rows) || p.rows < 1) throw new JobPayloadError(`payload.rows: expected a positive integer, got ${String(p.rows)}`);
  if (typeof p.sealedShare !== 'string' || p.sealedShare.length === 0) throw new JobPayloadError('payload.sealedShare: expected base64');
  if (!Array.isArray(p.boxSha256) || p.boxSha256.length !== 3 || !p.boxSha256.every((h) => typeof h === 'string' && HEX64.test(h))) {
    throw new JobPayloadError('payload.boxSha256: expected three SHA-256 hex digests');
  }
  if (p.sha256 !== uploadDigest(p.boxSha256 as [string, string, string])) throw new JobPayloadError('payload.sha256: does not match the digests of the three boxes');
  return p;
}

/** The `dataset-upload` runner. */
export class DatasetUploadRunner implements JobRunner {
  readonly kind = 'dataset-upload';

  async run(ctx: JobRunContext): Promise<JobRunOutcome> {
    // Every check comes before a one-round vote, and nothing is written unless all three
    // parties accept: a box that fails at one party must not leave a part stored at the others.
    let prepared: Prepared | undefined;
    let refusal: unknown;
    try {
      prepared = await this.#prepare(ctx);
    } catch (e) {
      refusal = e;
    }
    const self = ctx.protocol.self;
    const ch = ctx.protocol.channel;
    const tag = ctx.protocol.nextTag('upload-vote');
    const vote = prepared ? Uint8Array.of(1) : refusalVote(refusal);
    await Promise.all([ch.send(nextParty(self), tag, vote), ch.send(prevParty(self), tag, vote)]);
    const votes = await Promise.all([ch.recv(nextParty(self), tag), ch.recv(prevParty(self), tag)]);
    if (refusal !== undefined) throw refusal;
    const refusers = [nextParty(self), prevParty(self)].filter((_, i) => votes[i]![0] !== 1);
    if (refusers.length > 0) throw peerRefusal(refusers[0]!, votes[[nextParty(self), prevParty(self)].indexOf(refusers[0]!)]!, refusers.length);
    const { p, manifest, pair } = prepared!;
    // Range and encoding checks of every column, once per part, on shares: queries then AND
    // these bits instead of comparing (column-validity.ts).
    const share = makeShare(pair[0], pair[1]);
    // Malicious mode: the three share pairs must be one sharing (each
    // component's two copies agree), and the validity bits are verified before anything is stored.
    if (ctx.protocol.security === 'malicious') await checkConsistent(ctx.protocol, share);
    // analyticsCompareOps: in malicious mode the two range checks of a value share one verified decomposition.
    const validity = await computeColumnValidity(ctx.protocol, analyticsCompareOps, p.schema, { rows: p.rows, share });
    await verifyJob(ctx.protocol);
    await writePart(ctx.shares, p.datasetId, p.uploadId, { rows: p.rows, share, validity }, p.schema);
    await markUploadSeen(ctx.shares, p.uploadId);
    const manifestSha256 = await writeManifest(ctx.shares, manifest);
    ctx.log.info('dataset-stored', { datasetId: p.datasetId, uploadId: p.uploadId, rows: p.rows, parts: manifest.parts.length });
    const result: DatasetUploadPartyResult = { datasetId: p.datasetId, rows: manifest.rows, parts: manifest.parts.length, manifestSha256, security: ctx.protocol.security };
    return { result };
  }

  async #prepare(ctx: JobRunContext): Promise<Prepared> {
    const p = checkUploadPayload(ctx.order.payload);
    const self = ctx.protocol.self;
    const existingManifest = await readManifest(ctx.shares, p.datasetId);
    // The hospital's signature decides what is stored, not the order (upload-manifest-check).
    const signed = checkUploadManifest(p, existingManifest);
    checkResidency(`data set ${p.name}`, signed.residency, ctx.region, ctx.protocol.self);
    if (await uploadSeen(ctx.shares, p.uploadId)) throw new DatasetConflictError(p.datasetId, `uploadId: upload ${p.uploadId} was already stored (a signed upload is accepted once)`);
    const box = fromLargeBase64(p.sealedShare, 'payload.sealedShare');
    if (sha256Hex(box) !== p.boxSha256[self]) throw new SealedInputError(`payload.sealedShare: party ${self}'s box does not match boxSha256[${self}] of the signed manifest`);
    let plain: Uint8Array;
    try {
      plain = openBox(ctx.identity.agreement.secretKey, box, signedDatasetUploadAad(p.name, p.uploadId, self, p.manifest!.publicKey));
    } catch (cause) {
      throw new SealedInputError(`payload.sealedShare: party ${self}'s box does not open for data set '${p.name}', upload ${p.uploadId} (${(cause as Error).message})`, { cause });
    }
    let pair: [BigUint64Array, BigUint64Array];
    try {
      pair = decodeSharePair(plain, p.rows * encodedWidth(p.schema));
    } catch (cause) {
      throw new SealedInputError(`payload.sealedShare: party ${self}'s box holds no share pair of rows x width elements (${(cause as Error).message})`, { cause });
    }
    const existing = existingManifest;
    if (p.mode === 'create' && existing) throw new DatasetConflictError(p.datasetId, `datasetId: data set '${p.datasetId}' already exists (append to it, or delete it first)`);
    if (p.mode === 'append') {
      if (!existing) throw new UnknownDatasetError(p.datasetId, `datasetId: no data set '${p.datasetId}' to append to`);
      if (!sameSchema(existing.schema, p.schema)) throw new DatasetConflictError(p.datasetId, `schema: differs from the schema of data set '${p.datasetId}'`);
      if (existing.owner.tenant !== p.owner.tenant) throw new DatasetConflictError(p.datasetId, `owner: tenant '${p.owner.tenant}' does not own data set '${p.datasetId}'`);
      if (existing.parts.some((x) => x.uploadId === p.uploadId)) throw new DatasetConflictError(p.datasetId, `uploadId: part ${p.uploadId} is already stored`);
    }
    // A malicious upload verifies the shares' consistency and the validity bits: recorded, so a malicious query may trust them.
    const part = { uploadId: p.uploadId, rows: p.rows, sha256: p.sha256, boxSha256: [...p.boxSha256] as [string, string, string], ...(ctx.protocol.security === 'malicious' ? { security: 'malicious' as const } : {}) };
    const signedManifests = [...(existing?.signedManifests ?? []), p.manifest!];
    const manifest: DatasetManifest = existing
      ? { ...existing, parts: [...existing.parts, part], rows: existing.rows + p.rows, signedManifests }
      : {
          datasetId: p.datasetId,
          name: p.name,
          owner: { tenant: p.owner.tenant, actor: p.owner.actor },
          schema: signed.schema,
          policy: signed.policy,
          parts: [part],
          rows: p.rows,
          hospitalKey: p.manifest!.publicKey,
          ...(signed.residency !== undefined ? { residency: signed.residency } : {}),
          signedManifests,
        };
    return { p, manifest, pair };
  }
}

/** A checked upload, ready to write. */
interface Prepared {
  readonly p: DatasetUploadPartyPayload;
  readonly manifest: DatasetManifest;
  readonly pair: [BigUint64Array, BigUint64Array];
}

/** Codes a refusing party's vote may pass on to its peers' failure reports (the client's fault, named the same whichever report the coordinator reads first). */
const RELAYED_CODES: ReadonlySet<string> = new Set([RESIDENCY_REFUSED, SEALED_INPUT_REFUSED]);

/** A refusal vote: 0, then the refusal's code and message (public: they are about the signed manifest and the boxes). */
function refusalVote(refusal: unknown): Uint8Array {
  const code = refusal instanceof MpcError ? refusal.code : 'job-payload';
  const message = refusal instanceof Error ? refusal.message.slice(0, 400) : String(refusal).slice(0, 400);
  const text = new TextEncoder().encode(JSON.stringify({ code, message }));
  const out = new Uint8Array(1 + text.length);
  out.set(text, 1);
  return out;
}

/** The error of a party whose peer refused: the peer's code when it is one the client acts on, and its message. */
function peerRefusal(refuser: number, vote: Uint8Array, refusers: number): PeerRefusalError {
  let why: { code?: unknown; message?: unknown } = {};
  try {
    why = JSON.parse(new TextDecoder().decode(vote.subarray(1))) as typeof why;
  } catch {
    // An older party's bare vote, or garbage: no reason to relay.
  }
  const code = typeof why.code === 'string' && RELAYED_CODES.has(why.code) ? why.code : 'job-payload';
  const message = `upload refused by party ${refuser}${refusers > 1 ? ' (and the other peer)' : ''}${typeof why.message === 'string' ? `: ${why.message.slice(0, 400)}` : ''}; nothing stored`;
  return new PeerRefusalError(code, message);
}
