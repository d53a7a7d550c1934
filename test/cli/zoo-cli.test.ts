/**
 * The zoo as a model owner and a client use it from the command line: `startFullCluster` runs
 * nats-server, the coordinator, three parties, two HE workers and the gateway as processes, and
 * every step is the real CLI (`dist/services/cli/main.js`) in a child process, with the
 * gateway URL, API key and pinned trust bundle as flags. Each zoo model is published with
 * `mpc models publish --mode mpc` (the three models whose worst case needs it with
 * `--input-bound 1`, see test/onnx/zoo-service.test.ts) and run with `mpc infer` on 8 inputs of
 * its test split in one [8, ...] file; the printed outputs are compared with onnxruntime-node on
 * the same inputs (5e-3 absolute, same predicted class) and the job is verified. The polynomial
 * ones (the logistic regression, and the square MLP, which needs N = 16384 and so ~80 MB of
 * evaluation keys) are published and run in HE mode the same way on 40 queries (that these take
 * one request is tested through the SDK in test/he-service); a ReLU model is refused in HE mode
 * with the reason, exit code 1.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFullCluster, type FullCluster } from '../../services/cluster/full-cluster.js';
import { TRUST_BUNDLE_FILE } from '../../services/wire/trust-bundle.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { predictions, runOrt, splitRows, zooEntries } from '../onnx/zoo-fixture.js';

const CLI = resolve('dist/services/cli/main.js');
const BOUND = 5e-3;
const INPUTS = 8;
/** The zoo models whose activations HE evaluates (a square; a final sigmoid left to the client). */
const POLYNOMIAL = new Set(['zoo_logreg', 'zoo_mlp_square']);
const STATED_INPUT_BOUND: Record<string, number> = { zoo_resnet: 1, zoo_mlp_square: 1, zoo_ops: 1 };

/** One CLI run: its exit code and output (never rejects). */
function mpc(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { maxBuffer: 64 << 20, timeout: 170_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

describe('zoo models through the CLI against a running cluster', () => {
  let dir: string;
  let cluster: FullCluster;
  const flags = (key: string) => ['--gateway', cluster.gatewayUrl, '--api-key', cluster.demoKeys[key]!, '--trust-bundle', join(dir, TRUST_BUNDLE_FILE)];
  /** Writes an input file for `mpc infer`. */
  const inputFile = (name: string, shape: number[], data: Float32Array) => {
    const f = join(dir, `${name}.input.json`);
    writeFileSync(f, JSON.stringify({ shape, data: Array.from(data) }));
    return f;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mpc-zoo-cli-'));
    cluster = await startFullCluster({ dir, heWorkers: 2 });
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const e of zooEntries()) {
    it(`${e.name}: mpc models publish --mode mpc, then mpc infer on ${INPUTS} inputs: within ${BOUND} of ORT, same class, verified`, async () => {
      const file = resolve('test/fixtures/zoo', `${e.name}.onnx`);
      const bound = STATED_INPUT_BOUND[e.name];
      const pub = await mpc(['models', 'publish', file, '--mode', 'mpc', '--name', e.name.replace(/_/g, '-'), ...(bound === undefined ? [] : ['--input-bound', String(bound)]), '--json', ...flags('demo-model-owner')]);
      expect(pub.stderr).toBe('');
      expect(pub.code).toBe(0);
      const record = JSON.parse(pub.stdout) as { id: string; mode: string; precision: { fractionBits: number; inputBound: number; errorBound: number } };
      expect(record).toMatchObject({ mode: 'mpc', precision: { fractionBits: 16, inputBound: bound ?? 32768, errorBound: BOUND } });

      const bytes = new Uint8Array(readFileSync(file));
      const shape = [INPUTS, ...importOnnx(bytes).inputShape];
      const split = splitRows(e.split, INPUTS);
      const ref = await runOrt(bytes, split.x, shape);
      const run = await mpc(['infer', '--model', record.id, '--input', inputFile(e.name, shape, split.x), '--json', ...flags('demo-client')]);
      expect(run.code).toBe(0);
      const out = JSON.parse(run.stdout) as { shape: number[]; data: number[]; job: { state: string } };
      expect(out.job.state).toBe('verified');
      expect(out.data.length).toBe(ref.length);
      const diff = out.data.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i]!)), 0);
      console.log(JSON.stringify({ cli: e.name, inputs: INPUTS, maxAbsDiffVsOrt: diff }));
      expect(diff).toBeLessThanOrEqual(BOUND);
      expect(predictions(e.name, Float64Array.from(out.data), INPUTS)).toEqual(predictions(e.name, ref, INPUTS));
    }, 180_000);
  }

  for (const e of zooEntries().filter((z) => POLYNOMIAL.has(z.name))) {
    it(`${e.name}: mpc models publish --mode he, then mpc infer --mode he on 40 queries: within the stated bound of ORT`, async () => {
      const file = resolve('test/fixtures/zoo', `${e.name}.onnx`);
      const pub = await mpc(['models', 'publish', file, '--mode', 'he', '--name', `${e.name.replace(/_/g, '-')}-he`, '--json', ...flags('demo-model-owner')]);
      expect(pub.code).toBe(0);
      const record = JSON.parse(pub.stdout) as { id: string; heBatch: number; precision: { errorBound: number } };
      expect(record.heBatch).toBeGreaterThanOrEqual(40);
      const bytes = new Uint8Array(readFileSync(file));
      const shape = [40, ...importOnnx(bytes).inputShape];
      const split = splitRows(e.split, 40);
      const ref = await runOrt(bytes, split.x, shape);
      const run = await mpc(['infer', '--model', record.id, '--mode', 'he', '--timeout', '240000', '--input', inputFile(`${e.name}-he`, shape, split.x), '--json', ...flags('demo-client')]);
      expect(run.code).toBe(0);
      const out = JSON.parse(run.stdout) as { shape: number[]; data: number[]; job: { state: string } };
      expect(out.job.state).toBe('verified');
      expect(out.data.length).toBe(ref.length);
      const diff = out.data.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i]!)), 0);
      console.log(JSON.stringify({ cli: `${e.name} he`, inputs: 40, maxAbsDiffVsOrt: diff }));
      expect(diff).toBeLessThanOrEqual(record.precision.errorBound);
    }, 300_000);
  }

  it('zoo_mlp_relu: mpc models publish --mode he is refused with the reason and exit code 1', async () => {
    const pub = await mpc(['models', 'publish', resolve('test/fixtures/zoo/zoo_mlp_relu.onnx'), '--mode', 'he', '--name', 'zoo-relu-he', ...flags('demo-model-owner')]);
    expect(pub.code).toBe(1);
    expect(pub.stdout).toBe('');
    expect(pub.stderr).toMatch(/^mpc models publish: 400 .*layer '\/act\/Relu': relu is not a polynomial; train with 'square' or a 'polynomial' activation for CKKS \[https:\/\/mpc\.example\/problems\/validation\]/);
  }, 60_000);
});
