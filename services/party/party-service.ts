/**
 * @module services/party/party-service
 * The party as a NATS service: answers signed dispatch messages on `subjects.jobDispatch(id)`
 * and health probes on `subjects.health(id)`, publishes signed reports on
 * `subjects.jobReport(job)`, and announces itself (signed) on start, every few seconds, and
 * after every reconnect, so a restarted broker or coordinator relearns it without help.
 */
import type { ProtocolChannelTamper } from './tokens.js';
import type { NatsConnection } from 'nats';
import { join } from 'node:path';
import type { ServiceIdentity } from '../../crypto-core/keys/identity.js';
import type { PartyIndex } from '../../protocols/channel/channel.js';
import { subjects } from '../wire/api.js';
import { connectService, type NatsEndpoint } from '../transport/nats-connection.js';
import { splitMessage } from '../wire/chunked-message.js';
import { NatsServiceRunner } from '../transport/nats-service-runner.js';
import { ChannelStreamError } from '../transport/errors.js';
import { jsonLineLog, type ServiceLog } from '../transport/service-log.js';
import { composeParty } from './composition-root.js';
import type { JobRunner } from './job-runner.js';
import type { PartyRuntime } from './party-runtime.js';
import { FileSeenJobs, type SeenJobs } from './seen-jobs.js';
import { FileShareStore } from './share-store.js';
import { PartyStorageInventory } from './storage-inventory.js';
import { inventorySubject } from '../wire/storage-inventory.js';
import { CheckpointWitness } from './checkpoint-witness.js';
import type { OperatorKey } from '../wire/operator-decisions.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';

/** The party's witness of the audit log: its identity key, the coordinator's key as the log key. */
function partyWitness(opts: PartyServiceOptions): CheckpointWitness {
  return new CheckpointWitness({
    key: { name: opts.id, secretKey: opts.identity.signing.secretKey },
    log: { name: opts.auditOrigin ?? 'coordinator', publicKey: opts.coordinatorKey },
    stateFile: join(opts.stateDir, 'witness-state.json'),
  });
}

/** What a party needs to start. */
export interface PartyServiceOptions {
  nats: NatsEndpoint;
  id: string;
  index: PartyIndex;
  identity: ServiceIdentity;
  /** Ed25519 public key of the coordinator whose job messages this party runs. */
  coordinatorKey: Uint8Array;
  /** State directory: share store and the list of accepted job ids. */
  stateDir: string;
  /** 32-byte storage key of the share store. */
  storageKey: Uint8Array;
  pinnedPeers?: Partial<Record<PartyIndex, { signingPublicKey: string; agreementPublicKey: string }>>;
  log?: ServiceLog;
  /** Extra or replacement job runners (default: compute). */
  runners?: JobRunner[];
  /** Tests only: plays a cheating party (see PROTOCOL_CHANNEL_TAMPER); no configuration file sets it. */
  tamper?: ProtocolChannelTamper;
  /** Milliseconds between announcements (default 3000). */
  announceIntervalMs?: number;
  seenJobs?: SeenJobs;
  /** Witness the coordinator's audit checkpoints (default true); `auditOrigin` names its log (default "coordinator"). */
  witness?: boolean;
  auditOrigin?: string;
  /** A standby for `index`: it runs only orders carrying the operators' decisions promoting it (docs/governance.md). */
  standby?: boolean;
  /** The region this party keeps shares in: it refuses data sets and models whose owner-signed residency names another (docs/governance.md "Residency"). */
  region?: string;
  /** Operator keys and quorum that check promotion decisions (a standby needs them). */
  governance?: { operators: readonly OperatorKey[]; quorum: number };
}

const enc = new TextEncoder();

/** A running party. */
export class PartyService {
  readonly nc: NatsConnection;
  readonly runtime: PartyRuntime;
  readonly #runner: NatsServiceRunner;

  private constructor(runner: NatsServiceRunner, runtime: PartyRuntime) {
    this.nc = runner.nc;
    this.#runner = runner;
    this.runtime = runtime;
  }

  /** Connects, subscribes, announces. */
  static async start(opts: PartyServiceOptions): Promise<PartyService> {
    if (opts.standby && !opts.governance) throw new InvalidArgumentError('governance: a standby needs the operator keys that sign its promotion');
    const log = opts.log ?? jsonLineLog(opts.id);
    const nc = await connectService(opts.nats, opts.id);
    const shares = new FileShareStore(join(opts.stateDir, 'shares'), opts.storageKey);
    const { runtime } = composeParty({
      settings: { id: opts.id, index: opts.index, ...(opts.region !== undefined ? { region: opts.region } : {}) },
      identity: opts.identity,
      coordinatorKey: opts.coordinatorKey,
      nc,
      log,
      shares,
      seenJobs: opts.seenJobs ?? new FileSeenJobs(join(opts.stateDir, 'seen-jobs.log')),
      pinnedPeers: opts.pinnedPeers,
      runners: opts.runners,
      tamper: opts.tamper,
      ...(opts.standby ? { standby: true } : {}),
      ...(opts.governance ? { governance: opts.governance } : {}),
      reports: {
        publish: (r) => {
          for (const piece of splitMessage(enc.encode(JSON.stringify(r)), nc.info?.max_payload ?? 1 << 20)) nc.publish(subjects.jobReport(r.body.jobId), piece);
        },
      },
    });
    const runner = new NatsServiceRunner(nc, log);
    runner.serve(subjects.jobDispatch(opts.id), { name: 'dispatch', reply: { kind: 'whole' }, handle: (raw) => runtime.handleDispatch(raw) });
    runner.serveHealth(opts.id, () => ({ activeJobs: runtime.activeJobs, capabilities: runtime.kinds }));
    // The coordinator's storage reconciliation: signed list / erase requests (wire/storage-inventory).
    const inventory = new PartyStorageInventory({ id: opts.id, identity: opts.identity, coordinatorKey: opts.coordinatorKey, shares });
    runner.serve(inventorySubject(opts.id), { name: 'inventory', reply: { kind: 'whole' }, handle: (req) => inventory.handle(req) });
    // The party witnesses the coordinator's audit log (C2SP tlog-witness; state in the state folder).
    const witness = opts.witness === false ? undefined : partyWitness(opts);
    if (witness) runner.serve(subjects.witness(opts.id), { name: 'witness', reply: { kind: 'whole' }, handle: (req) => Promise.resolve(witness.addCheckpoint((req as { addCheckpoint?: unknown } | undefined)?.addCheckpoint)) });
    await nc.flush();
    runner.announceEvery(opts.identity, () => ({ id: opts.id, kind: 'party', index: opts.index, capabilities: runtime.kinds }), opts.announceIntervalMs ?? 3000);
    runner.watchStatus({
      disconnect: (server) => runtime.failActive(new ChannelStreamError(opts.index, `party ${opts.index} lost its NATS connection (${server}); frames in flight may be lost`)),
    });
    log.info('party-started', { id: opts.id, index: opts.index });
    return new PartyService(runner, runtime);
  }

  /** Aborts active jobs, drains the connection. Idempotent. */
  async stop(): Promise<void> {
    if (this.#runner.stopped) return;
    this.#runner.halt();
    this.runtime.shutdown();
    await this.#runner.stop();
  }
}
