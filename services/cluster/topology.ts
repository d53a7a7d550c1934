/**
 * @module services/cluster/topology
 * The three-server topology of `mpc up --topology cluster`: one nats-server per organisation,
 * joined by routes into one cluster (`mpc`), JetStream on every server so that the audit log,
 * the job book and the catalogues are replicated R3 (the loss of one server loses nothing and a
 * quorum of two keeps accepting writes).
 *
 * - Client connections: TLS with the cluster CA, a client certificate required (`verify: true`),
 *   one nkey user per service with its subject permissions, each listed in its organisation's
 *   NATS account (nats-accounts: the coordinator's, one per party's organisation, the
 *   gateway's, the clients'), with exports and imports of exactly the subjects that cross
 *   organisations. The same `accounts` block is in every server's config: a user may connect to
 *   any of them, which is what the fallbacks need, and config-file accounts are not distributed
 *   by the servers themselves.
 * - Route connections: TLS both ways with the server certificate of the same CA, and a route
 *   user whose password (random, 32 bytes) is only in the servers' 0600 config files, so a
 *   service's client certificate alone cannot join the cluster as a route (which would let it
 *   read every subject).
 * - Files: `nats/org-<i>/nats-server.conf`, `nats/org-<i>/jetstream/`, `logs/nats-server-<i>.log`,
 *   `nats/accounts/<ACCOUNT>.conf` (one per account, included by every server's config).
 *
 * With `network`, server i runs in network namespace i and listens on its address there (the
 * test of the topology makes the namespaces, joined by a bridge); parties run in their
 * organisation's namespace too (local-cluster).
 *
 * Placement: party i is organisation i's and connects to server i first; the coordinator to
 * server 0, the gateway to server 1, HE workers round robin; every service lists the other
 * servers after its own (connections keep that order: transport/nats-connection).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'nats';
import { MpcError } from '../../crypto-core/errors.js';
import { connectionOptions, type NatsEndpoint } from '../transport/nats-connection.js';
import type { TlsLeafFiles } from './cluster-tls.js';
import { accountsInclude } from './nats-accounts.js';
import { freePort, NatsServerProcess } from './nats-server-process.js';

/** `single`: one server; `cluster`: three servers with routes. */
export type ClusterTopology = 'single' | 'cluster';

/** Servers of the cluster topology. */
export const CLUSTER_SERVERS = 3;

/** The cluster topology did not come up. */
export class ClusterTopologyError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('cluster-topology', message, options);
  }
}

/** The index of the server service `name` connects to first, among `count`. */
export function homeServer(name: string, count: number): number {
  if (count <= 1) return 0;
  const party = /^party-(\d+)$/.exec(name);
  if (party) return Number(party[1]) % count;
  const he = /^he-worker-(\d+)$/.exec(name);
  if (he) return Number(he[1]) % count;
  if (name === 'gateway') return 1 % count;
  return 0;
}

/** `urls` starting at `home`, then the others in order (the fallbacks). */
export function serverOrder(urls: readonly string[], home: number): string[] {
  return [...urls.slice(home), ...urls.slice(0, home)];
}

/** Options of {@link startClusterServers}. */
export interface ClusterServersOptions {
  dir: string;
  jetstream: boolean;
  /** Client port of server 0 (the others get free ports). */
  firstPort?: number;
  /**
   * The NATS accounts, by name: the text of each account's file (nats-accounts
   * `accountFiles`), written to `nats/accounts/<name>.conf` and included by every server's config.
   */
  accounts: Record<string, string>;
  /** The servers' certificate, key and CA (client and route TLS). */
  tls: TlsLeafFiles;
  startTimeoutMs?: number;
  /** Per server: the network namespace it runs in and its address there (default: all on 127.0.0.1). */
  network?: readonly OrganisationNetwork[];
}

/** Where one organisation's server runs: its own network namespace and address. */
export interface OrganisationNetwork {
  netns: string;
  address: string;
}

/** Starts the three servers of the cluster topology; resolves once every one accepts clients. */
export async function startClusterServers(o: ClusterServersOptions): Promise<NatsServerProcess[]> {
  const routeUser = { user: 'route', password: randomBytes(32).toString('hex') };
  const ports = [o.firstPort ?? (await freePort()), await freePort(), await freePort()];
  const routePorts = [await freePort(), await freePort(), await freePort()];
  if (o.network && o.network.length !== CLUSTER_SERVERS) throw new ClusterTopologyError(`network: expected ${CLUSTER_SERVERS} organisations, got ${o.network.length}`);
  const hostOf = (j: number): string => o.network?.[j]?.address ?? '127.0.0.1';
  // One file per account, the same files for every server (config-file accounts are not shared by the servers).
  const accountsDir = join(o.dir, 'nats', 'accounts');
  mkdirSync(accountsDir, { recursive: true, mode: 0o700 });
  for (const [name, text] of Object.entries(o.accounts)) writeFileSync(join(accountsDir, `${name}.conf`), text, { mode: 0o600 });
  const auth = accountsInclude(Object.keys(o.accounts), '../accounts');
  const started = await Promise.allSettled(
    routePorts.map((routePort, i) =>
      NatsServerProcess.start({
        port: ports[i],
        ...(o.network ? { host: o.network[i]!.address, netns: o.network[i]!.netns } : {}),
        jetstream: o.jetstream,
        storeDir: join(o.dir, 'nats', `org-${i}`, 'jetstream'),
        configFile: join(o.dir, 'nats', `org-${i}`, 'nats-server.conf'),
        serverName: `mpc-org-${i}`,
        logFile: join(o.dir, 'logs', `nats-server-${i}.log`),
        extraConfig: auth,
        tls: o.tls,
        startTimeoutMs: o.startTimeoutMs ?? 20_000,
        cluster: {
          name: 'mpc',
          port: routePort,
          routes: routePorts.flatMap((p, j) => (j === i ? [] : [`nats-route://${routeUser.user}:${routeUser.password}@${hostOf(j)}:${p}`])),
          tls: o.tls,
          authorization: routeUser,
        },
      }),
    ),
  );
  const ok = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(ok.map((s) => s.stop()));
    throw new ClusterTopologyError(`a nats-server of the cluster did not start: ${(failed.reason as Error)?.message ?? String(failed.reason)}`, { cause: failed.reason });
  }
  return ok;
}

/**
 * Waits until JetStream answers through `endpoint` (the cluster has elected its meta leader), so
 * that the coordinator's first stream and bucket creations do not fail.
 */
export async function waitJetStream(endpoint: NatsEndpoint, timeoutMs: number): Promise<void> {
  const nc = await connect({ ...connectionOptions(endpoint, 'mpc-up-jetstream-probe'), maxReconnectAttempts: -1, waitOnFirstConnect: true });
  try {
    const end = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      try {
        const jsm = await nc.jetstreamManager({ timeout: 2000 });
        await jsm.getAccountInfo();
        return;
      } catch (e) {
        last = e instanceof Error ? e.message : String(e);
      }
      if (Date.now() > end) throw new ClusterTopologyError(`JetStream of the cluster not ready within ${timeoutMs} ms: ${last}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await nc.close();
  }
}
