/**
 * @module services/cli/commands/up
 * `mpc up [--dir .mpc] [--port N] [--gateway-port N] [--he-workers 2] [--no-jetstream] [--topology single|cluster]`: starts
 * a local cluster (nats-server with per-service users, the coordinator, three parties, HE
 * workers and the gateway) and keeps it running until Ctrl-C (SIGINT) or SIGTERM, then stops
 * every process cleanly. Once `/readyz` answers 200 it prints the gateway URL on a line of its
 * own (the first line of output), so scripts can read it; `<dir>/cluster.json` holds it too.
 * While it runs it supervises the services: one that dies is restarted with backoff, and the
 * exit and the restart are printed (`mpc up: party-1 exited (signal SIGKILL); restarting in
 * 500 ms`) and logged in `<dir>/logs/supervisor.log`. A relative `--dir` is relative to the
 * folder `mpc up` runs in.
 *
 * `--topology cluster` (or `--servers 3`) runs three nats-servers instead of one, joined by routes
 * with TLS, JetStream replicated R3, each party on a different server with the other two as
 * fallbacks (services/cluster/topology.ts); `--port` is then the first server's client port.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../usage-error.js';
import { startFullCluster } from '../../cluster/full-cluster.js';
import { describeSupervisorEvent } from '../../cluster/service-supervisor.js';
import { encodeVerifierKey } from '../../../crypto-core/checkpoint/index.js';
import { fromHex } from '../../../crypto-core/encoding.js';

const HELP = 'usage: mpc up [--dir .mpc] [--port <nats port>] [--gateway-port <port>] [--he-workers <n>] [--no-jetstream] [--topology single|cluster | --servers 1|3]\n';

function portArg(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const port = Number(v);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--${name}: expected 1..65535, got ${v}`);
  return port;
}

/** `--topology` / `--servers` to a topology; both given must agree. */
function topologyArg(topology: string | undefined, servers: string | undefined): 'single' | 'cluster' {
  if (topology !== undefined && topology !== 'single' && topology !== 'cluster') throw new UsageError(`--topology: expected single or cluster, got ${topology}`);
  if (servers !== undefined && servers !== '1' && servers !== '3') throw new UsageError(`--servers: expected 1 or 3, got ${servers}`);
  const fromServers = servers === undefined ? undefined : servers === '3' ? 'cluster' : 'single';
  if (topology !== undefined && fromServers !== undefined && topology !== fromServers) throw new UsageError(`--topology ${topology} and --servers ${servers} disagree`);
  return (topology ?? fromServers ?? 'single') as 'single' | 'cluster';
}

/** Runs the up command. */
export async function run(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        dir: { type: 'string', default: '.mpc' },
        port: { type: 'string' },
        'gateway-port': { type: 'string' },
        'he-workers': { type: 'string', default: '2' },
        'no-jetstream': { type: 'boolean', default: false },
        topology: { type: 'string' },
        servers: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const heWorkers = Number(values['he-workers']);
  if (!Number.isInteger(heWorkers) || heWorkers < 0 || heWorkers > 8) throw new UsageError(`--he-workers: expected 0..8, got ${values['he-workers']}`);
  const topology = topologyArg(values.topology, values.servers);
  const cluster = await startFullCluster({
    topology,
    dir: values.dir,
    natsPort: portArg('port', values.port),
    gatewayPort: portArg('gateway-port', values['gateway-port']),
    heWorkers,
    jetstream: !values['no-jetstream'],
  });
  process.stdout.write(
    [
      cluster.gatewayUrl,
      // The console with this cluster's log key filled in (docs/console.md: what pinning from the operator means).
      `console:     ${cluster.gatewayUrl}/console/?logKey=${encodeURIComponent(encodeVerifierKey({ name: 'coordinator', publicKey: fromHex(cluster.keys.coordinator!.signingPublicKey, 'coordinator key', 32) }))}`,
      `nats:        ${cluster.natsUrls.join(', ')}${topology === 'cluster' ? ' (3-server cluster, JetStream R3)' : ''}`,
      `services:    ${[...cluster.processes.keys()].join(', ')}`,
      `cluster:     ${cluster.clusterFile}`,
      `api keys:    ${cluster.demoKeysPath}`,
      `logs:        ${cluster.dir}/logs/`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  // A service that dies is restarted with backoff; each event is printed here and logged in logs/supervisor.log.
  cluster.supervise((e) => process.stdout.write(`mpc up: ${describeSupervisorEvent(e)}\n`));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stdout.write('stopping...\n');
  await cluster.stop();
  return 0;
}
