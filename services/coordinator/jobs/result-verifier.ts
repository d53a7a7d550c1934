/**
 * @module services/coordinator/jobs/result-verifier
 * The output check between `finished` and `verified`: the parties' commitments to their output
 * share components must agree pairwise (output-commitments: each component is held by two
 * parties), which catches a party that altered its output shares without the coordinator
 * seeing any share. A different verifier (HE dual execution) plugs in through the same interface.
 */
import type { AuditEvent } from '../../wire/audit-entry.js';
import { verifyOutputCommitments } from '../../wire/output-commitments.js';
import { outputVerdictEvent } from './output-verdict.js';
import type { PartyReport } from '../../wire/job-messages.js';

/** A verdict on a finished job, with the audit event that records it (when the verifier makes one). */
export type Verdict = ({ ok: true } | { ok: false; code: string; message: string; party?: number }) & { event?: AuditEvent };

/** Checks a finished job's reports. */
export interface ResultVerifier {
  verify(jobId: string, reports: readonly Extract<PartyReport, { type: 'result' }>[]): Verdict;
}

/** {@link ResultVerifier} by share commitments; a job whose parties sent no commitments is refused. */
export class CommitmentVerifier implements ResultVerifier {
  /** @param actor - the coordinator's id, the actor of verdict audit events. */
  constructor(private readonly actor = 'coordinator') {}

  verify(jobId: string, reports: readonly Extract<PartyReport, { type: 'result' }>[]): Verdict {
    const commitmentReports = reports.map((r) => ({ party: r.party, jobId: r.jobId, commitments: r.commitments ?? {} }));
    const v = verifyOutputCommitments(commitmentReports, jobId);
    // The verdict's audit entry holds digests of each party's commitments, never outputs.
    const event = outputVerdictEvent(jobId, v, commitmentReports, this.actor);
    if (v.verified) return { ok: true, event };
    return { ok: false, code: 'output-commitments-disagree', message: v.reason, ...(v.inconsistentParty !== undefined ? { party: v.inconsistentParty } : {}), event };
  }
}
