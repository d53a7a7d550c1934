/**
 * @module protocols/nn/max-pool-layer
 * Secure max pooling: each window gathered into a row (local), then a tournament of batched
 * comparisons over the rows (protocols/rss/argmax `maxLastAxis`, 10 rounds per level,
 * ceil(log2(kh*kw)) levels: 20 rounds for 2x2). Padded positions hold a public very negative
 * value so they never win.
 */
import { encodeFixed } from '../../crypto-core/ring/index.js';
import type { ProtocolContext } from '../rss/context.js';
import { concat, gather, publicShare } from '../rss/local-ops.js';
import { maxLastAxis } from '../rss/argmax.js';
import type { ReplicatedShare } from '../rss/replicated-share.js';
import type { PoolLayer } from '../model/model-ir.js';
import { poolPads } from '../model/layer-shape.js';
import { poolWindows, windowOutput } from './im2col.js';

/** Max pooling of x [batch, C, H, W]. @returns [batch, C, oh, ow]. */
export async function maxPoolLayer(
  ctx: ProtocolContext,
  layer: PoolLayer,
  x: ReplicatedShare,
  batch: number,
  inShape: readonly number[],
): Promise<ReplicatedShare> {
  ctx = ctx.scope('maxpool');
  const [c, h, w] = inShape as [number, number, number];
  const g = { batch, channels: c, height: h, width: w, kernel: layer.kernel, strides: layer.strides, pads: poolPads(layer, h, w) };
  const [oh, ow] = windowOutput(g);
  const k = layer.kernel[0] * layer.kernel[1];
  // -2^30 in fixed point: below any activation a model produces, far from the 2^63 comparison limit.
  const padValue = publicShare(ctx, encodeFixed([-(2 ** 30)], ctx.fractionBits));
  const windows = gather(concat([x, padValue]), poolWindows(g));
  const y = await maxLastAxis(ctx, windows, batch * c * oh * ow, k);
  return { a: y.a, b: y.b, shape: [batch, c, oh, ow] };
}
