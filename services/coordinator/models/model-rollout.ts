/**
 * @module services/coordinator/models/model-rollout
 * Which version of each model name is active, and the history of activations and rollbacks:
 * `activate(name, version)` makes a published version the active one, `rollback(name)` returns to
 * the version active before the current one. The first published version of a name is active
 * until someone activates another. In memory, written through to a JetStream key-value bucket
 * when one is given ({@link ModelRollout.withKv}: one record per name, loaded on start), like the
 * model records of model-registry.
 */
import type { JetStreamClient } from 'nats';
import { ApiFailure } from '../errors.js';
import { KvRecords } from '../kv-records.js';
import type { ModelRecord, ModelRolloutState } from '../../wire/api.js';

/** The rollout state of one model name (`active`: id of the active version; `previous`: ids active before, oldest first, what rollback pops). */
export type RolloutState = ModelRolloutState;
type RolloutStep = RolloutState['history'][number];

type Persist = (s: RolloutState) => Promise<void>;

/** Active versions and rollout history per model name. */
export class ModelRollout {
  readonly #byName = new Map<string, RolloutState>();
  readonly #persist: Persist | undefined;
  readonly #onPersistError: (e: unknown) => void;

  constructor(persist?: Persist, onPersistError: (e: unknown) => void = () => undefined) {
    this.#persist = persist;
    this.#onPersistError = onPersistError;
  }

  /** A rollout backed by the bucket `bucket` (created when absent), loaded from it. */
  static async withKv(js: JetStreamClient, opts: { bucket?: string; replicas?: number; onPersistError?: (e: unknown) => void } = {}): Promise<ModelRollout> {
    const { store, records } = await KvRecords.open<RolloutState>(js, { bucket: opts.bucket ?? 'mpc_model_rollout', replicas: opts.replicas ?? 1, onError: (_k, e) => opts.onPersistError?.(e) });
    const r = new ModelRollout(async (s) => await store.write(s.name, s), opts.onPersistError);
    for (const s of records.values()) r.#byName.set(s.name, s);
    return r;
  }

  /** The state of `name`, if any version of it was published. */
  state(name: string): RolloutState | undefined {
    return this.#byName.get(name);
  }

  /** Records a newly published version: active when it is the name's first. */
  published(model: ModelRecord, actor: string): void {
    const step: RolloutStep = { action: 'published', modelId: model.id, version: model.version, actor, at: new Date().toISOString() };
    const s = this.#byName.get(model.name);
    this.#set(s ? { ...s, history: [...s.history, step] } : { name: model.name, active: model.id, previous: [], history: [step] });
  }

  /**
   * Makes `model` (a published version of its name) the active one.
   * @returns the new state and the id that was active before.
   * @throws ApiFailure `conflict` (409) when it is already active.
   */
  activate(model: ModelRecord, actor: string): { state: RolloutState; from: string } {
    const s = this.#known(model.name);
    if (s.active === model.id) throw new ApiFailure('model-rollout-conflict', 409, `model ${model.name} version ${model.version} is already the active version`);
    const next: RolloutState = { ...s, active: model.id, previous: [...s.previous, s.active], history: [...s.history, { action: 'activated', modelId: model.id, version: model.version, actor, at: new Date().toISOString() }] };
    this.#set(next);
    return { state: next, from: s.active };
  }

  /**
   * Returns `name` to the version active before the current one.
   * @param versionOf - the version string of a model id (for the history).
   * @throws ApiFailure `conflict` (409) when no earlier version was active.
   */
  rollback(name: string, actor: string, versionOf: (id: string) => string): { state: RolloutState; from: string } {
    const s = this.#known(name);
    const to = s.previous.at(-1);
    if (to === undefined) throw new ApiFailure('model-rollout-conflict', 409, `model ${name}: no earlier active version to roll back to`);
    const next: RolloutState = { ...s, active: to, previous: s.previous.slice(0, -1), history: [...s.history, { action: 'rolled-back', modelId: to, version: versionOf(to), actor, at: new Date().toISOString() }] };
    this.#set(next);
    return { state: next, from: s.active };
  }

  #known(name: string): RolloutState {
    const s = this.#byName.get(name);
    if (!s) throw new ApiFailure('unknown-model', 404, `name: no published model ${JSON.stringify(name)}`);
    return s;
  }

  #set(s: RolloutState): void {
    this.#byName.set(s.name, s);
    if (this.#persist) void this.#persist(s).catch(this.#onPersistError);
  }
}
