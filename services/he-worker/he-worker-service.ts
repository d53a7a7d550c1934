/**
 * @module services/he-worker/he-worker-service
 * The HE worker as a NATS service: a thread pool (one SEAL instance per thread) behind signed
 * coordinator requests on `subjects.jobDispatch(id)`, health on `subjects.health(id)`, and a
 * signed announcement (kind `he-worker`) on start, every few seconds and after each reconnect,
 * the way the parties announce. Requests and replies beyond the server's max_payload travel
 * in pieces (services/wire/chunked-message); every reply ends with an empty sentinel.
 */
import type { NatsConnection } from 'nats';
import type { ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { subjects } from '../wire/api.js';
import { NatsServiceRunner } from '../transport/nats-service-runner.js';
import { connectService, type NatsEndpoint } from '../transport/nats-connection.js';
import { jsonLineLog, type ServiceLog } from '../transport/service-log.js';
import { composeHeWorker } from './composition-root.js';
import { HE_CAPABILITY, HE_REQUEST_MAX_AGE_MS, HE_SESSION_REQUEST_MAX_BYTES } from '../wire/he-messages.js';
import type { HeEvaluationPool, HeRequestHandler } from './he-request-handler.js';
import { HeWorkerPool, type HeWorkerPoolOptions } from './worker-pool.js';

/** What an HE worker service needs to start. */
export interface HeWorkerServiceOptions {
  nats: NatsEndpoint;
  id: string;
  identity: ServiceIdentity;
  /** Ed25519 public key of the coordinator whose signed requests this worker runs. */
  coordinatorKey: Uint8Array;
  /** Thread pool options (threads, session limits, timeouts). */
  pool?: HeWorkerPoolOptions;
  log?: ServiceLog;
  /** Milliseconds between announcements (default 3000). */
  announceIntervalMs?: number;
  /** Age beyond which a request is refused (default 5 minutes). */
  maxRequestAgeMs?: number;
  /**
   * Fault drills and tests only: wraps the pool the requests reach (e.g. a worker that alters
   * its results, to show that dual execution catches it). Production configs never set it.
   */
  decoratePool?: (pool: HeEvaluationPool) => HeEvaluationPool;
  /** Largest request accepted, bytes (default 64 MiB: a session's keys are ~19 MB, ~25 MB as base64). */
  maxRequestBytes?: number;
}

/** A running HE worker service. */
export class HeWorkerService {
  readonly nc: NatsConnection;
  readonly pool: HeWorkerPool;
  readonly handler: HeRequestHandler;
  readonly #runner: NatsServiceRunner;

  private constructor(runner: NatsServiceRunner, pool: HeWorkerPool, handler: HeRequestHandler) {
    this.nc = runner.nc;
    this.#runner = runner;
    this.pool = pool;
    this.handler = handler;
  }

  /** Starts the pool, connects, subscribes and announces. */
  static async start(opts: HeWorkerServiceOptions): Promise<HeWorkerService> {
    const log = opts.log ?? jsonLineLog(opts.id);
    const pool = await HeWorkerPool.start(opts.pool ?? {});
    let nc: NatsConnection;
    try {
      nc = await connectService(opts.nats, opts.id);
    } catch (e) {
      await pool.close();
      throw e;
    }
    const { handler } = composeHeWorker({
      settings: { id: opts.id, coordinatorKey: opts.coordinatorKey, maxRequestAgeMs: opts.maxRequestAgeMs ?? HE_REQUEST_MAX_AGE_MS },
      identity: opts.identity,
      pool: opts.decoratePool ? opts.decoratePool(pool) : pool,
      log,
    });
    const runner = new NatsServiceRunner(nc, log);
    // Replies (result ciphertexts) always go in pieces ended by an empty message.
    runner.serve(subjects.jobDispatch(opts.id), { name: 'he', reply: { kind: 'pieces' }, maxRequestBytes: opts.maxRequestBytes ?? HE_SESSION_REQUEST_MAX_BYTES, handle: (raw) => handler.handle(raw) });
    runner.serveHealth(opts.id, () => ({ activeJobs: handler.active, capabilities: [HE_CAPABILITY] }));
    await nc.flush();
    runner.announceEvery(opts.identity, () => ({ id: opts.id, kind: 'he-worker', capabilities: [HE_CAPABILITY] }), opts.announceIntervalMs ?? 3000);
    runner.watchStatus();
    log.info('he-worker-started', { id: opts.id, threads: pool.size });
    return new HeWorkerService(runner, pool, handler);
  }

  /** Stops announcing, drains the connection, closes the pool. Idempotent. */
  async stop(): Promise<void> {
    if (this.#runner.stopped) return;
    await this.#runner.stop();
    await this.pool.close();
  }
}
