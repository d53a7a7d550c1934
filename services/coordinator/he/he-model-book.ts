/**
 * @module services/coordinator/he/he-model-book
 * What the coordinator keeps of the HE path: per HE model, its plan (the coordinator planned it
 * from the published ONNX, so it can answer `models.hePlan` and re-register the model on a
 * worker that restarted), the serialized model it sends to workers and the plan digest every
 * worker must report; per key session, its tenant, model, the workers holding its keys and its
 * idle expiry. Keys themselves are not kept here: they live on the workers only.
 *
 * With a JetStream key-value bucket behind it ({@link HeModelBook.withKv}, bucket
 * `mpc_he_models`) each model's ONNX is written through when it is published and the models are
 * planned again when a coordinator starts, so a model the catalogue lists still runs after a
 * restart (the workers are given it again on first use, as after a worker restart), planned
 * for the batch (queries per ciphertext) chosen at publication. Before, the
 * catalogue listed it but `models.hePlan`, key registration and inference answered "no HE model"
 * until its owner published it again. Key sessions stay in memory: a client whose session a
 * restart forgot registers its keys again (the SDK does so by itself).
 */
import { fromLargeBase64 } from '../../wire/large-base64.js';
import type { JetStreamClient } from 'nats';
import { planHeModel, type HePlan } from '../../../protocols/he/he-plan.js';
import { importOnnx } from '../../../protocols/onnx/import-onnx.js';
import type { WireModel } from '../../wire/he-messages.js';
import { planDigest } from '../../wire/plan-digest.js';
import { KvRecords } from '../kv-records.js';
import type { SignedModelVersion } from '../../wire/model-version.js';

/** An HE model as the coordinator holds it. */
export interface HeModelEntry {
  modelId: string;
  plan: HePlan;
  wire: WireModel;
  /** plan-digest of `plan`; every worker must report the same. */
  planDigest: string;
  /** Queries per ciphertext the plan was made for (chosen at publish; workers plan with the same). */
  batch: number;
  /** Workers known to hold the model. */
  workers: Set<string>;
  /** The owner-signed version statement (services/wire/model-version, mode `he`) every worker checks. */
  statement?: SignedModelVersion;
}

/** A registered key session. */
export interface HeSessionEntry {
  sessionId: string;
  tenant: string;
  modelId: string;
  /** The workers holding the keys: two for a dual execution. */
  workers: string[];
  /** SHA-256 of the uploaded keys (audit). */
  keysDigest: string;
  /** Epoch ms after which the session is expired unless used. */
  expiresAt: number;
}

/**
 * What the bucket holds per model: its ONNX (base64) and the batch chosen at publication, from
 * which the plan is made again (records written before batches were kept have none: batch 1).
 */
interface StoredHeModel {
  modelId: string;
  onnx: string;
  batch?: number;
  statement?: SignedModelVersion;
}

/** The entry of a stored model: imported and planned as at publication (planning is deterministic). */
export function planStoredHeModel(stored: StoredHeModel): HeModelEntry {
  const batch = stored.batch ?? 1;
  const plan = planHeModel(importOnnx(fromLargeBase64(stored.onnx, 'onnx')), { batch });
  return { modelId: stored.modelId, plan, wire: { format: 'onnx', onnx: stored.onnx }, planDigest: planDigest(plan), batch, workers: new Set(), ...(stored.statement ? { statement: stored.statement } : {}) };
}

/** HE models (durable when backed by a bucket) and key sessions (in memory). */
export class HeModelBook {
  readonly #models = new Map<string, HeModelEntry>();
  readonly #sessions = new Map<string, HeSessionEntry>();
  readonly #store: KvRecords<StoredHeModel> | undefined;

  /** @param store - where models are written through (default: memory only). */
  constructor(store?: KvRecords<StoredHeModel>) {
    this.#store = store;
  }

  /**
   * A book backed by the JetStream key-value bucket `bucket` (default `mpc_he_models`), its models
   * planned again from their ONNX; a stored model that no longer plans is reported to
   * `onLoadError` and left out (its publish can be repeated).
   */
  static async withKv(js: JetStreamClient, opts: { bucket?: string; replicas?: number; onPersistError?: (e: unknown) => void; onLoadError?: (modelId: string, e: unknown) => void } = {}): Promise<HeModelBook> {
    const { store, records } = await KvRecords.open<StoredHeModel>(js, { bucket: opts.bucket ?? 'mpc_he_models', replicas: opts.replicas ?? 1, onError: (_k, e) => opts.onPersistError?.(e) });
    const book = new HeModelBook(store);
    for (const rec of records.values()) {
      try {
        const entry = planStoredHeModel(rec);
        book.#models.set(entry.modelId, entry);
      } catch (e) {
        opts.onLoadError?.(rec.modelId, e);
      }
    }
    return book;
  }

  /** Records a model; resolves once it is durable (when backed by a bucket). */
  async addModel(entry: HeModelEntry): Promise<void> {
    this.#models.set(entry.modelId, entry);
    if (this.#store && entry.wire.format === 'onnx') await this.#store.write(entry.modelId, { modelId: entry.modelId, onnx: entry.wire.onnx, ...(entry.batch > 1 ? { batch: entry.batch } : {}), ...(entry.statement ? { statement: entry.statement } : {}) });
  }

  /** Resolves when every write made so far has landed. */
  async settled(): Promise<void> {
    await this.#store?.settled();
  }

  /** Stops retrying writes that have not landed. */
  close(): void {
    this.#store?.close();
  }

  /** The model `modelId`, if it is an HE model. */
  model(modelId: string): HeModelEntry | undefined {
    return this.#models.get(modelId);
  }

  /** Records a session. */
  addSession(entry: HeSessionEntry): void {
    this.#sessions.set(entry.sessionId, entry);
  }

  /** The session `sessionId` (expired or not; see {@link HeSessionEntry.expiresAt}). */
  session(sessionId: string): HeSessionEntry | undefined {
    return this.#sessions.get(sessionId);
  }

  /** Forgets sessions expired before `now` for longer than `graceMs` (their ids then read as unknown). */
  purge(now: number, graceMs: number): void {
    for (const [id, s] of this.#sessions) if (now - s.expiresAt > graceMs) this.#sessions.delete(id);
  }
}
