/**
 * @module services/cluster/full-cluster
 * The whole product on one machine: the local cluster (nats-server, coordinator, three
 * parties) plus the HTTP gateway with demo API keys, ready once the gateway's `/readyz`
 * answers 200. `mpc up` and `mpc demo` start it; benchmarks and end-to-end tests can too.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from './nats-server-process.js';
import { writeDemoKeyFiles } from '../gateway/api-key-store.js';
import { LocalClusterError, startLocalCluster, type ClusterFile, type LocalCluster, type LocalClusterOptions, type LocalServiceSpec } from './local-cluster.js';
import { gatewayPermissions } from './nats-permissions.js';
import type { GatewayHttpConfig } from '../gateway/gateway-config.js';

/** Options of {@link startFullCluster}. */
export interface FullClusterOptions extends LocalClusterOptions {
  /** Gateway HTTP port on 127.0.0.1 (default: a free port). */
  gatewayPort?: number;
  /** Milliseconds to wait for the gateway's /readyz (default 60000). */
  gatewayReadyTimeoutMs?: number;
  /** Gateway HTTP settings other than the defaults (benchmarks: a request rate above what one identity may send in production). */
  gatewayHttp?: Partial<GatewayHttpConfig>;
}

/** A running full cluster. */
export interface FullCluster extends LocalCluster {
  /** `http://127.0.0.1:<port>` */
  gatewayUrl: string;
  /** Demo API keys by identity id (demo-client, demo-hospital, demo-analyst, ...). */
  demoKeys: Record<string, string>;
  /** Path of the plaintext demo key file the CLI reads. */
  demoKeysPath: string;
}

/** The gateway as a service of the local cluster. */
function gatewaySpec(port: number, apiKeysFile: string, http: Partial<GatewayHttpConfig> = {}): LocalServiceSpec {
  return {
    name: 'gateway',
    command: 'gateway',
    permissions: gatewayPermissions(),
    config: ({ dir, natsServers, credentialsFile }) => ({
      ...http,
      host: '127.0.0.1',
      port,
      nats: { servers: natsServers, credentialsFile },
      apiKeysFile,
      // Signs the principal envelopes; the coordinator trusts its public half (local-cluster).
      identityFile: join(dir, 'keys', 'gateway.identity.json'),
      logLevel: 'warn',
    }),
  };
}

async function waitReady(url: string, timeoutMs: number, cluster: LocalCluster): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < end) {
    const gw = cluster.processes.get('gateway');
    if (gw && gw.exitCode !== null) throw new LocalClusterError(`gateway exited with code ${gw.exitCode}; see ${join(cluster.dir, 'logs', 'gateway.log')}`);
    try {
      const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) return;
      last = `/readyz answered ${r.status}: ${(await r.text()).slice(0, 300)}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new LocalClusterError(`gateway not ready within ${timeoutMs} ms: ${last}`);
}

/** Waits until the registry lists `count` HE workers as up (they load node-seal on start). */
async function waitHeWorkers(url: string, apiKey: string, count: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  let up = 0;
  while (count > 0 && Date.now() < end) {
    const r = await fetch(`${url}/v1/registry`, { headers: { authorization: `Bearer ${apiKey}` }, signal: AbortSignal.timeout(2000) });
    if (r.ok) {
      const { services } = (await r.json()) as { services: { kind: string; status: string }[] };
      up = services.filter((s) => s.kind === 'he-worker' && s.status === 'up').length;
      if (up >= count) return;
    }
    await new Promise((res) => setTimeout(res, 150));
  }
  if (up < count) throw new LocalClusterError(`only ${up} of ${count} HE workers registered within ${timeoutMs} ms; see the he-worker logs`);
}

/** Starts the local cluster with the gateway and resolves once `/readyz` answers 200. */
export async function startFullCluster(opts: FullClusterOptions = {}): Promise<FullCluster> {
  // Absolute from here on: the services resolve relative paths in their configs against the
  // config file's folder, so a path relative to this process's folder would point elsewhere.
  const dir = resolve(opts.dir ?? '.mpc');
  const port = opts.gatewayPort ?? (await freePort());
  const { gatewayKeysPath, demoKeysPath, keys } = await writeDemoKeyFiles(dir);
  const cluster = await startLocalCluster({
    ...opts,
    dir,
    extraServices: (ctx) => [...(opts.extraServices?.(ctx) ?? []), gatewaySpec(port, gatewayKeysPath, opts.gatewayHttp)],
  });
  const gatewayUrl = `http://127.0.0.1:${port}`;
  try {
    const timeoutMs = opts.gatewayReadyTimeoutMs ?? 60_000;
    await waitReady(gatewayUrl, timeoutMs, cluster);
    await waitHeWorkers(gatewayUrl, keys['demo-admin']!, opts.heWorkers ?? 2, timeoutMs);
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  const file = JSON.parse(readFileSync(cluster.clusterFile, 'utf8')) as ClusterFile;
  writeFileSync(cluster.clusterFile, JSON.stringify({ ...file, gatewayUrl }, null, 2) + '\n', { mode: 0o600 });
  return { ...cluster, gatewayUrl, demoKeys: keys, demoKeysPath };
}
