/**
 * @module services/cli/commands/models-activate
 * `mpc models activate <name> <version>`: makes a published version of a model name the active
 * one (logged as `model.activated`); prints the active model id (with `--json`: the rollout and
 * the active record).
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../usage-error.js';
import { MpcClient } from '../../sdk/mpc-client.js';
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, resolveClientConfig, runClientCommand } from '../client-command.js';

const HELP = `usage: mpc models activate <name> <version> [options]
  makes the published <version> of model <name> the active one (audit entry model.activated);
  prints the active model id; with --json {"rollout": {...}, "model": {...}}
${CLIENT_OPTIONS_HELP}
`;

/** Runs `mpc models activate`. */
export async function run(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { ...CLIENT_OPTIONS } });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const [name, version] = parsed.positionals;
  if (!name || !version || parsed.positionals.length !== 2) throw new UsageError('expected <name> <version>');
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(name)) throw new UsageError(`<name>: expected 1-128 characters of [A-Za-z0-9_-], got ${JSON.stringify(name)}`);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(version)) throw new UsageError(`<version>: expected 1-64 characters of [A-Za-z0-9._-], got ${JSON.stringify(version)}`);
  return runClientCommand('models activate', async () => {
    const res = await new MpcClient(resolveClientConfig(v)).activateModel(name, version);
    process.stdout.write(v.json ? JSON.stringify(res) + '\n' : `${res.model.id}\n`);
  });
}
