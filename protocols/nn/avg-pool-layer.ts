/**
 * @module protocols/nn/avg-pool-layer
 * Secure average pooling: window sums by a local gather and row sum, then one public scaling by
 * 1/divisor in fixed point and a truncation. Padded positions count as zeros; the divisor is the
 * full kernel area (ONNX count_include_pad=1) or, with count_include_pad=0 or ceil_mode windows
 * that reach past the padding, each window's own count of positions (a public vector from
 * model/layer-shape `poolDivisors`). Cost: 1 round (the truncation).
 */
import { encodeFixed } from '../../crypto-core/ring/index.js';
import type { ProtocolContext } from '../rss/context.js';
import { gather, concat, mulPublic, mulPublicVector, sum } from '../rss/local-ops.js';
import { truncate } from '../rss/truncate.js';
import type { ReplicatedShare } from '../rss/replicated-share.js';
import type { PoolLayer } from '../model/model-ir.js';
import { poolDivisors, poolPads } from '../model/layer-shape.js';
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
  const g = { batch, channels: c, height: h, width: w, kernel: layer.kernel, strides: layer.strides, pads: poolPads(layer, h, w) };
  const [oh, ow] = windowOutput(g);
  const area = layer.kernel[0] * layer.kernel[1];
  const windows = gather(concat([x, zeroShare(1)]), poolWindows(g));
  const sums = sum(windows, area);
  const div = poolDivisors(layer, h, w);
  const f = ctx.fractionBits;
  const scaled = div.every((d) => d === area)
    ? mulPublic(ctx, sums, encodeFixed([1 / area], f)[0]!)
    : mulPublicVector(ctx, sums, encodeFixed(Float64Array.from({ length: batch * c * oh * ow }, (_, i) => 1 / div[i % (oh * ow)]!), f));
  const y = await truncate(ctx, scaled);
  return { a: y.a, b: y.b, shape: [batch, c, oh, ow] };
}
