/**
 * @module services/party/runners/query-disclosure
 * The disclosure rules a party applies to an `analytics-query` from the stored, hospital-signed
 * manifests, whatever the job order says:
 * - `min` / `max` only when every chosen data set's policy sets `releaseExtremes` (an extreme
 *   is one record's exact value, whatever the cell's count);
 * - the query budget of every chosen data set (counted in the party's query ledger, persisted
 *   in its encrypted store, before the query runs);
 * - the selections of earlier queries over these data sets, laid out over the current rows, for
 *   the secure overlap check (protocols/analytics/disclosure-check); an earlier query with the
 *   same filter over the same rows is left out (it selects the same rows, decided
 *   from public information only), and after the query its selection is recorded.
 */
import { DEFAULT_QUERY_BUDGET } from '../../../protocols/analytics/dataset-schema.js';
import { DisclosureRefusedError } from '../../../protocols/analytics/errors.js';
import type { Query } from '../../../protocols/analytics/query.js';
import { sliceShare } from '../../../protocols/analytics/share-columns.js';
import { concat, sum } from '../../../protocols/rss/local-ops.js';
import type { EarlierSelection } from '../../../protocols/analytics/disclosure-check.js';
import { makeShare, type ReplicatedShare } from '../../../protocols/rss/replicated-share.js';
import type { ShareStore } from '../share-store.js';
import type { DatasetManifest } from '../../wire/analytics-jobs.js';
import { countQuery, readLedger, readSelection, recordSelection, selectionKey, type QueryLedger } from '../query-ledger.js';

/** What the runner passes to the engine, and how it records the query afterwards. */
export interface QueryDisclosure {
  readonly history: EarlierSelection[];
  record(selection: ReplicatedShare): Promise<void>;
}

/**
 * Applies the rules above for a query `queryId` over `manifests` (in query order).
 * @throws DisclosureRefusedError `extremes` or `budget` (nothing is counted for `extremes`).
 */
export async function prepareQueryDisclosure(store: ShareStore, queryId: string, query: Query, manifests: readonly DatasetManifest[]): Promise<QueryDisclosure> {
  const extreme = query.aggregates.findIndex((a) => a.op === 'min' || a.op === 'max');
  const closed = manifests.find((m) => m.policy.releaseExtremes !== true);
  if (extreme >= 0 && closed) {
    throw new DisclosureRefusedError('extremes', `/aggregates/${extreme}: data set '${closed.name}' does not release min or max (its signed policy has no releaseExtremes): an extreme is one record's value`);
  }
  const ledgers: QueryLedger[] = [];
  for (const m of manifests) ledgers.push(await readLedger(store, m.datasetId));
  ledgers.forEach((l, i) => {
    const budget = manifests[i]!.policy.queryBudget ?? DEFAULT_QUERY_BUDGET;
    if (l.used >= budget) throw new DisclosureRefusedError('budget', `data set '${manifests[i]!.name}' has used its budget of ${budget} queries`);
  });
  for (const m of manifests) await countQuery(store, m.datasetId);

  const key = selectionKey(query.filter, manifests.map((m) => ({ id: m.datasetId, rows: m.rows })));
  // Earlier queries in a fixed order (the same at every party): by job id.
  const past = [...new Set(ledgers.flatMap((l) => l.entries.filter((e) => e.key !== key).map((e) => e.queryId)))].sort();
  const ids = new Set(manifests.map((m) => m.datasetId));
  const history: EarlierSelection[] = [];
  for (const queryIdOld of past) {
    const segments: ReplicatedShare[] = [];
    let outside: ReplicatedShare | undefined;
    for (const [i, m] of manifests.entries()) {
      const e = ledgers[i]!.entries.find((x) => x.queryId === queryIdOld);
      // Rows the earlier query did not see (another data set, or appended since) count as unselected.
      const seg = makeShare(new BigUint64Array(m.rows), new BigUint64Array(m.rows));
      if (e) {
        const old = await readSelection(store, m.datasetId, e);
        seg.a.set(old.segment.a.subarray(0, Math.min(e.rows, m.rows)));
        seg.b.set(old.segment.b.subarray(0, Math.min(e.rows, m.rows)));
        // What it selected in data sets this query does not read (erased ones too) is part of the difference.
        outside ??= concatSum([...old.others].filter(([id]) => !ids.has(id)).map(([, c]) => c));
      }
      segments.push(seg);
    }
    history.push({ selection: concat(segments), outside: outside ?? zero() });
  }
  return {
    history,
    async record(selection) {
      const offsets = manifests.map((_, i) => manifests.slice(0, i).reduce((s, m) => s + m.rows, 0));
      const segments = manifests.map((m, i) => sliceShare(selection, offsets[i]!, m.rows));
      for (const [i, m] of manifests.entries()) {
        const others = manifests.flatMap((o, j) => (j === i ? [] : [{ id: o.datasetId, count: sum(segments[j]!) }]));
        await recordSelection(store, m.datasetId, { queryId, key, rows: m.rows, others: others.map((o) => o.id) }, segments[i]!, others.map((o) => o.count));
      }
    },
  };
}

/** Shares of 0 (one element). */
function zero(): ReplicatedShare {
  return makeShare(new BigUint64Array(1), new BigUint64Array(1));
}

/** The sum of scalar shares (0 for none): local. */
function concatSum(xs: readonly ReplicatedShare[]): ReplicatedShare {
  return xs.length === 0 ? zero() : sum(concat(xs));
}
