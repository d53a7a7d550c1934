/**
 * @module protocols/nn/broadcast
 * Local (communication-free) reshaping of shares for layer arithmetic: repeating a bias vector
 * for every row of a batch or every pixel of a feature map.
 */
import { gather } from '../rss/local-ops.js';
import type { ReplicatedShare } from '../rss/replicated-share.js';

/** [v, v, ..., v] (`rows` copies of the vector v): a bias for each row of a [rows, len] matrix. */
export function broadcastRows(v: ReplicatedShare, rows: number, shape?: readonly number[]): ReplicatedShare {
  const len = v.a.length;
  const idx = new Uint32Array(rows * len);
  for (let r = 0; r < rows; r++) for (let j = 0; j < len; j++) idx[r * len + j] = j;
  return gather(v, idx, shape);
}

/** Each element of v repeated `times` times in place: a per-channel bias over [C, H*W]. */
export function repeatEach(v: ReplicatedShare, times: number): ReplicatedShare {
  const len = v.a.length;
  const idx = new Uint32Array(len * times);
  for (let j = 0; j < len; j++) idx.fill(j, j * times, (j + 1) * times);
  return gather(v, idx);
}
