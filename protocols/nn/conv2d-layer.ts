/**
 * @module protocols/nn/conv2d-layer
 * Secure 2-D convolution over a batch by im2col (local gather) and one replicated matrix
 * product: [Y] = trunc([W] [cols(X)]) + [b], W [outC, inC*kh*kw], cols [inC*kh*kw, B*oh*ow],
 * then a local permutation to [B, outC, oh, ow]. Cost: 2 rounds (product + truncation), the
 * product sending only the B*outC*oh*ow outputs.
 */
import type { ProtocolContext } from '../rss/context.js';
import { add, gather, concat } from '../rss/local-ops.js';
import { matmulFixed } from '../rss/truncate.js';
import { ShapeError } from '../rss/errors.js';
import { checkShare, type ReplicatedShare } from '../rss/replicated-share.js';
import type { SharedConv2dLayer } from './shared-model.js';
import { convColumns, windowOutput, type WindowGeometry } from './im2col.js';
import { repeatEach } from './broadcast.js';

/** The zero sharing (every component 0) of n elements: the padding value. */
export function zeroShare(n: number): ReplicatedShare {
  return { a: new BigUint64Array(n), b: new BigUint64Array(n) };
}

/**
 * Applies a shared conv2d layer to `batch` images x [batch, C, H, W] (row-major). 2 rounds.
 * @returns [batch, outC, oh, ow] row-major.
 */
export async function conv2dLayer(
  ctx: ProtocolContext,
  layer: SharedConv2dLayer,
  x: ReplicatedShare,
  batch: number,
  inShape: readonly number[],
): Promise<ReplicatedShare> {
  const [c, h, w] = inShape as [number, number, number];
  const n = checkShare('x', x);
  if (inShape.length !== 3 || c !== layer.inChannels || n !== batch * c * h * w) {
    throw new ShapeError(`x: layer '${layer.name}' expects ${batch} x [${layer.inChannels}, H, W], got ${n} elements of [${inShape.join(', ')}]`);
  }
  ctx = ctx.scope('conv2d');
  const g: WindowGeometry = { batch, channels: c, height: h, width: w, kernel: layer.kernel, strides: layer.strides, pads: layer.pads };
  const [oh, ow] = windowOutput(g);
  const k = c * layer.kernel[0] * layer.kernel[1];
  const pixels = batch * oh * ow;
  const cols = gather(concat([x, zeroShare(1)]), convColumns(g));
  let y = await matmulFixed(ctx, layer.weight, cols, layer.outChannels, k, pixels); // [outC, B*oh*ow]
  if (layer.bias) y = add(ctx, y, repeatEach(layer.bias, pixels));
  // [outC, B, oh*ow] -> [B, outC, oh*ow]
  const p = oh * ow;
  const perm = new Uint32Array(layer.outChannels * pixels);
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < layer.outChannels; o++) {
      for (let t = 0; t < p; t++) perm[(b * layer.outChannels + o) * p + t] = o * pixels + b * p + t;
    }
  }
  return gather(y, perm, [batch, layer.outChannels, oh, ow]);
}
