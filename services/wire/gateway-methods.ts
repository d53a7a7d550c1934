/**
 * @module services/wire/gateway-methods
 * The coordinator methods the gateway calls. The methods of services/coordinator/api.ts
 * (`CoordinatorMethods`, which includes models and HE key sessions) plus the ones the gateway
 * needs that api.ts does not define yet (dataset upload, analytics, audit, denial events). They use
 * the same subject layout (`mpc.coord.api.<method>`), JSON bodies and `ApiError` replies; when
 * nobody answers one of them the gateway says so with a 503 (or 501 for analytics) problem.
 * The extra methods are proposed to the lead for api.ts; until then they live here.
 */
import type { CoordinatorMethods, HeClientPlan, Principal, Role } from './api.js';
import type { DatasetSchema, DisclosurePolicy } from '../../protocols/analytics/dataset-schema.js';
import type { Query } from '../../protocols/analytics/query.js';
import type { HePlan } from '../../protocols/he/he-plan.js';
import type { AuditEntry } from './audit-entry.js';

export type { HeClientPlan, ModelMode, ModelRecord } from './api.js';

/** The client part of `plan` (what `models.hePlan` answers). */
export function heClientPlan(plan: HePlan): HeClientPlan {
  const { version, params, slotCount, inputSize, inputLayout, output, postprocess, galoisSteps, depth, maxOutputMagnitude } = plan;
  return { version, params, slotCount, inputSize, inputLayout, output, postprocess, galoisSteps, depth, maxOutputMagnitude };
}

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

/** The methods beyond api.ts, with request and response types. */
export interface GatewayExtraMethods {
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
    };
    res: { dataset: DatasetRecord; created: boolean };
  };
  /** The data sets the principal's roles may query, in catalogue order (metadata only). */
  'datasets.list': { req: { principal: Principal }; res: { datasets: DatasetRecord[] } };
  /** Erases a data set at every party; only its owner, or an admin of the owner's tenant. `datasetId` may also be the name. */
  'datasets.delete': { req: { principal: Principal; datasetId: string }; res: { deleted: string } };
  'analytics.query': {
    /** `clientPublicKey`: the analyst's ephemeral X25519 key (hex); the output pairs are sealed to it (services/analytics query-client). */
    req: { principal: Principal; idempotencyKey?: string; query: Query; clientPublicKey: string };
    res: { jobId: string; created: boolean };
  };
  /** The latest signed checkpoint: C2SP signed-note text (crypto-core/checkpoint), null before the first. */
  'audit.checkpoint': { req: { principal: Principal }; res: { checkpoint: string | null } };
  'audit.entries': { req: { principal: Principal; from: number; limit: number }; res: { entries: AuditEntry[]; treeSize: number } };
  /** Inclusion proof of entry `index` in the tree of `treeSize` (default: current), and a consistency proof from `fromSize` when asked. */
  'audit.proof': {
    req: { principal: Principal; index: number; treeSize?: number; fromSize?: number };
    res: { inclusion: AuditInclusionProof; consistency?: AuditConsistencyProof };
  };
  /** The whole log for offline verification: the latest checkpoint and every entry it covers. */
  'audit.export': { req: { principal: Principal }; res: { checkpoint: string | null; entries: AuditEntry[] } };
  'audit.denial': { req: { event: DenialEvent }; res: { recorded: boolean } };
}

/** Every method the gateway calls. */
export type GatewayMethods = CoordinatorMethods & GatewayExtraMethods;

/** Name of a method the gateway calls. */
export type GatewayMethod = keyof GatewayMethods;

/** Subject of a method: the same layout as `subjects.api` of api.ts, extended to the extra methods. */
export function methodSubject(method: GatewayMethod): string {
  return `mpc.coord.api.${method}`;
}
