/**
 * @module services/coordinator/coordinator-service
 * The coordinator as a NATS service: one request/reply subscription per api.ts method (queue
 * group `coordinator`, so a standby could share the load), signed announcements into the
 * registry, and job status changes published on `subjects.jobEvents(job)` for progress streams.
 */
import type { NatsConnection, Subscription } from 'nats';
import type { ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { connectService, type NatsEndpoint } from '../transport/nats-connection.js';
import { jsonLineLog, type ServiceLog } from '../transport/service-log.js';
import { COORDINATOR_METHODS, subjects, type CoordinatorMethod } from '../wire/api.js';
import type { AuditSink } from './audit/audit-sink.js';
import { MemoryAuditSink } from './audit/audit-sink.js';
import { composeCoordinator, type ComposedCoordinator } from './composition-root.js';
import { ApiFailure } from './errors.js';
import type { ResultVerifier } from './jobs/result-verifier.js';
import type { ModelRegistry } from './models/model-registry.js';
import type { JobBook } from './jobs/job-book.js';
import { registerHeMethods, type HeMethods } from './he/he-methods.js';
import { NatsHeWorkerLink } from './he/he-worker-link.js';
import type { HeSettings } from './he/he-tokens.js';
import type { TrustedService } from './service-registry.js';
import { NatsPartyLink } from './jobs/nats-party-link.js';
import { MessageAssembler, splitMessage } from '../wire/chunked-message.js';
import type { DispatchSettings } from './tokens.js';
import type { CheckpointScheduleOptions } from '../audit/checkpoint-schedule.js';
import { AnalyticsMethods } from './analytics/analytics-methods.js';
import { startAuditMethods, type AuditMethods } from './audit/audit-methods.js';

/** What a coordinator needs to start. */
export interface CoordinatorServiceOptions {
  nats: NatsEndpoint;
  identity: ServiceIdentity;
  trusted: readonly TrustedService[];
  /** The audit sink, or a factory given the connection (a JetStream-backed log needs it). Default: in memory. */
  audit?: AuditSink | ((nc: NatsConnection) => Promise<AuditSink>);
  log?: ServiceLog;
  settings?: Partial<DispatchSettings>;
  verifier?: ResultVerifier;
  /** Settings of the HE path (timeouts, single-worker policy). */
  he?: Partial<HeSettings>;
  /** The job book, or a factory given the connection (JetStream KV). Default: in memory. */
  jobs?: JobBook | ((nc: NatsConnection) => Promise<JobBook>);
  /** Catalogue of published models, or a factory given the connection (JetStream KV). Default: in memory. */
  models?: ModelRegistry | ((nc: NatsConnection) => Promise<ModelRegistry>);
  /**
   * When the audit sink is a signing Merkle log (AuditLog): when to sign checkpoints (default:
   * within a second of new entries). A sink made by the `audit` factory is closed on stop.
   */
  auditCheckpoints?: CheckpointScheduleOptions;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A running coordinator. */
export class CoordinatorService {
  readonly nc: NatsConnection;
  readonly parts: ComposedCoordinator;
  /** The HE methods registered in this coordinator's container (answering through its API). */
  readonly he: HeMethods;
  readonly #subs: Subscription[] = [];
  readonly #log: ServiceLog;
  /** The audit API (reads of the Merkle log, gateway denials) and the checkpoint schedule. */
  #audit: { methods: AuditMethods; close?: () => Promise<void> } | undefined;

  private constructor(nc: NatsConnection, parts: ComposedCoordinator, he: HeMethods, log: ServiceLog) {
    this.nc = nc;
    this.parts = parts;
    this.he = he;
    this.#log = log;
  }

  /** Connects and subscribes. */
  static async start(opts: CoordinatorServiceOptions): Promise<CoordinatorService> {
    const id = opts.settings?.id ?? 'coordinator';
    const log = opts.log ?? jsonLineLog(id);
    const nc = await connectService(opts.nats, id);
    const audit = typeof opts.audit === 'function' ? await opts.audit(nc) : (opts.audit ?? new MemoryAuditSink());
    const models = typeof opts.models === 'function' ? await opts.models(nc) : opts.models;
    const book = typeof opts.jobs === 'function' ? await opts.jobs(nc) : opts.jobs;
    const parts = composeCoordinator({
      identity: opts.identity,
      trusted: opts.trusted,
      link: new NatsPartyLink(nc),
      audit,
      log,
      settings: opts.settings,
      verifier: opts.verifier,
      ...(models ? { models } : {}),
      ...(book ? { book } : {}),
    });
    // The HE path (HE workers, dual execution) answers its own methods through the same API.
    const he = registerHeMethods(parts.container, { link: new NatsHeWorkerLink(nc), ...(opts.he ? { settings: opts.he } : {}) });
    parts.api.extend(he);
    const svc = new CoordinatorService(nc, parts, he, log);
    // The audit methods answer from the Merkle log when the sink is one (see audit-methods.ts).
    const auditMethods = startAuditMethods({ id, sink: audit, logger: log, maxReplyBytes: () => nc.info?.max_payload, ...(opts.auditCheckpoints ? { checkpoints: opts.auditCheckpoints } : {}) });
    parts.api.extend(auditMethods);
    // Data sets and analytics queries, with the policy decided before any job is placed.
    parts.api.extend(parts.container.resolve(AnalyticsMethods));
    const closable = audit as { close?: () => Promise<void> };
    svc.#audit = { methods: auditMethods, ...(typeof opts.audit === 'function' && typeof closable.close === 'function' ? { close: () => closable.close!() } : {}) };
    parts.book.onChange((rec) => {
      try {
        nc.publish(subjects.jobEvents(rec.status.id), enc.encode(JSON.stringify(rec.status)));
      } catch (e) {
        log.warn('job-event-failed', { jobId: rec.status.id, message: String(e) });
      }
    });
    for (const method of COORDINATOR_METHODS) svc.#serve(method);
    svc.#subs.push(
      nc.subscribe(subjects.announce, {
        callback: (_err, msg) => {
          try {
            const out = parts.registry.handleAnnounce(JSON.parse(dec.decode(msg.data)));
            if (!out.accepted) log.warn('announce-rejected', { reason: out.reason });
            else if (out.joined) {
              log.info('service-up', { id: out.id });
              void Promise.resolve(audit.append({ type: 'service.joined', actor: id, serviceId: out.id })).catch((e: unknown) => log.warn('audit-append-failed', { message: String(e) }));
            }
          } catch (e) {
            log.warn('announce-rejected', { reason: String(e) });
          }
        },
      }),
    );
    await nc.flush();
    void svc.#watchStatus();
    log.info('coordinator-started', { id });
    return svc;
  }

  #serve(method: CoordinatorMethod): void {
    // A request larger than max_payload may come in pieces; the last one carries the reply subject.
    const assembler = new MessageAssembler(64 << 20);
    this.#subs.push(
      this.nc.subscribe(subjects.api(method), {
        queue: 'coordinator',
        callback: (_err, msg) => {
          let req: unknown;
          try {
            const whole = assembler.push(msg.data);
            if (!whole) return;
            req = JSON.parse(dec.decode(whole));
          } catch {
            req = undefined;
          }
          this.parts.api
            .call(method, req)
            .then(
              (res) => res,
              (e: unknown) => (e instanceof ApiFailure ? e.toApiError() : { error: { code: 'internal', message: e instanceof Error ? e.message : String(e), status: 500 } }),
            )
            .then((body) => {
              const bytes = enc.encode(JSON.stringify(body));
              const max = this.nc.info?.max_payload ?? 1 << 20;
              const pieces = splitMessage(bytes, max);
              if (pieces.length === 1) return void msg.respond(bytes);
              // A reply beyond max_payload goes in pieces only to callers that asked for them
              // (`acceptChunks`), ended by an empty message; others get a clear error instead of silence.
              if ((req as { acceptChunks?: unknown } | undefined)?.acceptChunks === true) {
                for (const p of pieces) msg.respond(p);
                msg.respond(new Uint8Array(0));
                return;
              }
              const tooLarge = new ApiFailure('result-too-large', 413, `reply of ${bytes.length} bytes exceeds the server's max_payload ${max}; call with acceptChunks: true to receive it in pieces`);
              msg.respond(enc.encode(JSON.stringify(tooLarge.toApiError())));
            })
            .catch((e: unknown) => this.#log.warn('api-reply-failed', { method, message: String(e) }));
        },
      }),
    );
  }

  async #watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') {
        this.#log.warn('nats-disconnected', { server: String(s.data) });
        this.parts.registry.markAllDown();
        this.parts.dispatcher.failRunning({ code: 'broker-disconnected', message: `the coordinator lost its NATS connection (${String(s.data)}); reports and frames in flight may be lost` });
      } else if (s.type === 'reconnect') {
        this.#log.info('nats-reconnected', { server: String(s.data) });
      }
    }
  }

  /**
   * Stops: with `waitForJobs`, lets running jobs end first; otherwise fails them (the parties
   * are told to abort) so that no job waits for a coordinator that is gone. Then drains.
   */
  async stop(opts: { waitForJobs?: boolean } = {}): Promise<void> {
    if (!opts.waitForJobs) this.parts.dispatcher.failRunning({ code: 'coordinator-stopping', message: 'the coordinator is shutting down' });
    await this.parts.dispatcher.idle();
    // A last checkpoint covers the final job events; it needs the connection, so before draining.
    try {
      await this.#audit?.methods.stop();
      await this.#audit?.close?.();
    } catch (e) {
      this.#log.warn('audit-stop-failed', { message: String(e) });
    }
    try {
      await this.nc.drain();
    } catch {
      await this.nc.close().catch(() => undefined);
    }
  }
}
