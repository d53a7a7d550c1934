/**
 * @module services/coordinator/composition-root
 * Wires a coordinator: the one place that picks concrete classes for its tokens, in a child
 * container so that tests can run a coordinator beside parties in one process. The audit sink
 * is attached here as a job listener: one audit event per job state change.
 */
import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { ServiceIdentity } from '../../crypto-core/keys/identity.js';
import type { AuditEventType } from '../wire/audit-entry.js';
import type { ServiceLog } from '../transport/service-log.js';
import type { JobState } from '../wire/api.js';
import type { AuditSink } from './audit/audit-sink.js';
import { CoordinatorApi } from './coordinator-api.js';
import { JobBook } from './jobs/job-book.js';
import { JobDispatcher } from './jobs/job-dispatcher.js';
import { computePlan, inferencePlan, modelPublishPlan, type JobPlan } from './jobs/job-plans.js';
import { analyticsQueryPlan, datasetDeletePlan, datasetUploadPlan } from './analytics/analytics-job-plans.js';
import type { PartyJobKind } from '../wire/job-kinds.js';

/** The plan of every kind the parties run (a kind without one is a compile error). */
export const PARTY_JOB_PLANS: { readonly [K in PartyJobKind]: JobPlan } = {
  'mpc-compute': computePlan,
  'mpc-inference': inferencePlan,
  'model-publish': modelPublishPlan,
  'dataset-upload': datasetUploadPlan,
  'dataset-delete': datasetDeletePlan,
  'analytics-query': analyticsQueryPlan,
};
import { ModelRegistry } from './models/model-registry.js';
import type { PartyLink } from './jobs/party-link.js';
import { CommitmentVerifier, type ResultVerifier } from './jobs/result-verifier.js';
import { ServiceRegistry, type TrustedService } from './service-registry.js';
import {
  AUDIT_SINK,
  COORDINATOR_IDENTITY,
  COORDINATOR_LOG,
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
}

/** The wired coordinator. */
export interface ComposedCoordinator {
  container: DependencyContainer;
  api: CoordinatorApi;
  book: JobBook;
  registry: ServiceRegistry;
  dispatcher: JobDispatcher;
  models: ModelRegistry;
}

const AUDIT_TYPE: Record<JobState, AuditEventType> = {
  created: 'job.created',
  placed: 'job.placed',
  running: 'job.started',
  finished: 'job.finished',
  verified: 'job.verified',
  failed: 'job.failed',
  'failed-verification': 'job.failed-verification',
};

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
  const dispatcher = c.resolve(JobDispatcher);
  c.register(JOB_DISPATCHER, { useValue: dispatcher });
  const api = c.resolve(CoordinatorApi);
  book.onChange((rec) => {
    try {
      const err = rec.status.error;
      const verdict = dispatcher.verdictEvent(rec.status.id);
      void Promise.resolve(
        parts.audit.append(verdict ?? {
          type: AUDIT_TYPE[rec.status.state],
          actor: settings.id,
          jobId: rec.status.id,
          tenant: rec.tenant,
          ...(err?.party !== undefined ? { party: err.party } : {}),
          ...(err ? { reason: `${err.code}: ${err.message}`.replace(/[A-Za-z0-9+/=_-]{40,}/g, '[...]').slice(0, 200) } : {}),
          ...(rec.status.state === 'created' ? { hashes: { request: rec.fingerprint } } : {}),
        }),
      ).catch((e: unknown) => parts.log.warn('audit-append-failed', { jobId: rec.status.id, message: String(e) }));
    } catch (e) {
      parts.log.warn('audit-append-failed', { jobId: rec.status.id, message: String(e) });
    }
  });
  return { container: c, api, book, registry, dispatcher, models };
}
