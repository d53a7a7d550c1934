/**
 * @module services/coordinator/api
 * The wire contract of the coordinator: NATS subject names and the JSON message types of its
 * request/reply API (used by the gateway) and of the job protocol (used by the parties and
 * HE workers). Binary fields travel as base64 strings; public keys as hex. Every service codes
 * against this file; adding fields is fine, renaming or removing one is a breaking change.
 */

/** Subject layout. `<id>` segments are validated to `[A-Za-z0-9_-]+` before use. */
export const subjects = {
  /** Gateway -> coordinator request/reply, one subject per method (see {@link CoordinatorMethods}). */
  api: (method: keyof CoordinatorMethods): string => `mpc.coord.api.${method}`,
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
  signingPublicKey: string;
  agreementPublicKey: string;
  status: 'up' | 'down' | 'unknown';
  lastSeen?: string;
}

/** Job lifecycle. */
export type JobState = 'created' | 'placed' | 'running' | 'finished' | 'verified' | 'failed' | 'failed-verification';

/** Kinds of job and their submission payloads. */
export interface JobPayloads {
  /** Inference on a secret-shared model: inputs shared and sealed to each party by the SDK. */
  'mpc-inference': {
    modelId: string;
    /** Input shape including batch, e.g. [1, 64]. */
    shape: number[];
    /** Client's ephemeral X25519 public key (hex): parties seal output shares to it. */
    clientPublicKey: string;
    /** sealedInputs[i]: party i's replicated input share (x_i, x_{i+1}) sealed to party i (base64). */
    sealedInputs: [string, string, string];
  };
  /** Inference on a CKKS-encrypted input with an HE model. */
  'he-inference': {
    modelId: string;
    /** Evaluation-key session registered beforehand (see `he.registerKeys`). */
    sessionId: string;
    /** Seeded-serialized input ciphertext (base64). */
    ciphertext: string;
  };
}

/** Results per job kind, as returned to the requester. */
export interface JobResults {
  'mpc-inference': {
    /** Output shape including batch. */
    shape: number[];
    /** sealedOutputs[i]: party i's output share pair sealed to the client's key (base64). */
    sealedOutputs: [string, string, string];
  };
  'he-inference': {
    ciphertext: string;
    /** SHA-256 (hex) of the result ciphertext; equal across the two workers when verified. */
    sha256: string;
  };
}

/** Kind of job. */
export type JobKind = keyof JobPayloads;

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
  stats?: { rounds: number; bytesPerParty: number; durationMs: number };
}

/** Request and response types of each coordinator API method. */
export interface CoordinatorMethods {
  'registry.list': { req: Record<string, never>; res: { services: ServiceRecord[] } };
  'jobs.submit': {
    req: { principal: Principal; idempotencyKey?: string } & { [K in JobKind]: { kind: K; payload: JobPayloads[K] } }[JobKind];
    res: { job: JobStatus; created: boolean };
  };
  'jobs.get': { req: { principal: Principal; jobId: string }; res: { job: JobStatus } };
  'jobs.result': { req: { principal: Principal; jobId: string }; res: { jobId: string; kind: JobKind; result: JobResults[JobKind] } };
  'health.ready': { req: Record<string, never>; res: { ready: boolean; parties: number; heWorkers: number; reasons: string[] } };
}

/** A failed API call: the reply carries this instead of the response. */
export interface ApiError {
  error: { code: string; message: string; status: number; detail?: Record<string, unknown> };
}
