/**
 * @module services/audit/errors
 * Errors of the audit log, with stable codes.
 */
import { MpcError } from '../../crypto-core/errors.js';

export { AuditEntryError } from '../wire/audit-entry.js';

/** The log's storage refused an append or holds something that is not a valid log. */
export class AuditStorageError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('audit-storage', message, options);
  }
}

/** Another writer appended to the log behind this one's back (expected-last-sequence failed). */
export class AuditWriterConflictError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('audit-writer-conflict', message, options);
  }
}
