/**
 * @module services/coordinator/analytics/analytics-audit
 * The audit events of analytics, built here so that every caller records the same fields:
 * uploads and appends (`dataset.uploaded`, with the upload digest), deletions
 * (`dataset.deleted`), every query with its policy decision and the data sets it touched
 * (`query.run`, or `access.denied` when refused). Events hold names, ids and SHA-256 digests:
 * never rows, shares or results (services/audit rejects anything that looks like data).
 */
import { canonicalJson } from '../../../crypto-core/canonical-json.js';
import type { AuditEvent } from '../../wire/audit-entry.js';
import type { Query } from '../../../protocols/analytics/query.js';
import { sha256Hex } from '../../wire/analytics-jobs.js';

/** Who caused an event. */
export interface AuditActor {
  readonly actor: string;
  readonly tenant: string;
}

const MAX_REASON = 200;
const BLOB = /[A-Za-z0-9+/=_-]{40,}/;

function reason(text: string): string {
  const cut = text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 3)}...` : text;
  // A long identifier would read as encoded data to the audit validator: keep it out of the text (its hash is in `hashes`).
  return cut.replace(BLOB, '(id)');
}

/** `dataset.uploaded` for a create or an append. */
export function datasetUploadedEvent(who: AuditActor, datasetId: string, mode: 'create' | 'append', rows: number, uploadSha256: string, security?: 'semi-honest' | 'malicious'): AuditEvent {
  return { type: 'dataset.uploaded', actor: who.actor, tenant: who.tenant, datasetId, reason: reason(`${mode}: ${rows} rows`), hashes: { upload: uploadSha256 }, ...(security === undefined ? {} : { security }) };
}

/** `dataset.deleted` once the parties have erased their shares. */
export function datasetDeletedEvent(who: AuditActor, datasetId: string, erasedParts: number): AuditEvent {
  return { type: 'dataset.deleted', actor: who.actor, tenant: who.tenant, datasetId, reason: reason(`erased ${erasedParts} parts at all three parties`) };
}

/** SHA-256 of a query's canonical JSON (names the query in the log without copying it). */
export function queryDigest(query: Query): string {
  return sha256Hex(canonicalJson(query));
}

/** `query.run`: an allowed query placed as job `jobId`, its k and the data sets it touches. */
export function queryRunEvent(who: AuditActor, jobId: string, query: Query, datasetIds: readonly string[], minCellSize: number, security?: 'semi-honest' | 'malicious'): AuditEvent {
  return {
    type: 'query.run',
    actor: who.actor,
    tenant: who.tenant,
    jobId,
    ...(security === undefined ? {} : { security }),
    reason: reason(`allowed k=${minCellSize} datasets=${datasetIds.join(',')}`),
    hashes: { query: queryDigest(query), datasets: sha256Hex(datasetIds.join('\n')) },
  };
}

/** `access.denied` for a refused query (policy or validation), with the reason. */
export function queryDeniedEvent(who: AuditActor, query: Query, why: string): AuditEvent {
  return { type: 'access.denied', actor: who.actor, tenant: who.tenant, reason: reason(`query denied: ${why}`), hashes: { query: queryDigest(query) } };
}

/**
 * `access.denied` for a query job the parties refused under the data sets' signed disclosure
 * rules (error code `disclosure-refused`: query-set size, differencing, extremes, budget), or
 * undefined for any other failure (those are `job.failed` entries only).
 */
export function queryRefusedByPartiesEvent(job: { readonly actor: string; readonly tenant: string; readonly status: { readonly id: string } }, error: { readonly code: string; readonly message: string } | undefined): AuditEvent | undefined {
  if (error?.code !== 'disclosure-refused' && !error?.message.includes('disclosure-refused')) return undefined;
  return { type: 'access.denied', actor: job.actor, tenant: job.tenant, jobId: job.status.id, reason: reason(`query refused by the parties: ${error.message}`) };
}
