/**
 * @module protocols/onnx
 * ONNX model import: bytes to a sequential ModelIR (docs/protocols-inference.md).
 */
export { importOnnx } from './import-onnx.js';
export { OnnxParseError, UnsupportedOperatorError, NonSequentialModelError } from './errors.js';
export { decodeOnnxModel, tensorValues, OnnxDataType } from './onnx-decode.js';
export type { OnnxModel, OnnxNode, OnnxTensor, OnnxAttribute, OnnxValueInfo } from './onnx-decode.js';
export { foldBatchNorm } from './batchnorm-fold.js';
export type { BatchNormParams } from './batchnorm-fold.js';
