/**
 * @module services/sdk/mpc-client
 * The client SDK: what an API client, hospital, model owner or auditor imports. It hides
 * sharing, sealing, opening and verifying behind calls such as `client.infer(modelId, input)`:
 *
 * MPC inference: the input is fixed-point encoded, split into three replicated shares
 * (protocols/rss `shareSecret`), and party i's pair is sealed to party i's agreement key from
 * the registry, with associated data binding the model id, the request id (the client's fresh
 * X25519 key) and the slot i (services/wire/sealed-share-pair). The gateway and coordinator
 * carry only ciphertext. The job is followed over SSE (or polled); the three sealed output pairs
 * are opened with the ephemeral secret key and combined by `openChecked`, which compares the two
 * copies of each component, so a party that altered its output is caught, not trusted.
 */
import { randomBytes } from 'node:crypto';
import type { AuditConsistencyProof, AuditEntry, AuditInclusionProof, DatasetRecord, HeVerification, JobKind, JobResults, JobStatus, ModelMode, ModelPrecision, ModelRecord, ModelRolloutState, ServiceRecord, StorageReconciliationReport, CoordinatorMethods } from '../wire/api.js';
import { openCheckpoint, type NoteVerifier } from '../../crypto-core/checkpoint/index.js';
import { verifyAuditEntry } from './audit-verification.js';
import type { ProofVerdict } from '../audit/verify-proof.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { fromHex, toBase64, toHex } from '../../crypto-core/encoding.js';
import { fromLargeBase64 } from '../wire/large-base64.js';
import { generateAgreementKeyPair, type AgreementKeyPair } from '../../crypto-core/keys/agreement.js';
import { open as openBox, seal } from '../../crypto-core/sealed-box.js';
import { Prg } from '../../crypto-core/prg.js';
import { decodeFixed, DEFAULT_FRACTION_BITS, encodeFixed } from '../../crypto-core/ring/index.js';
import { makeShare, openChecked, shareSecret } from '../../protocols/rss/replicated-share.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { shareModel } from '../../protocols/nn/shared-model.js';
import { checkFixedInputs, checkModelRange, fixedInputBound } from '../../protocols/model/fixed-range.js';
import type { Row } from '../../protocols/analytics/encode-rows.js';
import type { QueryResult } from '../../protocols/analytics/query-result.js';
import { manifestKeyFor, prepareDatasetUpload } from './dataset-upload-client.js';
import { openQueryResult, prepareQueryRequest, type QueryRequest } from './query-client.js';
import type { AnalyticsQueryResult } from '../wire/analytics-jobs.js';
import { checkSchema, type DatasetSchema, type DisclosurePolicy } from '../../protocols/analytics/dataset-schema.js';
import type { Query } from '../../protocols/analytics/query.js';
import { GatewayHttp, type GatewayCredentials } from './gateway-http.js';
import { GatewayProblemError, InputBoundError, JobFailedError, RegistryError, ResultSignatureError } from './errors.js';
import { parseTrustBundle, type TrustBundle } from '../wire/trust-bundle.js';
import { boxDigest, bytesDigest, jsonDigest, securityClaim, verifyOutputStatement, type OutputStatement } from '../wire/output-statement.js';
import { waitForTerminal } from './job-wait.js';
import { decodeSharePair, encodeSharePair, inferenceInputAad, inferenceOutputAad, namedModelSubject, shapeSize } from '../wire/sealed-share-pair.js';
import { modelKeyFor, sealSignedModel, signHeModelVersion } from './model-version-signer.js';
import { HeSession } from './he-session.js';
import { checkHeResult, type HeWorkerTrust } from './he-result-check.js';

/** Options of {@link MpcClient}. Give exactly one of `apiKey` and `signingKey`. */
export interface MpcClientOptions {
  gatewayUrl: string;
  apiKey?: string;
  signingKey?: { keyId: string; secretKey: Uint8Array };
  /** fetch implementation (default: global fetch). */
  fetch?: typeof fetch;
  /** Fixed-point fractional bits of inputs and outputs (default 16, the parties' default). */
  fractionBits?: number;
  /** Polling interval when the event stream is unavailable (default 500 ms). */
  pollIntervalMs?: number;
  /**
   * The deployment's trust bundle (wire/trust-bundle; `mpc up` writes `.mpc/trust-bundle.json`),
   * obtained out of band. With it, inputs are sealed only to its parties' keys and results
   * accepted only when signed by them; the gateway's registry is never a source of keys.
   * Without it the keys come from the gateway's registry, which the gateway could substitute:
   * for development only.
   */
  trust?: TrustBundle;
  /**
   * The hospital's Ed25519 manifest key (32-byte seed) that signs every data set upload
   * (sdk/dataset-upload-client `manifestKeyFor`). Default: derived from `signingKey` (HKDF, its
   * own label), else a fresh key per client: appends must come from the same key, so a hospital
   * that appends across sessions with an API key should keep and pass one.
   */
  manifestKey?: Uint8Array;
  /**
   * The model owner's Ed25519 key (32-byte seed) that signs every model version it publishes
   * (sdk/model-version-signer `modelKeyFor`). Default: derived from `signingKey`, else a fresh
   * key per client. The parties pin it at a model name's first version: keep it to publish later
   * versions of the same name.
   */
  modelKey?: Uint8Array;
}

/** The keys of the three parties this client seals to and accepts signatures from. */
export interface PartyTrust {
  /** X25519 agreement keys of parties 0, 1, 2. */
  agreement: [Uint8Array, Uint8Array, Uint8Array];
  /** Ed25519 signing keys (hex) of parties 0, 1, 2. */
  signing: [string, string, string];
  /** `pinned`: from the trust bundle; `registry`: as the gateway listed them. */
  source: 'pinned' | 'registry';
}

/** A tensor in row-major order with its shape (including the batch dimension). */
export interface TensorInput {
  shape: number[];
  data: ArrayLike<number>;
}

/** An inference result in the clear, as only the client can see it. */
export interface InferenceResult {
  shape: number[];
  data: Float64Array;
  job: JobStatus;
  /**
   * HE only: how the service checked the encrypted result without reading it (`dual`: two
   * workers agreed; `repeated`: one worker twice, weaker), when the gateway passes it on.
   */
  verification?: HeVerification;
  /** MPC only: the protocols' security the three parties signed they ran (the mode asked for). */
  security?: 'semi-honest' | 'malicious';
}

/** Options of {@link MpcClient.infer}. */
export interface InferOptions {
  /** `mpc` (default): secret-shared across the parties; `he`: CKKS-encrypted, [N, ...] as ceil(N / q) requests (q queries per ciphertext under the model's plan). */
  mode?: 'mpc' | 'he';
  /**
   * MPC only: `semi-honest` (default, fastest) or `malicious` (every product and comparison
   * verified, abort before any output if a party deviates; docs/protocols-malicious.md). A
   * result whose parties did not sign the mode asked for is refused (ResultSignatureError).
   */
  security?: 'semi-honest' | 'malicious';
  /** Give up waiting after this long (default 120 s). */
  timeoutMs?: number;
  /** Called with each status change. */
  onProgress?: (job: JobStatus) => void;
  /** Retry key (default: random per call), so a retried submission never creates a second job. */
  idempotencyKey?: string;
}

/**
 * The model of an MPC inference: a model id, or `{ name }` for the name's active version (the
 * coordinator resolves it at submission; the job status says which version ran, `job.model`).
 */
export type ModelRef = string | { readonly name: string };

/** What the client must keep between submitting an MPC inference and opening its result. */
export interface PendingMpcInference {
  job: JobStatus;
  created: boolean;
  /** The model id the job runs (by name: the version the coordinator resolved, which the parties sign). */
  modelId: string;
  /** The model name, when the inference named the model by name (its boxes are sealed to the name). */
  modelName?: string;
  requestId: string;
  /** The ephemeral key the parties seal the output to. */
  clientKey: AgreementKeyPair;
  /** The parties the input was sealed to: only their signatures open the result. */
  parties: PartyTrust;
  /** The security mode asked for. */
  security: 'semi-honest' | 'malicious';
  /** The exact submission (sealed inputs) and its idempotency key, for {@link MpcClient.resubmit}. */
  submission: { body: Record<string, unknown>; idempotencyKey: string };
}

/** Attempts of a submission when the gateway or coordinator is transiently unavailable. */
const SUBMIT_ATTEMPTS = 3;

/** Attempts of an HE submission: the first, and one with freshly registered keys when the session was lost. */
const HE_SUBMIT_ATTEMPTS = 2;

/** Job error codes that mean the service no longer holds the HE key session. */
const LOST_SESSION_CODES: ReadonlySet<string> = new Set(['he-unknown-session', 'he-session-expired']);

/**
 * Whether a submission was refused because the key session is gone: `session-expired` (410), or
 * `not-found` naming `body/sessionId` (an unknown model is `not-found` without that path).
 */
function isLostSessionProblem(err: unknown): boolean {
  if (!(err instanceof GatewayProblemError)) return false;
  if (err.problem === 'session-expired') return true;
  return err.problem === 'not-found' && (err.errors ?? []).some((e) => e.path === 'body/sessionId');
}

function checkModelId(v: unknown): string {
  if (typeof v !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(v)) throw new InvalidArgumentError(`modelId: expected 1-128 characters of [A-Za-z0-9_.-], got ${JSON.stringify(v)}`);
  return v;
}

function checkId(name: string, v: unknown): string {
  if (typeof v !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(v)) throw new InvalidArgumentError(`${name}: expected 1-128 characters of [A-Za-z0-9_-], got ${JSON.stringify(v)}`);
  return v;
}

/** @throws InvalidArgumentError unless `security` is absent, `semi-honest` or `malicious`. */
function checkSecurityOption(security: unknown): void {
  if (security !== undefined && security !== 'semi-honest' && security !== 'malicious') throw new InvalidArgumentError(`opts.security: expected 'semi-honest' or 'malicious', got ${JSON.stringify(security)}`);
}

/**
 * Checks each party's signature of its output statement (`statement(i)` plus the digest of box
 * i) against `parties`' signing keys; nothing is opened before all three pass.
 * @throws ResultSignatureError naming the first party whose signature is missing or wrong.
 */
function checkOutputSignatures(parties: PartyTrust, result: { sealedOutputs: readonly string[]; outputSignatures?: readonly string[] }, statement: (i: number) => Omit<OutputStatement, 'outputDigest'>): void {
  for (const i of [0, 1, 2]) {
    const s = statement(i);
    const box = result.sealedOutputs?.[i];
    if (typeof box !== 'string') throw new ResultSignatureError(s.jobId, i, 'box is missing');
    if (!verifyOutputStatement({ ...s, outputDigest: boxDigest(box, `sealedOutputs[${i}]`) }, result.outputSignatures?.[i], parties.signing[i]!)) {
      throw new ResultSignatureError(s.jobId, i, `is not signed by party ${i}'s ${parties.source === 'pinned' ? 'pinned' : 'registered'} key for this job and request`);
    }
  }
}

/**
 * The error bound an MPC model record states when the owner gives none: the end-to-end bound
 * every zoo model meets at f = 16 against onnxruntime (docs/protocols-inference.md, zoo table).
 */
export const MPC_DOCUMENTED_ERROR_BOUND = 5e-3;
/** Below this precision there is no documented bound: the owner must state one. */
const MPC_DOCUMENTED_MIN_FRACTION_BITS = 16;

/** The SDK client of one gateway. */
export class MpcClient {
  readonly http: GatewayHttp;
  readonly fractionBits: number;
  readonly #pollMs: number;
  readonly #trust: TrustBundle | undefined;
  readonly #manifestKey: Uint8Array;
  readonly #modelKey: Uint8Array;
  /** HE sessions by model id; `session` is set once the setup has resolved. */
  readonly #heSessions = new Map<string, { promise: Promise<HeSession>; session?: HeSession }>();
  /** Model records seen in the catalogue, by id (a record is immutable once published). */
  readonly #modelRecords = new Map<string, ModelRecord>();

  constructor(opts: MpcClientOptions) {
    if (typeof opts !== 'object' || opts === null) throw new InvalidArgumentError('opts: expected { gatewayUrl, apiKey | signingKey }');
    if ((opts.apiKey === undefined) === (opts.signingKey === undefined)) throw new InvalidArgumentError('opts: give exactly one of apiKey and signingKey');
    const creds: GatewayCredentials = opts.apiKey !== undefined ? { apiKey: opts.apiKey } : { signingKey: opts.signingKey! };
    this.http = new GatewayHttp(opts.gatewayUrl, creds, opts.fetch);
    this.fractionBits = opts.fractionBits ?? DEFAULT_FRACTION_BITS;
    if (!Number.isInteger(this.fractionBits) || this.fractionBits < 0 || this.fractionBits > 32) throw new InvalidArgumentError(`fractionBits: expected integer 0..32, got ${opts.fractionBits}`);
    this.#pollMs = opts.pollIntervalMs ?? 500;
    this.#trust = opts.trust === undefined ? undefined : parseTrustBundle(opts.trust);
    this.#manifestKey = manifestKeyFor(opts);
    this.#modelKey = modelKeyFor(opts);
  }

  /** Registered services with their public keys. */
  async registry(): Promise<ServiceRecord[]> {
    return (await this.http.json<{ services: ServiceRecord[] }>({ method: 'GET', path: '/v1/registry' })).services;
  }

  /** The agreement public keys of parties 0, 1, 2 (pinned, or from the registry without a trust bundle). */
  async partyKeys(): Promise<[Uint8Array, Uint8Array, Uint8Array]> {
    return (await this.partyTrust()).agreement;
  }

  /**
   * The parties' keys: from the trust bundle when the client has one (the registry is not
   * consulted), else as the gateway's registry lists them.
   */
  async partyTrust(): Promise<PartyTrust> {
    const listed = this.#trust?.parties ?? (await this.#registryParties());
    return {
      agreement: listed.map((p, i) => fromHex(p.agreementPublicKey, `party ${i} agreementPublicKey`, 32)) as PartyTrust['agreement'],
      signing: listed.map((p) => p.signingPublicKey.toLowerCase()) as PartyTrust['signing'],
      source: this.#trust ? 'pinned' : 'registry',
    };
  }

  /** Admin: the parties' stores against the catalogues: orphans (objects no catalogue names) and missing objects. */
  async storageReconciliation(): Promise<StorageReconciliationReport> {
    return this.http.json({ method: 'GET', path: '/v1/admin/storage' });
  }

  /** The caller's tenant's credit usage and balance (`tenant`: another tenant, admin only); docs/governance.md "Credits". */
  async credits(tenant?: string): Promise<CoordinatorMethods['credits.get']['res']> {
    return this.http.json({ method: 'GET', path: `/v1/credits${tenant === undefined ? '' : `?tenant=${encodeURIComponent(tenant)}`}` });
  }

  /** Auditor or admin: every party's reputation (`report`: the coordinator's canonical JSON, services/audit/reputation) and the quarantines in force. */
  async partyReputation(): Promise<CoordinatorMethods['parties.reputation']['res']> {
    return this.http.json({ method: 'GET', path: '/v1/admin/parties/reputation' });
  }

  /** Admin: lifts the quarantine of `serviceId` with operators' signed decisions (services/wire/party-governance). */
  async reinstateParty(serviceId: string, decisions: readonly unknown[]): Promise<CoordinatorMethods['parties.reinstate']['res']> {
    return this.http.json({ method: 'POST', path: `/v1/admin/parties/${encodeURIComponent(serviceId)}/reinstatement`, body: { decisions } });
  }

  /** Admin: promotes standby `standbyId` into the slot of the quarantined `serviceId` with operators' signed promotion decisions (services/wire/party-governance). */
  async promoteStandby(serviceId: string, standbyId: string, decisions: readonly unknown[]): Promise<CoordinatorMethods['parties.promote']['res']> {
    return this.http.json({ method: 'POST', path: `/v1/admin/parties/${encodeURIComponent(serviceId)}/promotion`, body: { standbyId, decisions } });
  }

  /** Admin: starts or resumes resharing every stored item to promoted standby `standbyId`; answers with the progress. */
  async reshareToStandby(standbyId: string): Promise<CoordinatorMethods['parties.reshare']['res']> {
    return this.http.json({ method: 'POST', path: `/v1/admin/parties/${encodeURIComponent(standbyId)}/resharing` });
  }

  /** Auditor or admin: progress of the resharings and the promotions in force. */
  async resharings(): Promise<CoordinatorMethods['parties.resharing']['res']> {
    return this.http.json({ method: 'GET', path: '/v1/admin/parties/resharing' });
  }

  /** Admin: erases orphaned data sets and models (ids from {@link storageReconciliation}) at all three parties; each is audited. */
  async eraseOrphans(ids: { datasets?: string[]; models?: string[] }): Promise<CoordinatorMethods['storage.eraseOrphans']['res']> {
    return this.http.json({ method: 'POST', path: '/v1/admin/storage/orphan-erasures', body: { ...(ids.datasets ? { datasets: ids.datasets } : {}), ...(ids.models ? { models: ids.models } : {}) } });
  }

  /**
   * Has the coordinator record the rotation `current` -> `next` in the audit log (admin). The
   * coordinator refuses a rotation the current bundle's parties did not sign; the client's own
   * check is {@link verifyRotation}, whatever the coordinator says.
   */
  async recordTrustRotation(current: TrustBundle, next: TrustBundle): Promise<{ fingerprint: string; previous: string; recorded: boolean }> {
    return this.http.json({ method: 'POST', path: '/v1/audit/trust-rotations', body: { current, next } });
  }

  /** The HE workers whose signatures an HE result needs: pinned, or as the registry lists them without a trust bundle. */
  async heWorkerTrust(): Promise<HeWorkerTrust> {
    const listed = this.#trust?.heWorkers ?? (await this.registry()).filter((s) => s.kind === 'he-worker');
    return { keys: new Map(listed.map((w) => [w.id, w.signingPublicKey.toLowerCase()])), source: this.#trust ? 'pinned' : 'registry' };
  }

  async #registryParties(): Promise<{ agreementPublicKey: string; signingPublicKey: string }[]> {
    const services = await this.registry();
    return [0, 1, 2].map((i) => {
      const p = services.find((s) => s.kind === 'party' && s.index === i);
      if (!p) throw new RegistryError(`registry: no party with index ${i} is registered (have: ${services.filter((s) => s.kind === 'party').map((s) => s.index).join(', ') || 'none'})`);
      return p;
    });
  }

  /** Published models (metadata). */
  async models(): Promise<ModelRecord[]> {
    return (await this.http.json<{ models: ModelRecord[] }>({ method: 'GET', path: '/v1/models' })).models;
  }

  /**
   * Publishes an ONNX model. MPC: imported here, its weights fixed-point encoded and split into
   * three party views, each sealed to its party, so no single party (nor the gateway) ever holds
   * the weights. HE: sent as ONNX for the HE workers (which evaluate on plaintext weights).
   *
   * MPC: `inputBound` (default 2^(31 - f)) is the largest |x| of an input value; the worst-case
   * range check of every layer assumes it, the record states it, and this SDK refuses larger
   * inputs at inference ({@link InputBoundError}). `errorBound` is the owner's measured bound
   * (default: the documented 5e-3 at f >= 16, docs/protocols-inference.md). HE: `heBatch` is the
   * number of queries per ciphertext (default: the largest that fits).
   */
  async publishModel(
    onnxBytes: Uint8Array,
    opts: { mode: ModelMode; name: string; version: string; idempotencyKey?: string; inputBound?: number; errorBound?: number; heBatch?: number; residency?: string; owner?: { tenant: string } },
  ): Promise<ModelRecord & { created: boolean }> {
    if (!(onnxBytes instanceof Uint8Array) || onnxBytes.length === 0) throw new InvalidArgumentError('onnxBytes: expected non-empty Uint8Array');
    if (opts?.mode !== 'mpc' && opts?.mode !== 'he') throw new InvalidArgumentError(`opts.mode: expected 'mpc' or 'he', got ${JSON.stringify(opts?.mode)}`);
    checkId('opts.name', opts.name);
    if (typeof opts.version !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(opts.version)) throw new InvalidArgumentError(`opts.version: expected 1-64 characters of [A-Za-z0-9._-], got ${JSON.stringify(opts.version)}`);
    const body: Record<string, unknown> = { name: opts.name, version: opts.version, mode: opts.mode };
    if (opts.mode === 'mpc') {
      if (opts.heBatch !== undefined) throw new InvalidArgumentError('opts.heBatch: only HE models are batched per ciphertext');
      const precision = this.#mpcPrecision(opts);
      const ir = importOnnx(onnxBytes);
      try {
        checkModelRange(ir, this.fractionBits, precision.inputBound); // every accumulator inside the safe range for inputs within the stated bound
      } catch (e) {
        // Say what would admit it: the check is a worst case over every input up to the bound.
        if (e instanceof InvalidArgumentError) throw new InvalidArgumentError(`${e.message}; if the model's inputs are smaller, state their bound at publish (opts.inputBound)`, { cause: e });
        throw e;
      }
      const views = shareModel(ir, Prg.random(), this.fractionBits);
      const keys = await this.partyKeys();
      // Sealed under the owner's model key, so only a statement signed by that key opens them.
      const signed = sealSignedModel(keys, views, this.#modelKey, { name: opts.name, version: opts.version, ...(opts.residency !== undefined ? { residency: opts.residency } : {}), ...(opts.owner ? { owner: opts.owner } : {}) });
      body.sealedShares = signed.sealedShares;
      body.statement = signed.statement;
      body.precision = precision;
    } else {
      if (opts.residency !== undefined) throw new InvalidArgumentError('opts.residency: HE workers carry no region yet (MPC models only)');
      if (opts.inputBound !== undefined || opts.errorBound !== undefined) throw new InvalidArgumentError('opts.inputBound, opts.errorBound: MPC only (an HE model\'s precision is set by the service)');
      if (opts.heBatch !== undefined && (!Number.isSafeInteger(opts.heBatch) || opts.heBatch < 1 || (opts.heBatch & (opts.heBatch - 1)) !== 0)) {
        throw new InvalidArgumentError(`opts.heBatch: expected a power of two >= 1, got ${JSON.stringify(opts.heBatch)}`);
      }
      body.onnx = toBase64(onnxBytes);
      // Signed like an MPC version: the HE workers check the ONNX digest and pin the key per name.
      body.statement = signHeModelVersion(this.#modelKey, { name: opts.name, version: opts.version, onnx: onnxBytes, ...(opts.owner ? { owner: opts.owner } : {}) });
      if (opts.heBatch !== undefined) body.heBatch = opts.heBatch;
    }
    const res = await this.http.json<{ model: ModelRecord; created: boolean }>({
      method: 'POST',
      path: '/v1/models',
      body,
      headers: { 'idempotency-key': opts.idempotencyKey ?? randomBytes(16).toString('hex') },
    });
    return { ...res.model, created: res.created };
  }

  /** The active version of model `name` and its rollout history (GET /v1/models/by-name/{name}/rollout). */
  async modelRollout(name: string): Promise<ModelRolloutState> {
    checkId('name', name);
    return (await this.http.json<{ rollout: ModelRolloutState }>({ method: 'GET', path: `/v1/models/by-name/${name}/rollout` })).rollout;
  }

  /** Makes published `version` of model `name` the active one; the service logs `model.activated`. `approvals`: operators' signed `model-activation` decisions, when the deployment requires them (coordinator `governance.activationQuorum`). */
  async activateModel(name: string, version: string, opts: { approvals?: readonly unknown[] } = {}): Promise<{ rollout: ModelRolloutState; model: ModelRecord }> {
    checkId('name', name);
    if (typeof version !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(version)) throw new InvalidArgumentError(`version: expected 1-64 characters of [A-Za-z0-9._-], got ${JSON.stringify(version)}`);
    return await this.http.json({ method: 'POST', path: `/v1/models/by-name/${name}/activation`, body: { version, ...(opts.approvals ? { approvals: opts.approvals } : {}) } });
  }

  /** Returns model `name` to the version active before the current one; the service logs `model.rolled-back`. `approvals`: as for {@link activateModel}, of that version. */
  async rollbackModel(name: string, opts: { approvals?: readonly unknown[] } = {}): Promise<{ rollout: ModelRolloutState; model: ModelRecord }> {
    checkId('name', name);
    return await this.http.json({ method: 'POST', path: `/v1/models/by-name/${name}/rollback`, ...(opts.approvals ? { body: { approvals: opts.approvals } } : {}) });
  }

  #mpcPrecision(opts: { inputBound?: number; errorBound?: number }): Required<ModelPrecision> {
    const f = this.fractionBits;
    const max = fixedInputBound(f);
    const inputBound = opts.inputBound ?? max;
    if (typeof inputBound !== 'number' || !(inputBound > 0) || inputBound > max) throw new InvalidArgumentError(`opts.inputBound: expected a number in (0, ${max}] (2^${31 - f} at f=${f}), got ${String(opts.inputBound)}`);
    if (opts.errorBound !== undefined) {
      if (typeof opts.errorBound !== 'number' || !(opts.errorBound > 0) || !Number.isFinite(opts.errorBound)) throw new InvalidArgumentError(`opts.errorBound: expected a positive finite number, got ${String(opts.errorBound)}`);
      return { fractionBits: f, inputBound, errorBound: opts.errorBound, errorBoundSource: 'measured' };
    }
    if (f < MPC_DOCUMENTED_MIN_FRACTION_BITS) throw new InvalidArgumentError(`opts.errorBound: no documented error bound at f=${f} (documented from f=${MPC_DOCUMENTED_MIN_FRACTION_BITS}); state the bound you measured`);
    return { fractionBits: f, inputBound, errorBound: MPC_DOCUMENTED_ERROR_BOUND, errorBoundSource: 'documented' };
  }

  /** The catalogue's record of `modelId` (cached once seen), or undefined when it does not list it. */
  async #modelRecord(modelId: string): Promise<ModelRecord | undefined> {
    const cached = this.#modelRecords.get(modelId);
    if (cached) return cached;
    for (const m of await this.models()) this.#modelRecords.set(m.id, m);
    return this.#modelRecords.get(modelId);
  }

  /**
   * Runs an inference and returns the output in the clear (only this client can open it).
   * With `mode: 'he'` the model's evaluation keys are registered on first use and kept; when the
   * service has lost them (`session-expired`, or `not-found` on `body/sessionId`) they are
   * registered again and the submission repeated once; a job that failed because the workers
   * lost them throws, and the next call registers again.
   * @param model - a model id, or (MPC) `{ name }`: the name's active version runs, and
   *   `job.model` of the result says which (docs/governance.md, "Inference by name").
   * @param input - row-major data with its shape, batch first, e.g. `{ shape: [1, 64], data }`.
   */
  async infer(model: ModelRef, input: TensorInput, opts: InferOptions = {}): Promise<InferenceResult> {
    if (opts.mode !== undefined && opts.mode !== 'mpc' && opts.mode !== 'he') throw new InvalidArgumentError(`opts.mode: expected 'mpc' or 'he', got ${JSON.stringify(opts.mode)}`);
    if (opts.mode === 'he') {
      if (typeof model !== 'string') throw new InvalidArgumentError('model: HE inference takes a model id (by name: MPC only)');
      return this.#inferHe(model, input, opts);
    }
    const pending = await this.submitMpcInference(model, input, { ...(opts.idempotencyKey === undefined ? {} : { idempotencyKey: opts.idempotencyKey }), ...(opts.security === undefined ? {} : { security: opts.security }) });
    const job = await this.waitForJob(pending.job.id, { timeoutMs: opts.timeoutMs, onProgress: opts.onProgress });
    const result = await this.jobResult(job.id);
    if (result.kind !== 'mpc-inference') throw new InvalidArgumentError(`job ${job.id}: expected an mpc-inference result, got ${result.kind}`);
    const out = this.openMpcResult(pending, result.result as JobResults['mpc-inference']);
    return { ...out, job };
  }

  /**
   * The HE session of `modelId`: keys made and registered once per client and model, and made
   * again after the service lost them (see {@link MpcClient.infer} with `mode: 'he'`).
   */
  heSession(modelId: string): Promise<HeSession> {
    checkModelId(modelId);
    const cached = this.#heSessions.get(modelId);
    if (cached) return cached.promise;
    const entry: { promise: Promise<HeSession>; session?: HeSession } = { promise: HeSession.open(this.http, modelId) };
    entry.promise.then(
      (session) => (entry.session = session),
      // A failed setup is not cached, so a retry starts over.
      () => this.#heSessions.get(modelId) === entry && this.#heSessions.delete(modelId),
    );
    this.#heSessions.set(modelId, entry);
    return entry.promise;
  }

  /** Forgets `session` (when it is still the cached one) and frees its keys once unused. */
  #dropHeSession(session: HeSession): void {
    // The cache may already hold a newer session (another inference renewed it first): keep that one.
    if (this.#heSessions.get(session.modelId)?.session === session) this.#heSessions.delete(session.modelId);
    session.retire();
  }

  async #inferHe(modelId: string, input: TensorInput, opts: InferOptions): Promise<InferenceResult> {
    const n = shapeSize(input?.shape, 'input.shape');
    const batch = input.shape[0]!;
    if (input.data === null || typeof input.data !== 'object' || input.data.length !== n) {
      throw new InvalidArgumentError(`input.data: expected ${n} numbers for shape [${input.shape.join(', ')}], got ${input.data?.length}`);
    }
    const per = n / batch;
    const idempotencyKey = opts.idempotencyKey ?? randomBytes(16).toString('hex');
    // A session the service lost (expired, or forgotten by a restarted coordinator) is refused at
    // submission before any job exists: register new keys and submit once more, under the same
    // idempotency key (no job holds it yet). With several ciphertexts (batch > the plan's
    // queries per ciphertext) earlier ones may already be jobs: each attempt gets keys of its own.
    for (let attempt = 1; ; attempt++) {
      const session = await this.heSession(modelId);
      // Another inference found this session lost while we waited for it: take the new one.
      if (session.retired) {
        attempt--;
        continue;
      }
      const outcome = await session.use(async (): Promise<{ lost: unknown } | { result: InferenceResult }> => {
        if (per !== session.inputSize) throw new InvalidArgumentError(`input.shape: model ${modelId} takes ${session.inputSize} inputs per query, got ${per}`);
        // [N, ...]: ceil(N / q) ciphertexts, q = the plan's queries per ciphertext (1 unless batched).
        const queries = Array.from({ length: batch }, (_, i) => Float64Array.from(Array.prototype.slice.call(input.data, i * per, (i + 1) * per) as number[]));
        const ciphertexts = session.client.encryptBatch(queries).map((c) => toBase64(c));
        const results: Uint8Array[] = [];
        let job: JobStatus | undefined;
        let verification: HeVerification | undefined;
        for (const [i, ciphertext] of ciphertexts.entries()) {
          const key = ciphertexts.length === 1 ? idempotencyKey : `${idempotencyKey.slice(0, 100)}.${attempt}.${i}`;
          let sub: { job: JobStatus; created: boolean };
          try {
            sub = await this.http.json<{ job: JobStatus; created: boolean }>({
              method: 'POST',
              path: '/v1/inference/he',
              body: { modelId, sessionId: session.sessionId, ciphertext },
              headers: { 'idempotency-key': key },
            });
          } catch (err) {
            if (isLostSessionProblem(err)) return { lost: err };
            throw err;
          }
          let last: JobStatus | undefined;
          try {
            job = await this.waitForJob(sub.job.id, {
              timeoutMs: opts.timeoutMs,
              onProgress: (j) => {
                last = j;
                opts.onProgress?.(j);
              },
            });
          } catch (err) {
            // The job was created, so it is not resubmitted; the next inference registers new keys.
            if (err instanceof JobFailedError && LOST_SESSION_CODES.has(last?.error?.code ?? '')) this.#dropHeSession(session);
            throw err;
          }
          const result = await this.jobResult(job.id);
          if (result.kind !== 'he-inference') throw new InvalidArgumentError(`job ${job.id}: expected an he-inference result, got ${result.kind}`);
          const r = result.result as JobResults['he-inference'];
          const bytes = fromLargeBase64(r.ciphertext, 'result.ciphertext');
          checkHeResult(await this.heWorkerTrust(), r, { jobId: job.id, modelId, inputDigest: bytesDigest(fromLargeBase64(ciphertext, 'ciphertext')), outputDigest: bytesDigest(bytes), keysDigest: session.keysDigest });
          results.push(bytes);
          verification = r.verification ?? verification;
        }
        const outs = session.client.decryptBatch(results, batch);
        const width = outs[0]!.length;
        const data = new Float64Array(batch * width);
        outs.forEach((y, i) => data.set(y, i * width));
        return { result: { shape: [batch, width], data, job: job!, ...(verification ? { verification } : {}) } };
      });
      if ('result' in outcome) return outcome.result;
      this.#dropHeSession(session);
      if (attempt >= HE_SUBMIT_ATTEMPTS) throw outcome.lost;
    }
  }

  /** Frees the HE keys this client made. */
  async close(): Promise<void> {
    const sessions = [...this.#heSessions.values()].map((e) => e.promise);
    this.#heSessions.clear();
    for (const s of await Promise.allSettled(sessions)) if (s.status === 'fulfilled') s.value.dispose();
  }

  /** Shares, seals and submits an MPC inference; keep the returned value to open the result. */
  async submitMpcInference(model: ModelRef, input: TensorInput, opts: { idempotencyKey?: string; security?: 'semi-honest' | 'malicious' } = {}): Promise<PendingMpcInference> {
    const byName = typeof model === 'string' ? undefined : checkId('model.name', (model as { name?: unknown } | null)?.name);
    const modelId = byName === undefined ? checkModelId(model) : undefined;
    const label = byName ?? modelId!;
    const security = opts.security ?? 'semi-honest';
    if (security !== 'semi-honest' && security !== 'malicious') throw new InvalidArgumentError(`opts.security: expected 'semi-honest' or 'malicious', got ${JSON.stringify(opts.security)}`);
    if (typeof input !== 'object' || input === null) throw new InvalidArgumentError('input: expected { shape, data }');
    const n = shapeSize(input.shape, 'input.shape');
    if (input.data === null || typeof input.data !== 'object' || input.data.length !== n) {
      throw new InvalidArgumentError(`input.data: expected ${n} numbers for shape [${input.shape.join(', ')}], got ${input.data?.length}`);
    }
    checkFixedInputs(input.data, this.fractionBits, 'input.data'); // |v| <= 2^(31-f): docs/protocols-inference.md "Safe range"
    // The model's own record: the precision it was encoded at and the input bound its range check assumed.
    // By name the version is chosen at submission, so the input must suit every published version of the name.
    const records = byName === undefined ? [await this.#modelRecord(modelId!)] : (await this.models()).filter((m) => m.name === byName && m.mode === 'mpc');
    for (const precision of records.map((r) => r?.precision)) {
      if (precision === undefined) continue;
      if (precision.fractionBits !== this.fractionBits) throw new InvalidArgumentError(`fractionBits: model ${label} was published at f=${precision.fractionBits}, this client encodes at f=${this.fractionBits}`);
      const bound = precision.inputBound;
      if (bound !== undefined) for (let i = 0; i < input.data.length; i++) if (!(Math.abs(input.data[i]!) <= bound)) throw new InputBoundError(label, bound, i, input.data[i]!);
    }
    const sealedTo = byName === undefined ? modelId! : namedModelSubject(byName);
    const values = encodeFixed(Float64Array.from(input.data), this.fractionBits);
    const parties = await this.partyTrust();
    const keys = parties.agreement;
    const clientKey = generateAgreementKeyPair();
    const requestId = toHex(clientKey.publicKey);
    const shares = shareSecret(values, Prg.random(), input.shape);
    const sealedInputs = shares.map((s, i) => toBase64(seal(keys[i], encodeSharePair(s.a, s.b), inferenceInputAad(sealedTo, requestId, i)))) as [string, string, string];
    const body = { ...(byName === undefined ? { modelId } : { model: byName }), shape: [...input.shape], clientPublicKey: requestId, sealedInputs, ...(security === 'malicious' ? { security } : {}) };
    const submission = { body, idempotencyKey: opts.idempotencyKey ?? randomBytes(16).toString('hex') };
    const res = await this.#submit(submission);
    if (byName === undefined) return { job: res.job, created: res.created, modelId: modelId!, requestId, clientKey, parties, security, submission };
    // The version the coordinator resolved; the parties sign its id into their output statements (checked at opening).
    const ran = res.job.model;
    if (ran?.name !== byName) throw new InvalidArgumentError(`model.name: job ${res.job.id} runs ${ran ? `model ${JSON.stringify(ran.name)}` : 'no named model'}, not ${JSON.stringify(byName)}`);
    return { job: res.job, created: res.created, modelId: ran.id, modelName: byName, requestId, clientKey, parties, security, submission };
  }

  /**
   * Sends a submission again, byte for byte, with its idempotency key: the coordinator answers
   * with the job already created (`created: false`) instead of making a second one. (Sharing the
   * input again would make a different request, which the coordinator refuses under the same key.)
   */
  async resubmit(pending: PendingMpcInference): Promise<PendingMpcInference> {
    const res = await this.#submit(pending.submission);
    return { ...pending, job: res.job, created: res.created };
  }

  async #submit(submission: PendingMpcInference['submission']): Promise<{ job: JobStatus; created: boolean }> {
    const req = { method: 'POST' as const, path: '/v1/inference/mpc', body: submission.body, headers: { 'idempotency-key': submission.idempotencyKey } };
    // A lost connection or an unavailable coordinator is retried with the same bytes and key,
    // which the idempotency key makes safe; any other answer is final.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.http.json<{ job: JobStatus; created: boolean }>(req);
      } catch (err) {
        const transient = err instanceof GatewayProblemError ? err.status === 502 || err.status === 503 || err.status === 504 : err instanceof TypeError;
        if (!transient || attempt >= SUBMIT_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }

  /**
   * Checks each party's signature of its output (wire/output-statement: this job, this model,
   * the input box this client sealed to it, the output box, this client's key) against the keys
   * the input was sealed to, then opens the three sealed output pairs and reconstructs with
   * `openChecked`.
   * @throws ResultSignatureError when a party's signature is missing or does not verify (nothing is opened).
   * @throws DecryptionError when a box was altered or is not for this request and slot.
   * @throws InconsistentShareError naming the suspect party when the two copies of a component differ.
   */
  openMpcResult(pending: PendingMpcInference, result: JobResults['mpc-inference']): { shape: number[]; data: Float64Array; security: 'semi-honest' | 'malicious' } {
    const n = shapeSize(result.shape, 'result.shape');
    const sealedInputs = pending.submission.body.sealedInputs as string[];
    // The statements cover the mode asked for: a downgraded run does not verify.
    checkOutputSignatures(pending.parties, result, (i) => ({
      jobId: pending.job.id,
      kind: 'mpc-inference',
      subject: pending.modelId,
      party: i,
      inputDigest: boxDigest(sealedInputs[i]!),
      clientPublicKey: pending.requestId,
      ...securityClaim(pending.security),
    }));
    const shares = result.sealedOutputs.map((b64, i) => {
      const plain = openBox(pending.clientKey.secretKey, fromLargeBase64(b64, `sealedOutputs[${i}]`), inferenceOutputAad(pending.modelName === undefined ? pending.modelId : namedModelSubject(pending.modelName), pending.requestId, i));
      const [a, b] = decodeSharePair(plain, n);
      return makeShare(a, b, result.shape);
    });
    const values = openChecked([shares[0]!, shares[1]!, shares[2]!]);
    return { shape: [...result.shape], data: decodeFixed(values, this.fractionBits), security: pending.security };
  }

  /** Status of a job of this tenant. */
  async jobStatus(jobId: string): Promise<JobStatus> {
    return (await this.http.json<{ job: JobStatus }>({ method: 'GET', path: `/v1/jobs/${checkId('jobId', jobId)}` })).job;
  }

  /** Result of a finished job (sealed outputs or a ciphertext). */
  async jobResult(jobId: string): Promise<{ jobId: string; kind: JobKind; result: JobResults[JobKind] }> {
    return this.http.json({ method: 'GET', path: `/v1/jobs/${checkId('jobId', jobId)}/result` });
  }

  /**
   * Waits until a job reaches a terminal state: follows its event stream (reopened when it
   * breaks) and re-reads its status every `statusCheckMs` (services/sdk/job-wait), so a job
   * that ended while the broker or the coordinator was down is reported once they are back.
   * @throws JobFailedError when it ends failed or failed-verification; JobTimeoutError after `timeoutMs`.
   */
  async waitForJob(jobId: string, opts: { timeoutMs?: number; statusCheckMs?: number; onProgress?: (job: JobStatus) => void } = {}): Promise<JobStatus> {
    const path = `/v1/jobs/${checkId('jobId', jobId)}`;
    return waitForTerminal(
      jobId,
      {
        events: (signal) => this.http.send({ method: 'GET', path: `${path}/events`, signal }),
        status: async (signal) => (await this.http.json<{ job: JobStatus }>({ method: 'GET', path, signal })).job,
      },
      { timeoutMs: opts.timeoutMs ?? 120_000, retryMs: this.#pollMs, statusCheckMs: opts.statusCheckMs, onProgress: opts.onProgress },
    );
  }

  /**
   * Uploads a table: rows are checked and encoded against `schema`, shared, and each party's
   * pair sealed to it (services/analytics `prepareDatasetUpload`, on this machine), with a
   * manifest signed by this client's manifest key (see {@link MpcClientOptions.manifestKey}).
   * `opts.security` asks for the protocols' mode (`malicious`: the parties verify the shares'
   * consistency and the column validity bits; default: the coordinator's, malicious); the answer's
   * `security` says which mode the three parties stored the part in.
   */
  async uploadDataset(
    name: string,
    schema: DatasetSchema,
    rows: readonly Row[],
    opts: { policy?: DisclosurePolicy; idempotencyKey?: string; residency?: string; security?: 'semi-honest' | 'malicious' } = {},
  ): Promise<DatasetRecord & { created: boolean; security?: 'semi-honest' | 'malicious' }> {
    checkId('name', name);
    checkSchema(schema);
    if (!Array.isArray(rows) || rows.length === 0) throw new InvalidArgumentError('rows: expected a non-empty array of row objects');
    checkSecurityOption(opts.security);
    const keys = (await this.partyKeys()).map((k) => toHex(k)) as [string, string, string];
    const up = prepareDatasetUpload(schema, rows, keys, { name, manifestKey: this.#manifestKey, ...(opts.policy ? { policy: opts.policy } : {}), ...(opts.residency !== undefined ? { residency: opts.residency } : {}) });
    const res = await this.http.json<{ dataset: DatasetRecord; created: boolean; security?: 'semi-honest' | 'malicious' }>({
      method: 'POST',
      path: '/v1/datasets',
      body: { ...up.request, ...(opts.security === undefined ? {} : { security: opts.security }) },
      headers: { 'idempotency-key': opts.idempotencyKey ?? up.request.uploadId },
    });
    return { ...res.dataset, created: res.created, ...(res.security === undefined ? {} : { security: res.security }) };
  }

  /** The data sets this identity's roles may query (id, name, row count, schema; never values). */
  async listDatasets(): Promise<DatasetRecord[]> {
    return (await this.http.json<{ datasets: DatasetRecord[] }>({ method: 'GET', path: '/v1/datasets' })).datasets;
  }

  /**
   * Erases a data set at every party (its owner, or an admin of the owner's tenant); later
   * queries naming it fail. Resolves with the id of the erased data set.
   * @param id - the data set id (or its name).
   */
  async deleteDataset(id: string): Promise<{ deleted: string }> {
    checkId('id', id);
    return await this.http.json<{ deleted: string }>({ method: 'DELETE', path: `/v1/datasets/${encodeURIComponent(id)}` });
  }

  /**
   * Submits an analytics query with a fresh key for its result; keep the returned request to
   * open the result with {@link MpcClient.queryResult}. A deployment without analytics answers
   * the `not-available` problem (501). `opts.security` asks for the protocols' mode (default:
   * the coordinator's, malicious); the parties sign the mode they ran into their output statements.
   */
  async query(query: Query, opts: { idempotencyKey?: string; security?: 'semi-honest' | 'malicious' } = {}): Promise<{ jobId: string; created: boolean; request: QueryRequest; security?: 'semi-honest' | 'malicious' }> {
    checkSecurityOption(opts.security);
    const request = prepareQueryRequest(query);
    const res = await this.http.json<{ jobId: string; created: boolean }>({
      method: 'POST',
      path: '/v1/queries',
      body: { query, clientPublicKey: request.clientPublicKey, ...(opts.security === undefined ? {} : { security: opts.security }) },
      headers: { 'idempotency-key': opts.idempotencyKey ?? randomBytes(16).toString('hex') },
    });
    return { ...res, request, ...(opts.security === undefined ? {} : { security: opts.security }) };
  }

  /**
   * Waits for a query job and opens its result: the three sealed output pairs are opened with
   * the query's key and reconstructed with the consistency check, then decoded by the layout.
   * The result's `security` is the mode the job ran in: the one asked for (`submitted.security`),
   * else the job status's; the three parties' signed statements must name it, so a coordinator
   * that ran another mode than asked or reports another than ran gets ResultSignatureError.
   * @param schema - the common schema of the queried data sets (public).
   */
  async queryResult(
    submitted: { jobId: string; request: QueryRequest; security?: 'semi-honest' | 'malicious' },
    schema: DatasetSchema,
    opts: { timeoutMs?: number; onProgress?: (job: JobStatus) => void } = {},
  ): Promise<QueryResult & { security: 'semi-honest' | 'malicious' }> {
    const job = await this.waitForJob(submitted.jobId, opts);
    const res = await this.jobResult(submitted.jobId);
    if (res.kind !== 'analytics-query') throw new InvalidArgumentError(`job ${submitted.jobId}: expected an analytics-query result, got ${res.kind}`);
    const result = res.result as AnalyticsQueryResult;
    const layoutDigest = jsonDigest(result.layout);
    // The mode asked for, else the one the job status reports: the parties' signatures must cover it.
    const security = submitted.security ?? job.security ?? 'semi-honest';
    checkOutputSignatures(await this.partyTrust(), result, (i) => ({
      jobId: submitted.jobId,
      kind: 'analytics-query',
      subject: jsonDigest(submitted.request.query),
      party: i,
      inputDigest: layoutDigest,
      clientPublicKey: submitted.request.clientPublicKey,
      ...securityClaim(security),
    }));
    return { ...openQueryResult(submitted.request, schema, result), security };
  }

  /** The latest signed checkpoint (C2SP signed-note text), or null before the first. */
  async auditCheckpoint(): Promise<string | null> {
    return (await this.http.json<{ checkpoint: string | null }>({ method: 'GET', path: '/v1/audit/checkpoint' })).checkpoint;
  }

  /** A page of audit entries. */
  async auditEntries(from = 0, limit = 100): Promise<{ entries: AuditEntry[]; treeSize: number }> {
    if (!Number.isInteger(from) || from < 0) throw new InvalidArgumentError(`from: expected integer >= 0, got ${from}`);
    if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError(`limit: expected integer >= 1, got ${limit}`);
    return this.http.json({ method: 'GET', path: `/v1/audit/entries?from=${from}&limit=${limit}` });
  }

  /** Inclusion proof of entry `index` (and a consistency proof from `fromSize` when given). */
  async auditProof(index: number, opts: { treeSize?: number; fromSize?: number } = {}): Promise<{ inclusion: AuditInclusionProof; consistency?: AuditConsistencyProof }> {
    if (!Number.isInteger(index) || index < 0) throw new InvalidArgumentError(`index: expected integer >= 0, got ${index}`);
    const q = new URLSearchParams();
    if (opts.treeSize !== undefined) q.set('treeSize', String(opts.treeSize));
    if (opts.fromSize !== undefined) q.set('fromSize', String(opts.fromSize));
    const qs = q.size > 0 ? `?${q.toString()}` : '';
    return this.http.json({ method: 'GET', path: `/v1/audit/proofs/${index}${qs}` });
  }

  /**
   * Fetches entry `index`, the latest checkpoint and the inclusion proof for the checkpoint's
   * size, and verifies all three against the log's public key: the answer does not depend on
   * trusting the gateway or the coordinator.
   * @param verifier - the log's checkpoint key (crypto-core/checkpoint `parseVerifierKey`).
   */
  async verifyAuditEntry(index: number, verifier: NoteVerifier): Promise<ProofVerdict & { entry?: AuditEntry }> {
    const checkpoint = await this.auditCheckpoint();
    if (checkpoint === null) return { ok: false, reason: 'the log has no signed checkpoint yet' };
    const opened = openCheckpoint(checkpoint, verifier);
    if (!opened.ok) return { ok: false, reason: `checkpoint: ${opened.reason}` };
    if (index >= opened.checkpoint.size) return { ok: false, reason: `entry ${index} is not covered by the latest checkpoint (size ${opened.checkpoint.size})` };
    const { entries } = await this.auditEntries(index, 1);
    const entry = entries[0];
    if (!entry) return { ok: false, reason: `the gateway returned no entry ${index}` };
    const { inclusion } = await this.auditProof(index, { treeSize: opened.checkpoint.size });
    const verdict = verifyAuditEntry(entry, inclusion, checkpoint, verifier);
    return verdict.ok ? { ...verdict, entry } : verdict;
  }

  /** The whole log (checkpoint and entries) for offline verification. */
  async exportAudit(): Promise<{ checkpoint: string | null; entries: AuditEntry[] }> {
    return this.http.json({ method: 'GET', path: '/v1/audit/export' });
  }
}
