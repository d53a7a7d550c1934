/**
 * @module services/coordinator/coordinator-service
 * The coordinator as a NATS service: one request/reply subscription per api.ts method (queue
 * group `coordinator`, so a standby could share the load), signed announcements into the
 * registry, and job status changes published on `subjects.jobEvents(job)` for progress streams.
 */
import type { NatsConnection } from 'nats';
import type { ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { connectService, type NatsEndpoint } from '../transport/nats-connection.js';
import { NatsServiceRunner } from '../transport/nats-service-runner.js';
import { jsonLineLog, type ServiceLog } from '../transport/service-log.js';
import { COORDINATOR_METHODS, subjects } from '../wire/api.js';
import type { AuditSink } from './audit/audit-sink.js';
import type { GovernanceSettings } from './governance/party-quarantine.js';
import type { CreditSettings } from './governance/tenant-budgets.js';
import type { KvRecords } from './kv-records.js';
import type { GovernanceRecord } from '../wire/party-governance.js';
import { HE_SESSION_REQUEST_MAX_BYTES } from '../wire/he-messages.js';
import { MemoryAuditSink } from './audit/audit-sink.js';
import { composeCoordinator, type ComposedCoordinator } from './composition-root.js';
import { ApiFailure } from './errors.js';
import type { ResultVerifier } from './jobs/result-verifier.js';
import type { ModelRegistry } from './models/model-registry.js';
import type { JobBook } from './jobs/job-book.js';
import type { DatasetCatalog } from './analytics/dataset-catalog.js';
import { auditJobsFailedAtLoad } from './audit/job-audit.js';
import { witnessCheckpoints } from './audit/checkpoint-cosigning.js';
import type { HeMethods } from './he/he-methods.js';
import { NatsHeWorkerLink } from './he/he-worker-link.js';
import type { HeSettings } from './he/he-tokens.js';
import type { HeModelBook } from './he/he-model-book.js';
import type { TrustedService } from './service-registry.js';
import { NatsPartyLink } from './jobs/nats-party-link.js';
import { natsInventoryLink } from './storage-reconciliation.js';
import type { DispatchSettings } from './tokens.js';
import type { CheckpointScheduleOptions } from '../audit/checkpoint-schedule.js';
import type { TrustedGateway } from './principal-gate.js';

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
  /** The job book, or a factory given the connection and the audit sink (JetStream KV, see job-audit recordedFailure). Default: in memory. */
  jobs?: JobBook | ((nc: NatsConnection, audit: AuditSink) => Promise<JobBook>);
  /** The data-set catalogue and upload answers, or a factory given the connection (JetStream KV). Default: in memory. */
  datasets?: DatasetCatalog | ((nc: NatsConnection) => Promise<DatasetCatalog>);
  /** Catalogue of published models, or a factory given the connection (JetStream KV). Default: in memory. */
  models?: ModelRegistry | ((nc: NatsConnection) => Promise<ModelRegistry>);
  /** The HE models (their ONNX and plans), or a factory given the connection (JetStream KV). Default: in memory. */
  heModels?: HeModelBook | ((nc: NatsConnection) => Promise<HeModelBook>);
  /**
   * When the audit sink is a signing Merkle log (AuditLog): when to sign checkpoints (default:
   * within a second of new entries). A sink made by the `audit` factory is closed on stop.
   */
  auditCheckpoints?: CheckpointScheduleOptions;
  /** Have the trusted parties cosign each checkpoint as witnesses (default true; audit/checkpoint-cosigning). */
  witnessCheckpoints?: boolean;
  /** Gateway keys trusted to assert principals (coordinator/principal-gate); without, only readiness and the registry answer. */
  gateways?: readonly TrustedGateway[];
  /** Reputation thresholds, operator keys and quorum (governance/party-quarantine). */
  governance?: GovernanceSettings;
  /** Tenants' credit budgets and pricing (governance/tenant-budgets; docs/governance.md "Credits"). */
  credits?: CreditSettings;
  /** The quarantines in force, or a factory given the connection (JetStream KV `mpc_quarantine`). Default: in memory. */
  quarantines?: (nc: NatsConnection) => Promise<{ store: KvRecords<GovernanceRecord>; records: Map<string, GovernanceRecord> }>;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A running coordinator. */
export class CoordinatorService {
  readonly nc: NatsConnection;
  readonly parts: ComposedCoordinator;
  /** The HE methods registered in this coordinator's container (answering through its API). */
  readonly he: HeMethods;
  readonly #runner: NatsServiceRunner;
  readonly #log: ServiceLog;
  /** Closes the audit sink made by the `audit` factory. */
  readonly #closeAudit: (() => Promise<void>) | undefined;
  readonly #sink: AuditSink;

  private constructor(runner: NatsServiceRunner, parts: ComposedCoordinator, log: ServiceLog, closeAudit: (() => Promise<void>) | undefined, sink: AuditSink) {
    this.nc = runner.nc;
    this.#runner = runner;
    this.parts = parts;
    this.he = parts.he;
    this.#log = log;
    this.#closeAudit = closeAudit;
    this.#sink = sink;
  }

  /** Connects and subscribes. */
  static async start(opts: CoordinatorServiceOptions): Promise<CoordinatorService> {
    const id = opts.settings?.id ?? 'coordinator';
    const log = opts.log ?? jsonLineLog(id);
    const nc = await connectService(opts.nats, id);
    const audit = typeof opts.audit === 'function' ? await opts.audit(nc) : (opts.audit ?? new MemoryAuditSink());
    const models = typeof opts.models === 'function' ? await opts.models(nc) : opts.models;
    const book = typeof opts.jobs === 'function' ? await opts.jobs(nc, audit) : opts.jobs;
    const datasets = typeof opts.datasets === 'function' ? await opts.datasets(nc) : opts.datasets;
    const heModels = typeof opts.heModels === 'function' ? await opts.heModels(nc) : opts.heModels;
    const quarantines = opts.quarantines ? await opts.quarantines(nc) : undefined;
    // The parties witness every checkpoint (C2SP tlog-witness); the schedule waits for their cosignatures.
    const witness = opts.witnessCheckpoints === false ? undefined : witnessCheckpoints(audit, nc, opts.trusted, log);
    const userHook = opts.auditCheckpoints?.onCheckpoint;
    const auditCheckpoints: CheckpointScheduleOptions | undefined = witness
      ? {
          ...opts.auditCheckpoints,
          onCheckpoint: async (note: string) => {
            const cosigned = await witness(note);
            await userHook?.(cosigned);
            return cosigned;
          },
        }
      : opts.auditCheckpoints;
    const parts = composeCoordinator({
      identity: opts.identity,
      trusted: opts.trusted,
      link: new NatsPartyLink(nc),
      heLink: new NatsHeWorkerLink(nc),
      inventory: natsInventoryLink(nc),
      audit,
      log,
      settings: opts.settings,
      verifier: opts.verifier,
      maxReplyBytes: () => nc.info?.max_payload,
      ...(opts.he ? { he: opts.he } : {}),
      ...(auditCheckpoints ? { auditCheckpoints } : {}),
      ...(models ? { models } : {}),
      ...(book ? { book } : {}),
      ...(datasets ? { datasets } : {}),
      ...(heModels ? { heModels } : {}),
      ...(opts.gateways ? { gateways: opts.gateways } : {}),
      ...(opts.governance ? { governance: opts.governance } : {}),
      ...(opts.credits ? { credits: opts.credits } : {}),
      ...(quarantines ? { quarantines } : {}),
    });
    parts.quarantine?.start();
    parts.resharing.start();
    // Jobs the reloaded book failed get their terminal entry now that the audit policy is attached.
    auditJobsFailedAtLoad(parts.book, audit, id, log);
    const closable = audit as { close?: () => Promise<void> };
    const closeAudit = typeof opts.audit === 'function' && typeof closable.close === 'function' ? () => closable.close!() : undefined;
    parts.book.onChange((rec) => {
      try {
        nc.publish(subjects.jobEvents(rec.status.id), enc.encode(JSON.stringify(rec.status)));
      } catch (e) {
        log.warn('job-event-failed', { jobId: rec.status.id, message: String(e) });
      }
    });
    const runner = new NatsServiceRunner(nc, log);
    // A reply beyond max_payload goes in pieces only to callers that asked for them (`acceptChunks`).
    const reply = {
      kind: 'pieces-if-asked' as const,
      tooLarge: (bytes: number, max: number) => new ApiFailure('result-too-large', 413, `reply of ${bytes} bytes exceeds the server's max_payload ${max}; call with acceptChunks: true to receive it in pieces`).toApiError(),
    };
    for (const method of COORDINATOR_METHODS) {
      runner.serve(subjects.api(method), {
        name: 'api',
        queue: 'coordinator',
        // A session's evaluation keys (N = 16384: ~80 MB) come from the gateway in pieces.
        ...(method === 'he.registerKeys' ? { maxRequestBytes: HE_SESSION_REQUEST_MAX_BYTES } : {}),
        reply,
        handle: (req) =>
          parts.api
            .callFromBroker(method, req)
            .catch((e: unknown) => (e instanceof ApiFailure ? e.toApiError() : { error: { code: 'internal', message: e instanceof Error ? e.message : String(e), status: 500 } })),
      });
    }
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
    });
    await nc.flush();
    runner.watchStatus({
      disconnect: (server) => {
        parts.registry.markAllDown();
        parts.dispatcher.failRunning({ code: 'broker-disconnected', message: `the coordinator lost its NATS connection (${server}); reports and frames in flight may be lost` });
      },
    });
    log.info('coordinator-started', { id });
    // Reload done: compare the parties' stores with the catalogues once they are back (logged).
    void parts.storage?.reconcileOnStart();
    return new CoordinatorService(runner, parts, log, closeAudit, audit);
  }

  /**
   * Stops: with `waitForJobs`, lets running jobs end first; otherwise fails them (the parties
   * are told to abort) so that no job waits for a coordinator that is gone. Then drains.
   */
  async stop(opts: { waitForJobs?: boolean } = {}): Promise<void> {
    this.parts.quarantine?.stop();
    const resharingStopped = this.parts.resharing.stop();
    this.parts.probes.stop();
    if (!opts.waitForJobs) this.parts.dispatcher.failRunning({ code: 'coordinator-stopping', message: 'the coordinator is shutting down' });
    await this.parts.dispatcher.idle();
    // A resharing's item job is run, not launched: wait for it (bounded) and for its record's write.
    await Promise.race([resharingStopped, new Promise((r) => setTimeout(r, 10_000).unref())]);
    // The book's and the catalogue's last writes land before the connection goes (bounded: a broker that is away).
    await Promise.race([Promise.all([this.parts.book.settled(), this.parts.datasets.settled(), this.parts.heModels?.settled()]), new Promise((r) => setTimeout(r, 5000).unref())]);
    this.parts.book.close();
    this.parts.datasets.close();
    this.parts.heModels?.close();
    // A last checkpoint covers the final job events; it needs the connection, so before draining.
    try {
      // An outbox publishes what it holds first (bounded), so that the last checkpoint covers it.
      await (this.#sink as { flush?: () => Promise<void> }).flush?.();
      await this.parts.audit.stop();
      await this.#closeAudit?.();
    } catch (e) {
      this.#log.warn('audit-stop-failed', { message: String(e) });
    }
    await this.#runner.stop();
  }
}
