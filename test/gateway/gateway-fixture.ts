/**
 * @module test/gateway/gateway-fixture
 * Builds a gateway for tests: a real nats-server, the coordinator test double on it, a real
 * NatsCoordinatorClient, an API key store with one identity per role in tenant `demo` plus a
 * client in tenant `other` and a signing identity, and a recording audit sink.
 */
import { connect, type NatsConnection } from 'nats';
import type { FastifyInstance } from 'fastify';
import { ApiKeyStore, generateApiKey, hashApiKey } from '../../services/gateway/api-key-store.js';
import { buildGateway } from '../../services/gateway/build-gateway.js';
import { NatsCoordinatorClient } from '../../services/gateway/coordinator-client.js';
import type { GatewayHttpConfig } from '../../services/gateway/gateway-config.js';
import type { DenialEvent, Role } from '../../services/wire/api.js';
import { generateSigningKeyPair, type SigningKeyPair } from '../../crypto-core/keys/signing.js';
import { toHex } from '../../crypto-core/encoding.js';
import { CoordinatorDouble } from './coordinator-double.js';

/** Identities of the fixture: id -> tenant and roles. */
export const IDENTITIES: Record<string, { tenant: string; roles: Role[] }> = {
  client: { tenant: 'demo', roles: ['client'] },
  hospital: { tenant: 'demo', roles: ['hospital'] },
  analyst: { tenant: 'demo', roles: ['analyst'] },
  owner: { tenant: 'demo', roles: ['model-owner'] },
  auditor: { tenant: 'demo', roles: ['auditor'] },
  admin: { tenant: 'demo', roles: ['admin'] },
  intruder: { tenant: 'other', roles: ['client'] },
};

/** A built gateway with everything a test needs to drive and observe it. */
export interface GatewayFixture {
  app: FastifyInstance;
  double: CoordinatorDouble;
  nc: NatsConnection;
  /** Plaintext API keys by identity id. */
  keys: Record<string, string>;
  signer: SigningKeyPair;
  signerId: string;
  denials: DenialEvent[];
  /** The fixture clock (ms); tests move it to test signature windows. */
  now: { ms: number };
  close(): Promise<void>;
}

/** Starts the fixture against the nats-server at `natsUrl`. */
export async function startGateway(natsUrl: string, config: Partial<GatewayHttpConfig> = {}, coordinatorTimeoutMs = 2_000): Promise<GatewayFixture> {
  const double = await CoordinatorDouble.start(natsUrl);
  const keys: Record<string, string> = {};
  const records = Object.entries(IDENTITIES).map(([id, v]) => {
    keys[id] = generateApiKey(id);
    return { id, tenant: v.tenant, roles: v.roles, hash: hashApiKey(keys[id]) };
  });
  const signer = generateSigningKeyPair();
  const signerId = 'signer';
  const store = new ApiKeyStore({ version: 1, keys: records, signingKeys: [{ id: signerId, tenant: 'demo', roles: ['client'], publicKey: toHex(signer.publicKey) }] });
  const nc = await connect({ servers: natsUrl, name: 'gateway-under-test' });
  const denials: DenialEvent[] = [];
  const now = { ms: Date.UTC(2026, 5, 1) };
  const app = await buildGateway({
    coordinator: new NatsCoordinatorClient(nc, coordinatorTimeoutMs),
    keys: store,
    audit: (e) => {
      denials.push(e);
    },
    clock: () => now.ms,
    config,
  });
  await app.ready();
  return {
    app,
    double,
    nc,
    keys,
    signer,
    signerId,
    denials,
    now,
    async close() {
      await app.close();
      await nc.drain();
      await double.stop();
    },
  };
}

/** Authorization header of identity `id`. */
export function bearer(f: GatewayFixture, id: string): Record<string, string> {
  return { authorization: `Bearer ${f.keys[id]}` };
}
