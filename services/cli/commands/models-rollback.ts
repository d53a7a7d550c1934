/**
 * @module services/cli/commands/models-rollback
 * `mpc models rollback <name>`: returns a model name to the version active before the current
 * one (logged as `model.rolled-back`); prints the active model id (with `--json`: the rollout and
 * the active record).
 */
import { CLIENT_OPTIONS_HELP } from '../client-command.js';
import { APPROVE_HELP, runRolloutCommand } from './model-rollout-command.js';

const HELP = `usage: mpc models rollback <name> [--approve <operator identity file>]... [options]
  returns model <name> to the version active before the current one (audit entry
  model.rolled-back); prints the active model id; with --json {"rollout": {...}, "model": {...}}
${APPROVE_HELP}${CLIENT_OPTIONS_HELP}
`;

/** Runs `mpc models rollback`. */
export function run(args: string[]): Promise<number> {
  return runRolloutCommand({ command: 'models rollback', help: HELP, positionals: ['name'], call: (client, name, _version, approvals) => client.rollbackModel(name, approvals ? { approvals } : {}) }, args);
}
