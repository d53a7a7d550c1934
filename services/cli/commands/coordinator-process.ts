/**
 * @module services/cli/commands/coordinator-process
 * `mpc coordinator --config <file>`: runs the coordinator (services/coordinator/coordinator-process:
 * durable state in JetStream with `"audit": "jetstream"`, the audit outbox in its state folder)
 * until SIGINT or SIGTERM, then stops it (a last checkpoint, the last state writes).
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../usage-error.js';
import { loadCoordinatorConfig } from '../../coordinator/coordinator-config.js';
import { startCoordinatorProcess } from '../../coordinator/coordinator-process.js';

/** Runs the coordinator command. */
export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write('usage: mpc coordinator --config <coordinator.json>\n');
    return 0;
  }
  if (!values.config) throw new UsageError('--config <file> is required');
  const svc = await startCoordinatorProcess(loadCoordinatorConfig(values.config));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await svc.stop();
  return 0;
}
