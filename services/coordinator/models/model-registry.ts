/**
 * @module services/coordinator/models/model-registry
 * The models the parties (MPC) or HE workers hold: public facts only (name, version, shapes),
 * never weights or shares. A model is immutable per (name, version): publishing the same pair
 * again with the same request returns the existing record, with a different request is a
 * conflict.
 *
 * The registry answers from memory (synchronously); with a JetStream key-value bucket behind it
 * ({@link ModelRegistry.withKv}) it loads the bucket on start and writes every new model
 * through (retried until it lands), so the list of published models survives a coordinator restart (the parties keep
 * the shares either way) and is replicated with the cluster.
 */
import { randomBytes } from 'node:crypto';
import type { JetStreamClient } from 'nats';
import type { ModelRecord } from '../../wire/api.js';
import { ApiFailure } from '../errors.js';
import { KvRecords } from '../kv-records.js';
import { ModelRollout } from './model-rollout.js';

/** What the coordinator keeps per model. */
interface Entry {
  record: ModelRecord;
  fingerprint: string;
  outputShape?: number[];
  /** MPC: SHA-256 of the three sealed views, from the owner-signed statement the parties checked. */
  boxSha256?: [string, string, string];
}

/** Writes one entry to durable storage. */
type Persist = (entry: Entry) => Promise<void>;

/** A KV key token: ids, names and versions already match it (checked at the API). */
const KEY_TOKEN = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/** Registry of published models. */
export class ModelRegistry {
  readonly #byId = new Map<string, Entry>();
  readonly #byName = new Map<string, string>();
  readonly #persist: Persist | undefined;
  readonly #onPersistError: (e: unknown) => void;
  /** Active versions and rollout history per name (model-rollout), durable beside the records. */
  readonly rollout: ModelRollout;

  /**
   * @param persist - writes a new entry durably (default: memory only).
   * @param onPersistError - called when a write-through fails (the entry stays in memory).
   */
  constructor(persist?: Persist, onPersistError: (e: unknown) => void = () => undefined, rollout: ModelRollout = new ModelRollout()) {
    this.#persist = persist;
    this.#onPersistError = onPersistError;
    this.rollout = rollout;
  }

  /** A registry backed by the JetStream key-value bucket `bucket` (created when absent), loaded from it; writes are retried until they land. */
  static async withKv(js: JetStreamClient, opts: { bucket?: string; replicas?: number; onPersistError?: (e: unknown) => void } = {}): Promise<ModelRegistry> {
    const { store, records } = await KvRecords.open<Entry>(js, { bucket: opts.bucket ?? 'mpc_models', replicas: opts.replicas ?? 1, onError: (_k, e) => opts.onPersistError?.(e) });
    // The rollout (active version per name) in its own bucket beside it.
    const rollout = await ModelRollout.withKv(js, { bucket: `${opts.bucket ?? 'mpc_models'}_rollout`, replicas: opts.replicas ?? 1, ...(opts.onPersistError ? { onPersistError: opts.onPersistError } : {}) });
    const reg = new ModelRegistry(
      async (e) => {
        if (!KEY_TOKEN.test(e.record.id)) throw new Error(`model id ${JSON.stringify(e.record.id)} is not a valid key`);
        await store.write(e.record.id, e);
      },
      opts.onPersistError,
      rollout,
    );
    for (const e of [...records.values()].sort((x, y) => x.record.createdAt.localeCompare(y.record.createdAt))) reg.#remember(e);
    return reg;
  }

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

  /** Records a model that its holders stored (and writes it through when durable). */
  add(record: ModelRecord, fingerprint: string, outputShape?: number[], boxSha256?: [string, string, string]): void {
    const entry: Entry = { record, fingerprint, ...(outputShape ? { outputShape } : {}), ...(boxSha256 ? { boxSha256 } : {}) };
    this.#remember(entry);
    if (this.#persist) void this.#persist(entry).catch(this.#onPersistError);
  }

  #remember(e: Entry): void {
    this.#byId.set(e.record.id, e);
    this.#byName.set(`${e.record.name}\u0000${e.record.version}`, e.record.id);
  }

  /** The record published as (name, version), if any. */
  byVersion(name: string, version: string): ModelRecord | undefined {
    const id = this.#byName.get(`${name}\u0000${version}`);
    return id === undefined ? undefined : this.#byId.get(id)?.record;
  }

  /** The record of `id`. */
  get(id: string): ModelRecord | undefined {
    return this.#byId.get(id)?.record;
  }

  /** The digests of the sealed views of MPC model `id` the parties checked at publication, when kept. */
  boxSha256(id: string): [string, string, string] | undefined {
    return this.#byId.get(id)?.boxSha256;
  }

  /** All records, oldest first. */
  list(): ModelRecord[] {
    return [...this.#byId.values()].map((e) => e.record);
  }
}
