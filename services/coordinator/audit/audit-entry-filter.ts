/**
 * @module services/coordinator/audit/audit-entry-filter
 * The selection `audit.entries` applies when an auditor searches the log (the console's search
 * by kind, job and party): an event type or a family of types (`job.*`), a job id, and a party
 * named by its service id as the actor, the subject (`serviceId`) or one of a job's placed
 * parties. A filter is checked once, at the boundary, with messages that name the field.
 */
import { AUDIT_EVENT_TYPES, type AuditEntry } from '../../wire/audit-entry.js';
import type { AuditEntryFilter } from '../../wire/api.js';

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;
const FAMILIES = new Set(Object.keys(AUDIT_EVENT_TYPES).map((t) => `${t.split('.')[0]}.*`));

/** A checked filter, as a predicate over entries; `undefined` when nothing is selected on. */
export type AuditEntryPredicate = (e: AuditEntry) => boolean;

/**
 * Checks the filter fields of a request and returns the predicate (undefined for no filter).
 * @param fail - throws the caller's invalid-request error with the message.
 */
export function auditEntryPredicate(r: Record<string, unknown>, fail: (message: string) => never): AuditEntryPredicate | undefined {
  const f: AuditEntryFilter = {};
  for (const name of ['type', 'jobId', 'party'] as const) {
    const v = r[name];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !ID_RE.test(v.replace(/\*$/, 'x'))) fail(`${name}: expected an identifier, got ${JSON.stringify(v)}`);
    f[name] = v;
  }
  const { type, jobId, party } = f;
  if (type !== undefined && !(type in AUDIT_EVENT_TYPES) && !FAMILIES.has(type)) {
    fail(`type: expected an audit event type or one of ${[...FAMILIES].join(', ')}, got ${JSON.stringify(type)}`);
  }
  if (type === undefined && jobId === undefined && party === undefined) return undefined;
  const family = type?.endsWith('.*') ? type.slice(0, -1) : undefined;
  return (e) =>
    (type === undefined || (family !== undefined ? e.type.startsWith(family) : e.type === type)) &&
    (jobId === undefined || e.jobId === jobId) &&
    (party === undefined || e.actor === party || e.serviceId === party || (e.parties?.includes(party) ?? false));
}
