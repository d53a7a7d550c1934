/**
 * @module services/party/query-ledger
 * What a party remembers of the queries it answered over each data set, in its encrypted share
 * store (so under its state directory, surviving restarts): the number of queries run (the
 * budget the hospital signed caps it) and, per query, this party's shares of the query's
 * selection bits over the data set's rows, which later queries are compared with
 * (protocols/analytics/disclosure-check: overlap control against differencing).
 *
 * Objects: `dataset-<id>.ledger` (JSON: count and entries) and `dataset-<id>.sel-<seq>` (the
 * share pair of one entry's selection segment, then of its counts in the query's other data
 * sets). Storage is 16 bytes per row and query.
 */
import { canonicalJson } from '../../crypto-core/canonical-json.js';
import { concat } from '../../protocols/rss/local-ops.js';
import { makeShare, type ReplicatedShare } from '../../protocols/rss/replicated-share.js';
import { ShareStoreError } from './errors.js';
import type { ShareStore } from './share-store.js';
import { decodeSharePair, encodeSharePair } from '../wire/sealed-share-pair.js';
import { sha256Hex } from '../wire/analytics-jobs.js';

/** One earlier query as one data set's ledger records it. */
export interface LedgerEntry {
  readonly seq: number;
  /** The job id (the same at the three parties): entries of one query in several data sets share it. */
  readonly queryId: string;
  /** {@link selectionKey} of the query: equal keys select the same rows by construction. */
  readonly key: string;
  /** Rows of this data set when the query ran (its selection segment's length). */
  readonly rows: number;
  /** The query's other data sets: the shares of their selection counts follow the segment. */
  readonly others: readonly string[];
}

/** A data set's ledger. */
export interface QueryLedger {
  /** Queries run over the data set (refused by the query-set check included). */
  readonly used: number;
  readonly entries: readonly LedgerEntry[];
}

const ledgerId = (datasetId: string): string => `dataset-${datasetId}.ledger`;
const selectionId = (datasetId: string, seq: number): string => `dataset-${datasetId}.sel-${seq}`;

/**
 * A public key for "selects the same records": the filter and every data set with its row
 * count. Two queries with the same key select the same rows up to rows whose values are invalid
 * in a column one of them reads (validity depends on the columns read); such rows were sealed
 * by an uploader that bypassed the SDK's checks, not records the SDK accepted.
 */
export function selectionKey(filter: unknown, datasets: readonly { id: string; rows: number }[]): string {
  return sha256Hex(canonicalJson({ filter: filter ?? null, datasets: [...datasets].sort((a, b) => (a.id < b.id ? -1 : 1)) }));
}

/** The ledger of `datasetId` (empty when none). */
export async function readLedger(store: ShareStore, datasetId: string): Promise<QueryLedger> {
  const bytes = await store.get(ledgerId(datasetId));
  if (!bytes) return { used: 0, entries: [] };
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as QueryLedger;
  } catch (cause) {
    throw new ShareStoreError(`dataset ${datasetId}: query ledger is not JSON`, { cause });
  }
}

/** Counts one more query against `datasetId`'s budget (before it runs: a crash still counts it). */
export async function countQuery(store: ShareStore, datasetId: string): Promise<QueryLedger> {
  const ledger = await readLedger(store, datasetId);
  const next = { ...ledger, used: ledger.used + 1 };
  await store.put(ledgerId(datasetId), new TextEncoder().encode(canonicalJson(next)));
  return next;
}

/**
 * This party's share of an entry's selection segment and of its counts in the query's other
 * data sets (`others`, by id: they still count after those data sets are erased).
 */
export async function readSelection(store: ShareStore, datasetId: string, e: LedgerEntry): Promise<{ segment: ReplicatedShare; others: Map<string, ReplicatedShare> }> {
  const bytes = await store.get(selectionId(datasetId, e.seq));
  if (!bytes) throw new ShareStoreError(`dataset ${datasetId}: ledger entry ${e.seq} has no selection`);
  const [a, b] = decodeSharePair(bytes, e.rows + e.others.length);
  const others = new Map(e.others.map((id, j) => [id, makeShare(a.slice(e.rows + j, e.rows + j + 1), b.slice(e.rows + j, e.rows + j + 1))]));
  return { segment: makeShare(a.subarray(0, e.rows), b.subarray(0, e.rows)), others };
}

/** Records a query's selection segment over `datasetId`, followed by its counts in `entry.others`. */
export async function recordSelection(store: ShareStore, datasetId: string, entry: Omit<LedgerEntry, 'seq'>, segment: ReplicatedShare, otherCounts: readonly ReplicatedShare[]): Promise<void> {
  const ledger = await readLedger(store, datasetId);
  const seq = ledger.entries.reduce((m, e) => Math.max(m, e.seq + 1), 0);
  const pair = concat([segment, ...otherCounts]);
  await store.put(selectionId(datasetId, seq), encodeSharePair(pair.a, pair.b));
  const next: QueryLedger = { used: ledger.used, entries: [...ledger.entries, { ...entry, seq }] };
  await store.put(ledgerId(datasetId), new TextEncoder().encode(canonicalJson(next)));
}

/** Erases a data set's ledger and selections. */
export async function eraseLedger(store: ShareStore, datasetId: string): Promise<void> {
  const ledger = await readLedger(store, datasetId);
  for (const e of ledger.entries) await store.delete(selectionId(datasetId, e.seq));
  await store.delete(ledgerId(datasetId));
}
