/**
 * @module services/coordinator/audit/job-audit
 * The audit policy of jobs: one entry per job state change (the verifier's verdict event when
 * it decided one), with the request fingerprint at creation (an inference's also with the model
 * version it runs: id, name and version, the digests of the sealed views) and a reason, stripped of long
 * base64 runs, when a job fails. After a restart: a job the reloaded book failed gets its
 * terminal entry unless the trail already holds one, and the book takes a failure the trail
 * recorded (its write to the book may have been lost) rather than inventing one.
 */
import type { AuditEvent, AuditEventType } from '../../wire/audit-entry.js';
import type { JobState } from '../../wire/api.js';
import type { ServiceLog } from '../../transport/service-log.js';
import type { JobBook, JobError, JobRecord } from '../jobs/job-book.js';
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

/** The event types that end a job. */
export const TERMINAL_JOB_EVENTS: ReadonlySet<AuditEventType> = new Set(['job.verified', 'job.failed', 'job.failed-verification']);

/** The entry of `rec`'s current state. */
function jobEvent(rec: JobRecord, actor: string, parties?: string[]): AuditEvent {
  const err = rec.status.error;
  return {
    type: AUDIT_TYPE[rec.status.state],
    actor,
    jobId: rec.status.id,
    tenant: rec.tenant,
    ...(err?.party !== undefined ? { party: err.party } : {}),
    ...(rec.status.security !== undefined ? { security: rec.status.security } : {}),
    ...(rec.status.state === 'placed' && parties ? { parties } : {}),
    ...(err ? { reason: `${err.code}: ${err.message}`.replace(/[A-Za-z0-9+/=_-]{40,}/g, '[...]').slice(0, 200) } : {}),
    ...(rec.status.state === 'finished' && rec.status.stats?.cost ? { cost: rec.status.stats.cost } : {}),
    ...(rec.status.state === 'created' ? { hashes: { request: rec.fingerprint, ...modelHashes(rec) }, jobKind: rec.kind, ...modelNamed(rec) } : {}),
  };
}

/** `job.created` of an inference: the model id it runs and, in the reason, its name and version. */
function modelNamed(rec: JobRecord): Pick<AuditEvent, 'modelId' | 'reason'> {
  const m = rec.status.model;
  return m ? { modelId: m.id, reason: `model ${m.name} ${m.version}`.slice(0, 200) } : {};
}

/** `job.created` of an inference: the digests of the sealed model views the parties hold for it (`modelBox0`..`modelBox2`). */
function modelHashes(rec: JobRecord): Record<string, string> {
  const d = rec.status.model?.boxSha256;
  return d ? { modelBox0: d[0], modelBox1: d[1], modelBox2: d[2] } : {};
}

function appendLogged(audit: AuditSink, event: AuditEvent, log: ServiceLog): void {
  try {
    void Promise.resolve(audit.append(event)).catch((e: unknown) => log.warn('audit-append-failed', { jobId: event.jobId, message: String(e) }));
  } catch (e) {
    log.warn('audit-append-failed', { jobId: event.jobId, message: String(e) });
  }
}

/** Appends an audit entry to `audit` for every change in `book`; a failed append is logged. */
export function auditJobChanges(book: JobBook, dispatcher: JobDispatcher, audit: AuditSink, actor: string, log: ServiceLog): void {
  book.onChange((rec) => appendLogged(audit, dispatcher.verdictEvent(rec.status.id) ?? jobEvent(rec, actor, dispatcher.placementOf(rec.status.id)), log));
  // A party's signed accusation after a failed malicious-mode check, before the job's terminal entry.
  dispatcher.onAccusation((event) => appendLogged(audit, event, log));
}

/** The failure the trail recorded for `jobId` (its last `job.failed`), for JobBook.withKv's `recordedFailure`. */
export function recordedFailure(audit: AuditSink): (jobId: string) => JobError | undefined {
  return (jobId) => {
    const failed = audit.eventsOf?.(jobId).filter((e) => e.type === 'job.failed').at(-1);
    if (!failed) return undefined;
    const reason = failed.reason ?? 'failed (no reason recorded)';
    const cut = reason.indexOf(': ');
    return { code: cut > 0 ? reason.slice(0, cut) : 'failed', message: cut > 0 ? reason.slice(cut + 2) : reason, ...(failed.party !== undefined ? { party: failed.party } : {}) };
  };
}

/** Appends the terminal entry of every job the reloaded book failed, unless the trail holds one already. */
export function auditJobsFailedAtLoad(book: JobBook, audit: AuditSink, actor: string, log: ServiceLog): void {
  for (const loaded of book.failedAtLoad) {
    const rec = book.record(loaded.status.id) ?? loaded;
    if (audit.eventsOf?.(rec.status.id).some((e) => TERMINAL_JOB_EVENTS.has(e.type))) continue;
    appendLogged(audit, jobEvent(rec, actor), log);
  }
}
