/**
 * @module services/cli/commands/infer
 * `mpc infer --model <id|name> --input <file.json> [--mode mpc|he] [--security semi-honest|malicious]`: reads `{"shape": [...], "data": [...]}`
 * (row-major, batch first), runs the inference through the SDK (MPC: inputs shared and sealed,
 * output opened and checked locally; HE: keys made here, input encrypted, output decrypted
 * here) and prints the output in the same form. MPC: `--model` is a model id, or a published
 * model name, for the name's active version (`mpc models activate|rollback`; the id the catalogue
 * lists wins when both match; a string the catalogue lists as neither is sent as an id); with
 * --json the output names the version that ran.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { UsageError } from '../usage-error.js';
import { MpcClient, type ModelRef } from '../../sdk/mpc-client.js';
import { jobProgressBar } from '../progress-bar.js';
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, resolveClientConfig, runClientCommand } from '../client-command.js';

const HELP = `usage: mpc infer --model <id|name> --input <file.json> [--mode mpc|he] [--security semi-honest|malicious] [--timeout <ms>] [options]
  --model <id|name>   published model id; mpc also a model name: its active version runs
                      (mpc models activate|rollback choose it; the job says which ran)
  --input <file>      JSON {"shape": [batch, ...], "data": [numbers, row-major]}
  --mode mpc|he       mpc (default): secret-shared across the parties; he: CKKS-encrypted
                      ([N, ...]: one request per ciphertext, queries packed as the model's plan allows)
  --security <mode>   mpc only: semi-honest (default) or malicious (every product and comparison
                      verified; a deviating party makes the job fail verification-failed)
  --timeout <ms>      give up waiting after this long (default 120000)
  output: {"shape": [...], "data": [...]}; with --json also the job id and statistics
${CLIENT_OPTIONS_HELP}
`;

/** Parses and checks the input file's content. */
export function parseTensorFile(text: string, path: string): { shape: number[]; data: number[] } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new UsageError(`--input: ${path} is not valid JSON`);
  }
  const t = v as { shape?: unknown; data?: unknown };
  if (typeof v !== 'object' || v === null || !Array.isArray(t.shape) || !Array.isArray(t.data)) throw new UsageError(`--input: ${path} must be {"shape": [...], "data": [...]}`);
  if (!t.shape.every((d) => Number.isInteger(d) && (d as number) > 0)) throw new UsageError(`--input: shape must be positive integers, got ${JSON.stringify(t.shape)}`);
  if (!t.data.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new UsageError('--input: data must be finite numbers');
  const n = (t.shape as number[]).reduce((a, b) => a * b, 1);
  if (t.data.length !== n) throw new UsageError(`--input: shape [${(t.shape as number[]).join(', ')}] needs ${n} numbers, data has ${t.data.length}`);
  return { shape: t.shape as number[], data: t.data as number[] };
}

/** `--model` as the SDK takes it: (MPC) the name of a published model when the catalogue lists that name and no model with that id; else an id. */
async function modelRef(client: MpcClient, model: string, mode: 'mpc' | 'he'): Promise<ModelRef> {
  if (mode === 'he') return model;
  const listed = await client.models();
  const isName = listed.some((m) => m.name === model && m.mode === 'mpc') && !listed.some((m) => m.id === model);
  return isName ? { name: model } : model;
}

/** Runs `mpc infer`. */
export async function run(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...CLIENT_OPTIONS, model: { type: 'string' }, input: { type: 'string' }, mode: { type: 'string', default: 'mpc' }, security: { type: 'string' }, timeout: { type: 'string' } } });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!v.model) throw new UsageError('--model <id|name> is required');
  if (!v.input) throw new UsageError('--input <file.json> is required');
  if (v.mode !== 'mpc' && v.mode !== 'he') throw new UsageError(`--mode: expected mpc or he, got ${v.mode}`);
  if (v.security !== undefined && v.security !== 'semi-honest' && v.security !== 'malicious') throw new UsageError(`--security: expected semi-honest or malicious, got ${v.security}`);
  if (v.security !== undefined && v.mode === 'he') throw new UsageError('--security: applies to --mode mpc only (HE results are checked by dual execution)');
  const timeoutMs = v.timeout === undefined ? undefined : Number(v.timeout);
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs <= 0)) throw new UsageError(`--timeout: expected a positive integer of milliseconds, got ${v.timeout}`);
  let text: string;
  try {
    text = await readFile(v.input, 'utf8');
  } catch (err) {
    throw new UsageError(`--input: cannot read ${v.input}: ${(err as Error).message}`);
  }
  const input = parseTensorFile(text, v.input);
  return runClientCommand('infer', async () => {
    const client = new MpcClient(resolveClientConfig(v));
    const bar = jobProgressBar(`infer ${v.model}`, !v.json);
    const out = await modelRef(client, v.model!, v.mode as 'mpc' | 'he')
      .then((model) => client.infer(model, input, { mode: v.mode as 'mpc' | 'he', ...(v.security === undefined ? {} : { security: v.security as 'semi-honest' | 'malicious' }), timeoutMs, onProgress: (job) => bar.update(job) }))
      .finally(() => {
        bar.done();
        return client.close();
      });
    const body: Record<string, unknown> = { shape: out.shape, data: Array.from(out.data), ...(out.security === undefined ? {} : { security: out.security }) };
    if (v.json) body.job = { id: out.job.id, state: out.job.state, ...(out.job.model ? { model: { id: out.job.model.id, name: out.job.model.name, version: out.job.model.version } } : {}), ...(out.job.stats ? { stats: out.job.stats } : {}) };
    process.stdout.write(JSON.stringify(body) + '\n');
  });
}
