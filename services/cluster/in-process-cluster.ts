/**
 * @module services/cluster/in-process-cluster
 * Three parties and a coordinator in this process, each with its own NATS connection, against
 * a running NATS server: for protocol and transport tests and for benchmarks where the process
 * boundary does not matter. `startLocalCluster` runs the same services as separate processes.
 */
import type { ProtocolChannelTamper } from '../party/tokens.js';
import type { OperatorKey } from '../wire/operator-decisions.js';
import { makeTrustBundle, type TrustBundle } from '../wire/trust-bundle.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, publicIdentity, type ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { generateStorageKey } from '../../crypto-core/keys/storage-key.js';
import type { PartyIndex } from '../../protocols/channel/channel.js';
import type { AuditSink } from '../coordinator/audit/audit-sink.js';
import { MemoryAuditSink } from '../coordinator/audit/audit-sink.js';
import { CoordinatorService, type CoordinatorServiceOptions } from '../coordinator/coordinator-service.js';
import type { TrustedService } from '../coordinator/service-registry.js';
import type { DispatchSettings } from '../coordinator/tokens.js';
import type { JobRunner } from '../party/job-runner.js';
import { PartyService } from '../party/party-service.js';
import { MemoryLog } from '../transport/service-log.js';
import type { NatsEndpoint } from '../transport/nats-connection.js';
import type { PrincipalSigner } from '../wire/principal-envelope.js';

/** Options of {@link startInProcessCluster}. */
export interface InProcessClusterOptions {
  /** NATS endpoint per service: one for all, or a function of the service id (clusters of servers). */
  nats: NatsEndpoint | ((serviceId: string) => NatsEndpoint);
  settings?: Partial<DispatchSettings>;
  /** Runners per party index (default: the compute runner). */
  runners?: (index: PartyIndex) => JobRunner[] | undefined;
  /** Tests only: a cheating party's channel wrapper, per party index (services/party/tokens PROTOCOL_CHANNEL_TAMPER). */
  tamper?: (index: PartyIndex) => ProtocolChannelTamper | undefined;
  audit?: AuditSink;
  /** The coordinator's durable state and governance (an `audit` factory here replaces `audit`); kept across {@link InProcessCluster.restartCoordinator}. */
  coordinator?: Pick<CoordinatorServiceOptions, 'audit' | 'models' | 'jobs' | 'quarantines' | 'governance' | 'auditCheckpoints' | 'witnessCheckpoints'>;
  /**
   * Standby parties, one per index listed (`standby-<i>`, docs/governance.md "Standby parties"),
   * and the operator keys every party checks promotions with; with `parties`, each party pins
   * its peers' keys, so only an operator-signed promotion lets a standby in.
   */
  standbys?: { slots: readonly PartyIndex[]; parties: { operators: readonly OperatorKey[]; quorum: number } };
  /** The region in each party's own configuration, by service id (docs/governance.md "Residency"). */
  partyRegions?: Readonly<Record<string, string>>;
  /** The regions the coordinator's configuration gives the parties (`services[].region`), by service id. */
  registryRegions?: Readonly<Record<string, string>>;
}

/** A running in-process cluster. */
export interface InProcessCluster {
  coordinator: CoordinatorService;
  parties: PartyService[];
  /** The standbys, in the order of `standbys.slots` (their ids are `standby-<slot>`). */
  standbys: PartyService[];
  identities: { coordinator: ServiceIdentity; parties: ServiceIdentity[]; standbys: ServiceIdentity[] };
  /** Parties' X25519 public keys (hex) by index. */
  partyAgreementKeys: [string, string, string];
  /** The keys a client of this cluster pins (wire/trust-bundle). */
  trustBundle: TrustBundle;
  /**
   * The gateway key the coordinator trusts to assert principals: bind it to a connection
   * (transport/connection-signer) or give it to a NatsCoordinatorClient to call as the gateway.
   */
  gatewaySigner: PrincipalSigner;
  logs: { coordinator: MemoryLog; parties: MemoryLog[]; standbys: MemoryLog[] };
  audit: AuditSink;
  /** Waits until the coordinator sees all three parties up. */
  ready(timeoutMs?: number): Promise<void>;
  /** Stops the coordinator (running jobs end first) and starts it again with the same keys and state options. */
  restartCoordinator(): Promise<void>;
  /** Stops party `i` (it stays trusted; the coordinator notices when it next reaches for it). */
  stopParty(i: PartyIndex): Promise<void>;
  /** Starts party `i` again with its identity, state folder and storage key. */
  startParty(i: PartyIndex): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a coordinator and three parties with fresh keys and temporary state directories. */
export async function startInProcessCluster(opts: InProcessClusterOptions): Promise<InProcessCluster> {
  const endpoint = (id: string): NatsEndpoint => (typeof opts.nats === 'function' ? opts.nats(id) : opts.nats);
  const coordId = generateIdentity();
  const partyIds = [generateIdentity(), generateIdentity(), generateIdentity()];
  const slots = opts.standbys?.slots ?? [];
  const standbyIds = slots.map(() => generateIdentity());
  const region = (id: string) => (opts.registryRegions?.[id] !== undefined ? { region: opts.registryRegions[id] } : {});
  const trusted: TrustedService[] = partyIds.map((p, i) => ({ id: `party-${i}`, kind: 'party', index: i, ...region(`party-${i}`), ...publicIdentity(p) }));
  const standbyTrust: TrustedService[] = slots.map((slot, k) => ({ id: `standby-${slot}`, kind: 'party', index: slot, standby: true, ...publicIdentity(standbyIds[k]!) }));
  const stateRoot = mkdtempSync(join(tmpdir(), 'mpc-cluster-'));
  const logs = { coordinator: new MemoryLog(), parties: [new MemoryLog(), new MemoryLog(), new MemoryLog()], standbys: slots.map(() => new MemoryLog()) };
  const audit = opts.audit ?? new MemoryAuditSink();
  const gatewayId = generateIdentity();
  const gateways = [{ id: 'gateway', signingPublicKey: publicIdentity(gatewayId).signingPublicKey }];
  const startCoordinator = async (): Promise<CoordinatorService> => await CoordinatorService.start({ nats: endpoint('coordinator'), identity: coordId, trusted: [...trusted, ...standbyTrust], audit, log: logs.coordinator, settings: opts.settings, gateways, ...opts.coordinator });
  let coordinator = await startCoordinator();
  const storageKeys = [generateStorageKey(), generateStorageKey(), generateStorageKey()];
  const standbyStorageKeys = slots.map(() => generateStorageKey());
  const governance = opts.standbys?.parties;
  // With standbys, every party pins its peers of the original trio (a standby: its two peers).
  const pins = (index: PartyIndex) => (governance ? Object.fromEntries(([0, 1, 2] as const).filter((j) => j !== index).map((j) => [j, publicIdentity(partyIds[j]!)])) : undefined);
  const startService = async (id: string, i: PartyIndex, identity: ServiceIdentity, storageKey: Uint8Array, log: MemoryLog, standby: boolean): Promise<PartyService> =>
    await PartyService.start({
        nats: endpoint(id),
        id,
        index: i,
        identity,
        coordinatorKey: coordId.signing.publicKey,
        stateDir: join(stateRoot, id),
        storageKey,
        log,
        runners: opts.runners?.(i),
        // A standby is never the tampered party of a test.
        tamper: standby ? undefined : opts.tamper?.(i),
        announceIntervalMs: 1000,
        ...(governance ? { governance, pinnedPeers: pins(i) } : {}),
        ...(standby ? { standby: true } : {}),
        ...(opts.partyRegions?.[id] !== undefined ? { region: opts.partyRegions[id] } : {}),
      });
  const startParty = async (i: PartyIndex): Promise<PartyService> => await startService(`party-${i}`, i, partyIds[i]!, storageKeys[i]!, logs.parties[i]!, false);
  const startStandby = async (k: number): Promise<PartyService> => await startService(`standby-${slots[k]!}`, slots[k]!, standbyIds[k]!, standbyStorageKeys[k]!, logs.standbys[k]!, true);
  const parties = await Promise.all(([0, 1, 2] as const).map((i) => startParty(i)));
  const standbys = await Promise.all(slots.map((_, k) => startStandby(k)));
  const cluster: InProcessCluster = {
    coordinator,
    parties,
    standbys,
    identities: { coordinator: coordId, parties: partyIds, standbys: standbyIds },
    partyAgreementKeys: trusted.map((t) => t.agreementPublicKey) as [string, string, string],
    gatewaySigner: { id: 'gateway', secretKey: gatewayId.signing.secretKey },
    trustBundle: makeTrustBundle({ deployment: 'in-process', parties: trusted, coordinator: { id: 'coordinator', signingPublicKey: publicIdentity(coordId).signingPublicKey } }),
    logs,
    audit,
    async ready(timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        if (cluster.coordinator.parts.registry.list().filter((s) => s.status === 'up').length === 3 + slots.length) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`parties not all up after ${timeoutMs} ms: ${JSON.stringify(coordinator.parts.registry.list().map((s) => [s.id, s.status]))}`);
    },
    async restartCoordinator() {
      await cluster.coordinator.stop({ waitForJobs: true });
      coordinator = await startCoordinator();
      cluster.coordinator = coordinator;
    },
    async stopParty(i) {
      await parties[i]!.stop();
    },
    async startParty(i) {
      parties[i] = await startParty(i);
    },
    async stop() {
      await Promise.all([...parties, ...standbys].map((p) => p.stop()));
      await cluster.coordinator.stop();
      rmSync(stateRoot, { recursive: true, force: true });
    },
  };
  return cluster;
}
