/**
 * @module services/cli/commands/query
 * `mpc query <query.json>` (or `--query '<json>'`): submits an analytics query (the document of
 * protocols/analytics/query) and prints the job id. When the deployment has no analytics
 * service the gateway answers a 501 `not-available` problem, printed as such (exit code 1).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { UsageError } from '../usage-error.js';
import { MpcClient } from '../../sdk/mpc-client.js';
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, resolveClientConfig, runClientCommand } from '../../sdk/client-command.js';
import type { Query } from '../../../protocols/analytics/query.js';

const HELP = `usage: mpc query <query.json> | --query '<json>' [options]
  the query document: {"datasets": [...], "filter"?: ..., "groupBy"?: [...], "aggregates": [{"op": "count"}, ...]}
  prints the job id; with --json {"jobId", "created"}
${CLIENT_OPTIONS_HELP}
`;

/** Runs `mpc query`. */
export async function run(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { ...CLIENT_OPTIONS, query: { type: 'string' } } });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const file = parsed.positionals[0];
  if ((file === undefined) === (v.query === undefined) || parsed.positionals.length > 1) throw new UsageError("give exactly one of <query.json> and --query '<json>'");
  let text: string;
  if (file !== undefined) {
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
    }
  } else text = v.query!;
  let query: Query;
  try {
    query = JSON.parse(text) as Query;
  } catch {
    throw new UsageError('the query is not valid JSON');
  }
  return runClientCommand('query', async () => {
    const client = new MpcClient(resolveClientConfig(v));
    const res = await client.query(query);
    process.stdout.write(v.json ? JSON.stringify(res) + '\n' : `${res.jobId}\n`);
  });
}
