/**
 * @module services/he-worker/he-worker-service
 * The HE worker as a NATS service: a thread pool (one SEAL instance per thread) behind signed
 * coordinator requests on `subjects.jobDispatch(id)`, health on `subjects.health(id)`, and a
 * signed announcement (kind `he-worker`) on start, every few seconds and after each reconnect,
 * the way the parties announce. Requests and replies beyond the server's max_payload travel
 * in pieces (services/transport/chunked-message); every reply ends with an empty sentinel.
 */
import type { NatsConnection, Subscription } from 'nats';
import type { ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { subjects } from '../wire/api.js';
import type { HealthReply } from '../wire/job-messages.js';
import { publishAnnouncement } from '../transport/announce.js';
import { MessageAssembler, splitMessage } from '../wire/chunked-message.js';
import { connectService, type NatsEndpoint } from '../transport/nats-connection.js';
import { jsonLineLog, type ServiceLog } from '../transport/service-log.js';
import { composeHeWorker } from './composition-root.js';
import { HE_CAPABILITY, HE_REQUEST_MAX_AGE_MS } from '../wire/he-messages.js';
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

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A running HE worker service. */
export class HeWorkerService {
  readonly nc: NatsConnection;
  readonly pool: HeWorkerPool;
  readonly handler: HeRequestHandler;
  readonly #opts: HeWorkerServiceOptions;
  readonly #log: ServiceLog;
  readonly #subs: Subscription[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #stopped = false;

  private constructor(nc: NatsConnection, pool: HeWorkerPool, handler: HeRequestHandler, opts: HeWorkerServiceOptions, log: ServiceLog) {
    this.nc = nc;
    this.pool = pool;
    this.handler = handler;
    this.#opts = opts;
    this.#log = log;
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
    const svc = new HeWorkerService(nc, pool, handler, opts, log);
    svc.#subscribe();
    await nc.flush();
    svc.#announce();
    svc.#timer = setInterval(() => svc.#announce(), opts.announceIntervalMs ?? 3000);
    svc.#timer.unref?.();
    void svc.#watchStatus();
    log.info('he-worker-started', { id: opts.id, threads: pool.size });
    return svc;
  }

  #subscribe(): void {
    const { id } = this.#opts;
    const assembler = new MessageAssembler(this.#opts.maxRequestBytes ?? 64 << 20);
    this.#subs.push(
      this.nc.subscribe(subjects.jobDispatch(id), {
        callback: (err, msg) => {
          if (err) return this.#log.warn('he-subscription-error', { message: err.message });
          let raw: unknown;
          try {
            const whole = assembler.push(msg.data);
            // Pieces before the last are published without a reply subject: nothing to answer yet.
            if (!whole) return;
            raw = JSON.parse(dec.decode(whole));
          } catch {
            raw = undefined;
          }
          if (!msg.reply) return this.#log.warn('he-request-without-reply', { subject: msg.subject });
          void this.handler
            .handle(raw)
            .then((reply) => {
              for (const piece of splitMessage(enc.encode(JSON.stringify(reply)), this.nc.info?.max_payload ?? 1 << 20)) msg.respond(piece);
              msg.respond(new Uint8Array(0));
            })
            .catch((e: unknown) => this.#log.warn('he-reply-failed', { message: String(e) }));
        },
      }),
    );
    this.#subs.push(
      this.nc.subscribe(subjects.health(id), {
        callback: (_err, msg) => {
          try {
            const reply: HealthReply = { id, ready: !this.#stopped, activeJobs: this.handler.active, capabilities: [HE_CAPABILITY] };
            msg.respond(enc.encode(JSON.stringify(reply)));
          } catch (e) {
            this.#log.warn('health-reply-failed', { message: String(e) });
          }
        },
      }),
    );
  }

  #announce(): void {
    if (this.#stopped) return;
    publishAnnouncement(this.nc, this.#opts.identity, { id: this.#opts.id, kind: 'he-worker', capabilities: [HE_CAPABILITY] }, this.#log);
  }

  async #watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'reconnect') {
        this.#log.info('nats-reconnected', { server: String(s.data) });
        this.#announce();
      }
    }
  }

  /** Stops announcing, drains the connection, closes the pool. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    try {
      await this.nc.drain();
    } catch {
      await this.nc.close().catch(() => undefined);
    }
    await this.pool.close();
  }
}
