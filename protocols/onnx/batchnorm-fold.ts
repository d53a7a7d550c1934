/**
 * @module protocols/onnx/batchnorm-fold
 * Folds an inference-mode BatchNormalization into the preceding dense or conv layer:
 * y = gamma * (W x + b - mean) / sqrt(var + eps) + beta = (s * W) x + (s * (b - mean) + beta),
 * with s = gamma / sqrt(var + eps) per output channel. The folded model has one layer fewer and
 * no division at run time, which is what the secure evaluator wants.
 */
import type { Conv2dLayer, DenseLayer } from '../model/model-ir.js';

/** Per-channel batch-norm parameters (each of length = output channels). */
export interface BatchNormParams {
  readonly scale: Float64Array;
  readonly bias: Float64Array;
  readonly mean: Float64Array;
  readonly variance: Float64Array;
  readonly epsilon: number;
}

/** Returns `layer` with the batch-norm folded into its weight and bias (new arrays; input untouched). */
export function foldBatchNorm<L extends DenseLayer | Conv2dLayer>(layer: L, bn: BatchNormParams): L {
  const outC = layer.weight.shape[0]!;
  const per = layer.weight.data.length / outC;
  const weight = new Float64Array(layer.weight.data.length);
  const bias = new Float64Array(outC);
  for (let o = 0; o < outC; o++) {
    const s = bn.scale[o]! / Math.sqrt(bn.variance[o]! + bn.epsilon);
    for (let j = 0; j < per; j++) weight[o * per + j] = layer.weight.data[o * per + j]! * s;
    const b = layer.bias?.data[o] ?? 0;
    bias[o] = s * (b - bn.mean[o]!) + bn.bias[o]!;
  }
  return { ...layer, weight: { shape: layer.weight.shape, data: weight }, bias: { shape: [outC], data: bias } };
}
