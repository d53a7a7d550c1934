/**
 * @module test/onnx/zoo-fixture
 * The model zoo (scripts/fixtures/make_zoo.py, test/fixtures/zoo): the list of models with their
 * input split, and ONNX Runtime's output for a batch, the reference every zoo test compares with.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { argmaxRows, FIXTURES, loadSplit, type Split } from './load-fixture.js';

// Hand-built test graphs declare only the batch dimension of their output; ORT's warning about it is noise.
ort.env.logLevel = 'error';

/** One zoo model as zoo.json describes it. */
export interface ZooEntry {
  readonly name: string;
  readonly opset: number;
  readonly ops: readonly string[];
  readonly split: string;
  readonly accuracy?: number;
  readonly random?: boolean;
}

/** The zoo's models, in zoo.json order. */
export function zooEntries(): ZooEntry[] {
  const j = JSON.parse(readFileSync(join(FIXTURES, 'zoo', 'zoo.json'), 'utf8')) as Record<string, Omit<ZooEntry, 'name'>>;
  return Object.entries(j).map(([name, v]) => ({ name, ...v }));
}

/** The bytes of test/fixtures/zoo/<name>.onnx. */
export function zooBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, 'zoo', `${name}.onnx`)));
}

/** The first `count` rows of a split (all when count is undefined). */
export function splitRows(name: string, count?: number): Split {
  const s = loadSplit(name);
  const n = Math.min(count ?? s.count, s.count);
  const per = s.x.length / s.count;
  return { ...s, count: n, x: s.x.slice(0, n * per), labels: s.labels.slice(0, n) };
}

/** ONNX Runtime (CPU, float32) on `x` [count, ...inputShape]; int64 outputs (ArgMax) as numbers. */
export async function runOrt(bytes: Uint8Array, x: Float32Array, shape: readonly number[]): Promise<Float64Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', x, [...shape]) });
    const data = result[session.outputNames[0]!]!.data as Float32Array | BigInt64Array;
    return data instanceof BigInt64Array ? Float64Array.from(data, (v) => Number(v)) : Float64Array.from(data);
  } finally {
    await session.release();
  }
}

/** Predicted class per row as ORT's output defines it. */
export function predictions(name: string, y: Float64Array, rows: number): number[] {
  const cols = y.length / rows;
  if (name === 'zoo_argmax') return Array.from(y);
  if (name === 'zoo_softmax_axis1') {
    // [rows, 10, 3]: class = argmax over axis 1 of the mean over the 3 heads.
    const mean = new Float64Array(rows * 10);
    for (let r = 0; r < rows; r++) for (let c = 0; c < 10; c++) for (let h = 0; h < 3; h++) mean[r * 10 + c]! += y[(r * 10 + c) * 3 + h]! / 3;
    return argmaxRows(mean, 10);
  }
  return cols === 1 ? Array.from(y, (p) => (p > 0.5 ? 1 : 0)) : argmaxRows(y, cols);
}
