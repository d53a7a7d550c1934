/**
 * @module protocols/nn/avg-pool-layer
 * Secure average pooling: window sums by a local gather and row sum, then one public scaling by
 * 1/(kh*kw) in fixed point and a truncation. Padded positions count as zeros and the divisor
 * is the full kernel area (ONNX count_include_pad=1). Cost: 1 round (the truncation).
 */
import { encodeFixed } from '../../crypto-core/ring/index.js';
import type { ProtocolContext } from '../rss/context.js';
import { gather, concat, mulPublic, sum } from '../rss/local-ops.js';
import { truncate } from '../rss/truncate.js';
import type { ReplicatedShare } from '../rss/replicated-share.js';
import type { PoolLayer } from '../model/model-ir.js';
import { poolWindows, windowOutput } from './im2col.js';
import { zeroShare } from './conv2d-layer.js';

/** Average pooling of x [batch, C, H, W]. 1 round. @returns [batch, C, oh, ow]. */
export async function avgPoolLayer(
  ctx: ProtocolContext,
  layer: PoolLayer,
  x: ReplicatedShare,
  batch: number,
  inShape: readonly number[],
): Promise<ReplicatedShare> {
  ctx = ctx.scope('avgpool');
  const [c, h, w] = inShape as [number, number, number];
  const g = { batch, channels: c, height: h, width: w, kernel: layer.kernel, strides: layer.strides, pads: layer.pads };
  const [oh, ow] = windowOutput(g);
  const area = layer.kernel[0] * layer.kernel[1];
  const windows = gather(concat([x, zeroShare(1)]), poolWindows(g));
  const sums = sum(windows, area);
  const inv = encodeFixed([1 / area], ctx.fractionBits)[0]!;
  const y = await truncate(ctx, mulPublic(ctx, sums, inv));
  return { a: y.a, b: y.b, shape: [batch, c, oh, ow] };
}
