/**
 * @module services/demo/demo-data
 * The data the demo plays with, all shipped in the repository (test/fixtures, made by
 * scripts/fixtures/make_models.py from scikit-learn's bundled data sets): the breast-cancer
 * table split across three hospitals, digit images, and the ONNX models.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatasetSchema } from '../../protocols/analytics/dataset-schema.js';
import type { Row } from '../../protocols/analytics/encode-rows.js';

/** The repository root, whether this runs from dist/ or from source. */
export function repoRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.includes(`${join('dist', 'services')}`) ? resolve(here, '..', '..', '..') : resolve(here, '..', '..');
}

/** A fixture file's path. */
export function fixturePath(...parts: string[]): string {
  return join(repoRoot(), 'test', 'fixtures', ...parts);
}

/** The breast-cancer table with the columns the demo uses. */
export interface BreastCancerTable {
  schema: DatasetSchema;
  rows: Row[];
}

/** Columns the demo declares (a subset keeps the demo quick; all are in the CSV). */
const COLUMNS: Record<string, [number, number]> = {
  mean_radius: [0, 50],
  mean_texture: [0, 60],
  mean_area: [0, 5000],
  mean_smoothness: [0, 1],
  worst_radius: [0, 60],
};

/** Loads test/fixtures/data/breast_cancer.csv; `diagnosis` is malignant (target 0) or benign (1). */
export function loadBreastCancer(): BreastCancerTable {
  const [header, ...lines] = readFileSync(fixturePath('data', 'breast_cancer.csv'), 'utf8').trim().split('\n');
  const names = header!.split(',');
  const rows = lines.map((line) => {
    const v = line.split(',');
    const row: Record<string, number | string> = {};
    for (const c of Object.keys(COLUMNS)) row[c] = Number(v[names.indexOf(c)]);
    row.diagnosis = Number(v[names.indexOf('target')]) === 0 ? 'malignant' : 'benign';
    return row;
  });
  const schema: DatasetSchema = {
    columns: [
      ...Object.entries(COLUMNS).map(([name, [min, max]]) => ({ name, type: 'numeric' as const, min, max })),
      { name: 'diagnosis', type: 'categorical' as const, categories: ['malignant', 'benign'] },
    ],
  };
  return { schema, rows };
}

/** The first `count` digits test images (8x8, pixels scaled to 0..1) with their labels. */
export function loadDigits(count: number): { images: Float64Array[]; labels: number[] } {
  const meta = JSON.parse(readFileSync(fixturePath('data', 'digits_test.json'), 'utf8')) as { shape: number[]; labels: number[]; file: string };
  const buf = readFileSync(fixturePath('data', meta.file));
  const f32 = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const size = meta.shape.slice(1).reduce((a, b) => a * b, 1);
  const images = Array.from({ length: count }, (_, i) => Float64Array.from(f32.subarray(i * size, (i + 1) * size)));
  return { images, labels: meta.labels.slice(0, count) };
}

/** An ONNX model's bytes. */
export function loadModel(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath('models', name)));
}
