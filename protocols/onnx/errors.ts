/**
 * @module protocols/onnx/errors
 * Errors of the ONNX importer. Each names the node (name and op_type) or the field at fault, so a
 * model owner can see what to change in their export.
 */
import { MpcError } from '../../crypto-core/errors.js';

/** The bytes are not a decodable ONNX ModelProto, or a required part (graph, input, tensor data) is missing or inconsistent. */
export class OnnxParseError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('onnx-parse', message, options);
  }
}

/** A node uses an operator, or an attribute value of a supported operator, that the importer cannot map. */
export class UnsupportedOperatorError extends MpcError {
  /** The node's name (may be empty in the model). */
  readonly nodeName: string;
  /** The node's op_type. */
  readonly opType: string;
  constructor(nodeName: string, opType: string, detail: string, options?: { cause?: unknown }) {
    super('onnx-unsupported-operator', `node '${nodeName}' (op_type ${opType}): ${detail}`, options);
    this.nodeName = nodeName;
    this.opType = opType;
  }
}

/** The graph is not a chain (branches, merges, residual connections, unused nodes). */
export class NonSequentialModelError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('onnx-non-sequential', message, options);
  }
}
