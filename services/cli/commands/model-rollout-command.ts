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
import { readIdentityFile } from '../../../crypto-core/keys/key-file.js';
import { signMessage } from '../../wire/job-messages.js';
import { ACTIVATION_DOMAIN, type ActivationDecision } from '../../wire/party-governance.js';

/** One rollout command: its name, help, positionals and the SDK call. */
export interface RolloutCommand {
  command: string;
  help: string;
  positionals: readonly ['name'] | readonly ['name', 'version'];
  call(client: MpcClient, name: string, version: string | undefined, approvals: unknown[] | undefined): Promise<{ model: { id: string } }>;
}

/** Help text of `--approve`, shared by both commands. */
export const APPROVE_HELP = `  --approve <file>   an operator's identity file: signs its approval of the version that becomes
                     active (repeat, one per organisation; when governance.activationQuorum > 0)
`;

/** Operators' signed approvals of the version of `name` that the command makes active (`version`, or for a rollback the one before). */
async function approvals(client: MpcClient, files: readonly string[], name: string, version: string | undefined): Promise<unknown[]> {
  const models = (await client.models()).filter((m) => m.name === name);
  const id = version === undefined ? (await client.modelRollout(name)).previous.at(-1) : models.find((m) => m.version === version)?.id;
  const target = models.find((m) => m.id === id);
  if (!target) throw new UsageError(version === undefined ? `model ${name} has no earlier version to roll back to` : `model ${name} has no published version ${version}`);
  const now = Date.now();
  return files.map((f) => signMessage<ActivationDecision>(ACTIVATION_DOMAIN, { type: 'model-activation', name, version: target.version, modelId: target.id, issuedAt: now }, readIdentityFile(f).signing));
}

/** Runs `spec` on `args`. */
export async function runRolloutCommand(spec: RolloutCommand, args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { ...CLIENT_OPTIONS, approve: { type: 'string', multiple: true } } });
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
    const client = new MpcClient(resolveClientConfig(v));
    const signed = v.approve?.length ? await approvals(client, v.approve, name, version) : undefined;
    const res = await spec.call(client, name, version, signed);
    process.stdout.write(v.json ? JSON.stringify(res) + '\n' : `${res.model.id}\n`);
  });
}
