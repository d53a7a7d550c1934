/**
 * @module test/onnx/load-fixture
 * Reads the generated fixtures (scripts/fixtures/make_models.py) for tests: ONNX bytes and test
 * splits stored as raw little-endian float32 with a JSON description.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** test/fixtures, absolute. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** A test split: `x` row-major [count, ...sampleShape], labels per row. */
export interface Split {
  readonly name: string;
  readonly count: number;
  readonly sampleShape: readonly number[];
  readonly x: Float32Array;
  readonly labels: readonly number[];
  readonly meta: Record<string, unknown>;
}

/** The bytes of test/fixtures/models/<name>.onnx. */
export function loadModelBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, 'models', `${name}.onnx`)));
}

/** The split test/fixtures/data/<name>.json + .f32. */
export function loadSplit(name: string): Split {
  const meta = JSON.parse(readFileSync(join(FIXTURES, 'data', `${name}.json`), 'utf8')) as {
    shape: number[];
    labels: number[];
    file: string;
  };
  const buf = readFileSync(join(FIXTURES, 'data', meta.file));
  const x = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const [count, ...sampleShape] = meta.shape as [number, ...number[]];
  if (x.length !== meta.shape.reduce((a, b) => a * b, 1)) throw new Error(`${name}: data length ${x.length} != shape ${meta.shape}`);
  return { name, count, sampleShape, x, labels: meta.labels, meta: meta as unknown as Record<string, unknown> };
}

/** Index of the largest value in each row of a [rows, cols] matrix. */
export function argmaxRows(y: Float64Array | Float32Array, cols: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < y.length / cols; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (y[r * cols + c]! > y[r * cols + best]!) best = c;
    out.push(best);
  }
  return out;
}
