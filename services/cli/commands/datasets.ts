/**
 * @module services/cli/commands/datasets
 * `mpc datasets list` (the data sets your roles may query: id, name, rows, columns) and
 * `mpc datasets delete <id>` (erase a data set at every party; its owner, or an admin of the
 * same tenant). `mpc datasets upload` is its own command (datasets-upload.ts); the command
 * table matches `datasets upload` first, so this module sees `list` or `delete` as args[0].
 */
import { parseSubcommand } from '../command-args.js';
import { UsageError } from '../usage-error.js';
import { MpcClient } from '../../sdk/mpc-client.js';
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, resolveClientConfig, runClientCommand } from '../client-command.js';
import type { DatasetRecord } from '../../wire/api.js';

const HELP = `usage: mpc datasets list [options]
       mpc datasets delete <id> [options]
  list     the data sets your roles may query (id, name, rows, columns); with --json one record per line
  delete   erase a data set at all three parties (owner, or admin of its tenant); prints the erased id
  (mpc datasets upload --help for uploads)
${CLIENT_OPTIONS_HELP}
`;

/** One line of `mpc datasets list`: id, name, row count and column names. */
export function formatDatasetLine(d: DatasetRecord): string {
  return `${d.id}\t${d.name}\t${d.rows} rows\t${d.schema.columns.map((c) => c.name).join(',')}`;
}

/** Runs `mpc datasets list|delete`. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseSubcommand(args, { ...CLIENT_OPTIONS }, HELP);
  if (!parsed) return 0;
  const { sub, values: v } = parsed;
  if (sub === 'list') {
    if (parsed.positionals.length > 0) throw new UsageError(`datasets list: unexpected argument '${parsed.positionals[0]}'`);
    return runClientCommand('datasets list', async () => {
      const list = await new MpcClient(resolveClientConfig(v)).listDatasets();
      process.stdout.write(list.map((d) => (v.json ? JSON.stringify(d) : formatDatasetLine(d)) + '\n').join(''));
    });
  }
  if (sub === 'delete') {
    const id = parsed.positionals[0];
    if (id === undefined || parsed.positionals.length > 1) throw new UsageError('datasets delete: expected exactly one <id>');
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(id)) throw new UsageError(`datasets delete: <id> expected 1-128 characters of [A-Za-z0-9_-], got ${JSON.stringify(id)}`);
    return runClientCommand('datasets delete', async () => {
      const res = await new MpcClient(resolveClientConfig(v)).deleteDataset(id);
      process.stdout.write(v.json ? JSON.stringify(res) + '\n' : `${res.deleted}\n`);
    });
  }
  throw new UsageError(`datasets: unknown subcommand '${sub}' (list, delete, upload)`);
}
