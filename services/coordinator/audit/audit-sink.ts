/**
 * @module services/coordinator/audit/audit-sink
 * The coordinator's hook for the audit log: it appends one event per job state change and per
 * service joining or leaving. The colleague's AuditLog (services/audit) implements
 * {@link AuditSink}; {@link MemoryAuditSink} keeps events in memory, checked by the same event
 * rules (metadata and hashes only, never data), for tests and for a coordinator run without a
 * log directory.
 */
import { validateAuditEvent, type AuditEvent } from '../../wire/audit-entry.js';

/** Where audit events go. */
export interface AuditSink {
  append(event: AuditEvent): unknown;
  /** The events recorded for a job so far (those still waiting to be published included), when the sink can tell. */
  eventsOf?(jobId: string): readonly AuditEvent[];
}

/** An {@link AuditSink} that validates and keeps events in memory. */
export class MemoryAuditSink implements AuditSink {
  readonly events: AuditEvent[] = [];
  append(event: AuditEvent): void {
    this.events.push(validateAuditEvent(event));
  }
  eventsOf(jobId: string): AuditEvent[] {
    return this.events.filter((e) => e.jobId === jobId);
  }
}
