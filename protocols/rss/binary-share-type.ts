/**
 * @module protocols/rss/binary-share-type
 * The type of a boolean replicated share (operations in protocols/rss/binary-share), on its own
 * so that the malicious state can name it without importing the operations, which import the
 * malicious guard.
 */

/** One party's half of a boolean (XOR) replicated sharing of 64-bit words. */
export interface BinaryShare {
  /** Distinguishes boolean from arithmetic shares at the type level. */
  readonly kind: 'binary';
  /** x_i. */
  readonly a: BigUint64Array;
  /** x_{i+1}. */
  readonly b: BigUint64Array;
  readonly shape?: readonly number[];
}
