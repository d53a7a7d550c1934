/**
 * @module services/coordinator/jobs/job-plans
 * Per job kind, what the coordinator does with a submission: check the payload, cut it into
 * the three parties' payloads (each party gets only its own sealed inputs), and combine the
 * three parties' results into the requester's result. One plan per kind, looked up by kind.
 */
import type { Residency } from '../service-registry.js';
import type { SecurityMode } from '../../../protocols/rss/context.js';
import { partySignatures } from './party-signatures.js';
import { fromHex } from '../../../crypto-core/encoding.js';
import type { JobKind, JobPayloads, JobResults, ModelPublishJobPayload } from '../../wire/api.js';
import { computeSizes, type ComputeJobPayload, type ComputeJobResult, type ComputePartyPayload } from '../../wire/compute-job.js';
import { ApiFailure } from '../errors.js';
import type { PartyJobKind } from '../../wire/job-messages.js';

/** How the coordinator handles one job kind. */
export interface JobPlan {
  readonly kind: JobKind;
  /** The party job kind dispatched for it. */
  readonly partyKind: PartyJobKind;
  /** @throws ApiFailure `invalid-request` naming the field. */
  validate(payload: unknown): void;
  /** Party `index`'s payload. */
  partyPayload(payload: unknown, index: number): unknown;
  /** The requester's result from the parties' results (by index). @throws Error when a result is malformed. */
  combine(payload: unknown, results: readonly unknown[]): unknown;
  /**
   * Whether the parties release output shares whose commitments the result verifier checks
   * (default true). Jobs without outputs (model publication) are verified by `combine` alone.
   */
  readonly outputCommitments?: boolean;
  /** The security mode the parties run the job in (default `semi-honest`); written into the job orders. */
  security?(payload: unknown): SecurityMode;
  /** The residency the job's shares are bound to (placement picks parties of that region only). */
  residency?(payload: unknown): Residency | undefined;
  /** The service ids, by seat, the job must run on (the registry checks they are up and able); default: the registry chooses. */
  placement?(payload: unknown): readonly [string, string, string];
}

function invalid(message: string): never {
  throw new ApiFailure('invalid-request', 400, message);
}

function checkSealedTriple(v: unknown, name: string): [string, string, string] {
  if (!Array.isArray(v) || v.length !== 3 || !v.every((s) => typeof s === 'string' && s.length > 0 && s.length < 400_000_000)) invalid(`${name}: expected three non-empty base64 strings`);
  return v as [string, string, string];
}

function checkClientKey(v: unknown, name: string): void {
  try {
    fromHex(v as string, name, 32);
  } catch (e) {
    invalid((e as Error).message);
  }
}

function sealedOutputOf(r: unknown, i: number): string {
  const s = (r as { sealedOutput?: unknown } | null)?.sealedOutput;
  if (typeof s !== 'string' || s.length === 0) throw new Error(`party ${i} result has no sealedOutput`);
  return s;
}

/** Plan of `mpc-compute`. */
export const computePlan: JobPlan = {
  kind: 'mpc-compute',
  partyKind: 'mpc-compute',
  validate(payload) {
    const p = payload as ComputeJobPayload;
    if (typeof p !== 'object' || p === null) invalid('payload: expected an object');
    try {
      computeSizes(p.op, p.dims);
    } catch (e) {
      invalid(`payload.${(e as Error).message}`);
    }
    checkClientKey(p.clientPublicKey, 'payload.clientPublicKey');
    checkSealedTriple(p.sealedInputs, 'payload.sealedInputs');
    if (p.inputMode !== undefined && p.inputMode !== 'shares' && p.inputMode !== 'seeds') invalid(`payload.inputMode: expected 'shares' or 'seeds', got ${JSON.stringify(p.inputMode)}`);
    if (p.repeat !== undefined && (!Number.isInteger(p.repeat) || p.repeat < 1 || p.repeat > 1000)) invalid(`payload.repeat: expected 1..1000, got ${String(p.repeat)}`);
  },
  partyPayload(payload, index) {
    const p = payload as ComputeJobPayload;
    const out: ComputePartyPayload = { op: p.op, dims: p.dims, clientPublicKey: p.clientPublicKey, sealedInput: p.sealedInputs[index]!, inputMode: p.inputMode ?? 'shares', repeat: p.repeat ?? 1 };
    return out;
  },
  combine(payload, results) {
    const p = payload as ComputeJobPayload;
    const times = results.map((r) => (r as { iterationMs?: unknown } | null)?.iterationMs);
    const reps = p.repeat ?? 1;
    const iterationMs = Array.from({ length: reps }, (_, k) => Math.max(...times.map((t) => (Array.isArray(t) && typeof t[k] === 'number' ? (t[k] as number) : NaN))));
    const out: ComputeJobResult = {
      outputLength: computeSizes(p.op, p.dims).out,
      sealedOutputs: [sealedOutputOf(results[0], 0), sealedOutputOf(results[1], 1), sealedOutputOf(results[2], 2)],
      iterationMs: iterationMs.map((t) => (Number.isFinite(t) ? t : -1)),
    };
    return out;
  },
};

/** The security mode an MPC inference asked for (default semi-honest). */
function inferenceSecurity(payload: unknown): SecurityMode {
  return (payload as JobPayloads['mpc-inference']).security ?? 'semi-honest';
}

/** Plan of `mpc-inference` (parties that announce the capability run it). */
export const inferencePlan: JobPlan = {
  kind: 'mpc-inference',
  partyKind: 'mpc-inference',
  validate(payload) {
    const p = payload as JobPayloads['mpc-inference'];
    if (typeof p !== 'object' || p === null) invalid('payload: expected an object');
    if ((p.modelId === undefined) === (p.model === undefined)) invalid('payload: expected exactly one of modelId (a model id) and model (a published model name)');
    if (p.modelId !== undefined && (typeof p.modelId !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(p.modelId))) invalid('payload.modelId: expected 1..128 characters of [A-Za-z0-9_.-]');
    if (p.model !== undefined && (typeof p.model !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(p.model))) invalid('payload.model: expected a model name of 1..128 characters of [A-Za-z0-9_-]');
    if (!Array.isArray(p.shape) || p.shape.length === 0 || !p.shape.every((d) => Number.isInteger(d) && d > 0)) invalid('payload.shape: expected positive integer dimensions');
    checkClientKey(p.clientPublicKey, 'payload.clientPublicKey');
    checkSealedTriple(p.sealedInputs, 'payload.sealedInputs');
    if (p.security !== undefined && p.security !== 'semi-honest' && p.security !== 'malicious') invalid(`payload.security: expected 'semi-honest' or 'malicious', got ${JSON.stringify(p.security)}`);
  },
  security: inferenceSecurity,
  partyPayload(payload, index) {
    const p = payload as JobPayloads['mpc-inference'];
    // By name: the parties get the resolved id to load and the name the client sealed its boxes to.
    return { modelId: p.modelId, ...(p.model !== undefined ? { model: p.model } : {}), shape: p.shape, clientPublicKey: p.clientPublicKey, sealedInput: p.sealedInputs[index] };
  },
  combine(payload, results) {
    const shape = (results[0] as { shape?: unknown } | null)?.shape;
    if (!Array.isArray(shape)) throw new Error('party 0 result has no output shape');
    for (const i of [1, 2]) {
      const s = (results[i] as { shape?: unknown } | null)?.shape;
      if (JSON.stringify(s) !== JSON.stringify(shape)) throw new Error(`party ${i} reports output shape ${JSON.stringify(s)}, party 0 ${JSON.stringify(shape)}`);
    }
    const out: JobResults['mpc-inference'] = {
      shape: shape as number[],
      sealedOutputs: [sealedOutputOf(results[0], 0), sealedOutputOf(results[1], 1), sealedOutputOf(results[2], 2)],
      outputSignatures: partySignatures(results),
      // The mode of the signed orders; the parties sign it into their statements, which the SDK checks.
      security: inferenceSecurity(payload),
    };
    return out;
  },
};

/** Plan of `model-publish`: each party gets only its own sealed view; all three must report the same structure. */
export const modelPublishPlan: JobPlan = {
  kind: 'model-publish',
  partyKind: 'model-publish',
  outputCommitments: false,
  validate(payload) {
    const p = payload as ModelPublishJobPayload;
    if (typeof p !== 'object' || p === null || typeof p.modelId !== 'string') invalid('payload.modelId: expected string');
    checkSealedTriple(p.sealedShares, 'sealedShares');
  },
  partyPayload(payload, index) {
    const p = payload as ModelPublishJobPayload;
    return { modelId: p.modelId, name: p.name, version: p.version, sealedShare: p.sealedShares[index], ...(p.statement !== undefined ? { statement: p.statement } : {}), ...(p.owner ? { owner: p.owner } : {}) };
  },
  combine(payload, results) {
    const p = payload as ModelPublishJobPayload;
    const view = (r: unknown): string => {
      const q = r as { modelId?: unknown; inputShape?: unknown; outputShape?: unknown; fractionBits?: unknown; structure?: unknown } | null;
      return JSON.stringify([q?.modelId, q?.inputShape, q?.outputShape, q?.fractionBits, q?.structure]);
    };
    for (const i of [1, 2]) {
      if (view(results[i]) !== view(results[0])) throw new Error(`party ${i} stored a model of another structure than party 0 (the views do not belong to one model)`);
    }
    const r0 = results[0] as { modelId: string; inputShape: number[]; outputShape: number[] };
    if (r0.modelId !== p.modelId) throw new Error(`parties stored model ${String(r0.modelId)}, expected ${p.modelId}`);
    return { modelId: r0.modelId, inputShape: r0.inputShape, outputShape: r0.outputShape };
  },
};
