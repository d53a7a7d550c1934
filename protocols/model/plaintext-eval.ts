/**
 * @module protocols/model/plaintext-eval
 * Float64 reference evaluation of a {@link ModelIR} on a batch, in the clear. Tests compare ONNX
 * Runtime and the secure evaluator against it; layer semantics are those of layer-shape.ts and
 * the data-movement layouts those of tensor-index.ts.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { DATA_MOVEMENT_KINDS, layerInputs, type Conv2dLayer, type DenseLayer, type Layer, type ModelIR, type PoolLayer } from './model-ir.js';
import { layerOutputShapeOf, modelShapes, poolDivisors, shapeSize } from './layer-shape.js';
import { axisLastIndex, broadcastIndex, gatherIndex, reduceIndex } from './tensor-index.js';

/** Result of {@link evaluatePlain}: outputs row-major [batch, ...outputShape]. */
export interface PlainResult {
  readonly output: Float64Array;
  readonly shape: readonly number[];
}

function dense(l: DenseLayer, x: Float64Array): Float64Array {
  const [out, inp] = l.weight.shape as [number, number];
  const rows = x.length / inp;
  const w = l.weight.data;
  const y = new Float64Array(rows * out);
  for (let b = 0; b < rows; b++) {
    for (let o = 0; o < out; o++) {
      let s = l.bias?.data[o] ?? 0;
      for (let i = 0; i < inp; i++) s += x[b * inp + i]! * w[o * inp + i]!;
      y[b * out + o] = s;
    }
  }
  return y;
}

function conv2d(l: Conv2dLayer, x: Float64Array, batch: number, inShape: readonly number[]): Float64Array {
  const [c, h, w] = inShape as [number, number, number];
  const [oc, icg, kh, kw] = l.weight.shape as [number, number, number, number];
  const [, oh, ow] = layerOutputShapeOf(l, [inShape]) as [number, number, number];
  const [sh, sw] = l.strides;
  const [pt, pl] = l.pads;
  const [dh, dw] = l.dilations ?? [1, 1];
  const ocg = oc / (l.group ?? 1);
  const y = new Float64Array(batch * oc * oh * ow);
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < oc; o++) {
      const c0 = Math.floor(o / ocg) * icg;
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          let s = l.bias?.data[o] ?? 0;
          for (let ci = 0; ci < icg; ci++) {
            for (let u = 0; u < kh; u++) {
              const r = i * sh + u * dh - pt;
              if (r < 0 || r >= h) continue;
              for (let v = 0; v < kw; v++) {
                const q = j * sw + v * dw - pl;
                if (q < 0 || q >= w) continue;
                s += x[((b * c + c0 + ci) * h + r) * w + q]! * l.weight.data[((o * icg + ci) * kh + u) * kw + v]!;
              }
            }
          }
          y[((b * oc + o) * oh + i) * ow + j] = s;
        }
      }
    }
  }
  return y;
}

function pool(l: PoolLayer, x: Float64Array, batch: number, inShape: readonly number[]): Float64Array {
  const [c, h, w] = inShape as [number, number, number];
  const [, oh, ow] = layerOutputShapeOf(l, [inShape]) as [number, number, number];
  const [kh, kw] = l.kernel;
  const [sh, sw] = l.strides;
  const [pt, pl] = l.pads;
  const div = l.kind === 'avgpool' ? poolDivisors(l, h, w) : undefined;
  const y = new Float64Array(batch * c * oh * ow);
  for (let bc = 0; bc < batch * c; bc++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let acc = l.kind === 'maxpool' ? -Infinity : 0;
        for (let u = 0; u < kh; u++) {
          const r = i * sh + u - pt;
          if (r < 0 || r >= h) continue;
          for (let v = 0; v < kw; v++) {
            const q = j * sw + v - pl;
            if (q < 0 || q >= w) continue;
            const val = x[(bc * h + r) * w + q]!;
            acc = l.kind === 'maxpool' ? Math.max(acc, val) : acc + val;
          }
        }
        y[(bc * oh + i) * ow + j] = div === undefined ? acc : acc / div[i * ow + j]!;
      }
    }
  }
  return y;
}

function softmaxRows(x: Float64Array, axisLen: number, log: boolean): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length; r += axisLen) {
    let m = -Infinity;
    for (let k = 0; k < axisLen; k++) m = Math.max(m, x[r + k]!);
    let s = 0;
    for (let k = 0; k < axisLen; k++) s += y[r + k] = Math.exp(x[r + k]! - m);
    for (let k = 0; k < axisLen; k++) y[r + k] = log ? x[r + k]! - m - Math.log(s) : y[r + k]! / s;
  }
  return y;
}

function gathered(x: Float64Array, idx: Uint32Array): Float64Array {
  return Float64Array.from(idx, (i) => x[i]!);
}

/** Rows along `axis`, `fn` per row set, back to the original layout. */
function alongAxis(x: Float64Array, shape: readonly number[], axis: number, batch: number, fn: (rows: Float64Array, cols: number) => Float64Array): Float64Array {
  const { toRows, fromRows, cols } = axisLastIndex(shape, axis, batch);
  return gathered(fn(gathered(x, toRows), cols), fromRows);
}

/**
 * Applies one layer to a batch: `xs` are its inputs, each row-major [batch, ...inShapes[t]].
 * (A single-input layer may be passed its input and shape directly.)
 */
export function applyLayerPlain(layer: Layer, xs: Float64Array | readonly Float64Array[], batch: number, inShapes: readonly number[] | readonly (readonly number[])[]): Float64Array {
  const ins = xs instanceof Float64Array ? [xs] : xs;
  const shapes = (inShapes.length > 0 && typeof inShapes[0] === 'number' ? [inShapes] : inShapes) as readonly (readonly number[])[];
  const x = ins[0]!;
  const inShape = shapes[0]!;
  if (DATA_MOVEMENT_KINDS.has(layer.kind)) {
    const src = new Float64Array(ins.reduce((s, v) => s + v.length, 0) + 1);
    let o = 0;
    for (const v of ins) {
      src.set(v, o);
      o += v.length;
    }
    src[o] = layer.kind === 'pad' ? layer.value : 0;
    return gathered(src, gatherIndex(layer, shapes, batch));
  }
  switch (layer.kind) {
    case 'dense': return dense(layer, x);
    case 'conv2d': return conv2d(layer, x, batch, inShape);
    case 'maxpool':
    case 'avgpool': return pool(layer, x, batch, inShape);
    case 'relu': return x.map((v) => (v > 0 ? v : 0));
    case 'leakyrelu': return x.map((v) => (v > 0 ? v : layer.alpha * v));
    case 'clip': return x.map((v) => Math.min(Math.max(v, layer.min ?? -Infinity), layer.max ?? Infinity));
    case 'sigmoid': return x.map((v) => 1 / (1 + Math.exp(-v)));
    case 'tanh': return x.map((v) => Math.tanh(v));
    case 'exp': return x.map((v) => Math.exp(v));
    case 'square': return x.map((v) => v * v);
    case 'softmax': return softmaxRows(x, inShape[inShape.length - 1]!, false);
    case 'softmax-axis':
    case 'logsoftmax': return alongAxis(x, inShape, layer.axis, batch, (r, cols) => softmaxRows(r, cols, layer.kind === 'logsoftmax'));
    case 'argmax': {
      const { toRows, cols } = axisLastIndex(inShape, layer.axis, batch);
      const rows = gathered(x, toRows);
      const y = new Float64Array(rows.length / cols);
      for (let r = 0; r < y.length; r++) {
        let best = 0;
        for (let c = 1; c < cols; c++) if (rows[r * cols + c]! > rows[r * cols + best]!) best = c;
        y[r] = best;
      }
      return y;
    }
    case 'polynomial': return x.map((v) => layer.coeffs.reduceRight((acc, c) => acc * v + c, 0));
    case 'affine': {
      const m = shapeSize(inShape);
      return x.map((v, i) => v * (layer.scale?.data[i % m] ?? 1) + (layer.shift?.data[i % m] ?? 0));
    }
    case 'add':
    case 'sub':
    case 'mul': {
      const out = layerOutputShapeOf(layer, shapes);
      const a = gathered(x, broadcastIndex(shapes[0]!, out, batch));
      const b = gathered(ins[1]!, broadcastIndex(shapes[1]!, out, batch));
      return a.map((v, i) => (layer.kind === 'add' ? v + b[i]! : layer.kind === 'sub' ? v - b[i]! : v * b[i]!));
    }
    case 'reduce-sum':
    case 'reduce-mean': {
      const { index, groupSize, groups } = reduceIndex(inShape, layer.axes, batch);
      const y = new Float64Array(groups);
      for (let g = 0; g < groups; g++) {
        let s = 0;
        for (let k = 0; k < groupSize; k++) s += x[index[g * groupSize + k]!]!;
        y[g] = layer.kind === 'reduce-mean' ? s / groupSize : s;
      }
      return y;
    }
    default:
      throw new InvalidArgumentError(`layer '${layer.name}' (${layer.kind}): no plaintext evaluation`);
  }
}

/**
 * Evaluates `ir` on `batch` inputs given row-major in `input` ([batch, ...ir.inputShape]).
 * @throws InvalidArgumentError when `input` does not have batch * size(inputShape) elements.
 */
export function evaluatePlain(ir: ModelIR, input: Float64Array | Float32Array, batch: number): PlainResult {
  if (!Number.isSafeInteger(batch) || batch < 1) throw new InvalidArgumentError(`batch: expected a positive integer, got ${batch}`);
  const need = batch * shapeSize(ir.inputShape);
  if (input.length !== need) throw new InvalidArgumentError(`input: expected ${need} values (batch ${batch} x [${ir.inputShape.join(', ')}]), got ${input.length}`);
  const shapes = modelShapes(ir);
  const values: Float64Array[] = [Float64Array.from(input)];
  ir.layers.forEach((layer, k) => {
    const ids = layerInputs(layer, k);
    values.push(applyLayerPlain(layer, ids.map((i) => values[i]!), batch, ids.map((i) => shapes[i]!)));
  });
  return { output: values[values.length - 1]!, shape: shapes[shapes.length - 1]! };
}
