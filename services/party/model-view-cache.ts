/**
 * @module services/party/model-view-cache
 * Decoded model views kept in memory between inference jobs. Reading a view means decrypting
 * it from the share store and decoding megabytes of shares; for a 784-128-128-10 MLP that was
 * about 35 ms of every batch-1 inference. The publish runner replaces an entry when it stores a
 * model (so a re-published id never serves the old view), the inference runner fills it on a
 * miss. Bounded by total bytes; the least recently used views are dropped first.
 */
import type { SharedModel } from '../../protocols/nn/shared-model.js';

/** Default bound: 256 MiB of decoded shares. */
export const DEFAULT_MODEL_CACHE_BYTES = 256 * 1024 * 1024;

/** An LRU cache of decoded model views by model id. */
export class ModelViewCache {
  readonly #entries = new Map<string, { model: SharedModel; bytes: number }>();
  #total = 0;

  constructor(readonly maxBytes: number = DEFAULT_MODEL_CACHE_BYTES) {}

  /** The view of `modelId`, marking it recently used. */
  get(modelId: string): SharedModel | undefined {
    const e = this.#entries.get(modelId);
    if (!e) return undefined;
    this.#entries.delete(modelId);
    this.#entries.set(modelId, e);
    return e.model;
  }

  /** Stores (or replaces) the view of `modelId`; `bytes` is its encoded size. */
  set(modelId: string, model: SharedModel, bytes: number): void {
    this.delete(modelId);
    if (bytes > this.maxBytes) return;
    this.#entries.set(modelId, { model, bytes });
    this.#total += bytes;
    for (const [id, e] of this.#entries) {
      if (this.#total <= this.maxBytes) break;
      this.#entries.delete(id);
      this.#total -= e.bytes;
    }
  }

  /** Forgets `modelId`. */
  delete(modelId: string): void {
    const e = this.#entries.get(modelId);
    if (e) {
      this.#entries.delete(modelId);
      this.#total -= e.bytes;
    }
  }
}
