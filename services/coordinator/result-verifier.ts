/**
 * @module services/coordinator/result-verifier
 * The output check between `finished` and `verified`: the parties' commitments to their output
 * share components must agree pairwise (output-commitments: each component is held by two
 * parties), which catches a party that altered its output shares without the coordinator
 * seeing any share. A different verifier (HE dual execution) plugs in through the same interface.
 */
import { verifyOutputCommitments } from './output-commitments.js';
import type { PartyReport } from './job-messages.js';

/** A verdict on a finished job. */
export type Verdict = { ok: true } | { ok: false; code: string; message: string; party?: number };

/** Checks a finished job's reports. */
export interface ResultVerifier {
  verify(jobId: string, reports: readonly Extract<PartyReport, { type: 'result' }>[]): Verdict;
}

/** {@link ResultVerifier} by share commitments; a job whose parties sent no commitments is refused. */
export class CommitmentVerifier implements ResultVerifier {
  verify(jobId: string, reports: readonly Extract<PartyReport, { type: 'result' }>[]): Verdict {
    const v = verifyOutputCommitments(
      reports.map((r) => ({ party: r.party, jobId: r.jobId, commitments: r.commitments ?? {} })),
      jobId,
    );
    if (v.verified) return { ok: true };
    return { ok: false, code: 'output-commitments-disagree', message: v.reason, ...(v.inconsistentParty !== undefined ? { party: v.inconsistentParty } : {}) };
  }
}
