/**
 * @module protocols/nn/dense-layer
 * Secure dense layer over a batch: [Y] = trunc([X] [W^T]) + [b], X [B, in], W^T [in, out].
 * One replicated matrix product (Araki et al. 2016; the local term in the native core) sends
 * only the B x out result, then one truncation round. Cost: 2 rounds, 8*B*out bytes per party
 * for the product plus 8*B*out bytes from party 0 for the truncation.
 */
import type { ProtocolContext } from '../rss/context.js';
import { add } from '../rss/local-ops.js';
import { matmulFixed } from '../rss/truncate.js';
import { ShapeError } from '../rss/errors.js';
import { checkShare, type ReplicatedShare } from '../rss/replicated-share.js';
import type { SharedDenseLayer } from './shared-model.js';
import { broadcastRows } from './broadcast.js';

/** Applies a shared dense layer to `batch` rows of `x` ([batch, in] row-major). 2 rounds. */
export async function denseLayer(ctx: ProtocolContext, layer: SharedDenseLayer, x: ReplicatedShare, batch: number): Promise<ReplicatedShare> {
  const n = checkShare('x', x);
  if (n !== batch * layer.inFeatures) {
    throw new ShapeError(`x: layer '${layer.name}' expects ${batch} x ${layer.inFeatures} = ${batch * layer.inFeatures} elements, got ${n}`);
  }
  ctx = ctx.scope('dense');
  const y = await matmulFixed(ctx, x, layer.weightT, batch, layer.inFeatures, layer.outFeatures);
  return layer.bias ? add(ctx, y, broadcastRows(layer.bias, batch, [batch, layer.outFeatures])) : y;
}
