/**
 * @module services/wire/api
 * The wire contract of the coordinator: NATS subject names and the JSON message types of its
 * request/reply API (used by the gateway) and of the job protocol (used by the parties and
 * HE workers). Binary fields travel as base64 strings; public keys as hex. Every service codes
 * against this file; adding fields is fine, renaming or removing one is a breaking change.
 *
 * Types of other modules are referenced by `import type` only (erased at runtime), from modules
 * that do not import this one back: compute-job (the `mpc-compute` kind), protocols/he
 * (the public plan) and crypto-core/he (CKKS parameters).
 */
import type { CkksParams } from '../../crypto-core/he/ckks-params.js';
import type { DatasetSchema, DisclosurePolicy } from '../../protocols/analytics/dataset-schema.js';
import type { Query } from '../../protocols/analytics/query.js';
import type { HePublicPlan } from '../../protocols/he/public-plan.js';
import type { SignedDatasetManifest } from './dataset-manifest.js';
import type { AnalyticsQueryPayload, AnalyticsQueryResult, DatasetDeletePartyResult, DatasetDeletePayload, DatasetUploadJobPayload, DatasetUploadPartyResult } from './analytics-jobs.js';
import type { AuditEntry, JobCost } from './audit-entry.js';
import type { CreditPricing, KpiReport, TenantCredits } from './governance-reports.js';
import type { PromotionRecord, QuarantineRecord } from './party-governance.js';
import type { ResharingRecord, StandbyResharePayload, StandbyReshareResult } from './standby-reshare.js';
import type { ComputeJobPayload, ComputeJobResult } from './compute-job.js';
import type { ProbePayload, ProbeResult, ProbeRound } from './probe-job.js';
import type { JobKind, JobKindSpec, SubmittedJobKind } from './job-kinds.js';

export type { JobKind, PartyJobKind, SubmittedJobKind } from './job-kinds.js';

/**
 * Version of this contract. Services announce it (see `announce`); it changes when a field is
 * renamed or removed or its meaning changes, never for an added optional field.
 */
export const WIRE_VERSION = 2;

export type { ComputeInputMode, ComputeJobPayload, ComputeJobResult, ComputeOp } from './compute-job.js';

/** Subject layout. `<id>` segments are validated to `[A-Za-z0-9_-]+` before use. */
export const subjects = {
  /** Gateway -> coordinator request/reply, one subject per method (see {@link COORDINATOR_METHODS}). */
  api: (method: CoordinatorMethod): string => `mpc.coord.api.${method}`,
  /** Coordinator -> one service: signed job messages (request/reply: the reply is an ack or a refusal). */
  jobDispatch: (serviceId: string): string => `mpc.svc.${serviceId}.job`,
  /** Service -> coordinator: job reports (progress, result, failure) for one job. */
  jobReport: (jobId: string): string => `mpc.coord.report.${jobId}`,
  /** Coordinator -> anyone allowed: job state changes, for progress streams (SSE). */
  jobEvents: (jobId: string): string => `mpc.coord.events.${jobId}`,
  /** Party -> party, end-to-end sealed protocol messages of one job, one subject per direction. */
  p2p: (jobId: string, from: number, to: number): string => `mpc.p2p.${jobId}.${from}.${to}`,
  /** Request/reply health and capability probe of one service. */
  health: (serviceId: string): string => `mpc.svc.${serviceId}.health`,
  /** Coordinator -> party: C2SP tlog-witness add-checkpoint requests (wire/tlog-witness), answered with cosignatures. */
  witness: (serviceId: string): string => `mpc.svc.${serviceId}.witness`,
  /** Service -> coordinator: announce on start (signed), so the registry learns it is up. */
  announce: 'mpc.coord.announce',
} as const;

/** Roles of API identities (gateway authentication). */
export type Role = 'hospital' | 'analyst' | 'client' | 'model-owner' | 'auditor' | 'admin';

/** Who is asking: the gateway authenticates and forwards this with every request. */
export interface Principal {
  /** Tenant id; one tenant never reads another's jobs or results. */
  tenant: string;
  /** API identity (key id) within the tenant. */
  actor: string;
  roles: Role[];
}

/** A registered service with its public keys. */
export interface ServiceRecord {
  id: string;
  kind: 'party' | 'he-worker' | 'coordinator' | 'gateway';
  /** Party index 0..2 for parties. */
  index?: number;
  /** A standby party (for slot `index`), and whether operators promoted it. */
  standby?: boolean;
  promoted?: boolean;
  signingPublicKey: string;
  agreementPublicKey: string;
  status: 'up' | 'down' | 'unknown';
  lastSeen?: string;
}

/** Job lifecycle. */
export type JobState = 'created' | 'placed' | 'running' | 'finished' | 'verified' | 'failed' | 'failed-verification';

/** Submission payload of each job kind (services/wire/job-kinds lists the kinds). */
export interface JobPayloads {
  /** Inference on a secret-shared model: inputs shared and sealed to each party by the SDK. */
  'mpc-inference': {
    /**
     * The model id; or, instead of it, {@link model}. After submission the job holds the id the
     * coordinator resolved (and `model` when the client named the model).
     */
    modelId?: string;
    /**
     * A published model name instead of `modelId`: the coordinator runs the name's active
     * version (models.activate / models.rollback) and records which in the job status. The
     * client seals its input boxes to the name (wire/sealed-share-pair `inferenceInputAad`).
     */
    model?: string;
    /** Input shape including batch, e.g. [1, 64]. */
    shape: number[];
    /** Client's ephemeral X25519 public key (hex): parties seal output shares to it. */
    clientPublicKey: string;
    /** sealedInputs[i]: party i's replicated input share (x_i, x_{i+1}) sealed to party i (base64). */
    sealedInputs: [string, string, string];
    /** `semi-honest` (default, faster) or `malicious` (verified, abort on any deviation); signed into the parties' output statements. */
    security?: 'semi-honest' | 'malicious';
  };
  /** Inference on a CKKS-encrypted input with an HE model. */
  'he-inference': {
    modelId: string;
    /** Evaluation-key session registered beforehand (see `he.registerKeys`). */
    sessionId: string;
    /** Seeded-serialized input ciphertext (base64). */
    ciphertext: string;
  };
  /** One product of two secret-shared operands mod 2^64 (tests, benchmarks, drills; see compute-job). */
  'mpc-compute': ComputeJobPayload;
  /** Built by the coordinator from `models.publish` (mode `mpc`). */
  'model-publish': ModelPublishJobPayload;
  /** Built by the coordinator from `datasets.upload` (see analytics-jobs). */
  'dataset-upload': DatasetUploadJobPayload;
  /** Built by the coordinator from `datasets.delete`. */
  'dataset-delete': DatasetDeletePayload;
  /** Built by the coordinator from `analytics.query` once the policy allows it. */
  'analytics-query': AnalyticsQueryPayload;
  /** Built by the coordinator's resharing to a promoted standby (`parties.reshare`), one item per job. */
  'reshare-standby': StandbyResharePayload;
  /** Built by the coordinator after an incident (`parties.probe`, or on its own with standbys registered). */
  'mpc-probe': ProbePayload;
}

/** Submission payload of `model-publish`. */
export interface ModelPublishJobPayload {
  modelId: string;
  name: string;
  version: string;
  /** Each party's share package of the model, sealed to party i (base64). */
  sealedShares: [string, string, string];
  /** The owner's signed version statement (wire/model-version), passed to the parties untouched. */
  statement?: unknown;
  /** The publishing tenant, which the parties compare with the signed statement's. */
  owner?: { tenant: string };
}

/** Result of `model-publish`: the structure all three parties stored. */
export interface ModelPublishJobResult {
  modelId: string;
  inputShape: number[];
  outputShape: number[];
}

/** Results per job kind, as returned to the requester. */
export interface JobResults {
  'mpc-inference': {
    /** Output shape including batch. */
    shape: number[];
    /** sealedOutputs[i]: party i's output share pair sealed to the client's key (base64). */
    sealedOutputs: [string, string, string];
    /** outputSignatures[i]: party i's Ed25519 signature (base64) of its output statement (wire/output-statement). */
    outputSignatures: [string, string, string];
    /** The mode the parties ran (their signatures cover it when `malicious`); absent in results of older parties. */
    security?: 'semi-honest' | 'malicious';
  };
  'he-inference': {
    ciphertext: string;
    /** SHA-256 (hex) of the result ciphertext; equal across the two workers when verified. */
    sha256: string;
    /** How the coordinator checked the result (set by the HE path for every finished job). */
    verification?: HeVerification;
  };
  'mpc-compute': ComputeJobResult;
  'model-publish': ModelPublishJobResult;
  'dataset-upload': DatasetUploadPartyResult;
  'dataset-delete': DatasetDeletePartyResult;
  'analytics-query': AnalyticsQueryResult;
  'reshare-standby': StandbyReshareResult;
  'mpc-probe': ProbeResult;
}

/** The payload and result tables name exactly the kinds of job-kinds (a compile error otherwise). */
type TablesMatchKinds = [JobKind] extends [keyof JobPayloads & keyof JobResults] ? ([keyof JobPayloads | keyof JobResults] extends [JobKind] ? true : false) : false;
const tablesMatchKinds: TablesMatchKinds = true;
void tablesMatchKinds;
/** Every kind is created by a coordinator method. */
type CreatorsAreMethods = [JobKindSpec['createdBy']] extends [CoordinatorMethod] ? true : false;
const creatorsAreMethods: CreatorsAreMethods = true;
void creatorsAreMethods;

/** How an HE result was verified without being read (services/coordinator/he-methods). */
export interface HeVerification {
  /**
   * `dual`: evaluated by two distinct workers; `repeated`: twice by the one worker holding the
   * session (the coordinator's `singleWorker: 'repeat'` policy), which catches faults and
   * non-determinism but not a worker that lies consistently.
   */
  mode: 'dual' | 'repeated';
  /** Service ids of the two evaluations (the same id twice for `repeated`). */
  workers: [string, string];
  /** SHA-256 (hex) of each evaluation's result bytes, in the order of `workers`. */
  hashes: [string, string];
  /**
   * Each worker's Ed25519 signature (base64) of its output statement (wire/output-statement:
   * job, model, input digest, result digest `hashes[i]`, the session's key digest), in the
   * order of `workers`. The SDK checks both against the pinned HE worker keys, so the verdict
   * is the workers' word, not the coordinator's.
   */
  signatures: [string, string];
}

/** Execution mode of a model: secret-shared across the parties, or plaintext weights on HE workers. */
export type ModelMode = 'mpc' | 'he';

/** A published model as the catalogue describes it (never weights or shares). */
export interface ModelRecord {
  id: string;
  name: string;
  version: string;
  mode: ModelMode;
  /** Input shape without batch, when the coordinator knows it. */
  inputShape?: number[];
  /** The numbers the model was published with (absent on records made before they were kept). */
  precision?: ModelPrecision;
  /** HE: queries per ciphertext of the model's plan (a power of two; docs/he.md, batched queries). */
  heBatch?: number;
  createdAt: string;
}

/**
 * Precision of a published model (docs/api.md, model records). MPC: stated by the owner's SDK at
 * publish (the parties hold only shares and cannot check it); HE: set by the coordinator.
 */
export interface ModelPrecision {
  /** MPC: fixed-point fractional bits f of the weights, and of the inputs a client encodes. HE: log2 of the CKKS scale. */
  fractionBits: number;
  /**
   * MPC: largest |x| of an input value; the publish-time range check assumed it, so the SDK refuses
   * larger inputs (the parties cannot check sealed inputs). Default 2^(31 - f).
   */
  inputBound?: number;
  /** Largest absolute error of an output against float64 / ONNX Runtime. */
  errorBound: number;
  /** Whether the owner measured `errorBound` (on their own inputs) or it is the documented bound of the path. */
  errorBoundSource: 'measured' | 'documented';
}

/**
 * The public part of an HE model's evaluation plan that a client needs to pack, encrypt,
 * decrypt and unpack (parameters, layouts, rotation steps), without the steps that hold the
 * model's weights (made by protocols/he `publicPlan`).
 */
export type HeClientPlan = HePublicPlan;

/** An uploaded data set as the registry describes it (schema and size, never values). */
export interface DatasetRecord {
  id: string;
  name: string;
  rows: number;
  schema: DatasetSchema;
  createdAt: string;
}

/** An audit log entry as services/audit stores it: metadata and hashes only (canonical JSON). */
export type { AuditEntry } from './audit-entry.js';

/**
 * What `audit.entries` may select on: `type` an event type or a family (`job.*`), `jobId`, and
 * `party` a service id named as the actor, the subject (`serviceId`) or one of a job's placed parties.
 */
export interface AuditEntryFilter {
  type?: string;
  jobId?: string;
  party?: string;
}

/** RFC 9162 inclusion proof of one entry, hashes in lower-case hex. */
export interface AuditInclusionProof {
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  rootHash: string;
  proof: string[];
}

/** RFC 9162 consistency proof between two tree sizes, hashes in lower-case hex. */
export interface AuditConsistencyProof {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[];
}

/** A denial of access at the gateway, forwarded to the audit log. */
export interface DenialEvent {
  at: string;
  requestId: string;
  method: string;
  route: string;
  /** Why: a problem code (unauthenticated, invalid-credentials, signature-expired, forbidden, not-found). */
  reason: string;
  /** Who, when authentication succeeded far enough to know. */
  tenant?: string;
  actor?: string;
  requiredRoles?: Role[];
  remoteAddress?: string;
}

/**
 * Request field of methods whose reply may exceed the server's max_payload (`jobs.result`, and
 * any reply in general): `true` lets the coordinator answer in pieces
 * (services/transport/chunked-message), ended by an empty message; without it an oversized
 * reply is the `result-too-large` (413) error.
 */
export interface ChunkedReplyOption {
  acceptChunks?: boolean;
}

/** Status of a job as the requester sees it. */
export interface JobStatus {
  id: string;
  kind: JobKind;
  state: JobState;
  /** 0..1 */
  progress: number;
  createdAt: string;
  updatedAt: string;
  /** Present when state is failed / failed-verification: a stable code and a human message. */
  error?: { code: string; message: string; party?: number };
  /** Communication totals per party (MPC jobs). */
  stats?: { rounds: number; bytesPerParty: number; durationMs: number; cost?: JobCost };
  /** MPC jobs, from placement on: the security mode the parties were ordered to run (docs/protocols-malicious.md). */
  security?: 'semi-honest' | 'malicious';
  /** `mpc-inference`: the model version the job runs (the name's active version at submission when named by name). */
  model?: JobModel;
}

/** The model version an inference job runs, as the coordinator resolved it at submission. */
export interface JobModel {
  id: string;
  name: string;
  version: string;
  /** SHA-256 (hex) of the parties' sealed views, from the owner-signed statement the parties checked at publication (absent for records made before they were kept). */
  boxSha256?: [string, string, string];
}

/** Request and response types of each coordinator API method. */
export interface CoordinatorMethods {
  'registry.list': { req: Record<string, never>; res: { services: ServiceRecord[] } };
  'jobs.submit': {
    req: { principal: Principal; idempotencyKey?: string } & { [K in SubmittedJobKind]: { kind: K; payload: JobPayloads[K] } }[SubmittedJobKind];
    res: { job: JobStatus; created: boolean };
  };
  'jobs.get': { req: { principal: Principal; jobId: string }; res: { job: JobStatus } };
  'jobs.result': { req: { principal: Principal; jobId: string } & ChunkedReplyOption; res: { jobId: string; kind: JobKind; result: JobResults[JobKind] } };
  'health.ready': { req: Record<string, never>; res: { ready: boolean; parties: number; heWorkers: number; reasons: string[] } };
  /** Publishes a model: MPC as three sealed share packages, HE as ONNX for the HE workers. */
  'models.publish': {
    req: {
      principal: Principal;
      idempotencyKey?: string;
      name: string;
      version: string;
      mode: ModelMode;
      /** MPC: each party's share package of the model, sealed to party i (base64). */
      sealedShares?: [string, string, string];
      /** MPC: the owner-signed version statement (wire/model-version); the parties refuse a version without one. */
      statement?: unknown;
      /** HE: the ONNX model (base64); HE workers hold plaintext weights by design. */
      onnx?: string;
      /** HE: queries per ciphertext (a power of two up to the largest that fits; default the largest). */
      heBatch?: number;
      /** MPC: the precision the owner's SDK encoded and checked the model with. */
      precision?: ModelPrecision;
    };
    res: { model: ModelRecord; created: boolean };
  };
  'models.list': { req: { principal: Principal }; res: { models: ModelRecord[] } };
  /** The client part of an HE model's plan. Errors: `unknown-model` 404. */
  'models.hePlan': { req: { principal: Principal; modelId: string }; res: { plan: HeClientPlan } };
  /**
   * Registers a client's evaluation keys (crypto-core/he EvalKeyBundle, keys base64) for HE jobs
   * on two HE workers; the session expires after `expiresAt` unless used (each inference extends
   * it). Errors: `he-parameter-mismatch` / `he-missing-galois-keys` 400, `unknown-model` 404,
   * `he-unverifiable` / `no-he-workers` 503, `he-register-failed` 502 (see docs/he.md).
   */
  'he.registerKeys': {
    req: { principal: Principal; modelId: string; params: CkksParams; publicKey: string; relinKeys: string; galoisKeys: string; galoisSteps: number[] };
    res: { sessionId: string; expiresAt: string };
  };
  'datasets.upload': {
    req: {
      principal: Principal;
      idempotencyKey?: string;
      name: string;
      /** Random 16-byte hex chosen by the uploader; bound into each sealed box's associated data. */
      uploadId: string;
      schema: DatasetSchema;
      policy?: DisclosurePolicy;
      rows: number;
      /**
       * Party i's share pair of the encoded table (protocols/analytics encodeRows: column-major,
       * rows x encodedWidth(schema) elements), sealed to party i (base64).
       */
      sealedShares: [string, string, string];
      /** The hospital-signed manifest of the upload (services/wire/dataset-manifest). */
      manifest?: SignedDatasetManifest;
      /** `malicious` (verified shares and validity bits) or `semi-honest`; the coordinator's default when absent (docs/protocols-malicious.md). */
      security?: 'semi-honest' | 'malicious';
    };
    /** `security`: the mode the three parties stored the part in. */
    res: { dataset: DatasetRecord; created: boolean; security?: 'semi-honest' | 'malicious' };
  };
  /** The data sets the principal's roles may query, in catalogue order (metadata only). */
  'datasets.list': { req: { principal: Principal }; res: { datasets: DatasetRecord[] } };
  /** Erases a data set at every party; only its owner, or an admin of the owner's tenant. `datasetId` may also be the name. */
  'datasets.delete': { req: { principal: Principal; datasetId: string }; res: { deleted: string } };
  'analytics.query': {
    /** `clientPublicKey`: the analyst's ephemeral X25519 key (hex); the output pairs are sealed to it (services/sdk query-client). */
    req: { principal: Principal; idempotencyKey?: string; query: Query; clientPublicKey: string; security?: 'semi-honest' | 'malicious' };
    res: { jobId: string; created: boolean };
  };
  /** The latest signed checkpoint: C2SP signed-note text (crypto-core/checkpoint), null before the first. */
  'audit.checkpoint': { req: { principal: Principal }; res: { checkpoint: string | null } };
  /**
   * Entries from `from`, at most `limit`. With a filter (`type`: an event type or a family such as
   * `job.*`; `jobId`; `party`: a service id named as actor, subject or placed party) only matching
   * entries are returned, and `next` is the index to scan on from (absent at the end of the log).
   */
  'audit.entries': { req: { principal: Principal; from: number; limit: number } & AuditEntryFilter; res: { entries: AuditEntry[]; treeSize: number; next?: number } };
  /** Inclusion proof of entry `index` in the tree of `treeSize` (default: current), and a consistency proof from `fromSize` when asked. */
  'audit.proof': {
    req: { principal: Principal; index: number; treeSize?: number; fromSize?: number };
    res: { inclusion: AuditInclusionProof; consistency?: AuditConsistencyProof };
  };
  /** The whole log for offline verification: the latest checkpoint and every entry it covers. */
  'audit.export': { req: { principal: Principal }; res: { checkpoint: string | null; entries: AuditEntry[] } };
  /** A denial at the gateway, for the audit log (gateway identity only; see docs/audit.md). */
  'audit.denial': { req: { event: DenialEvent }; res: { recorded: boolean } };
  /**
   * Admin: records a trust-bundle rotation (wire/trust-bundle) as a `key.rotated` audit entry,
   * once `current` names this deployment's parties and `next` carries their rotation signatures.
   */
  'trust.rotate': { req: { principal: Principal; current: unknown; next: unknown }; res: { fingerprint: string; previous: string; recorded: boolean } };
  /** Admin: what the parties hold against the catalogues (coordinator/storage-reconciliation): orphans and missing objects. */
  'storage.reconcile': { req: { principal: Principal }; res: StorageReconciliationReport };
  /** Admin: erases named orphans at all three parties, one audit entry each. Errors: `not-orphan` 409, `parties-unavailable` 503, `erase-incomplete` 502. */
  'storage.eraseOrphans': {
    req: { principal: Principal; datasets?: string[]; models?: string[] };
    res: { erased: { datasets: string[]; models: string[] }; objects: number; parties: string[] };
  };
  /**
   * Auditor or admin: every party's reputation from the audit log (services/audit/reputation,
   * `report` is its canonical JSON, the bytes `mpc audit reputation --json` prints from an export
   * of the same entries) and the quarantines in force.
   */
  'parties.reputation': { req: { principal: Principal }; res: { report: string; quarantined: QuarantineRecord[] } };
  /** A tenant's usage and balance (services/coordinator/governance/tenant-budgets); `tenant` other than the caller's: admin only. */
  'credits.get': { req: { principal: Principal; tenant?: string }; res: { credits: TenantCredits; pricing: CreditPricing } };
  'kpis.get': { req: { principal: Principal }; res: KpiReport };
  /**
   * Admin: lifts a quarantine given signed decisions (wire/party-governance) of a quorum of
   * operators of other organisations. Errors: `not-quarantined` 409, `reinstatement-refused` 403.
   */
  'parties.reinstate': { req: { principal: Principal; serviceId: string; decisions: unknown[] }; res: { serviceId: string; signers: string[] } };
  /**
   * Admin: promotes standby `standbyId` into the slot of quarantined `serviceId`, given signed
   * decisions (wire/party-governance PromotionDecision) of a quorum of operators of other
   * organisations. Errors: `not-quarantined` 409, `not-a-standby` 409, `promotion-refused` 403.
   */
  'parties.promote': { req: { principal: Principal; serviceId: string; standbyId: string; decisions: unknown[] }; res: { serviceId: string; standbyId: string; slot: number; signers: string[] } };
  /**
   * Admin: starts (or resumes, after a failed item or a restart) resharing every stored data set
   * and MPC model to promoted standby `standbyId`, one `reshare-standby` job per item; answers at
   * once with the progress. Errors: `not-promoted` 409.
   */
  'parties.reshare': { req: { principal: Principal; standbyId: string }; res: ResharingRecord };
  /** Auditor or admin: the resharings and the promotions in force. */
  'parties.resharing': { req: { principal: Principal }; res: { resharings: ResharingRecord[]; promotions: Omit<PromotionRecord, 'decisions'>[] } };
  /**
   * Admin: runs the probes of incident `incident` (a job that failed verification with
   * accusations): one `mpc-probe` job per seat of its trio, a registered standby in that seat
   * (docs/governance.md "Probes"); answers when they ended. The coordinator also runs them on
   * its own after an incident when standbys are registered. Errors: `not-an-incident` 409,
   * `no-standby` 409.
   */
  'parties.probe': { req: { principal: Principal; incident: string }; res: ProbeRound };
  /** Makes a published version of `name` the active one (services/coordinator/models/model-rollout-methods). */
  'models.activate': { req: { principal: Principal; name: string; version: string; approvals?: unknown[] }; res: { rollout: ModelRolloutState; model: ModelRecord } };
  /** Returns `name` to the version active before the current one. */
  'models.rollback': { req: { principal: Principal; name: string; approvals?: unknown[] }; res: { rollout: ModelRolloutState; model: ModelRecord } };
  /** The active version of `name` and its rollout history. */
  'models.rollout': { req: { principal: Principal; name: string }; res: { rollout: ModelRolloutState } };
}

/** Objects of one data set or model that no catalogue names, summed over the parties holding them. */
export interface OrphanedObjects {
  id: string;
  /** Parties holding objects of it. */
  parties: string[];
  objects: number;
  bytes: number;
  /** Named by a job that is running or ended moments ago: its catalogue write may still come (not erasable yet). */
  inUse: boolean;
}

/** Reply of `storage.reconcile`. */
export interface StorageReconciliationReport {
  checkedAt: string;
  /** All three parties answered (otherwise the lists cover those that did). */
  complete: boolean;
  parties: { id: string; index: number; reachable: boolean; error?: string; datasets: number; models: number; otherObjects: number }[];
  orphans: { datasets: OrphanedObjects[]; models: OrphanedObjects[] };
  /** Catalogued data sets and MPC models that a party holds nothing of. */
  missing: { datasets: { id: string; parties: string[] }[]; models: { id: string; parties: string[] }[] };
}

/** Name of a coordinator method. */
export type CoordinatorMethod = keyof CoordinatorMethods;

/**
 * Every coordinator method, once: the coordinator subscribes to each, the gateway calls them.
 * The `satisfies` clause and {@link MethodListIsComplete} make a method missing here, or listed
 * here but not in {@link CoordinatorMethods}, a compile error.
 */
export const COORDINATOR_METHODS = [
  'registry.list',
  'health.ready',
  'jobs.submit',
  'jobs.get',
  'jobs.result',
  'models.publish',
  'models.list',
  'models.hePlan',
  'he.registerKeys',
  'datasets.upload',
  'datasets.list',
  'datasets.delete',
  'analytics.query',
  'audit.checkpoint',
  'audit.entries',
  'audit.proof',
  'audit.export',
  'audit.denial',
  'trust.rotate',
  'storage.reconcile',
  'storage.eraseOrphans',
  'parties.reputation',
  'parties.reinstate',
  'parties.promote',
  'parties.reshare',
  'parties.resharing',
  'parties.probe',
  'credits.get',
  'kpis.get',
  'models.activate',
  'models.rollback',
  'models.rollout',
] as const satisfies readonly CoordinatorMethod[];

/** `true` only when {@link COORDINATOR_METHODS} names every method (checked by the assignment below). */
type MethodListIsComplete = Exclude<CoordinatorMethod, (typeof COORDINATOR_METHODS)[number]> extends never ? true : false;
const methodListIsComplete: MethodListIsComplete = true;
void methodListIsComplete;

/** Whether `name` is a coordinator method. */
export function isCoordinatorMethod(name: string): name is CoordinatorMethod {
  return (COORDINATOR_METHODS as readonly string[]).includes(name);
}

/** A failed API call: the reply carries this instead of the response. */
export interface ApiError {
  error: { code: string; message: string; status: number; detail?: Record<string, unknown> };
}

/** The rollout of one model name: the active version's id, the ids active before, the history. */
export interface ModelRolloutState {
  readonly name: string;
  readonly active: string;
  readonly previous: readonly string[];
  readonly history: readonly { readonly action: 'published' | 'activated' | 'rolled-back'; readonly modelId: string; readonly version: string; readonly actor: string; readonly at: string }[];
}
