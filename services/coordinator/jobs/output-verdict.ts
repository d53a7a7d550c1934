/**
 * @module services/coordinator/jobs/output-verdict
 * Turns the coordinator's output-commitment verdict into the job's state and its audit entry:
 * `job.verified`, or `job.failed-verification` with the named party (when the evidence singles
 * one out) and the reason. The commitments themselves go into the entry as digests only, so an
 * auditor can later match them with what the parties report, without learning the output.
 */
import { createHash } from 'node:crypto';
import type { AppendResult } from '../../audit/audit-log.js';
import type { AuditEvent } from '../../wire/audit-entry.js';
import type { OutputCommitmentReport, OutputVerification } from '../../wire/output-commitments.js';

/** Anything that appends audit events (the AuditLog, or the coordinator's audit sink). */
export interface AuditAppender {
  append(event: AuditEvent): Promise<AppendResult>;
}

/** The job state a verdict leads to. */
export function verdictJobState(v: OutputVerification): 'verified' | 'failed-verification' {
  return v.verified ? 'verified' : 'failed-verification';
}

/**
 * The audit event of a verdict. `reports`, when given, are logged as one SHA-256 digest per
 * party over that party's commitments (canonical order), never the commitments' inputs.
 */
export function outputVerdictEvent(jobId: string, v: OutputVerification, reports: readonly OutputCommitmentReport[] = [], actor = 'coordinator'): AuditEvent {
  const hashes: Record<string, string> = {};
  for (const r of reports) {
    if (r?.party !== 0 && r?.party !== 1 && r?.party !== 2) continue;
    const body = Object.keys(r.commitments ?? {}).sort().map((k) => `${k}:${r.commitments[k]}`).join(',');
    hashes[`commitments-party${r.party}`] = createHash('sha256').update(body).digest('hex');
  }
  const withHashes = Object.keys(hashes).length ? { hashes } : {};
  if (v.verified) return { type: 'job.verified', actor, jobId, ...withHashes };
  // The reason is the verifier's own text, bounded; party only when one is proven to deviate.
  return { type: 'job.failed-verification', actor, jobId, reason: v.reason.slice(0, 200), ...(v.inconsistentParty !== undefined ? { party: v.inconsistentParty } : {}), ...withHashes };
}

/** Appends the verdict's event to the log; resolves with where it landed. */
export function recordOutputVerdict(log: AuditAppender, jobId: string, v: OutputVerification, reports: readonly OutputCommitmentReport[] = []): Promise<AppendResult> {
  return log.append(outputVerdictEvent(jobId, v, reports));
}
