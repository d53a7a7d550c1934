/**
 * @module services/coordinator/models/active-model
 * Which version of a model name is active: the rollout's record of the name (model-rollout),
 * else the name's first published version, which is active until someone activates another.
 * Read by the rollout methods and by `jobs.submit` when an inference names its model by name.
 */
import type { JobModel } from '../../wire/api.js';
import { ApiFailure } from '../errors.js';
import type { ModelRegistry } from './model-registry.js';
import type { RolloutState } from './model-rollout.js';

/**
 * The rollout state of `name`; a name never activated or rolled back gets its first published
 * version recorded as active.
 * @throws ApiFailure `unknown-model` (404) when no version of `name` was published.
 */
export function rolloutOf(models: ModelRegistry, name: string): RolloutState {
  const s = models.rollout.state(name);
  if (s) return s;
  const first = models
    .list()
    .filter((m) => m.name === name)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
  if (!first) throw new ApiFailure('unknown-model', 404, `name: no published model ${JSON.stringify(name)}`);
  models.rollout.published(first, 'coordinator');
  return models.rollout.state(name)!;
}

/** The job's view of MPC model `id` (id, name, version, the sealed views' digests when kept). */
export function jobModelOf(models: ModelRegistry, id: string): JobModel | undefined {
  const m = models.get(id);
  if (!m || m.mode !== 'mpc') return undefined;
  const boxSha256 = models.boxSha256(id);
  return { id: m.id, name: m.name, version: m.version, ...(boxSha256 ? { boxSha256: [...boxSha256] } : {}) };
}

/**
 * The active version of MPC model `name`.
 * @throws ApiFailure `unknown-model` (404) naming `payload.model` when no MPC version of it was published.
 */
export function activeModel(models: ModelRegistry, name: string): JobModel {
  let state: RolloutState;
  try {
    state = rolloutOf(models, name);
  } catch (e) {
    if (e instanceof ApiFailure && e.code === 'unknown-model') throw new ApiFailure('unknown-model', 404, `payload.model: no published MPC model named ${JSON.stringify(name)}`);
    throw e;
  }
  const m = jobModelOf(models, state.active);
  if (!m) throw new ApiFailure('unknown-model', 404, `payload.model: the active version of ${JSON.stringify(name)} (${state.active}) is not an MPC model this coordinator lists`);
  return m;
}
