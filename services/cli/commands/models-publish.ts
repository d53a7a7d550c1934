/**
 * @module services/cli/commands/models-publish
 * `mpc models publish <file.onnx> --mode mpc|he [--name <n>] [--version <v>] [--input-bound <x>]
 * [--error-bound <e>] [--he-batch <q>] [--model-key <file>] [--residency <r>]`: publishes a model through the SDK (MPC: weights
 * secret-shared and sealed per party on this machine) and prints its id (with `--json`: an
 * object with `id`, and the record's precision and HE batch when it states them).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../usage-error.js';
import { loadOrCreateModelKey } from '../model-key-file.js';
import { MpcClient } from '../../sdk/mpc-client.js';
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, resolveClientConfig, runClientCommand } from '../client-command.js';

const HELP = `usage: mpc models publish <file.onnx> --mode mpc|he [--name <name>] [--version <v>] [options]
  --mode mpc|he       mpc: weights secret-shared across the three parties; he: ONNX to the HE workers
  --name <name>       model name (default: the file name without .onnx)
  --version <v>       model version (default 1)
  --input-bound <x>   mpc: largest |x| of an input value (default 2^(31-f)); the range check assumes it
                      and clients' SDKs refuse larger inputs (the parties cannot check sealed inputs)
  --error-bound <e>   mpc: the error bound you measured (default: the documented 5e-3)
  --he-batch <q>      he: queries per ciphertext, a power of two (default: the largest that fits)
  --model-key <file>  the owner key file that signs the version (created with a fresh key when
                      missing); the parties (mpc) or HE workers (he) pin the key at a name's first
                      version, so publish every version of a name with the same file (default: a
                      fresh key per run)
  --residency <r>     mpc: where the shares may be kept (a region code), signed into the version
  prints the model id; with --json an object {"id", "name", "version", "mode", "created"} (and
  "precision", "heBatch" when the record states them)
${CLIENT_OPTIONS_HELP}
`;

/** Runs `mpc models publish`. */
export async function run(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { ...CLIENT_OPTIONS, mode: { type: 'string' }, name: { type: 'string' }, version: { type: 'string', default: '1' }, 'input-bound': { type: 'string' }, 'error-bound': { type: 'string' }, 'he-batch': { type: 'string' }, 'model-key': { type: 'string' }, residency: { type: 'string' } } });
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
  const inputBound = positiveNumber('--input-bound', v['input-bound']);
  const errorBound = positiveNumber('--error-bound', v['error-bound']);
  const heBatch = positiveNumber('--he-batch', v['he-batch']);
  if (mode === 'he' && (inputBound !== undefined || errorBound !== undefined)) throw new UsageError('--input-bound, --error-bound: for --mode mpc only');
  if (mode === 'mpc' && heBatch !== undefined) throw new UsageError('--he-batch: for --mode he only');
  if (heBatch !== undefined && !Number.isInteger(heBatch)) throw new UsageError(`--he-batch: expected an integer, got ${v['he-batch']}`);
  if (mode === 'he' && v.residency !== undefined) throw new UsageError('--residency: for --mode mpc only (HE workers carry no region)');
  if (v.residency !== undefined && !/^.{1,64}$/.test(v.residency)) throw new UsageError('--residency: expected 1..64 characters');
  let modelKey: Uint8Array | undefined;
  if (v['model-key'] !== undefined) {
    try {
      const k = loadOrCreateModelKey(v['model-key']);
      if (k.created) process.stderr.write(`created model key file ${v['model-key']}: keep it to publish later versions of ${name}\n`);
      modelKey = k.secretKey;
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const extra = { ...(v.residency === undefined ? {} : { residency: v.residency }), ...(inputBound === undefined ? {} : { inputBound }), ...(errorBound === undefined ? {} : { errorBound }), ...(heBatch === undefined ? {} : { heBatch }) };
  return runClientCommand('models publish', async () => {
    const client = new MpcClient({ ...resolveClientConfig(v), ...(modelKey ? { modelKey } : {}) });
    const m = await client.publishModel(bytes, { mode, name, version: v.version!, ...extra });
    const out = { id: m.id, name: m.name, version: m.version, mode: m.mode, created: m.created, ...(m.precision ? { precision: m.precision } : {}), ...(m.heBatch === undefined ? {} : { heBatch: m.heBatch }) };
    process.stdout.write(v.json ? JSON.stringify(out) + '\n' : `${m.id}\n`);
  });
}

/** A positive finite number from an option, or undefined when absent. */
function positiveNumber(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag}: expected a positive number, got ${JSON.stringify(raw)}`);
  return n;
}
