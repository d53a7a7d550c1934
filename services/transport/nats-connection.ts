/**
 * @module services/transport/nats-connection
 * How every service connects to NATS: reconnect forever with a short wait, so that a broker
 * restart heals on its own (a job in flight then fails on its sequence check or deadline, and
 * the next job runs), and a name per service so `nats-server` logs say who is who.
 *
 * Authentication: a secret that is an nkey user seed (`SU...`, see credentials-file) is never
 * sent; the client signs the server's per-connection nonce with it and the server, which holds
 * only the public key, checks the signature. Any other secret is a password (sent in the
 * CONNECT line: use TLS).
 *
 * TLS: the endpoint's `tls` files, else the files named by the environment (`MPC_NATS_TLS_CA`,
 * `MPC_NATS_TLS_CERT`, `MPC_NATS_TLS_KEY`; `mpc up` sets them for each service it starts, the
 * way the `nats` CLI reads NATS_CA/NATS_CERT/NATS_KEY). With TLS files the client refuses a
 * server that does not offer TLS, and verifies the server's certificate against the CA.
 */
import { connect, nkeyAuthenticator, nkeys, type ConnectionOptions, type NatsConnection } from 'nats';
import { InvalidArgumentError } from '../../crypto-core/errors.js';

/** A client's TLS files: the CA that issued the server's certificate, and optionally the client's own certificate and key. */
export interface NatsTlsFiles {
  caFile: string;
  certFile?: string;
  keyFile?: string;
}

/** Where and as whom to connect. */
export interface NatsEndpoint {
  /** One or more `nats://host:port` or `tls://host:port` URLs (several for a cluster). */
  servers: string | string[];
  /** User name in the server's `authorization` block, if it has one (ignored with an nkey seed). */
  user?: string;
  /** Secret of `user`: a password, or an nkey user seed (`SU...`), which is never sent. */
  pass?: string;
  /** TLS files; default: from the environment (see the module comment), else no TLS. */
  tls?: NatsTlsFiles;
}

/** True when `secret` is an nkey user seed (prefix, base32 and checksum check out). */
export function isUserSeed(secret: string | undefined): secret is string {
  if (typeof secret !== 'string' || !secret.startsWith('SU')) return false;
  try {
    nkeys.fromSeed(new TextEncoder().encode(secret)).getPublicKey();
    return true;
  } catch {
    return false;
  }
}

/** The TLS files named by the environment, if `MPC_NATS_TLS_CA` is set. */
export function tlsFromEnv(env: NodeJS.ProcessEnv = process.env): NatsTlsFiles | undefined {
  const caFile = env.MPC_NATS_TLS_CA;
  if (!caFile) return undefined;
  const certFile = env.MPC_NATS_TLS_CERT;
  const keyFile = env.MPC_NATS_TLS_KEY;
  if (Boolean(certFile) !== Boolean(keyFile)) throw new InvalidArgumentError('MPC_NATS_TLS_CERT and MPC_NATS_TLS_KEY: set both or neither');
  return { caFile, ...(certFile && keyFile ? { certFile, keyFile } : {}) };
}

/** The nats.js options of {@link connectService} (authentication and TLS), without connecting. */
export function connectionOptions(endpoint: NatsEndpoint, name: string, env: NodeJS.ProcessEnv = process.env): ConnectionOptions {
  const tls = endpoint.tls ?? tlsFromEnv(env);
  const auth: ConnectionOptions = isUserSeed(endpoint.pass)
    ? { authenticator: nkeyAuthenticator(new TextEncoder().encode(endpoint.pass)) }
    : { user: endpoint.user, pass: endpoint.pass };
  return {
    servers: endpoint.servers,
    // The first server is the service's own (its organisation's); the others are fallbacks, in order.
    noRandomize: true,
    ...auth,
    ...(tls ? { tls: { caFile: tls.caFile, ...(tls.certFile ? { certFile: tls.certFile, keyFile: tls.keyFile } : {}) } } : {}),
    name,
  };
}

/** Opens a connection for service `name` that keeps reconnecting until closed. */
export async function connectService(endpoint: NatsEndpoint, name: string): Promise<NatsConnection> {
  return await connect({
    ...connectionOptions(endpoint, name),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 200,
    reconnectJitter: 50,
    waitOnFirstConnect: true,
    // A dead server is noticed within a few seconds rather than the default two minutes.
    pingInterval: 2000,
    maxPingOut: 2,
  });
}
