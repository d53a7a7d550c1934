/**
 * @module services/coordinator/analytics/query-policy
 * Disclosure policy decisions as pure functions the coordinator calls before it places a query
 * (and the gateway may call to list data sets): which data sets a role may see and query, and
 * the minimum cell size a query runs with (the largest k of the data sets it touches). The
 * parties enforce k again from their own manifests; this is where roles are checked.
 */
import { sameSchema, type DatasetSchema, type DisclosurePolicy } from '../../../protocols/analytics/dataset-schema.js';
import { PolicyDeniedError, QueryError } from '../../../protocols/analytics/errors.js';
import { checkQuery, type Query } from '../../../protocols/analytics/query.js';
import type { DatasetOwner } from '../../wire/analytics-jobs.js';

/** What a catalog knows of a data set (public metadata; never values). */
export interface CatalogEntry {
  readonly datasetId: string;
  readonly name: string;
  readonly owner: DatasetOwner;
  readonly schema: DatasetSchema;
  readonly policy: DisclosurePolicy;
  readonly rows: number;
}

/** Who asks. */
export interface QueryPrincipal {
  readonly tenant: string;
  readonly actor: string;
  readonly roles: readonly string[];
}

/** An allowed query, ready to dispatch. */
export interface QueryDecision {
  readonly query: Query;
  readonly datasetIds: string[];
  readonly schema: DatasetSchema;
  readonly minCellSize: number;
}

/** True when one of `roles` is among the data set's allowed roles. */
export function mayQuery(roles: readonly string[], entry: CatalogEntry): boolean {
  return roles.some((r) => entry.policy.roles.includes(r));
}

/** The entries a principal may query (the "list what a role may query" view), in catalog order. */
export function datasetsVisibleTo(principal: QueryPrincipal, entries: readonly CatalogEntry[]): CatalogEntry[] {
  return entries.filter((e) => mayQuery(principal.roles, e));
}

/**
 * Decides a query: every named data set exists (`lookup` resolves a query's data set name or
 * id), the principal holds one of each data set's roles, all share one schema, and the query
 * checks against it. k is the largest minimum cell size among the data sets.
 * @throws QueryError naming the path (`/datasets/1`, `/aggregates/0/column`, ...) for an unknown
 *   data set, a schema mismatch or a bad query; PolicyDeniedError naming the data set and role.
 */
export function authorizeQuery(principal: QueryPrincipal, query: Query, lookup: (nameOrId: string) => CatalogEntry | undefined): QueryDecision {
  if (typeof query !== 'object' || query === null || !Array.isArray(query.datasets) || query.datasets.length === 0) {
    throw new QueryError('/datasets', 'expected at least one data set');
  }
  const entries = query.datasets.map((name, i) => {
    const e = typeof name === 'string' ? lookup(name) : undefined;
    if (!e) throw new QueryError(`/datasets/${i}`, `unknown data set ${JSON.stringify(name)}`);
    return e;
  });
  for (const e of entries) {
    if (!mayQuery(principal.roles, e)) throw new PolicyDeniedError(e.name, principal.roles.join(',') || '(none)');
  }
  entries.forEach((e, i) => {
    if (!sameSchema(entries[0]!.schema, e.schema)) throw new QueryError(`/datasets/${i}`, `data set '${e.name}' has another schema than '${entries[0]!.name}'`);
  });
  if (new Set(entries.map((e) => e.datasetId)).size !== entries.length) throw new QueryError('/datasets', 'a data set is named twice');
  const checked = checkQuery(query, entries[0]!.schema);
  return { query: checked, datasetIds: entries.map((e) => e.datasetId), schema: entries[0]!.schema, minCellSize: Math.max(...entries.map((e) => e.policy.minCellSize)) };
}
