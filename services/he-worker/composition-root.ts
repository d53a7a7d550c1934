/**
 * @module services/he-worker/composition-root
 * Wires an HE worker service: the one place that picks the concrete pool, identity and log for
 * the tokens, in a child container so that several workers (tests: the two halves of a dual
 * execution) can live in one process without sharing anything.
 */
import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { ServiceIdentity } from '../../crypto-core/keys/identity.js';
import type { ServiceLog } from '../transport/service-log.js';
import { HeRequestHandler, type HeEvaluationPool } from './he-request-handler.js';
import { HE_WORKER_IDENTITY, HE_WORKER_LOG, HE_WORKER_POOL, HE_WORKER_SETTINGS, type HeWorkerSettings } from './tokens.js';

/** Everything an HE worker service is made of. */
export interface HeWorkerParts {
  settings: HeWorkerSettings;
  identity: ServiceIdentity;
  pool: HeEvaluationPool;
  log: ServiceLog;
}

/** A container with the worker's tokens registered, and its request handler resolved. */
export function composeHeWorker(parts: HeWorkerParts, parent: DependencyContainer = rootContainer): { container: DependencyContainer; handler: HeRequestHandler } {
  const c = parent.createChildContainer();
  c.register(HE_WORKER_SETTINGS, { useValue: parts.settings });
  c.register(HE_WORKER_IDENTITY, { useValue: parts.identity });
  c.register(HE_WORKER_POOL, { useValue: parts.pool });
  c.register(HE_WORKER_LOG, { useValue: parts.log });
  return { container: c, handler: c.resolve(HeRequestHandler) };
}
