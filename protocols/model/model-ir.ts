/**
 * @module protocols/model/model-ir
 * The model format every evaluator consumes: a sequential list of layers with plaintext
 * weights as float64 tensors. The ONNX importer produces it (batch-norm already folded into
 * the preceding dense or conv layer); the MPC evaluator secret-shares its weights at publish
 * time; the CKKS evaluator encodes them as plaintexts. Shapes exclude the batch dimension.
 *
 * A model is a list of layers in evaluation order. Tensor ids: 0 is the model input, k + 1 the
 * output of `layers[k]`. A layer reads `inputs` (tensor ids, each smaller than its own output id)
 * or, when it has none, the tensor just before it (id k): a sequential model needs no `inputs`
 * at all, a graph (residual adds, concatenations, splits) names them. The output of the last
 * layer is the model output. Axes and shapes never include the batch dimension (axis 0 here is
 * ONNX axis 1).
 */

/** A dense float64 tensor, row-major. */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/** What every layer has: a name and, in a graph, the ids of the tensors it reads. */
export interface LayerBase {
  readonly name: string;
  /** Tensor ids read (0 = model input, k + 1 = output of layers[k]); default: the previous tensor. */
  readonly inputs?: readonly number[];
}

/**
 * y = x W^T + b over the last axis, with W of shape [out, in] and b of shape [out]. (ONNX Gemm
 * with transB=1; MatMul of an [..., in] tensor with a constant [in, out] applies it to every row.)
 */
export interface DenseLayer extends LayerBase {
  readonly kind: 'dense';
  readonly weight: Tensor;
  readonly bias?: Tensor;
}

/** 2-D convolution, NCHW, weight [outC, inC / group, kh, kw]. */
export interface Conv2dLayer extends LayerBase {
  readonly kind: 'conv2d';
  readonly weight: Tensor;
  readonly bias?: Tensor;
  /** [strideH, strideW] */
  readonly strides: readonly [number, number];
  /** [top, left, bottom, right] */
  readonly pads: readonly [number, number, number, number];
  /** [dilationH, dilationW]; default [1, 1]. */
  readonly dilations?: readonly [number, number];
  /** Channel groups (inC and outC divisible by it; inC = group is depthwise); default 1. */
  readonly group?: number;
}

/** Max or average pooling, NCHW. */
export interface PoolLayer extends LayerBase {
  readonly kind: 'maxpool' | 'avgpool';
  /** [kh, kw] */
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly pads: readonly [number, number, number, number];
  /** ONNX ceil_mode: the output size rounds up (a last window may start in the bottom/right pad). */
  readonly ceilMode?: boolean;
  /**
   * Average pooling only: divide by the window positions inside the padded input (true, the
   * default, ONNX count_include_pad=1) or by those inside the input itself (false).
   */
  readonly countIncludePad?: boolean;
}

/** Elementwise or shape-only layers with no parameters (softmax: over the last axis). */
export interface SimpleLayer extends LayerBase {
  readonly kind: 'relu' | 'sigmoid' | 'softmax' | 'square' | 'flatten' | 'tanh' | 'exp';
}

/** Elementwise polynomial sum_i coeffs[i] * x^i (HE-friendly activation). */
export interface PolynomialLayer extends LayerBase {
  readonly kind: 'polynomial';
  readonly coeffs: readonly number[];
}

/** max(x, 0) + alpha min(x, 0). */
export interface LeakyReluLayer extends LayerBase {
  readonly kind: 'leakyrelu';
  readonly alpha: number;
}

/** min(max(x, min), max) (ReLU6 is [0, 6]); either bound may be absent. */
export interface ClipLayer extends LayerBase {
  readonly kind: 'clip';
  readonly min?: number;
  readonly max?: number;
}

/** Softmax or log-softmax over one axis (batch excluded). */
export interface AxisSoftmaxLayer extends LayerBase {
  readonly kind: 'softmax-axis' | 'logsoftmax';
  readonly axis: number;
}

/** Index of the first maximum along `axis`, as a number (ONNX ArgMax, select_last_index 0). */
export interface ArgMaxLayer extends LayerBase {
  readonly kind: 'argmax';
  readonly axis: number;
  readonly keepdims: boolean;
}

/** Elementwise x * scale + shift with constant tensors of the input's shape (either may be absent). */
export interface AffineLayer extends LayerBase {
  readonly kind: 'affine';
  readonly scale?: Tensor;
  readonly shift?: Tensor;
}

/** Elementwise op between two tensors (numpy broadcasting of their shapes): residual adds. */
export interface BinaryLayer extends LayerBase {
  readonly kind: 'add' | 'sub' | 'mul';
  readonly inputs: readonly [number, number];
}

/** Concatenation along `axis` of all `inputs`. */
export interface ConcatLayer extends LayerBase {
  readonly kind: 'concat';
  readonly axis: number;
  readonly inputs: readonly number[];
}

/** A new shape with the same elements in row-major order (Reshape, Squeeze, Unsqueeze). */
export interface ReshapeLayer extends LayerBase {
  readonly kind: 'reshape';
  readonly shape: readonly number[];
}

/** Axis permutation (perm over the non-batch axes). */
export interface TransposeLayer extends LayerBase {
  readonly kind: 'transpose';
  readonly perm: readonly number[];
}

/** Strided slice, per axis: starts, ends (exclusive), steps (normalized, all in range). */
export interface SliceLayer extends LayerBase {
  readonly kind: 'slice';
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  readonly steps: readonly number[];
}

/**
 * Constant padding: pads [begin_0, ..., begin_r-1, end_0, ..., end_r-1] (ONNX order), value.
 * With `dilations`, input element k of axis a lands at position k * dilations[a] before the
 * begin padding is added, and the gaps hold the value too (the zero insertion of a transposed
 * convolution).
 */
export interface PadLayer extends LayerBase {
  readonly kind: 'pad';
  readonly pads: readonly number[];
  readonly value: number;
  readonly dilations?: readonly number[];
}

/** Sum or mean over `axes` (ReduceSum, ReduceMean, GlobalAveragePool). */
export interface ReduceLayer extends LayerBase {
  readonly kind: 'reduce-sum' | 'reduce-mean';
  readonly axes: readonly number[];
  readonly keepdims: boolean;
}

/** One layer of a model. */
export type Layer =
  | DenseLayer
  | Conv2dLayer
  | PoolLayer
  | SimpleLayer
  | PolynomialLayer
  | LeakyReluLayer
  | ClipLayer
  | AxisSoftmaxLayer
  | ArgMaxLayer
  | AffineLayer
  | BinaryLayer
  | ConcatLayer
  | ReshapeLayer
  | TransposeLayer
  | SliceLayer
  | PadLayer
  | ReduceLayer;

/** Layers that only move or copy elements (no arithmetic): free in every evaluator. */
export const DATA_MOVEMENT_KINDS: ReadonlySet<Layer['kind']> = new Set(['flatten', 'reshape', 'transpose', 'slice', 'pad', 'concat']);

/** The tensor ids `layers[k]` reads. */
export function layerInputs(layer: Layer, k: number): readonly number[] {
  return layer.inputs ?? [k];
}

/** True when every layer reads only the tensor just before it (the form the CKKS planner takes). */
export function isSequential(ir: ModelIR): boolean {
  return ir.layers.every((l, k) => l.inputs === undefined || (l.inputs.length === 1 && l.inputs[0] === k));
}

/** A model (sequential, or a graph in evaluation order). */
export interface ModelIR {
  /** Input shape without batch, e.g. [64] or [1, 8, 8]. */
  readonly inputShape: readonly number[];
  /** Output shape without batch. */
  readonly outputShape: readonly number[];
  readonly layers: readonly Layer[];
}
