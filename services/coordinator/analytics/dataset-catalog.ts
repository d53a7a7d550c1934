/**
 * @module services/coordinator/analytics/dataset-catalog
 * The coordinator's catalogue of data sets (public metadata: owner, schema, policy, rows) and
 * the answers of finished uploads by (tenant, idempotency key), so a retried upload changes
 * nothing. Tenant scoping is the caller's (analytics-methods looks every data set up by tenant).
 *
 * It answers from memory; with a JetStream key-value bucket behind it ({@link DatasetCatalog.withKv})
 * each data set is one record holding its entry and the answers of the uploads that made it, so
 * the two are written together (a crash cannot leave a catalogued upload without its answer, or
 * the reverse), and a deleted data set stays as a tombstone holding only those answers. A
 * restarted coordinator reloads it: data sets stay listed and queryable, and an upload retried
 * with the same key after the restart is answered, not stored twice.
 */
import { createHash } from 'node:crypto';
import type { JetStreamClient } from 'nats';
import type { DatasetRecord } from '../../wire/api.js';
import { KvRecords } from '../kv-records.js';
import type { CatalogEntry } from './query-policy.js';

/** The answer of a finished upload. */
export interface UploadAnswer {
  dataset: DatasetRecord;
  created: boolean;
  /** The mode the parties stored the part in (absent in answers recorded before the option existed). */
  security?: 'semi-honest' | 'malicious';
}

/** One data set as stored: its entry (absent once deleted) and the answers of its uploads by hashed key. */
interface StoredDataset {
  entry?: CatalogEntry;
  createdAt: string;
  answers: Record<string, UploadAnswer>;
}

/** Key of an upload answer: SHA-256 of tenant and idempotency key (any characters, any length). */
function answerKey(tenant: string, idempotencyKey: string): string {
  return createHash('sha256').update(`${tenant}\u0000${idempotencyKey}`).digest('hex');
}

/** Data sets and upload answers. */
export class DatasetCatalog {
  readonly #datasets = new Map<string, StoredDataset>();
  readonly #answers = new Map<string, UploadAnswer>();
  readonly #store: KvRecords<StoredDataset> | undefined;

  /** @param store - where records are written through (default: memory only). */
  constructor(store?: KvRecords<StoredDataset>) {
    this.#store = store;
  }

  /** A catalogue backed by the JetStream key-value bucket `bucket` (default `mpc_datasets`), loaded from it. */
  static async withKv(js: JetStreamClient, opts: { bucket?: string; replicas?: number; onPersistError?: (e: unknown) => void } = {}): Promise<DatasetCatalog> {
    const { store, records } = await KvRecords.open<StoredDataset>(js, { bucket: opts.bucket ?? 'mpc_datasets', replicas: opts.replicas ?? 1, onError: (_k, e) => opts.onPersistError?.(e) });
    const catalog = new DatasetCatalog(store);
    for (const [id, rec] of [...records].sort(([, a], [, b]) => a.createdAt.localeCompare(b.createdAt))) catalog.#remember(id, rec);
    return catalog;
  }

  #remember(datasetId: string, rec: StoredDataset): void {
    this.#datasets.set(datasetId, rec);
    for (const [k, a] of Object.entries(rec.answers)) this.#answers.set(k, a);
  }

  /** The data set `datasetId` (any tenant), if catalogued. */
  get(datasetId: string): { entry: CatalogEntry; createdAt: string } | undefined {
    const rec = this.#datasets.get(datasetId);
    return rec?.entry ? { entry: rec.entry, createdAt: rec.createdAt } : undefined;
  }

  /** The data sets of `tenant`, in upload order. */
  entriesOf(tenant: string): CatalogEntry[] {
    return this.all().filter((e) => e.owner.tenant === tenant);
  }

  /** Every catalogued data set, in upload order. */
  all(): CatalogEntry[] {
    return [...this.#datasets.values()].flatMap((r) => (r.entry ? [r.entry] : []));
  }

  /** The answer of the upload `tenant` made with `idempotencyKey`, if it finished. */
  answer(tenant: string, idempotencyKey: string): UploadAnswer | undefined {
    return this.#answers.get(answerKey(tenant, idempotencyKey));
  }

  /**
   * Records an upload: the data set's new entry and, when the upload had an idempotency key, its
   * answer. Resolves once durable (when backed by a bucket).
   */
  async recordUpload(entry: CatalogEntry, answer: UploadAnswer, idempotencyKey: string | undefined): Promise<void> {
    const prev = this.#datasets.get(entry.datasetId);
    const rec: StoredDataset = { entry, createdAt: answer.dataset.createdAt, answers: { ...prev?.answers } };
    if (idempotencyKey !== undefined) rec.answers[answerKey(entry.owner.tenant, idempotencyKey)] = answer;
    this.#remember(entry.datasetId, rec);
    await this.#store?.write(entry.datasetId, rec);
  }

  /** Removes a data set from the catalogue (its upload answers stay). Resolves once durable. */
  async remove(datasetId: string): Promise<void> {
    const prev = this.#datasets.get(datasetId);
    if (!prev) return;
    const rec: StoredDataset = { createdAt: prev.createdAt, answers: prev.answers };
    this.#datasets.set(datasetId, rec);
    await this.#store?.write(datasetId, rec);
  }

  /** Resolves when every write made so far has landed. */
  async settled(): Promise<void> {
    await this.#store?.settled();
  }

  /** Stops retrying writes that have not landed. */
  close(): void {
    this.#store?.close();
  }
}
