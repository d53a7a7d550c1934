/**
 * @module protocols/he/plain-inference
 * Float64 inference of a sequential {@link ModelIR} restricted to the layers that have a
 * vector form (dense, flatten, square, polynomial, relu, sigmoid, softmax): the reference that
 * every encrypted result is compared with, and the plaintext baseline of the benchmark.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { ModelIR } from '../model/model-ir.js';
import { HeUnsupportedModelError } from './errors.js';

/** Numerically stable logistic function. */
export function sigmoid(v: number): number {
  return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
}

/** Softmax of a vector (max-shifted). */
export function softmax(v: Float64Array): Float64Array {
  let max = -Infinity;
  for (const a of v) max = Math.max(max, a);
  const out = v.map((a) => Math.exp(a - max));
  const sum = out.reduce((a, b) => a + b, 0);
  return out.map((a) => a / sum);
}

/** Evaluates `ir` on one input vector `x` (batch 1) in float64. */
export function inferPlain(ir: ModelIR, x: Float64Array): Float64Array {
  const n = ir.inputShape.reduce((a, b) => a * b, 1);
  if (!(x instanceof Float64Array) || x.length !== n) {
    throw new InvalidArgumentError(`x: expected Float64Array of length ${n}, got ${x instanceof Float64Array ? `length ${x.length}` : typeof x}`);
  }
  let v: Float64Array = Float64Array.from(x);
  for (const layer of ir.layers) {
    switch (layer.kind) {
      case 'dense': {
        const [out, inp] = layer.weight.shape as [number, number];
        if (inp !== v.length) throw new HeUnsupportedModelError(`layer '${layer.name}': weight expects ${inp} inputs, got ${v.length}`);
        const w = layer.weight.data;
        const y = new Float64Array(out);
        for (let r = 0; r < out; r++) {
          let acc = layer.bias ? layer.bias.data[r]! : 0;
          for (let c = 0; c < inp; c++) acc += w[r * inp + c]! * v[c]!;
          y[r] = acc;
        }
        v = y;
        break;
      }
      case 'flatten':
        break;
      case 'square':
        v = v.map((a) => a * a);
        break;
      case 'polynomial': {
        const cs = layer.coeffs;
        v = v.map((a) => {
          let acc = 0;
          for (let k = cs.length - 1; k >= 0; k--) acc = acc * a + cs[k]!;
          return acc;
        });
        break;
      }
      case 'relu':
        v = v.map((a) => Math.max(0, a));
        break;
      case 'sigmoid':
        v = v.map(sigmoid);
        break;
      case 'softmax':
        v = softmax(v);
        break;
      default:
        throw new HeUnsupportedModelError(`layer '${layer.name}': kind '${layer.kind}' has no vector form in this reference`);
    }
  }
  return v;
}
