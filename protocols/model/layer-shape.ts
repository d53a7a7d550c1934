/**
 * @module protocols/model/layer-shape
 * Output shape of each ModelIR layer (batch dimension excluded), shared by the ONNX importer,
 * the plaintext reference and the secure evaluator so that all three agree on layouts.
 *
 * Semantics fixed here: conv2d and pooling are NCHW with zero padding; average pooling divides
 * by the full kernel area (ONNX count_include_pad=1); max pooling ignores padded positions;
 * softmax runs over the last axis; flatten keeps row-major order.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { Layer, ModelIR } from './model-ir.js';

/** Number of elements of a shape. */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Spatial output size of a sliding window: floor((n + padA + padB - k) / s) + 1. */
export function windowOut(n: number, k: number, s: number, padA: number, padB: number): number {
  return Math.floor((n + padA + padB - k) / s) + 1;
}

function need3(layer: Layer, shape: readonly number[]): readonly [number, number, number] {
  if (shape.length !== 3) {
    throw new InvalidArgumentError(`layer '${layer.name}' (${layer.kind}): expected input shape [C, H, W], got [${shape.join(', ')}]`);
  }
  return [shape[0]!, shape[1]!, shape[2]!];
}

/**
 * The output shape of `layer` for an input of shape `shape` (no batch).
 * @throws InvalidArgumentError when the input shape does not fit the layer (naming the layer).
 */
export function layerOutputShape(layer: Layer, shape: readonly number[]): number[] {
  switch (layer.kind) {
    case 'dense': {
      const [out, inp] = layer.weight.shape as [number, number];
      if (shapeSize(shape) !== inp || shape.length !== 1) {
        throw new InvalidArgumentError(`layer '${layer.name}' (dense): expected input shape [${inp}], got [${shape.join(', ')}]`);
      }
      return [out];
    }
    case 'conv2d': {
      const [c, h, w] = need3(layer, shape);
      const [oc, ic, kh, kw] = layer.weight.shape as [number, number, number, number];
      if (ic !== c) throw new InvalidArgumentError(`layer '${layer.name}' (conv2d): weight expects ${ic} input channels, input has ${c}`);
      const oh = windowOut(h, kh, layer.strides[0], layer.pads[0], layer.pads[2]);
      const ow = windowOut(w, kw, layer.strides[1], layer.pads[1], layer.pads[3]);
      if (oh < 1 || ow < 1) throw new InvalidArgumentError(`layer '${layer.name}' (conv2d): kernel larger than padded input`);
      return [oc, oh, ow];
    }
    case 'maxpool':
    case 'avgpool': {
      const [c, h, w] = need3(layer, shape);
      const oh = windowOut(h, layer.kernel[0], layer.strides[0], layer.pads[0], layer.pads[2]);
      const ow = windowOut(w, layer.kernel[1], layer.strides[1], layer.pads[1], layer.pads[3]);
      if (oh < 1 || ow < 1) throw new InvalidArgumentError(`layer '${layer.name}' (${layer.kind}): kernel larger than padded input`);
      return [c, oh, ow];
    }
    case 'flatten':
      return [shapeSize(shape)];
    default:
      return [...shape];
  }
}

/** Shapes of the input and of every layer's output: `[input, out(layer0), out(layer1), ...]`. */
export function modelShapes(ir: ModelIR): number[][] {
  const shapes: number[][] = [[...ir.inputShape]];
  for (const layer of ir.layers) shapes.push(layerOutputShape(layer, shapes[shapes.length - 1]!));
  return shapes;
}
