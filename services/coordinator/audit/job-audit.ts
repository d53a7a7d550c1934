/**
 * @module services/coordinator/audit/job-audit
 * The audit policy of jobs: one entry per job state change (the verifier's verdict event when
 * it decided one), with the request fingerprint at creation and a reason, stripped of long
 * base64 runs, when a job fails.
 */
import type { AuditEventType } from '../../wire/audit-entry.js';
import type { JobState } from '../../wire/api.js';
import type { ServiceLog } from '../../transport/service-log.js';
import type { JobBook } from '../jobs/job-book.js';
import type { JobDispatcher } from '../jobs/job-dispatcher.js';
import type { AuditSink } from './audit-sink.js';

const AUDIT_TYPE: Record<JobState, AuditEventType> = {
  created: 'job.created',
  placed: 'job.placed',
  running: 'job.started',
  finished: 'job.finished',
  verified: 'job.verified',
  failed: 'job.failed',
  'failed-verification': 'job.failed-verification',
};

/** Appends an audit entry to `audit` for every change in `book`; a failed append is logged. */
export function auditJobChanges(book: JobBook, dispatcher: JobDispatcher, audit: AuditSink, actor: string, log: ServiceLog): void {
  book.onChange((rec) => {
    try {
      const err = rec.status.error;
      const verdict = dispatcher.verdictEvent(rec.status.id);
      void Promise.resolve(
        audit.append(verdict ?? {
          type: AUDIT_TYPE[rec.status.state],
          actor,
          jobId: rec.status.id,
          tenant: rec.tenant,
          ...(err?.party !== undefined ? { party: err.party } : {}),
          ...(err ? { reason: `${err.code}: ${err.message}`.replace(/[A-Za-z0-9+/=_-]{40,}/g, '[...]').slice(0, 200) } : {}),
          ...(rec.status.state === 'created' ? { hashes: { request: rec.fingerprint } } : {}),
        }),
      ).catch((e: unknown) => log.warn('audit-append-failed', { jobId: rec.status.id, message: String(e) }));
    } catch (e) {
      log.warn('audit-append-failed', { jobId: rec.status.id, message: String(e) });
    }
  });
}
