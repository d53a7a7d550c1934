/**
 * @module services/cli/commands/models-activate
 * `mpc models activate <name> <version>`: makes a published version of a model name the active
 * one (logged as `model.activated`); prints the active model id (with `--json`: the rollout and
 * the active record).
 */
import { CLIENT_OPTIONS_HELP } from '../client-command.js';
import { APPROVE_HELP, runRolloutCommand } from './model-rollout-command.js';

const HELP = `usage: mpc models activate <name> <version> [--approve <operator identity file>]... [options]
  makes the published <version> of model <name> the active one (audit entry model.activated);
  prints the active model id; with --json {"rollout": {...}, "model": {...}}
${APPROVE_HELP}${CLIENT_OPTIONS_HELP}
`;

/** Runs `mpc models activate`. */
export function run(args: string[]): Promise<number> {
  return runRolloutCommand({ command: 'models activate', help: HELP, positionals: ['name', 'version'], call: (client, name, version, approvals) => client.activateModel(name, version!, approvals ? { approvals } : {}) }, args);
}
