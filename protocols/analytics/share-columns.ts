/**
 * @module protocols/analytics/share-columns
 * Local (communication-free) reshaping of column-major shared data sets: slicing a column out
 * of each data set, joining the data sets into one union column, and transposing a matrix.
 */
import { makeShare, type ReplicatedShare } from '../rss/replicated-share.js';

/** A data set as one party holds it: `width` encoded columns of `rows` entries, column-major. */
export interface SharedDataset {
  readonly rows: number;
  readonly share: ReplicatedShare;
  /**
   * Per-column validity bits computed at upload (column-validity.ts): one 0/1 share per schema
   * column per row, column-major. When every queried data set has them, a query ANDs them
   * instead of range-checking the columns it reads.
   */
  readonly validity?: ReplicatedShare;
}

/** Elements [start, start + len) of a share (views, not copies). */
export function sliceShare(x: ReplicatedShare, start: number, len: number): ReplicatedShare {
  return makeShare(x.a.subarray(start, start + len), x.b.subarray(start, start + len));
}

/** Encoded column `offset` of the union of the data sets (rows of data set 0 first). */
export function unionColumn(datasets: readonly SharedDataset[], offset: number): ReplicatedShare {
  const n = datasets.reduce((s, d) => s + d.rows, 0);
  const a = new BigUint64Array(n);
  const b = new BigUint64Array(n);
  let at = 0;
  for (const d of datasets) {
    a.set(d.share.a.subarray(offset * d.rows, (offset + 1) * d.rows), at);
    b.set(d.share.b.subarray(offset * d.rows, (offset + 1) * d.rows), at);
    at += d.rows;
  }
  return makeShare(a, b);
}

/** Transpose of a row-major rows x cols shared matrix. */
export function transposeShare(x: ReplicatedShare, rows: number, cols: number): ReplicatedShare {
  const a = new BigUint64Array(rows * cols);
  const b = new BigUint64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      a[c * rows + r] = x.a[r * cols + c]!;
      b[c * rows + r] = x.b[r * cols + c]!;
    }
  }
  return makeShare(a, b, [cols, rows]);
}
