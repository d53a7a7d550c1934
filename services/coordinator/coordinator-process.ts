/**
 * @module services/coordinator/coordinator-process
 * The coordinator as a process (`mpc coordinator --config <file>`): what it keeps where.
 *
 * With `"audit": "jetstream"` every state that outlives a job is in the broker's replicated
 * store, with the audit log's replication (config `replicas`): the Merkle audit log (streams
 * MPC_AUDIT, MPC_AUDIT_CHECKPOINTS) behind a local outbox file (`<stateDir>/audit-outbox.jsonl`,
 * audit-outbox.ts), the job book (KV `mpc_jobs`), the model catalogue (`mpc_models`), the HE models' ONNX (`mpc_he_models`) and the
 * data-set catalogue with the upload answers (`mpc_datasets`). A restarted coordinator reloads
 * all of it. With `"audit": "memory"` the same signed Merkle log is kept in this process and
 * nothing survives a restart.
 */
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { AuditLog } from '../audit/audit-log.js';
import { AuditOutbox } from '../audit/audit-outbox.js';
import { DatasetCatalog } from './analytics/dataset-catalog.js';
import { MemoryMerkleLog } from './audit/audit-memory-log.js';
import { recordedFailure } from './audit/job-audit.js';
import { openQuarantineStore } from './governance/party-quarantine.js';
import type { CoordinatorConfig } from './coordinator-config.js';
import { CoordinatorService, type CoordinatorServiceOptions } from './coordinator-service.js';
import { JobBook } from './jobs/job-book.js';
import { ModelRegistry } from './models/model-registry.js';
import { HeModelBook } from './he/he-model-book.js';

/** The outbox file in a coordinator's state folder. */
export const OUTBOX_FILE = 'audit-outbox.jsonl';

/** Writes one line to stderr (the process log), at most once per `everyMs` per kind. */
function throttled(everyMs: number): (kind: string, e: unknown) => void {
  const last = new Map<string, number>();
  return (kind, e) => {
    const now = Date.now();
    if (now - (last.get(kind) ?? 0) < everyMs) return;
    last.set(kind, now);
    process.stderr.write(`${kind}: ${e instanceof Error ? e.message : String(e)} (retrying)\n`);
  };
}

/** The state options of a coordinator started from `cfg`: durable in JetStream, or in memory. */
export function coordinatorState(cfg: CoordinatorConfig): Pick<CoordinatorServiceOptions, 'audit' | 'models' | 'jobs' | 'datasets' | 'heModels' | 'quarantines'> {
  const signer = { origin: cfg.settings.id ?? 'coordinator', secretKey: cfg.identity.signing.secretKey };
  // Without JetStream the log lives in this process: verifiable through the API, not durable.
  if (cfg.audit !== 'jetstream') return { audit: new MemoryMerkleLog(signer) };
  const replicas = cfg.replicas;
  const warn = throttled(5000);
  return {
    audit: async (nc: NatsConnection) =>
      AuditOutbox.open(await AuditLog.open(nc.jetstream(), { signer, replicas }), {
        file: join(cfg.stateDir, OUTBOX_FILE),
        onPublishError: (e) => warn('audit outbox publish failed', e),
        onRecovered: (m) => process.stderr.write(`${m}\n`),
      }),
    models: async (nc) => await ModelRegistry.withKv(nc.jetstream(), { replicas, onPersistError: (e) => warn('model catalogue write failed', e) }),
    jobs: async (nc, audit) => await JobBook.withKv(nc.jetstream(), { replicas, onPersistError: (e) => warn('job book write failed', e), recordedFailure: recordedFailure(audit) }),
    quarantines: async (nc) => await openQuarantineStore(nc.jetstream(), { replicas, onPersistError: (e) => warn('quarantine write failed', e) }),
    datasets: async (nc) => await DatasetCatalog.withKv(nc.jetstream(), { replicas, onPersistError: (e) => warn('data-set catalogue write failed', e) }),
    heModels: async (nc) =>
      await HeModelBook.withKv(nc.jetstream(), {
        replicas,
        onPersistError: (e) => warn('HE model book write failed', e),
        onLoadError: (modelId, e) => process.stderr.write(`HE model ${modelId} could not be planned again (${e instanceof Error ? e.message : String(e)}); publish it again\n`),
      }),
  };
}

/** Starts the coordinator of `cfg`, signing a checkpoint within a second of new entries. */
export async function startCoordinatorProcess(cfg: CoordinatorConfig): Promise<CoordinatorService> {
  return await CoordinatorService.start({
    nats: cfg.nats,
    identity: cfg.identity,
    trusted: cfg.trusted,
    gateways: cfg.gateways,
    settings: cfg.settings,
    governance: cfg.governance,
    credits: cfg.credits,
    ...coordinatorState(cfg),
    auditCheckpoints: { everyMs: 1000, onError: (e: unknown) => process.stderr.write(`audit checkpoint failed: ${String(e)}\n`) },
  });
}
