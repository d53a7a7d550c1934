/**
 * @module protocols/nn/evaluate-secure-model
 * Runs a {@link SharedModel} on a secret-shared batch at one party (all three run it
 * together): dense and conv by replicated matrix products, average pooling by a public
 * scaling, max pooling and ReLU by comparisons, sigmoid and softmax by the approximations in
 * protocols/functions, square and polynomials by products, flatten for free. The rounds and
 * bytes each layer costs are measured on the channel and returned with the output.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { ProtocolContext, TruncationMode } from '../rss/context.js';
import { relu } from '../rss/comparison.js';
import { mulFixed } from '../rss/truncate.js';
import { checkShare, type ReplicatedShare } from '../rss/replicated-share.js';
import { ShapeError } from '../rss/errors.js';
import { layerOutputShape, shapeSize } from '../model/layer-shape.js';
import type { Layer } from '../model/model-ir.js';
import { sigmoid } from '../functions/sigmoid.js';
import { softmax } from '../functions/softmax.js';
import type { SharedLayer, SharedModel } from './shared-model.js';
import { denseLayer } from './dense-layer.js';
import { conv2dLayer } from './conv2d-layer.js';
import { avgPoolLayer } from './avg-pool-layer.js';
import { maxPoolLayer } from './max-pool-layer.js';
import { polynomialLayer } from './polynomial-layer.js';

/** Communication one layer cost at this party. */
export interface LayerCost {
  readonly name: string;
  readonly kind: SharedLayer['kind'];
  readonly rounds: number;
  readonly bytesSent: number;
}

/** Result of {@link evaluateSecureModel}. */
export interface SecureModelResult {
  /** [batch, ...outputShape] row-major, shared. */
  readonly output: ReplicatedShare;
  readonly outputShape: readonly number[];
  /** Per layer, in order. */
  readonly costs: readonly LayerCost[];
}

/** The public view of a shared layer, enough to compute its output shape. */
function shapeView(layer: SharedLayer): Layer {
  switch (layer.kind) {
    case 'dense':
      return { kind: 'dense', name: layer.name, weight: { shape: [layer.outFeatures, layer.inFeatures], data: new Float64Array(0) } };
    case 'conv2d':
      return {
        kind: 'conv2d',
        name: layer.name,
        weight: { shape: [layer.outChannels, layer.inChannels, layer.kernel[0], layer.kernel[1]], data: new Float64Array(0) },
        strides: layer.strides,
        pads: layer.pads,
      };
    default:
      return layer;
  }
}

/** Options of {@link evaluateSecureModel}. */
export interface SecureModelOptions {
  /**
   * Truncation inside sigmoid and softmax (default `probabilistic`: their values are normalized,
   * and `wrap-corrected` there costs 9 and 10 more rounds of depth). Every other truncation of
   * the model is wrap-corrected.
   */
  readonly functionTruncation?: TruncationMode;
}

async function applyLayer(ctx: ProtocolContext, layer: SharedLayer, x: ReplicatedShare, batch: number, inShape: readonly number[], fn: TruncationMode): Promise<ReplicatedShare> {
  switch (layer.kind) {
    case 'dense': return denseLayer(ctx, layer, x, batch);
    case 'conv2d': return conv2dLayer(ctx, layer, x, batch, inShape);
    case 'avgpool': return avgPoolLayer(ctx, layer, x, batch, inShape);
    case 'maxpool': return maxPoolLayer(ctx, layer, x, batch, inShape);
    case 'relu': return relu(ctx, x);
    case 'sigmoid': return sigmoid(ctx.scope('fn', { truncation: fn }), x);
    case 'softmax': {
      const cols = inShape[inShape.length - 1]!;
      return softmax(ctx.scope('fn', { truncation: fn }), x, x.a.length / cols, cols);
    }
    case 'square': return mulFixed(ctx, x, x);
    case 'polynomial': return polynomialLayer(ctx, layer.coeffs, x);
    case 'flatten': return x;
  }
}

/**
 * Evaluates `model` on `batch` shared inputs `input` ([batch, ...model.inputShape]).
 * @throws InvalidArgumentError when the context's fractional bits differ from the model's.
 * @throws ShapeError when `input` does not hold batch * size(inputShape) elements.
 */
export async function evaluateSecureModel(ctx: ProtocolContext, model: SharedModel, input: ReplicatedShare, batch: number, opts: SecureModelOptions = {}): Promise<SecureModelResult> {
  if (model.fractionBits !== ctx.fractionBits) {
    throw new InvalidArgumentError(`model: shared with ${model.fractionBits} fractional bits, context uses ${ctx.fractionBits}`);
  }
  if (!Number.isSafeInteger(batch) || batch < 1) throw new InvalidArgumentError(`batch: expected a positive integer, got ${batch}`);
  const n = checkShare('input', input);
  const need = batch * shapeSize(model.inputShape);
  if (n !== need) throw new ShapeError(`input: expected ${need} elements (batch ${batch} x [${model.inputShape.join(', ')}]), got ${n}`);
  // The model's truncations run wrap-corrected: the share truncation's big error has
  // probability |x| / 2^64 per value, far above 2^-40 for any useful product (docs: "Safe range").
  ctx = ctx.scope('model', { truncation: 'wrap-corrected' });
  let x = input;
  let shape: readonly number[] = model.inputShape;
  const costs: LayerCost[] = [];
  for (const layer of model.layers) {
    const before = { ...ctx.channel.stats };
    x = await applyLayer(ctx, layer, x, batch, shape, opts.functionTruncation ?? 'probabilistic');
    shape = layerOutputShape(shapeView(layer), shape);
    const after = ctx.channel.stats;
    costs.push({ name: layer.name, kind: layer.kind, rounds: after.rounds - before.rounds, bytesSent: after.bytesSent - before.bytesSent });
  }
  return { output: { a: x.a, b: x.b, shape: [batch, ...shape] }, outputShape: shape, costs };
}
