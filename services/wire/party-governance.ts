/**
 * @module services/wire/party-governance
 * What operators sign to reinstate a quarantined party, and what the coordinator answers about
 * quarantines (docs/governance.md). A decision names the quarantine it ends (its id), so a
 * signature given for one quarantine cannot lift a later one.
 */

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
