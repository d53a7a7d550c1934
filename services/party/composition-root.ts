/**
 * @module services/party/composition-root
 * Wires a party: the one place that chooses concrete classes for the tokens. A child container
 * per party, so several parties can live in one process (tests, benchmarks) without sharing
 * anything.
 */
import { ModelViewCache } from './model-view-cache.js';
import { AnalyticsQueryRunner } from './runners/analytics-query-runner.js';
import { DatasetDeleteRunner } from './runners/dataset-delete-runner.js';
import { DatasetUploadRunner } from './runners/dataset-upload-runner.js';
import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { NatsConnection } from 'nats';
import type { ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { publicIdentity } from '../../crypto-core/keys/identity.js';
import { getRing } from '../../crypto-core/ring/index.js';
import type { Ring64 } from '../../crypto-core/ring/ring64.js';
import type { Channel, PartyIndex } from '../../protocols/channel/channel.js';
import type { ServiceLog } from '../transport/service-log.js';
import { ComputeRunner } from './runners/compute-runner.js';
import { InferenceRunner } from './runners/inference-runner.js';
import { ModelPublishRunner } from './runners/model-publish-runner.js';
import { JobGate } from './job-gate.js';
import { StandbyReshareRunner } from './runners/standby-reshare-runner.js';
import type { OperatorKey } from '../wire/operator-decisions.js';
import type { JobRunner } from './job-runner.js';
import type { PartyJobKind } from '../wire/job-kinds.js';
import { ProbeRunner } from './runners/probe-runner.js';
import { NatsJobChannelOpener } from './nats-job-channel.js';
import { PartyRuntime, type ReportPublisher } from './party-runtime.js';
import type { SeenJobs } from './seen-jobs.js';
import type { ShareStore } from './share-store.js';
import { CHANNEL_OPENER, JOB_GATE, JOB_RUNNERS, PARTY_IDENTITY, PARTY_SETTINGS, PROTOCOL_CHANNEL_TAMPER, REPORT_PUBLISHER, RING, SERVICE_LOG, SHARE_STORE, type PartySettings, type ProtocolChannelTamper } from './tokens.js';

/** A runner for every kind the parties run (a kind without one is a compile error). */
export function defaultRunners(): JobRunner[] {
  const models = new ModelViewCache();
  const byKind: { readonly [K in PartyJobKind]: JobRunner & { readonly kind: K } } = {
    'mpc-compute': new ComputeRunner(),
    'model-publish': new ModelPublishRunner(models),
    'mpc-inference': new InferenceRunner(models),
    'dataset-upload': new DatasetUploadRunner(),
    'dataset-delete': new DatasetDeleteRunner(),
    'analytics-query': new AnalyticsQueryRunner(),
    'reshare-standby': new StandbyReshareRunner(models),
    'mpc-probe': new ProbeRunner(),
  };
  return Object.values(byKind);
}

/** Everything a party is made of. */
export interface PartyParts {
  settings: PartySettings;
  identity: ServiceIdentity;
  coordinatorKey: Uint8Array;
  nc: NatsConnection;
  reports: ReportPublisher;
  shares: ShareStore;
  seenJobs: SeenJobs;
  log: ServiceLog;
  pinnedPeers?: Partial<Record<PartyIndex, { signingPublicKey: string; agreementPublicKey: string }>>;
  /** Job runners; default: compute, model publication and inference. */
  runners?: JobRunner[];
  ring?: Ring64;
  /** Tests only (a cheating party): wraps each job's protocol channel. */
  tamper?: ProtocolChannelTamper;
  /** A standby for `settings.index` (runs only promoted orders), and the operator keys that check promotions. */
  standby?: boolean;
  governance?: { operators: readonly OperatorKey[]; quorum: number };
}

/** A container with the party's tokens registered, and its runtime resolved. */
export function composeParty(parts: PartyParts, parent: DependencyContainer = rootContainer): { container: DependencyContainer; runtime: PartyRuntime } {
  const c = parent.createChildContainer();
  const runners = parts.runners ?? defaultRunners();
  const pub = publicIdentity(parts.identity);
  c.register(PARTY_SETTINGS, { useValue: parts.settings });
  c.register(PARTY_IDENTITY, { useValue: parts.identity });
  c.register(SERVICE_LOG, { useValue: parts.log });
  c.register(SHARE_STORE, { useValue: parts.shares });
  c.register(REPORT_PUBLISHER, { useValue: parts.reports });
  c.register(JOB_RUNNERS, { useValue: runners });
  c.register(RING, { useValue: parts.ring ?? getRing() });
  c.register(PROTOCOL_CHANNEL_TAMPER, { useValue: parts.tamper ?? ((channel: Channel) => channel) });
  c.register(CHANNEL_OPENER, { useValue: new NatsJobChannelOpener(parts.nc, parts.identity, parts.log) });
  c.register(JOB_GATE, {
    useValue: new JobGate({
      selfId: parts.settings.id,
      selfIndex: parts.settings.index,
      selfSigningPublicKey: pub.signingPublicKey,
      selfAgreementPublicKey: pub.agreementPublicKey,
      coordinatorKey: parts.coordinatorKey,
      seenJobs: parts.seenJobs,
      pinnedPeers: parts.pinnedPeers,
      kinds: runners.map((r) => r.kind),
      ...(parts.standby ? { standby: true } : {}),
      ...(parts.governance ? { governance: parts.governance } : {}),
    }),
  });
  return { container: c, runtime: c.resolve(PartyRuntime) };
}
