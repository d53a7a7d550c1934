/**
 * @module services/cli/commands/models-rollback
 * `mpc models rollback <name>`: returns a model name to the version active before the current
 * one (logged as `model.rolled-back`); prints the active model id (with `--json`: the rollout and
 * the active record).
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../usage-error.js';
import { MpcClient } from '../../sdk/mpc-client.js';
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, resolveClientConfig, runClientCommand } from '../client-command.js';

const HELP = `usage: mpc models rollback <name> [options]
  returns model <name> to the version active before the current one (audit entry
  model.rolled-back); prints the active model id; with --json {"rollout": {...}, "model": {...}}
${CLIENT_OPTIONS_HELP}
`;

/** Runs `mpc models rollback`. */
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
  const [name] = parsed.positionals;
  if (!name || parsed.positionals.length !== 1) throw new UsageError('expected <name>');
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(name)) throw new UsageError(`<name>: expected 1-128 characters of [A-Za-z0-9_-], got ${JSON.stringify(name)}`);
  return runClientCommand('models rollback', async () => {
    const res = await new MpcClient(resolveClientConfig(v)).rollbackModel(name);
    process.stdout.write(v.json ? JSON.stringify(res) + '\n' : `${res.model.id}\n`);
  });
}
