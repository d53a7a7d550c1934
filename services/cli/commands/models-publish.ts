/**
 * @module services/cli/commands/models-publish
 * `mpc models publish <file.onnx> --mode mpc|he [--name <n>] [--version <v>]`: publishes a model
 * through the SDK (MPC: weights secret-shared and sealed per party on this machine) and prints
 * its id (with `--json`: an object with `id`).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../usage-error.js';
import { MpcClient } from '../../sdk/mpc-client.js';
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, resolveClientConfig, runClientCommand } from '../client-command.js';

const HELP = `usage: mpc models publish <file.onnx> --mode mpc|he [--name <name>] [--version <v>] [options]
  --mode mpc|he       mpc: weights secret-shared across the three parties; he: ONNX to the HE workers
  --name <name>       model name (default: the file name without .onnx)
  --version <v>       model version (default 1)
  prints the model id; with --json an object {"id", "name", "version", "mode", "created"}
${CLIENT_OPTIONS_HELP}
`;

/** Runs `mpc models publish`. */
export async function run(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { ...CLIENT_OPTIONS, mode: { type: 'string' }, name: { type: 'string' }, version: { type: 'string', default: '1' } } });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const file = parsed.positionals[0];
  if (!file || parsed.positionals.length > 1) throw new UsageError('expected exactly one <file.onnx>');
  if (v.mode !== 'mpc' && v.mode !== 'he') throw new UsageError(`--mode mpc|he is required${v.mode ? `, got ${v.mode}` : ''}`);
  const name = v.name ?? basename(file).replace(/\.onnx$/i, '').replace(/[^A-Za-z0-9_-]/g, '-');
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(name)) throw new UsageError(`--name: expected 1-128 characters of [A-Za-z0-9_-], got ${JSON.stringify(name)}`);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const mode = v.mode;
  return runClientCommand('models publish', async () => {
    const client = new MpcClient(resolveClientConfig(v));
    const m = await client.publishModel(bytes, { mode, name, version: v.version! });
    process.stdout.write(v.json ? JSON.stringify({ id: m.id, name: m.name, version: m.version, mode: m.mode, created: m.created }) + '\n' : `${m.id}\n`);
  });
}
