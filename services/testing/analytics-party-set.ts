/**
 * @module services/testing/analytics-party-set
 * Three parties in one process that run the analytics job runners exactly as the party
 * runtime does (an order, a protocol context keyed from the pairwise X25519 seeds, the party's
 * encrypted share store), over either the in-memory network or real sealed NATS channels. For
 * tests, the benchmark and local demos; the coordinator's gate and dispatch are not involved
 * (party-runtime does that part in a deployment).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { generateIdentity, publicIdentity, type ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { generateStorageKey } from '../../crypto-core/keys/storage-key.js';
import type { ChannelStats, PartyIndex } from '../../protocols/channel/channel.js';
import { createProtocolContext, type ProtocolContext, type SecurityMode } from '../../protocols/rss/context.js';
import { createCorrelatedRandomness } from '../../protocols/rss/correlated-randomness.js';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import type { ReplicatedShare } from '../../protocols/rss/replicated-share.js';
import type { JobOrder, PartyJobKind, PartyRef } from '../wire/job-messages.js';
import type { JobRunner } from '../party/job-runner.js';
import type { CompareOps } from '../../protocols/analytics/compare-ops.js';
import { NatsJobChannelOpener } from '../party/nats-job-channel.js';
import { FileShareStore, type ShareStore } from '../party/share-store.js';
import { connectService } from '../transport/nats-connection.js';
import { MemoryLog } from '../transport/service-log.js';
import { AnalyticsQueryRunner } from '../party/runners/analytics-query-runner.js';
import type { AnalyticsJobKind } from '../wire/analytics-jobs.js';
import { DatasetDeleteRunner } from '../party/runners/dataset-delete-runner.js';
import { DatasetUploadRunner } from '../party/runners/dataset-upload-runner.js';

/** How the three parties talk. */
export type PartySetTransport = { readonly kind: 'memory' } | { readonly kind: 'nats'; readonly servers: string | string[] };

/** Options of {@link startAnalyticsParties}. */
export interface AnalyticsPartySetOptions {
  /** Directory under which each party keeps its encrypted share store (`party-<i>/shares`). */
  readonly stateDir: string;
  readonly transport: PartySetTransport;
  /** Security mode of every job's protocols (default `semi-honest`, as orders without `security`). */
  readonly security?: SecurityMode;
}

/** One job's outcome at the three parties. */
export interface PartySetJobOutcome {
  readonly results: [unknown, unknown, unknown];
  readonly outputs: [ReplicatedShare | undefined, ReplicatedShare | undefined, ReplicatedShare | undefined];
  /** Channel statistics of each party. */
  readonly stats: [ChannelStats, ChannelStats, ChannelStats];
  readonly ms: number;
}

/** Three in-process parties. */
export interface AnalyticsPartySet {
  /** Parties' X25519 public keys (hex) by index: what an uploader seals to. */
  readonly agreementKeys: [string, string, string];
  readonly identities: readonly ServiceIdentity[];
  readonly stores: readonly ShareStore[];
  readonly logs: readonly MemoryLog[];
  /** Runs one job of `kind` with party i's payload `payloads[i]`. Rejects with the first party's error. */
  /** Runs one job; `jobId` (default: a fresh one) is what the parties sign their outputs under. */
  /** `compareOps` (analytics-query only, default range-aware) selects the engine's comparisons. */
  /** `security` (default: the set's) is this job's order's mode. */
  run(kind: AnalyticsJobKind, payloads: readonly [unknown, unknown, unknown], jobId?: string, compareOps?: CompareOps, security?: SecurityMode): Promise<PartySetJobOutcome>;
  close(): Promise<void>;
}

const RUNNERS: Record<AnalyticsJobKind, JobRunner> = {
  'dataset-upload': new DatasetUploadRunner(),
  'dataset-delete': new DatasetDeleteRunner(),
  'analytics-query': new AnalyticsQueryRunner(),
};

/** Starts three parties with fresh identities and storage keys. */
export async function startAnalyticsParties(opts: AnalyticsPartySetOptions): Promise<AnalyticsPartySet> {
  const identities = [generateIdentity(), generateIdentity(), generateIdentity()];
  const stores = identities.map((_, i) => new FileShareStore(join(opts.stateDir, `party-${i}`, 'shares'), generateStorageKey()));
  const logs = identities.map(() => new MemoryLog());
  const refs = identities.map((id, i) => ({ id: `party-${i}`, index: i as PartyIndex, ...publicIdentity(id) })) as [PartyRef, PartyRef, PartyRef];
  const conns: NatsConnection[] = [];
  if (opts.transport.kind === 'nats') {
    for (let i = 0; i < 3; i++) conns.push(await connectService({ servers: opts.transport.servers }, `analytics-party-${i}`));
  }
  let counter = 0;
  const setSecurity = opts.security ?? 'semi-honest';

  const order = (kind: AnalyticsJobKind, jobId: string, i: number, payload: unknown, security: SecurityMode): JobOrder => ({
    jobId,
    kind: kind as unknown as PartyJobKind,
    to: `party-${i}`,
    parties: refs,
    issuedAt: Date.now(),
    deadline: Date.now() + 10 * 60_000,
    payload,
    ...(security === 'malicious' ? { security } : {}),
  });

  const natsContexts = async (orders: JobOrder[], security: SecurityMode): Promise<{ contexts: ProtocolContext[]; close: () => void }> => {
    const channels = await Promise.all(orders.map((o, i) => new NatsJobChannelOpener(conns[i]!, identities[i]!, logs[i]!).open(o, i as PartyIndex)));
    // The seeds of this run come from the channel's job nonces, as in the party runtime.
    const seeds = await Promise.all(channels.map((c) => c.pairwiseSeeds()));
    const contexts = channels.map((channel, i) => createProtocolContext({ channel, randomness: createCorrelatedRandomness(i as PartyIndex, seeds[i]!), security }));
    return { contexts, close: () => channels.forEach((c) => c.close()) };
  };

  return {
    agreementKeys: refs.map((r) => r.agreementPublicKey) as [string, string, string],
    identities,
    stores,
    logs,
    async run(kind, payloads, given, compareOps, jobSecurity) {
      const runner = kind === 'analytics-query' && compareOps ? new AnalyticsQueryRunner(compareOps) : RUNNERS[kind];
      const jobId = given ?? `analytics-${Date.now()}-${counter++}-${randomBytes(4).toString('hex')}`;
      const security = jobSecurity ?? setSecurity;
      const orders = [0, 1, 2].map((i) => order(kind, jobId, i, payloads[i], security));
      const { contexts, close } =
        opts.transport.kind === 'nats' ? await natsContexts(orders, security) : { contexts: [...createLocalParties({ jobId, recvTimeoutMs: 60_000, security }).contexts], close: () => undefined };
      const t0 = performance.now();
      try {
        // allSettled: a party that fails must not leave the others' promises unobserved.
        const settled = await Promise.allSettled(
          contexts.map((protocol, i) => runner.run({ order: orders[i]!, protocol, identity: identities[i]!, shares: stores[i]!, log: logs[i]! })),
        );
        const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
        if (failed) throw failed.reason;
        const outs = settled.map((s) => (s as PromiseFulfilledResult<Awaited<ReturnType<JobRunner['run']>>>).value);
        return {
          results: outs.map((o) => o.result) as [unknown, unknown, unknown],
          outputs: outs.map((o) => o.output) as [ReplicatedShare | undefined, ReplicatedShare | undefined, ReplicatedShare | undefined],
          stats: contexts.map((c) => ({ ...c.channel.stats })) as [ChannelStats, ChannelStats, ChannelStats],
          ms: performance.now() - t0,
        };
      } finally {
        close();
      }
    },
    async close() {
      await Promise.all(conns.map((c) => c.close()));
    },
  };
}
