/**
 * @module protocols/model/model-ir
 * The model format every evaluator consumes: a sequential list of layers with plaintext
 * weights as float64 tensors. The ONNX importer produces it (batch-norm already folded into
 * the preceding dense or conv layer); the MPC evaluator secret-shares its weights at publish
 * time; the CKKS evaluator encodes them as plaintexts. Shapes exclude the batch dimension.
 */

/** A dense float64 tensor, row-major. */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/** y = x W^T + b, with W of shape [out, in] and b of shape [out]. (ONNX Gemm with transB=1.) */
export interface DenseLayer {
  readonly kind: 'dense';
  readonly name: string;
  readonly weight: Tensor;
  readonly bias?: Tensor;
}

/** 2-D convolution, NCHW, weight [outC, inC, kh, kw], group 1. */
export interface Conv2dLayer {
  readonly kind: 'conv2d';
  readonly name: string;
  readonly weight: Tensor;
  readonly bias?: Tensor;
  /** [strideH, strideW] */
  readonly strides: readonly [number, number];
  /** [top, left, bottom, right] */
  readonly pads: readonly [number, number, number, number];
}

/** Max or average pooling, NCHW. */
export interface PoolLayer {
  readonly kind: 'maxpool' | 'avgpool';
  readonly name: string;
  /** [kh, kw] */
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly pads: readonly [number, number, number, number];
}

/** Elementwise or shape-only layers with no parameters. */
export interface SimpleLayer {
  readonly kind: 'relu' | 'sigmoid' | 'softmax' | 'square' | 'flatten';
  readonly name: string;
}

/** Elementwise polynomial sum_i coeffs[i] * x^i (HE-friendly activation). */
export interface PolynomialLayer {
  readonly kind: 'polynomial';
  readonly name: string;
  readonly coeffs: readonly number[];
}

/** One layer of a sequential model. */
export type Layer = DenseLayer | Conv2dLayer | PoolLayer | SimpleLayer | PolynomialLayer;

/** A sequential model. */
export interface ModelIR {
  /** Input shape without batch, e.g. [64] or [1, 8, 8]. */
  readonly inputShape: readonly number[];
  /** Output shape without batch. */
  readonly outputShape: readonly number[];
  readonly layers: readonly Layer[];
}
