/**
 * @module services/coordinator/analytics/analytics-methods
 * The coordinator's analytics API: `datasets.upload` (create, or append to a data set of the
 * same name and owner), `datasets.list` (what the caller's roles may query), `datasets.delete`
 * (the owner erases its data set at every party) and `analytics.query` (policy decided here,
 * then an `analytics-query` job). Registered with `CoordinatorApi.extend`; the jobs run through
 * the ordinary job book and dispatcher with the services/analytics plans. Plain `jobs.submit`
 * of an analytics kind is refused, so no query can skip the policy decision.
 *
 * Tenants never meet: a principal sees, queries, appends to and deletes only data sets of its
 * own tenant (the catalogue is looked up per tenant, so names are per tenant too). Another
 * tenant's data set answers as one that does not exist: not listed, `unknown data set` in a
 * query, `unknown-dataset` (404) on delete, and an upload of the same name makes the caller's
 * own data set. Within a tenant, the data set's roles decide (query-policy).
 *
 * The catalogue of data sets (public metadata: owner, schema, policy, row count) and the
 * answers of finished uploads are the {@link DatasetCatalog} (durable in JetStream KV in a
 * deployed coordinator, so a restart forgets neither); the parties keep the shares and manifests.
 */
import { randomBytes } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import { checkPolicy, checkSchema, DEFAULT_POLICY, sameSchema, type DatasetSchema, type DisclosurePolicy } from '../../../protocols/analytics/dataset-schema.js';
import { PolicyDeniedError, QueryError, SchemaError } from '../../../protocols/analytics/errors.js';
import type { Query } from '../../../protocols/analytics/query.js';
import { sha256Hex, uploadDigest, type AnalyticsQueryPayload, type DatasetUploadJobPayload, type DatasetUploadPartyResult } from '../../wire/analytics-jobs.js';
import { fromLargeBase64 } from '../../wire/large-base64.js';
import { datasetDeletedEvent, datasetUploadedEvent, queryDeniedEvent, queryRefusedByPartiesEvent, queryRunEvent } from './analytics-audit.js';
import type { SignedDatasetManifest } from '../../wire/dataset-manifest.js';
import { authorizeQuery, datasetsVisibleTo, type CatalogEntry } from './query-policy.js';
import type { CoordinatorMethod, DatasetRecord, Principal } from '../../wire/api.js';
import type { ApiExtension } from '../coordinator-api.js';
import type { AuditSink } from '../audit/audit-sink.js';
import { ApiFailure } from '../errors.js';
import { checkPrincipal, requireRole } from '../principal-check.js';
import type { JobBook } from '../jobs/job-book.js';
import type { JobDispatcher } from '../jobs/job-dispatcher.js';
import { AUDIT_SINK, DATASET_CATALOG, JOB_BOOK, JOB_DISPATCHER } from '../tokens.js';
import type { DatasetCatalog, UploadAnswer } from './dataset-catalog.js';

/** The methods this module answers. */
const ANALYTICS_METHODS = ['datasets.upload', 'datasets.list', 'datasets.delete', 'analytics.query'] as const satisfies readonly CoordinatorMethod[];

const NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** Analytics errors as API failures the gateway maps to problems. */
function apiFailure(e: unknown): never {
  if (e instanceof PolicyDeniedError) throw new ApiFailure('permission-denied', 403, e.message, { dataset: e.dataset });
  if (e instanceof QueryError) throw new ApiFailure('invalid-request', 400, `query${e.message}`, { path: e.path });
  if (e instanceof SchemaError) throw new ApiFailure('invalid-request', 400, e.message);
  throw e;
}

function record(e: CatalogEntry, createdAt: string): DatasetRecord {
  return { id: e.datasetId, name: e.name, rows: e.rows, schema: e.schema, createdAt };
}

/** The analytics methods of one coordinator. */
@injectable()
export class AnalyticsMethods implements ApiExtension {
  constructor(
    @inject(DATASET_CATALOG) private readonly catalog: DatasetCatalog,
    @inject(JOB_BOOK) private readonly book: JobBook,
    @inject(JOB_DISPATCHER) private readonly dispatcher: JobDispatcher,
    @inject(AUDIT_SINK) private readonly audit: AuditSink,
  ) {
    // A query the parties refused under the signed disclosure rules is an access decision too.
    book.onChange((rec) => {
      const ev = rec.kind === 'analytics-query' && rec.status.state === 'failed' ? queryRefusedByPartiesEvent(rec, rec.status.error) : undefined;
      if (ev) void Promise.resolve(this.audit.append(ev)).catch(() => undefined);
    });
  }

  handles(method: string): boolean {
    return (ANALYTICS_METHODS as readonly string[]).includes(method);
  }

  async call(method: string, req: unknown): Promise<unknown> {
    const r = (req ?? {}) as Record<string, unknown>;
    const principal = checkPrincipal(r.principal);
    switch (method) {
      case 'datasets.upload':
        return await this.#upload(principal, r);
      case 'datasets.list':
        return { datasets: datasetsVisibleTo(principal, this.catalog.entriesOf(principal.tenant)).map((e) => record(e, this.catalog.get(e.datasetId)!.createdAt)) };
      case 'datasets.delete':
        return await this.#delete(principal, r);
      case 'analytics.query':
        return await this.#query(principal, r);
      default:
        throw new ApiFailure('invalid-request', 400, `kind: analytics jobs are submitted with datasets.upload and analytics.query, not ${method}`);
    }
  }

  /** A data set of `tenant` by id or name; another tenant's is not found. */
  #lookup(tenant: string, nameOrId: string): CatalogEntry | undefined {
    const byId = this.catalog.get(nameOrId)?.entry;
    return byId?.owner.tenant === tenant ? byId : this.catalog.entriesOf(tenant).find((e) => e.name === nameOrId);
  }

  async #runToEnd(principal: Principal, kind: 'dataset-upload' | 'dataset-delete', payload: unknown, idempotencyKey: string | undefined): Promise<unknown> {
    const plan = this.dispatcher.plan(kind);
    if (!plan) throw new ApiFailure('not-available', 501, `${kind} is not run by this coordinator`);
    plan.validate(payload);
    this.dispatcher.checkPlaceable(plan, payload);
    const { record: rec, created } = this.book.submit(principal, kind, payload, idempotencyKey);
    if (created) await this.dispatcher.run(rec.status.id);
    else while (!['verified', 'failed', 'failed-verification'].includes(this.book.record(rec.status.id)!.status.state)) await new Promise((res) => setTimeout(res, 50));
    const done = this.book.record(rec.status.id)!;
    if (done.status.state !== 'verified') {
      throw new ApiFailure(`${kind}-failed`, 502, `${kind} did not complete at all three parties: ${done.status.error?.code ?? done.status.state}: ${done.status.error?.message ?? ''}`, { jobId: done.status.id });
    }
    return done.result;
  }

  async #upload(principal: Principal, r: Record<string, unknown>): Promise<UploadAnswer> {
    requireRole(principal, 'hospital', 'uploading a data set');
    const retryKey = typeof r.idempotencyKey === 'string' ? r.idempotencyKey : undefined;
    const done = retryKey === undefined ? undefined : this.catalog.answer(principal.tenant, retryKey);
    if (done) return { dataset: done.dataset, created: false, ...(done.security === undefined ? {} : { security: done.security }) };
    const { name, uploadId, rows, sealedShares } = r as { name?: unknown; uploadId?: unknown; rows?: unknown; sealedShares?: unknown };
    if (typeof name !== 'string' || !NAME_RE.test(name)) throw new ApiFailure('invalid-request', 400, 'name: expected 1..64 characters of [A-Za-z0-9_-]');
    let schema: DatasetSchema;
    let policy: DisclosurePolicy;
    try {
      schema = checkSchema(r.schema);
      policy = r.policy === undefined ? DEFAULT_POLICY : checkPolicy(r.policy);
    } catch (e) {
      apiFailure(e);
    }
    const existing = this.catalog.entriesOf(principal.tenant).find((e) => e.name === name);
    if (existing && (existing.owner.tenant !== principal.tenant || existing.owner.actor !== principal.actor)) {
      throw new ApiFailure('permission-denied', 403, `data set '${name}' belongs to another owner`);
    }
    if (existing && !sameSchema(existing.schema, schema)) throw new ApiFailure('invalid-request', 400, `schema: appending to '${name}' needs its schema`);
    const datasetId = existing?.datasetId ?? `ds-${randomBytes(9).toString('base64url')}`;
    const payload: DatasetUploadJobPayload = {
      datasetId,
      name,
      mode: existing ? 'append' : 'create',
      uploadId: uploadId as string,
      owner: { tenant: principal.tenant, actor: principal.actor },
      schema,
      policy: existing?.policy ?? policy,
      rows: rows as number,
      sealedShares: sealedShares as [string, string, string],
      // The hospital's signed manifest goes to the parties untouched: they verify and enforce it.
      ...(r.manifest !== undefined ? { manifest: r.manifest as SignedDatasetManifest } : {}),
      ...(r.security !== undefined ? { security: r.security as 'semi-honest' | 'malicious' } : {}),
    };
    const result = (await this.#runToEnd(principal, 'dataset-upload', payload, r.idempotencyKey as string | undefined)) as DatasetUploadPartyResult;
    const entry: CatalogEntry = { datasetId, name, owner: payload.owner, schema, policy: payload.policy, rows: (existing?.rows ?? 0) + payload.rows };
    const createdAt = this.catalog.get(datasetId)?.createdAt ?? new Date().toISOString();
    // The mode the three parties said they stored the part in (they agree: combine compares their results).
    const security = result.security ?? 'semi-honest';
    const answer = { dataset: record(entry, createdAt), created: !existing, security };
    // Durable before the audit entry and the answer: a retry after a restart finds it.
    await this.catalog.recordUpload(entry, answer, retryKey);
    const boxes = payload.sealedShares.map((b, i) => sha256Hex(fromLargeBase64(b, `sealedShares[${i}]`))) as [string, string, string];
    await this.audit.append({ ...datasetUploadedEvent(principal, datasetId, payload.mode, payload.rows, uploadDigest(boxes), security), hashes: { upload: uploadDigest(boxes), manifest: result.manifestSha256 } });
    return answer;
  }

  async #delete(principal: Principal, r: Record<string, unknown>): Promise<{ deleted: string }> {
    const entry = typeof r.datasetId === 'string' ? this.#lookup(principal.tenant, r.datasetId) : undefined;
    if (!entry) throw new ApiFailure('unknown-dataset', 404, `datasetId: no data set ${JSON.stringify(r.datasetId)}`);
    if (entry.owner.tenant !== principal.tenant || (entry.owner.actor !== principal.actor && !principal.roles.includes('admin'))) {
      throw new ApiFailure('permission-denied', 403, `data set '${entry.name}' belongs to another owner`);
    }
    const result = (await this.#runToEnd(principal, 'dataset-delete', { datasetId: entry.datasetId }, undefined)) as { erasedParts?: number };
    await this.catalog.remove(entry.datasetId);
    await this.audit.append(datasetDeletedEvent(principal, entry.datasetId, result.erasedParts ?? 0));
    return { deleted: entry.datasetId };
  }

  async #query(principal: Principal, r: Record<string, unknown>): Promise<{ jobId: string; created: boolean }> {
    const query = r.query as Query;
    let decision;
    try {
      decision = authorizeQuery(principal, query, (n) => this.#lookup(principal.tenant, n));
    } catch (e) {
      await this.audit.append(queryDeniedEvent(principal, query, e instanceof Error ? e.message : String(e)));
      apiFailure(e);
    }
    const plan = this.dispatcher.plan('analytics-query');
    if (!plan) throw new ApiFailure('not-available', 501, 'analytics queries are not run by this coordinator');
    const payload: AnalyticsQueryPayload = {
      query: decision.query,
      datasetIds: decision.datasetIds,
      minCellSize: decision.minCellSize,
      clientPublicKey: r.clientPublicKey as string,
      ...(r.security !== undefined ? { security: r.security as 'semi-honest' | 'malicious' } : {}),
    };
    plan.validate(payload);
    const { record: rec, created } = this.book.submit(principal, 'analytics-query', payload, r.idempotencyKey as string | undefined);
    if (created) {
      await this.audit.append(queryRunEvent(principal, rec.status.id, decision.query, decision.datasetIds, decision.minCellSize, plan.security?.(payload)));
      this.dispatcher.launch(rec.status.id);
    }
    return { jobId: rec.status.id, created };
  }
}
