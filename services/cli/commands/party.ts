/**
 * @module services/cli/commands/party
 * `mpc party --config <file>`: runs one compute party until SIGINT or SIGTERM, then aborts its
 * active jobs and drains its NATS connection.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../usage-error.js';
import { loadPartyConfig } from '../../party/party-config.js';
import { PartyService } from '../../party/party-service.js';

/** Runs the party command. */
export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write('usage: mpc party --config <party.json>\n');
    return 0;
  }
  if (!values.config) throw new UsageError('--config <file> is required');
  const svc = await PartyService.start(loadPartyConfig(values.config));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await svc.stop();
  return 0;
}
