/**
 * @module services/wire/party-governance
 * What operators sign to reinstate a quarantined party, and what the coordinator answers about
 * quarantines (docs/governance.md). A decision names the quarantine it ends (its id), so a
 * signature given for one quarantine cannot lift a later one.
 */
import type { ResharingRecord } from './standby-reshare.js';

/** Domain of a reinstatement decision signature (signMessage, canonical JSON). */
export const REINSTATEMENT_DOMAIN = 'mpc/party-reinstatement/v1';

/** One operator's decision to reinstate `serviceId` from quarantine `quarantine`. */
export interface ReinstatementDecision {
  type: 'party-reinstatement';
  serviceId: string;
  /** The id of the quarantine record it ends ({@link QuarantineRecord.id}). */
  quarantine: string;
  /** When the operator signed (ms since the epoch); decisions older than a day are refused. */
  issuedAt: number;
}

/** A quarantine in force, as the coordinator keeps it (KV `mpc_quarantine`) and reports it. */
export interface QuarantineRecord {
  /** SHA-256 hex of the canonical JSON of `{serviceId, evidence}`: what decisions name. */
  id: string;
  serviceId: string;
  since: string;
  because: string;
  /** Leaf hashes (SHA-256 hex) of the audit entries the quarantine rests on. */
  evidence: string[];
  /** Their leaf indices. */
  evidenceSeq: number[];
}

/** Domain of a promotion decision signature (signMessage, canonical JSON). */
export const PROMOTION_DOMAIN = 'mpc/party-promotion/v1';

/**
 * One operator's decision that standby `standbyId` (with exactly these keys) takes slot `slot`
 * in place of `replaces`, quarantined under `quarantine`. The parties check it themselves
 * (services/party/job-gate), so the keys are part of what the operators sign: a coordinator
 * cannot put another key pair behind the standby's name.
 */
export interface PromotionDecision {
  type: 'party-promotion';
  /** The party index the standby takes. */
  slot: 0 | 1 | 2;
  standbyId: string;
  /** The standby's Ed25519 and X25519 public keys (hex), as job orders will name them. */
  signingPublicKey: string;
  agreementPublicKey: string;
  /** The service id of the party it replaces. */
  replaces: string;
  /** The id of that party's quarantine record ({@link QuarantineRecord.id}). */
  quarantine: string;
  /** When the operator signed (ms since the epoch); the coordinator refuses decisions older than a day. */
  issuedAt: number;
}

/** A promotion in force: what the coordinator keeps (KV `mpc_promotion`) and puts into job orders. */
export interface PromotionRecord {
  slot: 0 | 1 | 2;
  standbyId: string;
  replaces: string;
  quarantine: string;
  /** The operator key ids whose decisions made the quorum. */
  signers: string[];
  /** The signed decisions (each party checks them against its own operator keys). */
  decisions: unknown[];
  since: string;
}

/**
 * What the coordinator's governance bucket (KV `mpc_quarantine`) holds: quarantines under the
 * party's service id, promotions under `promotion.<standby id>` (service ids have no dot).
 */
export type GovernanceRecord = QuarantineRecord | PromotionRecord | ResharingRecord;

/** The KV key of standby `standbyId`'s promotion. */
export function promotionKey(standbyId: string): string {
  return `promotion.${standbyId}`;
}

/** Domain of a model-activation approval signature (signMessage, canonical JSON). */
export const ACTIVATION_DOMAIN = 'mpc/model-activation/v1';

/**
 * One operator's approval that version `version` (model id `modelId`) of model `name` becomes
 * the active one, by `models.activate` or `models.rollback` (coordinator config
 * `governance.activationQuorum`: that many organisations must approve; docs/governance.md).
 */
export interface ActivationDecision {
  type: 'model-activation';
  name: string;
  version: string;
  modelId: string;
  /** When the operator signed (ms since the epoch); refused when older than a day. */
  issuedAt: number;
}
