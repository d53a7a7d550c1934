/**
 * @module services/transport/nats-connection
 * How every service connects to NATS: reconnect forever with a short wait, so that a broker
 * restart heals on its own (a job in flight then fails on its sequence check or deadline, and
 * the next job runs), and a name per service so `nats-server` logs say who is who.
 */
import { connect, type NatsConnection } from 'nats';

/** Where and as whom to connect. */
export interface NatsEndpoint {
  /** One or more `nats://host:port` URLs (several for a cluster). */
  servers: string | string[];
  /** User name in the server's `authorization` block, if it has one. */
  user?: string;
  /** Password of `user`. */
  pass?: string;
}

/** Opens a connection for service `name` that keeps reconnecting until closed. */
export async function connectService(endpoint: NatsEndpoint, name: string): Promise<NatsConnection> {
  return await connect({
    servers: endpoint.servers,
    user: endpoint.user,
    pass: endpoint.pass,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 200,
    reconnectJitter: 50,
    waitOnFirstConnect: true,
    // A dead server is noticed within a few seconds rather than the default two minutes.
    pingInterval: 2000,
    maxPingOut: 2,
  });
}
