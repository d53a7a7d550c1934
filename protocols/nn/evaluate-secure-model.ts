/**
 * @module protocols/nn/evaluate-secure-model
 * Runs a {@link SharedModel} on a secret-shared batch at one party (all three run it
 * together): dense and conv by replicated matrix products, average pooling and means by a
 * public scaling, max pooling, ReLU, LeakyReLU, Clip and ArgMax by comparisons, sigmoid, tanh,
 * exp, softmax and log-softmax by the approximations in ./activations, square, polynomials,
 * affine layers and products of tensors by products; flatten, reshape, transpose, slice, pad,
 * concat and residual adds are local. Layers run in order, each reading the tensors its
 * `inputs` name (a graph); the rounds and bytes each layer costs are measured on the channel
 * and returned with the output.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { ProtocolContext, TruncationMode } from '../rss/context.js';
import { relu } from '../rss/comparison.js';
import { mulFixed, truncate } from '../rss/truncate.js';
import { checkShare, makeShare, type ReplicatedShare } from '../rss/replicated-share.js';
import { ShapeError } from '../rss/errors.js';
import { add, concat, gather, mulPublic, publicShare, sub, sum } from '../rss/local-ops.js';
import { argmax } from '../rss/argmax.js';
import { encodeFixed } from '../../crypto-core/ring/index.js';
import { layerOutputShapeOf, shapeSize } from '../model/layer-shape.js';
import { DATA_MOVEMENT_KINDS, type Layer } from '../model/model-ir.js';
import { axisLastIndex, broadcastIndex, gatherIndex, reduceIndex } from '../model/tensor-index.js';
import { clip, expAccurate, leakyRelu, logSoftmaxAccurate, sigmoidAccurate, softmaxAccurate, tanhAccurate } from './activations.js';
import { broadcastRows } from './broadcast.js';
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
    case 'affine':
      return { kind: 'affine', name: layer.name };
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

/** x along `axis` as rows, `fn` on the rows, back to x's layout. */
async function alongAxis(x: ReplicatedShare, shape: readonly number[], axis: number, batch: number, fn: (rows: ReplicatedShare, count: number, cols: number) => Promise<ReplicatedShare>): Promise<ReplicatedShare> {
  const { toRows, fromRows, cols } = axisLastIndex(shape, axis, batch);
  const rows = gather(x, toRows);
  return gather(await fn(rows, rows.a.length / cols, cols), fromRows);
}

async function applyLayer(ctx: ProtocolContext, layer: SharedLayer, xs: readonly ReplicatedShare[], batch: number, inShapes: readonly (readonly number[])[], fn: TruncationMode): Promise<ReplicatedShare> {
  const x = xs[0]!;
  const inShape = inShapes[0]!;
  const fctx = (name: string): ProtocolContext => ctx.scope(name, { truncation: fn });
  if (DATA_MOVEMENT_KINDS.has(layer.kind)) {
    if (layer.kind === 'flatten') return x;
    const pad = publicShare(ctx, encodeFixed([layer.kind === 'pad' ? layer.value : 0], ctx.fractionBits));
    return gather(concat([...xs, pad]), gatherIndex(layer as Layer, inShapes, batch));
  }
  switch (layer.kind) {
    case 'dense': return denseLayer(ctx, layer, x, x.a.length / layer.inFeatures);
    case 'conv2d': return conv2dLayer(ctx, layer, x, batch, inShape);
    case 'avgpool': return avgPoolLayer(ctx, layer, x, batch, inShape);
    case 'maxpool': return maxPoolLayer(ctx, layer, x, batch, inShape);
    case 'relu': return relu(ctx, x);
    case 'leakyrelu': return leakyRelu(ctx, x, layer.alpha);
    case 'clip': return clip(ctx, x, layer.min, layer.max);
    case 'sigmoid': return sigmoidAccurate(fctx('fn'), x);
    case 'tanh': return tanhAccurate(fctx('fn'), x);
    case 'exp': return expAccurate(fctx('fn'), x);
    case 'softmax': {
      const cols = inShape[inShape.length - 1]!;
      return softmaxAccurate(fctx('fn'), x, x.a.length / cols, cols);
    }
    case 'softmax-axis': return alongAxis(x, inShape, layer.axis, batch, (r, rows, cols) => softmaxAccurate(fctx('fn'), r, rows, cols));
    case 'logsoftmax': return alongAxis(x, inShape, layer.axis, batch, (r, rows, cols) => logSoftmaxAccurate(fctx('fn'), r, rows, cols));
    case 'argmax': {
      const { toRows, cols } = axisLastIndex(inShape, layer.axis, batch);
      const { index } = await argmax(ctx.scope('argmax'), gather(x, toRows), toRows.length / cols, cols);
      // The index is an integer share; as fixed point it is index * 2^f (local).
      return mulPublic(ctx, index, 1n << BigInt(ctx.fractionBits));
    }
    case 'square': return mulFixed(ctx, x, x);
    case 'polynomial': return polynomialLayer(ctx, layer.coeffs, x);
    case 'affine': {
      const per = shapeSize(inShape);
      let y = x;
      if (layer.scale) y = await mulFixed(ctx.scope('affine'), y, broadcastRows(layer.scale, x.a.length / per));
      if (layer.shift) y = add(ctx, y, broadcastRows(layer.shift, x.a.length / per));
      return y;
    }
    case 'add':
    case 'sub':
    case 'mul': {
      const out = layerOutputShapeOf(shapeView(layer), inShapes);
      const a = shapeSize(inShapes[0]!) === shapeSize(out) ? x : gather(x, broadcastIndex(inShapes[0]!, out, batch));
      const b = shapeSize(inShapes[1]!) === shapeSize(out) ? xs[1]! : gather(xs[1]!, broadcastIndex(inShapes[1]!, out, batch));
      if (layer.kind === 'add') return add(ctx, a, b);
      if (layer.kind === 'sub') return sub(ctx, a, b);
      return mulFixed(ctx.scope('mul'), a, b);
    }
    case 'reduce-sum':
    case 'reduce-mean': {
      const { index, groupSize } = reduceIndex(inShape, layer.axes, batch);
      const s = sum(gather(x, index), groupSize);
      if (layer.kind === 'reduce-sum') return s;
      return truncate(ctx.scope('reduce-mean'), mulPublic(ctx, s, encodeFixed([1 / groupSize], ctx.fractionBits)[0]!));
    }
  }
  throw new InvalidArgumentError(`layer '${layer.name}': kind '${layer.kind}' has no secure evaluation`);
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
  const values: (ReplicatedShare | undefined)[] = [input];
  const shapes: (readonly number[])[] = [model.inputShape];
  // Last reader of each tensor, so a tensor no later layer reads is dropped.
  const lastUse = new Map<number, number>();
  model.layers.forEach((l, k) => {
    for (const i of l.inputs ?? [k]) lastUse.set(i, k);
  });
  const costs: LayerCost[] = [];
  for (let k = 0; k < model.layers.length; k++) {
    const layer = model.layers[k]!;
    const ids = layer.inputs ?? [k];
    const xs = ids.map((i) => {
      const v = values[i];
      if (v === undefined) throw new InvalidArgumentError(`model.layers[${k}] (${layer.name}): reads tensor ${i}, which is not available`);
      return v;
    });
    const inShapes = ids.map((i) => shapes[i]!);
    const before = { ...ctx.channel.stats };
    const y = await applyLayer(ctx, layer, xs, batch, inShapes, opts.functionTruncation ?? 'probabilistic');
    const shape = layerOutputShapeOf(shapeView(layer), inShapes);
    values.push(y);
    shapes.push(shape);
    for (const i of ids) if (lastUse.get(i) === k) values[i] = undefined;
    const after = ctx.channel.stats;
    costs.push({ name: layer.name, kind: layer.kind, rounds: after.rounds - before.rounds, bytesSent: after.bytesSent - before.bytesSent });
  }
  const out = values[values.length - 1]!;
  const outputShape = shapes[shapes.length - 1]!;
  return { output: makeShare(out.a, out.b, [batch, ...outputShape]), outputShape, costs };
}
