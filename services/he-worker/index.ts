/**
 * @module services/he-worker
 * The HE worker service core: a worker-thread pool evaluating CKKS models, with a session
 * registry for clients' evaluation keys and dual execution.
 */
export { HeWorkerPool } from './worker-pool.js';
export type { HeWorkerPoolOptions, HeEvaluateRequest, HeWorkerResult, HeDualResult } from './worker-pool.js';
export { SessionRegistry } from './session-registry.js';
export type { SessionRegistryOptions } from './session-registry.js';
export {
  HeUnknownSessionError,
  HeSessionExpiredError,
  HeSessionLimitError,
  HeUnknownModelError,
  HeWorkerCrashedError,
  HePoolClosedError,
} from './errors.js';
export type { WorkerFaults } from './worker-messages.js';
