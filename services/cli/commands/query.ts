/**
 * @module services/cli/commands/query
 * `mpc query <query.json>` (or `--query '<json>'`) `[--schema <schema.json>] [--security semi-honest|malicious]`: submits an
 * analytics query (the document of protocols/analytics/query) with a fresh key for its result.
 * Without `--schema` it prints the job id; with the data sets' schema it waits, opens the sealed
 * result on this machine and prints it as JSON. When the deployment has no analytics service the
 * gateway answers a 501 `not-available` problem, printed as such (exit code 1).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { UsageError } from '../usage-error.js';
import { MpcClient } from '../../sdk/mpc-client.js';
import { jobProgressBar } from '../progress-bar.js';
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, resolveClientConfig, runClientCommand } from '../client-command.js';
import type { Query } from '../../../protocols/analytics/query.js';
import { checkSchema, type DatasetSchema } from '../../../protocols/analytics/dataset-schema.js';

const HELP = `usage: mpc query <query.json> | --query '<json>' [--schema <schema.json>] [--security semi-honest|malicious] [--timeout <ms>] [options]
  the query document: {"datasets": [...], "filter"?: ..., "groupBy"?: [...], "aggregates": [{"op": "count"}, ...]}
  --schema <file>     the data sets' schema: wait for the job, open and print the result (JSON, with the
                      "security" the three parties signed they ran)
  --security <mode>   semi-honest or malicious (every product and comparison verified before any output
                      leaves a party); default: the service's
  without --schema prints the job id (with --json {"jobId", "created"}); the result key stays in this process
${CLIENT_OPTIONS_HELP}
`;

/** Runs `mpc query`. */
export async function run(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { ...CLIENT_OPTIONS, query: { type: 'string' }, schema: { type: 'string' }, security: { type: 'string' }, timeout: { type: 'string' } } });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (v.security !== undefined && v.security !== 'semi-honest' && v.security !== 'malicious') throw new UsageError(`--security: expected semi-honest or malicious, got ${v.security}`);
  const security = v.security as 'semi-honest' | 'malicious' | undefined;
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
  let schema: DatasetSchema | undefined;
  if (v.schema !== undefined) {
    try {
      schema = checkSchema(JSON.parse(await readFile(v.schema, 'utf8')));
    } catch (err) {
      throw new UsageError(`--schema: ${(err as Error).message}`);
    }
  }
  const timeoutMs = v.timeout === undefined ? undefined : Number(v.timeout);
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs <= 0)) throw new UsageError(`--timeout: expected a positive integer of milliseconds, got ${v.timeout}`);
  return runClientCommand('query', async () => {
    const client = new MpcClient(resolveClientConfig(v));
    const submitted = await client.query(query, security === undefined ? {} : { security });
    if (!schema) {
      process.stdout.write(v.json ? JSON.stringify({ jobId: submitted.jobId, created: submitted.created }) + '\n' : `${submitted.jobId}\n`);
      return;
    }
    const bar = jobProgressBar(`query ${submitted.jobId}`, !v.json);
    const result = await client.queryResult(submitted, schema, { timeoutMs, onProgress: (job) => bar.update(job) }).finally(() => bar.done());
    process.stdout.write(JSON.stringify(result) + '\n');
  });
}
