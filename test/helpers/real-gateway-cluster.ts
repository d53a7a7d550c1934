/**
 * A real cluster behind a real gateway, for SDK and attack tests: an in-process coordinator and
 * three parties on the given nats-server, the fastify gateway on a loopback port with the given
 * API keys, and one stop for all of it.
 */
import { connect, type NatsConnection } from 'nats';
import type { FastifyInstance } from 'fastify';
import { startInProcessCluster, type InProcessCluster, type InProcessClusterOptions } from '../../services/cluster/in-process-cluster.js';
import { buildGateway } from '../../services/gateway/build-gateway.js';
import { NatsCoordinatorClient } from '../../services/gateway/coordinator-client.js';
import { ApiKeyStore, hashApiKey } from '../../services/gateway/api-key-store.js';
import type { Role } from '../../services/wire/api.js';

/** A running cluster with its gateway. */
export interface RealGatewayCluster {
  cluster: InProcessCluster;
  nc: NatsConnection;
  app: FastifyInstance;
  url: string;
  stop(): Promise<void>;
}

/** Starts it; `keys` are API keys (clear text) with their identities. */
export async function startRealGatewayCluster(
  natsUrl: string,
  keys: readonly { id: string; tenant: string; roles: Role[]; key: string }[],
  options: Omit<InProcessClusterOptions, 'nats'> = {},
): Promise<RealGatewayCluster> {
  const cluster = await startInProcessCluster({ nats: { servers: natsUrl }, ...options });
  await cluster.ready();
  const nc = await connect({ servers: natsUrl });
  const app = await buildGateway({
    // The gateway signs every coordinator request with the key the cluster's coordinator trusts.
    coordinator: new NatsCoordinatorClient(nc, 10_000, cluster.gatewaySigner),
    keys: new ApiKeyStore({ version: 1, keys: keys.map((k) => ({ id: k.id, tenant: k.tenant, roles: k.roles, hash: hashApiKey(k.key) })) }),
    audit: () => undefined,
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    cluster,
    nc,
    app,
    url,
    async stop() {
      await app.close();
      await nc.drain();
      await cluster.stop();
    },
  };
}
