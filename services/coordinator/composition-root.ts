/**
 * @module services/coordinator/composition-root
 * Wires a coordinator: the one place that picks concrete classes for its tokens, in a child
 * container so that tests can run a coordinator beside parties in one process. The audit sink
 * is attached here as a job listener: one audit event per job state change.
 */
import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { ServiceIdentity } from '../../crypto-core/keys/identity.js';
import type { ServiceLog } from '../transport/service-log.js';
import type { AuditSink } from './audit/audit-sink.js';
import { CoordinatorApi } from './coordinator-api.js';
import { JobBook } from './jobs/job-book.js';
import { JobDispatcher } from './jobs/job-dispatcher.js';
import { computePlan, inferencePlan, modelPublishPlan, type JobPlan } from './jobs/job-plans.js';
import { analyticsQueryPlan, datasetDeletePlan, datasetUploadPlan } from './analytics/analytics-job-plans.js';
import type { PartyJobKind } from '../wire/job-kinds.js';
import type { CheckpointScheduleOptions } from '../audit/checkpoint-schedule.js';
import { TrustMethods } from './trust/trust-methods.js';
import { StorageReconciliation, type InventoryLink } from './storage-reconciliation.js';
import { AnalyticsMethods } from './analytics/analytics-methods.js';
import { startAuditMethods, type AuditMethods } from './audit/audit-methods.js';
import { ModelRolloutMethods } from './models/model-rollout-methods.js';
import { auditJobChanges } from './audit/job-audit.js';
import { registerHeMethods, type HeMethods } from './he/he-methods.js';
import type { HeWorkerLink } from './he/he-worker-link.js';
import type { HeModelBook } from './he/he-model-book.js';
import type { HeSettings } from './he/he-tokens.js';
import { standbyResharePlan } from './governance/standby-reshare-plan.js';
import { probePlan } from './governance/probe-plan.js';
import { StandbyResharing } from './governance/standby-resharing.js';
import { IncidentProbes } from './governance/incident-probes.js';
import { PartyQuarantine, type GovernanceSettings, type QuarantineLogReader } from './governance/party-quarantine.js';
import { ServiceKpis } from './governance/service-kpis.js';
import { TenantBudgets, type CreditSettings } from './governance/tenant-budgets.js';
import type { KvRecords } from './kv-records.js';
import type { GovernanceRecord } from '../wire/party-governance.js';

/** The plan of every kind the parties run (a kind without one is a compile error). */
export const PARTY_JOB_PLANS: { readonly [K in PartyJobKind]: JobPlan } = {
  'mpc-compute': computePlan,
  'mpc-inference': inferencePlan,
  'model-publish': modelPublishPlan,
  'dataset-upload': datasetUploadPlan,
  'dataset-delete': datasetDeletePlan,
  'analytics-query': analyticsQueryPlan,
  'reshare-standby': standbyResharePlan,
  'mpc-probe': probePlan,
};
import { ModelRegistry } from './models/model-registry.js';
import { DatasetCatalog } from './analytics/dataset-catalog.js';
import type { PartyLink } from './jobs/party-link.js';
import { CommitmentVerifier, type ResultVerifier } from './jobs/result-verifier.js';
import { ServiceRegistry, type TrustedService } from './service-registry.js';
import { PrincipalGate, type PrincipalGateOptions, type TrustedGateway } from './principal-gate.js';
import {
  AUDIT_SINK,
  COORDINATOR_IDENTITY,
  COORDINATOR_LOG,
  DATASET_CATALOG,
  DISPATCH_SETTINGS,
  JOB_BOOK,
  JOB_DISPATCHER,
  JOB_PLANS,
  MODEL_REGISTRY,
  PARTY_LINK,
  RESULT_VERIFIER,
  SERVICE_REGISTRY,
  type DispatchSettings,
} from './tokens.js';

/** Everything a coordinator is made of. */
export interface CoordinatorParts {
  identity: ServiceIdentity;
  trusted: readonly TrustedService[];
  link: PartyLink;
  audit: AuditSink;
  log: ServiceLog;
  settings?: Partial<DispatchSettings>;
  verifier?: ResultVerifier;
  plans?: JobPlan[];
  /** Catalogue of published models (default: in memory). */
  models?: ModelRegistry;
  /** The job book (default: in memory). */
  book?: JobBook;
  /** The data-set catalogue and upload answers (default: in memory). */
  datasets?: DatasetCatalog;
  /** The HE models (plans, ONNX) the HE path serves (default: in memory). */
  heModels?: HeModelBook;
  /** The link to the HE workers. */
  heLink: HeWorkerLink;
  /** Settings of the HE path (timeouts, single-worker policy). */
  he?: Partial<HeSettings>;
  /** Largest reply the audit methods may give (the broker's max_payload), when known. */
  maxReplyBytes?: () => number | undefined;
  /** When a signing Merkle log signs checkpoints (default: within a second of new entries). */
  auditCheckpoints?: CheckpointScheduleOptions;
  /** Gateway keys whose envelopes carry principals (default none: only unsigned methods answer over the broker). */
  gateways?: readonly TrustedGateway[];
  /** Replay window and nonce bound of the envelope check. */
  envelopes?: PrincipalGateOptions;
  /** How to reach the parties' storage inventory (storage.reconcile / storage.eraseOrphans answer only with one). */
  inventory?: InventoryLink;
  /** Reputation thresholds, operator keys and quorum of quarantine and reinstatement (governance/). */
  governance?: GovernanceSettings;
  /** Tenants' credit budgets and pricing (governance/tenant-budgets); needs a Merkle log sink. */
  credits?: CreditSettings;
  /** The quarantines in force and their KV store (default: none, kept in memory). */
  quarantines?: { store: KvRecords<GovernanceRecord>; records: Map<string, GovernanceRecord> };
}

/** The wired coordinator. */
export interface ComposedCoordinator {
  container: DependencyContainer;
  api: CoordinatorApi;
  book: JobBook;
  registry: ServiceRegistry;
  dispatcher: JobDispatcher;
  models: ModelRegistry;
  datasets: DatasetCatalog;
  /** The HE methods (HE workers, dual execution). */
  he: HeMethods;
  /** The audit API (reads of the Merkle log, gateway denials) and its checkpoint schedule. */
  audit: AuditMethods;
  /** Reconciliation of the parties' stores with the catalogues, when an inventory link was given. */
  storage?: StorageReconciliation;
  /** The HE model book given in the parts (closed with the coordinator). */
  heModels?: HeModelBook;
  /** Quarantine and reinstatement, when the audit sink is a Merkle log the reputation can be computed from. */
  quarantine?: PartyQuarantine;
  /** Resharing to promoted standbys. */
  resharing: StandbyResharing;
  /** Probes after incidents. */
  probes: IncidentProbes;
}

/**
 * Default timing: a minute per job; probes every half second; gone after two probes that find
 * nobody listening, or after 15 s without an answer (a party busy with a large product keeps
 * its subscription and is not gone).
 */
export const DEFAULT_DISPATCH_SETTINGS: DispatchSettings = { id: 'coordinator', jobTimeoutMs: 60_000, probeIntervalMs: 500, missedProbes: 2, unresponsiveMs: 15_000, dispatchTimeoutMs: 5_000 };

/** Builds the container and resolves the coordinator's parts. */
export function composeCoordinator(parts: CoordinatorParts, parent: DependencyContainer = rootContainer): ComposedCoordinator {
  const c = parent.createChildContainer();
  const settings = { ...DEFAULT_DISPATCH_SETTINGS, ...parts.settings };
  const book = parts.book ?? new JobBook();
  const registry = new ServiceRegistry(parts.trusted);
  c.register(DISPATCH_SETTINGS, { useValue: settings });
  c.register(COORDINATOR_IDENTITY, { useValue: parts.identity });
  c.register(COORDINATOR_LOG, { useValue: parts.log });
  c.register(JOB_BOOK, { useValue: book });
  c.register(SERVICE_REGISTRY, { useValue: registry });
  c.register(PARTY_LINK, { useValue: parts.link });
  c.register(AUDIT_SINK, { useValue: parts.audit });
  c.register(RESULT_VERIFIER, { useValue: parts.verifier ?? new CommitmentVerifier(settings.id) });
  c.register(JOB_PLANS, { useValue: parts.plans ?? Object.values(PARTY_JOB_PLANS) });
  const models = parts.models ?? new ModelRegistry();
  c.register(MODEL_REGISTRY, { useValue: models });
  const datasets = parts.datasets ?? new DatasetCatalog();
  c.register(DATASET_CATALOG, { useValue: datasets });
  const dispatcher = c.resolve(JobDispatcher);
  c.register(JOB_DISPATCHER, { useValue: dispatcher });
  const api = c.resolve(CoordinatorApi);
  api.guard(new PrincipalGate(parts.gateways ?? [], parts.envelopes));
  auditJobChanges(book, dispatcher, parts.audit, settings.id, parts.log);
  // Every feature's methods answer through the one API.
  const he = registerHeMethods(c, { link: parts.heLink, ...(parts.he ? { settings: parts.he } : {}), ...(parts.heModels ? { book: parts.heModels } : {}) });
  api.extend(he);
  const audit = startAuditMethods({ id: settings.id, sink: parts.audit, logger: parts.log, ...(parts.maxReplyBytes ? { maxReplyBytes: parts.maxReplyBytes } : {}), ...(parts.auditCheckpoints ? { checkpoints: parts.auditCheckpoints } : {}) });
  api.extend(audit);
  // Data sets and analytics queries, with the policy decided before any job is placed.
  api.extend(c.resolve(AnalyticsMethods));
  // Trust-bundle rotations, recorded in the log once the parties signed them.
  api.extend(new TrustMethods(registry, parts.audit));
  // Model rollout: the active version per name, activation and rollback, in the log.
  api.extend(new ModelRolloutMethods(models, models.rollout, parts.audit, { operators: parts.governance?.operators ?? [], quorum: parts.governance?.activationQuorum ?? 0 }));
  // What the parties hold against the catalogues (orphans reported, erasable by an admin).
  const storage = parts.inventory ? new StorageReconciliation({ identity: parts.identity, registry, datasets, models, book, audit: parts.audit, link: parts.inventory, log: parts.log }) : undefined;
  if (storage) api.extend(storage);
  // Reputation from the log, quarantine and signed reinstatement (needs entries with their indices).
  const reader = parts.audit as Partial<QuarantineLogReader>;
  const quarantine =
    typeof reader.entries === 'function' && typeof reader.size === 'number'
      ? new PartyQuarantine({ actor: settings.id, registry, audit: parts.audit, log: reader as QuarantineLogReader, logger: parts.log, ...(parts.governance ? { settings: parts.governance } : {}), ...(parts.quarantines ?? {}) })
      : undefined;
  if (quarantine) api.extend(quarantine);
  // Resharing every stored item to a promoted standby, one job per item, resumable.
  const resharing = new StandbyResharing({ actor: settings.id, registry, book, dispatcher, datasets, models, logger: parts.log, ...(parts.quarantines ?? {}) });
  api.extend(resharing);
  // Probes with a standby in each seat after an incident, so that a cheater can be proven.
  const probes = new IncidentProbes({ actor: settings.id, registry, book, dispatcher, logger: parts.log, auto: parts.governance?.probes !== false, ...(quarantine ? { afterRound: () => quarantine.recompute(true) } : {}) });
  api.extend(probes);
  // Credits from the log's signed job costs; budgets refused at submission.
  const credits = typeof reader.entries === 'function' && typeof reader.size === 'number' ? new TenantBudgets(reader as QuarantineLogReader, parts.credits) : undefined;
  if (credits) {
    api.extend(credits);
    api.admitWith((p) => credits.admit(p));
  } else if (parts.credits?.budgets && Object.keys(parts.credits.budgets).length > 0) throw new RangeError('credits.budgets need the Merkle audit log (audit: jetstream): the ledger is computed from it');
  // KPIs from the same log (latency, errors, cost per request, verification failures, quarantines).
  if (typeof reader.entries === 'function' && typeof reader.size === 'number') api.extend(new ServiceKpis(reader as QuarantineLogReader, parts.credits?.pricing));
  return {
    resharing, probes, container: c, api, book, registry, dispatcher, models, datasets, he, audit, ...(storage ? { storage } : {}), ...(parts.heModels ? { heModels: parts.heModels } : {}), ...(quarantine ? { quarantine } : {}) };
}
