/**
 * @module services/cli/commands/he-worker
 * `mpc he-worker --config <file>`: runs one HE worker service (a pool of SEAL worker threads
 * serving the coordinator's signed requests) until SIGINT or SIGTERM, then drains its NATS
 * connection and stops its threads.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadHeWorkerConfig } from '../../he-worker/he-worker-config.js';
import { HeWorkerService } from '../../he-worker/he-worker-service.js';
import { UsageError } from '../usage-error.js';

/** Runs the he-worker command. */
export async function run(args: string[]): Promise<number> {
  let values: { config?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (values.help) {
    process.stdout.write('usage: mpc he-worker --config <he-worker.json>\n');
    return 0;
  }
  if (!values.config) throw new UsageError('--config <file> is required');
  const svc = await HeWorkerService.start(loadHeWorkerConfig(values.config));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await svc.stop();
  return 0;
}
