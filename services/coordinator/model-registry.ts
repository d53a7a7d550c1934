/**
 * @module services/coordinator/model-registry
 * The models the parties hold: public facts only (name, version, shapes), never weights or
 * shares. A model is immutable per (name, version): publishing the same pair again with the
 * same request returns the existing record, with a different request is a conflict.
 */
import { randomBytes } from 'node:crypto';
import type { ModelRecord } from '../gateway/gateway-methods.js';
import { ApiFailure } from './errors.js';

interface Entry {
  record: ModelRecord;
  fingerprint: string;
  outputShape?: number[];
}

/** In-memory model registry of the coordinator. */
export class ModelRegistry {
  readonly #byId = new Map<string, Entry>();
  readonly #byName = new Map<string, string>();

  /** A fresh model id. */
  newId(): string {
    return `m-${randomBytes(9).toString('base64url')}`;
  }

  /**
   * The record already published as (name, version), if any.
   * @throws ApiFailure `model-exists` (409) when it was published from a different request.
   */
  existing(name: string, version: string, fingerprint: string): ModelRecord | undefined {
    const id = this.#byName.get(`${name}\u0000${version}`);
    if (!id) return undefined;
    const e = this.#byId.get(id)!;
    if (e.fingerprint !== fingerprint) throw new ApiFailure('model-exists', 409, `model ${name} version ${version} is already published with other weights; publish a new version`);
    return e.record;
  }

  /** Records a model the three parties stored. */
  add(record: ModelRecord, fingerprint: string, outputShape?: number[]): void {
    this.#byId.set(record.id, { record, fingerprint, ...(outputShape ? { outputShape } : {}) });
    this.#byName.set(`${record.name}\u0000${record.version}`, record.id);
  }

  /** The record of `id`. */
  get(id: string): ModelRecord | undefined {
    return this.#byId.get(id)?.record;
  }

  /** All records, oldest first. */
  list(): ModelRecord[] {
    return [...this.#byId.values()].map((e) => e.record);
  }
}
