/**
 * @module services/cli/commands/model-rollout-command
 * What `mpc models activate` and `mpc models rollback` share: the common client options, the
 * positional `<name>` (and `<version>`) checked, one SDK call, and the active model id printed
 * (with `--json`: the rollout and the active record).
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../usage-error.js';
import { MpcClient } from '../../sdk/mpc-client.js';
import { CLIENT_OPTIONS, resolveClientConfig, runClientCommand } from '../client-command.js';

/** One rollout command: its name, help, positionals and the SDK call. */
export interface RolloutCommand {
  command: string;
  help: string;
  positionals: readonly ['name'] | readonly ['name', 'version'];
  call(client: MpcClient, name: string, version: string | undefined): Promise<{ model: { id: string } }>;
}

/** Runs `spec` on `args`. */
export async function runRolloutCommand(spec: RolloutCommand, args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { ...CLIENT_OPTIONS } });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(spec.help);
    return 0;
  }
  const [name, version] = parsed.positionals;
  if (!name || parsed.positionals.length !== spec.positionals.length || (spec.positionals.length === 2 && !version)) throw new UsageError(`expected ${spec.positionals.map((p) => `<${p}>`).join(' ')}`);
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(name)) throw new UsageError(`<name>: expected 1-128 characters of [A-Za-z0-9_-], got ${JSON.stringify(name)}`);
  if (version !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(version)) throw new UsageError(`<version>: expected 1-64 characters of [A-Za-z0-9._-], got ${JSON.stringify(version)}`);
  return runClientCommand(spec.command, async () => {
    const res = await spec.call(new MpcClient(resolveClientConfig(v)), name, version);
    process.stdout.write(v.json ? JSON.stringify(res) + '\n' : `${res.model.id}\n`);
  });
}
