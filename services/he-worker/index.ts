/**
 * @module services/he-worker
 * The HE worker service: a worker-thread pool evaluating CKKS models (one SEAL instance per
 * thread) with a session registry for clients' evaluation keys, served on NATS to the
 * coordinator through signed requests (services/wire he-messages, he-signing), plus its config and
 * composition root.
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
  HeRequestRefusedError,
} from './errors.js';
export type { WorkerFaults } from './worker-messages.js';
export { HeWorkerService } from './he-worker-service.js';
export type { HeWorkerServiceOptions } from './he-worker-service.js';
export { HeRequestHandler } from './he-request-handler.js';
export type { HeEvaluationPool } from './he-request-handler.js';
export { composeHeWorker } from './composition-root.js';
export type { HeWorkerParts } from './composition-root.js';
export { loadHeWorkerConfig } from './he-worker-config.js';
export type { HeWorkerConfigFile } from './he-worker-config.js';
