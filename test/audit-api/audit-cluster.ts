/**
 * @module test/audit-api/audit-cluster
 * A coordinator writing the JetStream Merkle audit log (signed with its own identity, as
 * `mpc coordinator` with `"audit": "jetstream"` does), three parties, and a gateway listening on
 * a loopback port whose denials go to the coordinator: all in this process, on a real
 * nats-server. The in-process cluster of services/cluster makes its coordinator identity
 * internally, so the audit log could not be signed with it there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { bindPrincipalSigner } from '../../services/transport/connection-signer.js';
import { testGatewayKey } from '../helpers/gateway-key.js';
import type { FastifyInstance } from 'fastify';
import { generateIdentity, publicIdentity, type ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { generateStorageKey } from '../../crypto-core/keys/storage-key.js';
import { AuditLog } from '../../services/audit/audit-log.js';
import { CoordinatorService } from '../../services/coordinator/coordinator-service.js';
import type { CreditSettings } from '../../services/coordinator/governance/tenant-budgets.js';
import type { TrustedService } from '../../services/coordinator/service-registry.js';
import { ApiKeyStore, generateApiKey, hashApiKey } from '../../services/gateway/api-key-store.js';
import { CoordinatorAuditSink } from '../../services/gateway/audit-sink.js';
import { buildGateway } from '../../services/gateway/build-gateway.js';
import { NatsCoordinatorClient } from '../../services/gateway/coordinator-client.js';
import { PartyService } from '../../services/party/party-service.js';
import { MemoryLog } from '../../services/transport/service-log.js';

/** The running services and what a test needs to talk to them. */
export interface AuditCluster {
  coordinator: CoordinatorService;
  coordinatorIdentity: ServiceIdentity;
  /** The coordinator's audit log (the sink its factory opened). */
  log: AuditLog;
  partyAgreementKeys: [string, string, string];
  /** A client connection (jobs submitted directly to the coordinator). */
  nc: NatsConnection;
  gatewayUrl: string;
  app: FastifyInstance;
  /** The gateway's denial forwarder (flush it before reading denials). */
  denials: CoordinatorAuditSink;
  /** Denials the coordinator did not record. */
  denialErrors: unknown[];
  keys: { auditor: string; client: string };
  /** The coordinator's service log. */
  coordinatorLog: MemoryLog;
  /** Stops gateway, parties and coordinator (which signs a last checkpoint and closes the log). */
  stop(): Promise<void>;
}

/** Starts the cluster against `natsUrl` (a JetStream-enabled server). */
export async function startAuditCluster(natsUrl: string, extra: { credits?: CreditSettings } = {}): Promise<AuditCluster> {
  const coordinatorIdentity = generateIdentity();
  const partyIds = [generateIdentity(), generateIdentity(), generateIdentity()];
  const trusted: TrustedService[] = partyIds.map((p, i) => ({ id: `party-${i}`, kind: 'party', index: i, ...publicIdentity(p) }));
  const stateRoot = mkdtempSync(join(tmpdir(), 'mpc-audit-api-'));
  let log: AuditLog | undefined;
  const coordinatorLog = new MemoryLog();
  const gatewayKey = testGatewayKey();
  const coordinator = await CoordinatorService.start({
    gateways: gatewayKey.gateways,
    nats: { servers: natsUrl },
    identity: coordinatorIdentity,
    trusted,
    log: coordinatorLog,
    settings: { id: 'coordinator' },
    audit: async (c) => (log = await AuditLog.open(c.jetstream(), { signer: { origin: 'coordinator', secretKey: coordinatorIdentity.signing.secretKey } })),
    auditCheckpoints: { everyMs: 200 },
    ...(extra.credits ? { credits: extra.credits } : {}),
  });
  const parties = await Promise.all(
    ([0, 1, 2] as const).map((i) =>
      PartyService.start({
        nats: { servers: natsUrl },
        id: `party-${i}`,
        index: i,
        identity: partyIds[i]!,
        coordinatorKey: coordinatorIdentity.signing.publicKey,
        stateDir: join(stateRoot, `party-${i}`),
        storageKey: generateStorageKey(),
        log: new MemoryLog(),
        announceIntervalMs: 1000,
      }),
    ),
  );
  const end = Date.now() + 10_000;
  while (coordinator.parts.registry.list().filter((s) => s.status === 'up').length < 3) {
    if (Date.now() > end) throw new Error('parties not all up after 10 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  const nc = bindPrincipalSigner(await connect({ servers: natsUrl }), gatewayKey.signer);
  const keys = { auditor: generateApiKey('auditor-1'), client: generateApiKey('client-1') };
  const denialErrors: unknown[] = [];
  const coordinatorClient = new NatsCoordinatorClient(nc, 10_000);
  const denials = new CoordinatorAuditSink(coordinatorClient, (e) => denialErrors.push(e));
  const app = await buildGateway({
    coordinator: coordinatorClient,
    keys: new ApiKeyStore({
      version: 1,
      keys: [
        { id: 'auditor-1', tenant: 'compliance', roles: ['auditor'], hash: hashApiKey(keys.auditor) },
        { id: 'client-1', tenant: 'clinic-a', roles: ['client'], hash: hashApiKey(keys.client) },
      ],
    }),
    audit: denials.record,
  });
  const gatewayUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    coordinator,
    coordinatorIdentity,
    log: log!,
    partyAgreementKeys: trusted.map((t) => t.agreementPublicKey) as [string, string, string],
    nc,
    gatewayUrl,
    app,
    denials,
    denialErrors,
    keys,
    coordinatorLog,
    async stop() {
      await app.close();
      await denials.flush();
      await nc.drain();
      await Promise.all(parties.map((p) => p.stop()));
      await coordinator.stop();
      rmSync(stateRoot, { recursive: true, force: true });
    },
  };
}
