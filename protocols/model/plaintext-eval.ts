/**
 * @module protocols/model/plaintext-eval
 * Float64 reference evaluation of a {@link ModelIR} on a batch, in the clear. Tests compare ONNX
 * Runtime and the secure evaluator against it; layer semantics are those of layer-shape.ts.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { Conv2dLayer, DenseLayer, Layer, ModelIR, PoolLayer } from './model-ir.js';
import { layerOutputShape, shapeSize } from './layer-shape.js';

/** Result of {@link evaluatePlain}: outputs row-major [batch, ...outputShape]. */
export interface PlainResult {
  readonly output: Float64Array;
  readonly shape: readonly number[];
}

function dense(l: DenseLayer, x: Float64Array, batch: number): Float64Array {
  const [out, inp] = l.weight.shape as [number, number];
  const w = l.weight.data;
  const y = new Float64Array(batch * out);
  for (let b = 0; b < batch; b++) {
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
  const [oc, , kh, kw] = l.weight.shape as [number, number, number, number];
  const [, oh, ow] = layerOutputShape(l, inShape) as [number, number, number];
  const [sh, sw] = l.strides;
  const [pt, pl] = l.pads;
  const y = new Float64Array(batch * oc * oh * ow);
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < oc; o++) {
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          let s = l.bias?.data[o] ?? 0;
          for (let ci = 0; ci < c; ci++) {
            for (let u = 0; u < kh; u++) {
              const r = i * sh + u - pt;
              if (r < 0 || r >= h) continue;
              for (let v = 0; v < kw; v++) {
                const q = j * sw + v - pl;
                if (q < 0 || q >= w) continue;
                s += x[((b * c + ci) * h + r) * w + q]! * l.weight.data[((o * c + ci) * kh + u) * kw + v]!;
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
  const [, oh, ow] = layerOutputShape(l, inShape) as [number, number, number];
  const [kh, kw] = l.kernel;
  const [sh, sw] = l.strides;
  const [pt, pl] = l.pads;
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
        y[(bc * oh + i) * ow + j] = l.kind === 'maxpool' ? acc : acc / (kh * kw);
      }
    }
  }
  return y;
}

function softmaxLastAxis(x: Float64Array, axisLen: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length; r += axisLen) {
    let m = -Infinity;
    for (let k = 0; k < axisLen; k++) m = Math.max(m, x[r + k]!);
    let s = 0;
    for (let k = 0; k < axisLen; k++) s += y[r + k] = Math.exp(x[r + k]! - m);
    for (let k = 0; k < axisLen; k++) y[r + k]! /= s;
  }
  return y;
}

/** Applies one layer to a batch (`x` row-major [batch, ...inShape]). */
export function applyLayerPlain(layer: Layer, x: Float64Array, batch: number, inShape: readonly number[]): Float64Array {
  switch (layer.kind) {
    case 'dense': return dense(layer, x, batch);
    case 'conv2d': return conv2d(layer, x, batch, inShape);
    case 'maxpool':
    case 'avgpool': return pool(layer, x, batch, inShape);
    case 'relu': return x.map((v) => (v > 0 ? v : 0));
    case 'sigmoid': return x.map((v) => 1 / (1 + Math.exp(-v)));
    case 'square': return x.map((v) => v * v);
    case 'softmax': return softmaxLastAxis(x, inShape[inShape.length - 1]!);
    case 'polynomial': return x.map((v) => layer.coeffs.reduceRight((acc, c) => acc * v + c, 0));
    case 'flatten': return x.slice();
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
  let x: Float64Array = Float64Array.from(input);
  let shape: readonly number[] = ir.inputShape;
  for (const layer of ir.layers) {
    x = applyLayerPlain(layer, x, batch, shape);
    shape = layerOutputShape(layer, shape);
  }
  return { output: x, shape };
}
