/**
 * @module protocols/model/tensor-index
 * Public index maps of the data-movement layers (reshape, transpose, slice, pad, concat), of
 * numpy broadcasting and of reductions over axes, for a batch. The plaintext reference and the
 * secure evaluator both gather with them, so a layout is defined once; the secure evaluator's
 * gathers are local (no communication) because the maps depend only on the public architecture.
 *
 * Convention of {@link gatherIndex}: the source buffer is the layer's inputs laid end to end,
 * each [batch, ...shape] row-major, followed by one extra element (the padding value); an output
 * element reads source[index[j]].
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { Layer } from './model-ir.js';
import { layerOutputShapeOf, shapeSize } from './layer-shape.js';

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/** Calls fn(flatIndex, coords) for every element of `shape` in row-major order. */
function forEachCoord(shape: readonly number[], fn: (j: number, c: number[]) => void): void {
  const n = shapeSize(shape);
  const c = new Array<number>(shape.length).fill(0);
  for (let j = 0; j < n; j++) {
    fn(j, c);
    for (let a = shape.length - 1; a >= 0; a--) {
      if (++c[a]! < shape[a]!) break;
      c[a] = 0;
    }
  }
}

/** Per-sample map of a data-movement layer: out element j reads (input t, element e), or -1 for padding. */
function sampleMap(layer: Layer, inShapes: readonly (readonly number[])[]): { input: Int32Array; element: Int32Array } {
  const out = layerOutputShapeOf(layer, inShapes);
  const n = shapeSize(out);
  const input = new Int32Array(n);
  const element = new Int32Array(n);
  const inShape = inShapes[0]!;
  const st = stridesOf(inShape);
  switch (layer.kind) {
    case 'flatten':
    case 'reshape':
      for (let j = 0; j < n; j++) element[j] = j;
      break;
    case 'transpose':
      forEachCoord(out, (j, c) => {
        let e = 0;
        layer.perm.forEach((p, a) => (e += c[a]! * st[p]!));
        element[j] = e;
      });
      break;
    case 'slice':
      forEachCoord(out, (j, c) => {
        let e = 0;
        c.forEach((v, a) => (e += (layer.starts[a]! + v * layer.steps[a]!) * st[a]!));
        element[j] = e;
      });
      break;
    case 'pad': {
      const r = inShape.length;
      const dil = layer.dilations ?? inShape.map(() => 1);
      forEachCoord(out, (j, c) => {
        let e = 0;
        for (let a = 0; a < r; a++) {
          const u = c[a]! - layer.pads[a]!;
          const v = u / dil[a]!;
          if (u < 0 || !Number.isInteger(v) || v >= inShape[a]!) {
            e = -1;
            break;
          }
          e += v * st[a]!;
        }
        input[j] = e < 0 ? -1 : 0;
        element[j] = e;
      });
      break;
    }
    case 'concat': {
      const ax = layer.axis;
      const starts: number[] = [];
      let acc = 0;
      for (const s of inShapes) {
        starts.push(acc);
        acc += s[ax]!;
      }
      const strides = inShapes.map(stridesOf);
      forEachCoord(out, (j, c) => {
        let t = starts.length - 1;
        while (starts[t]! > c[ax]!) t--;
        let e = 0;
        c.forEach((v, a) => (e += (a === ax ? v - starts[t]! : v) * strides[t]![a]!));
        input[j] = t;
        element[j] = e;
      });
      break;
    }
    default:
      throw new InvalidArgumentError(`layer '${layer.name}' (${layer.kind}): not a data-movement layer`);
  }
  return { input, element };
}

/**
 * The gather index of a data-movement layer over a batch (see the module comment for the source
 * layout). @returns [batch * size(out)] indices.
 */
export function gatherIndex(layer: Layer, inShapes: readonly (readonly number[])[], batch: number): Uint32Array {
  const { input, element } = sampleMap(layer, inShapes);
  const sizes = inShapes.map(shapeSize);
  const offsets: number[] = [];
  let total = 0;
  for (const s of sizes) {
    offsets.push(total);
    total += batch * s;
  }
  const n = input.length;
  const idx = new Uint32Array(batch * n);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < n; j++) {
      const t = input[j]!;
      idx[b * n + j] = t < 0 ? total : offsets[t]! + b * sizes[t]! + element[j]!;
    }
  }
  return idx;
}

/** Index into [batch, ...from] for every element of [batch, ...to] under numpy broadcasting (from broadcasts to `to`). */
export function broadcastIndex(from: readonly number[], to: readonly number[], batch: number): Uint32Array {
  const r = to.length;
  const padded = [...new Array<number>(r - from.length).fill(1), ...from];
  const st = stridesOf(padded);
  const n = shapeSize(to);
  const m = shapeSize(from);
  const per = new Uint32Array(n);
  forEachCoord(to, (j, c) => {
    let e = 0;
    for (let a = 0; a < r; a++) if (padded[a] !== 1) e += c[a]! * st[a]!;
    per[j] = e;
  });
  const idx = new Uint32Array(batch * n);
  for (let b = 0; b < batch; b++) for (let j = 0; j < n; j++) idx[b * n + j] = b * m + per[j]!;
  return idx;
}

/**
 * Groups for a reduction over `axes`: [batch * outCount, groupSize] row-major indices into
 * [batch, ...shape]; each row lists the elements that make one output.
 */
export function reduceIndex(shape: readonly number[], axes: readonly number[], batch: number): { index: Uint32Array; groupSize: number; groups: number } {
  const keep = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...keep, ...axes];
  const moved = perm.map((p) => shape[p]!);
  const groupSize = shapeSize(axes.map((a) => shape[a]!));
  const per = gatherIndex({ kind: 'transpose', name: 'reduce', perm }, [shape], 1);
  const m = shapeSize(shape);
  const idx = new Uint32Array(batch * m);
  for (let b = 0; b < batch; b++) for (let j = 0; j < m; j++) idx[b * m + j] = b * m + per[j]!;
  return { index: idx, groupSize, groups: batch * (shapeSize(moved) / groupSize) };
}

/**
 * Moving `axis` last: the index that lays [batch, ...shape] out as rows along `axis`
 * ([batch * rest, shape[axis]]) and the inverse that puts such rows back.
 */
export function axisLastIndex(shape: readonly number[], axis: number, batch: number): { toRows: Uint32Array; fromRows: Uint32Array; cols: number } {
  const { index } = reduceIndex(shape, [axis], batch);
  const inv = new Uint32Array(index.length);
  for (let j = 0; j < index.length; j++) inv[index[j]!] = j;
  return { toRows: index, fromRows: inv, cols: shape[axis]! };
}
