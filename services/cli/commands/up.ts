/**
 * @module services/cli/commands/up
 * `mpc up [--dir .mpc] [--port N] [--no-jetstream]`: starts a local cluster (nats-server with
 * per-service users, the coordinator, three parties) and keeps it running until Ctrl-C
 * (SIGINT) or SIGTERM, then stops every process cleanly. Writes `<dir>/cluster.json`.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../usage-error.js';
import { startLocalCluster } from '../../cluster/local-cluster.js';

/** Runs the up command. */
export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      dir: { type: 'string', default: '.mpc' },
      port: { type: 'string' },
      'no-jetstream': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write('usage: mpc up [--dir .mpc] [--port <nats port>] [--no-jetstream]\n');
    return 0;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw new UsageError(`--port: expected 1..65535, got ${values.port}`);
  const cluster = await startLocalCluster({ dir: values.dir, natsPort: port, jetstream: !values['no-jetstream'] });
  process.stdout.write(
    [
      `nats:        ${cluster.natsUrl}`,
      `services:    ${[...cluster.processes.keys()].join(', ')}`,
      `cluster:     ${cluster.clusterFile}`,
      `logs:        ${cluster.dir}/logs/`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stdout.write('stopping...\n');
  await cluster.stop();
  return 0;
}
