/**
 * @module protocols/onnx/import-onnx
 * `importOnnx(bytes)`: ONNX model bytes to a sequential {@link ModelIR}.
 *
 * The graph is walked from its single data input along the chain of nodes that consume the
 * current tensor (so node order in the file does not matter). Each node must read exactly one
 * non-constant tensor, the current one, and each tensor must feed exactly one node; anything
 * else (branches, residual adds, dangling nodes) is a {@link NonSequentialModelError}.
 *
 * Operator mapping:
 * - Gemm (transA=0; transB, alpha, beta honoured), MatMul with a constant right operand, and a
 *   following Add of a constant -> dense (W stored [out, in], bias folded in).
 * - Conv (2-D, group 1, dilations 1, explicit pads or auto_pad NOTSET) -> conv2d.
 * - BatchNormalization (inference) -> folded into the preceding dense/conv2d.
 * - Relu, Sigmoid, Softmax (last axis) -> the same; MaxPool/AveragePool -> maxpool/avgpool;
 *   Flatten(axis 1) and Reshape to [N, -1] -> flatten; Mul(x, x) and Pow(x, 2) -> square;
 *   Mul by a scalar constant -> polynomial [0, c]; Identity, Dropout -> skipped.
 * Anything else -> {@link UnsupportedOperatorError} naming the node and op_type.
 */
import type { Conv2dLayer, DenseLayer, Layer, ModelIR, Tensor } from '../model/model-ir.js';
import { layerOutputShape, shapeSize } from '../model/layer-shape.js';
import { NonSequentialModelError, OnnxParseError, UnsupportedOperatorError } from './errors.js';
import { decodeOnnxModel, tensorValues, type OnnxAttribute, type OnnxModel, type OnnxNode, type OnnxTensor } from './onnx-decode.js';
import { foldBatchNorm } from './batchnorm-fold.js';

interface Constant {
  readonly dims: readonly number[];
  readonly values: Float64Array;
}

/** Attribute accessors that reject a wrong attribute type with the node named. */
class Attrs {
  constructor(private readonly node: OnnxNode) {}
  int(name: string, dflt: number): number {
    const a = this.node.attributes.get(name);
    if (a === undefined) return dflt;
    if (a.i === undefined) throw this.bad(name, a);
    return a.i;
  }
  float(name: string, dflt: number): number {
    const a = this.node.attributes.get(name);
    if (a === undefined) return dflt;
    if (a.f === undefined) throw this.bad(name, a);
    return a.f;
  }
  ints(name: string): readonly number[] | undefined {
    return this.node.attributes.get(name)?.ints;
  }
  str(name: string, dflt: string): string {
    const s = this.node.attributes.get(name)?.s;
    return s === undefined ? dflt : new TextDecoder().decode(s);
  }
  private bad(name: string, a: OnnxAttribute): OnnxParseError {
    return new OnnxParseError(`node '${this.node.name}' (op_type ${this.node.opType}): attribute ${name} has unexpected type ${a.type}`);
  }
}

function unsupported(node: OnnxNode, detail: string): UnsupportedOperatorError {
  return new UnsupportedOperatorError(node.name, node.opType, detail);
}

/** Collects initializers and Constant-node outputs as named constants. */
function collectConstants(model: OnnxModel): Map<string, Constant> {
  const constants = new Map<string, Constant>();
  const add = (name: string, t: OnnxTensor): void => {
    constants.set(name, { dims: t.dims, values: tensorValues(t) });
  };
  for (const [name, t] of model.initializers) add(name, t);
  for (const node of model.nodes) {
    if (node.opType !== 'Constant') continue;
    const t = node.attributes.get('value')?.t;
    if (t === undefined || node.outputs.length !== 1) throw unsupported(node, 'only Constant with a tensor "value" is supported');
    add(node.outputs[0]!, t);
  }
  return constants;
}

/** The graph's data input (the one input that is not an initializer) and its shape without batch. */
function dataInput(model: OnnxModel, constants: ReadonlyMap<string, Constant>): { name: string; shape: number[] } {
  const inputs = model.inputs.filter((v) => !constants.has(v.name));
  if (inputs.length !== 1) {
    throw new NonSequentialModelError(`graph: expected exactly one data input, got ${inputs.length} (${inputs.map((v) => v.name).join(', ')})`);
  }
  const v = inputs[0]!;
  if (v.shape === undefined || v.shape.length < 2) throw new OnnxParseError(`graph input '${v.name}': expected a tensor shape [N, ...]`);
  const rest = v.shape.slice(1);
  if (rest.some((d) => d === null || d <= 0)) {
    throw new OnnxParseError(`graph input '${v.name}': only the batch dimension may be symbolic, got [${v.shape.map((d) => d ?? '?').join(', ')}]`);
  }
  return { name: v.name, shape: rest as number[] };
}

function scalarOf(node: OnnxNode, c: Constant | undefined, what: string): number {
  if (c === undefined || c.values.length !== 1) throw unsupported(node, `${what} must be a constant scalar`);
  return c.values[0]!;
}

/** Mutable state of the walk: the layers so far and the current tensor's shape. */
class Builder {
  readonly layers: Layer[] = [];
  constructor(public shape: number[]) {}

  push(layer: Layer): void {
    this.shape = layerOutputShape(layer, this.shape);
    this.layers.push(layer);
  }

  /** The last layer when it is a dense/conv layer (target for bias and batch-norm folding). */
  lastAffine(): DenseLayer | Conv2dLayer | undefined {
    const last = this.layers[this.layers.length - 1];
    return last?.kind === 'dense' || last?.kind === 'conv2d' ? last : undefined;
  }

  replaceLast(layer: Layer): void {
    this.layers[this.layers.length - 1] = layer;
  }

  /** Flattens a multi-dimensional current tensor; a no-op when it is already flat. */
  flatten(name: string): void {
    if (this.shape.length > 1) this.push({ kind: 'flatten', name });
  }
}

function tensor(shape: number[], data: Float64Array): Tensor {
  return { shape, data };
}

function mapGemm(node: OnnxNode, b: Builder, constants: ReadonlyMap<string, Constant>): void {
  const at = new Attrs(node);
  if (at.int('transA', 0) !== 0) throw unsupported(node, 'transA=1 is not supported (the data input must be [N, in])');
  const transB = at.int('transB', 0);
  const alpha = at.float('alpha', 1);
  const beta = at.float('beta', 1);
  const B = constants.get(node.inputs[1] ?? '');
  if (B === undefined || B.dims.length !== 2) throw unsupported(node, 'input B must be a 2-D initializer');
  b.flatten(`${node.name}/flatten`);
  const [r, c] = B.dims as [number, number];
  const [outF, inF] = transB ? [r, c] : [c, r];
  if (b.shape[0] !== inF) throw new OnnxParseError(`node '${node.name}' (Gemm): input has ${b.shape[0]} features, B expects ${inF}`);
  const w = new Float64Array(outF * inF);
  for (let o = 0; o < outF; o++) {
    for (let i = 0; i < inF; i++) w[o * inF + i] = alpha * (transB ? B.values[o * inF + i]! : B.values[i * outF + o]!);
  }
  let bias: Tensor | undefined;
  const cName = node.inputs[2];
  if (cName !== undefined && cName !== '') {
    const C = constants.get(cName);
    if (C === undefined) throw unsupported(node, 'input C must be an initializer');
    bias = tensor([outF], broadcastBias(node, C, outF, beta));
  }
  b.push({ kind: 'dense', name: node.name, weight: tensor([outF, inF], w), ...(bias ? { bias } : {}) });
}

/** A constant broadcast along [N, out]: scalar, [out], [1, out]. */
function broadcastBias(node: OnnxNode, C: Constant, out: number, factor: number): Float64Array {
  const n = C.values.length;
  const okShape = n === 1 || (n === out && C.dims.filter((d) => d !== 1).length <= 1);
  if (!okShape) throw unsupported(node, `bias of shape [${C.dims.join(', ')}] does not broadcast to [N, ${out}]`);
  return Float64Array.from({ length: out }, (_, o) => factor * C.values[n === 1 ? 0 : o]!);
}

function mapMatMul(node: OnnxNode, b: Builder, constants: ReadonlyMap<string, Constant>): void {
  const B = constants.get(node.inputs[1] ?? '');
  if (B === undefined || B.dims.length !== 2) throw unsupported(node, 'only MatMul with a 2-D initializer as right operand is supported');
  b.flatten(`${node.name}/flatten`);
  const [inF, outF] = B.dims as [number, number];
  if (b.shape[0] !== inF) throw new OnnxParseError(`node '${node.name}' (MatMul): input has ${b.shape[0]} features, B expects ${inF}`);
  const w = new Float64Array(outF * inF);
  for (let o = 0; o < outF; o++) for (let i = 0; i < inF; i++) w[o * inF + i] = B.values[i * outF + o]!;
  b.push({ kind: 'dense', name: node.name, weight: tensor([outF, inF], w) });
}

function mapAdd(node: OnnxNode, b: Builder, constant: Constant | undefined): void {
  const last = b.lastAffine();
  if (constant === undefined || last?.kind !== 'dense') {
    throw unsupported(node, 'Add is only supported as a constant bias right after Gemm/MatMul');
  }
  const outF = last.weight.shape[0]!;
  const add = broadcastBias(node, constant, outF, 1);
  const bias = Float64Array.from(add, (v, o) => v + (last.bias?.data[o] ?? 0));
  b.replaceLast({ ...last, bias: tensor([outF], bias) });
}

function mapConv(node: OnnxNode, b: Builder, constants: ReadonlyMap<string, Constant>): void {
  const at = new Attrs(node);
  if (at.int('group', 1) !== 1) throw unsupported(node, `group=${at.int('group', 1)} is not supported (group 1 only)`);
  const autoPad = at.str('auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET') throw unsupported(node, `auto_pad=${autoPad} is not supported (use explicit pads)`);
  const W = constants.get(node.inputs[1] ?? '');
  if (W === undefined || W.dims.length !== 4) throw unsupported(node, 'only 2-D Conv with an initializer weight [outC, inC, kh, kw] is supported');
  const dil = at.ints('dilations');
  if (dil !== undefined && dil.length > 0 && dil.some((d) => d !== 1)) throw unsupported(node, `dilations=[${dil.join(', ')}] are not supported (1 only)`);
  const ks = at.ints('kernel_shape');
  if (ks !== undefined && ks.length > 0 && (ks[0] !== W.dims[2] || ks[1] !== W.dims[3])) {
    throw new OnnxParseError(`node '${node.name}' (Conv): kernel_shape [${ks.join(', ')}] disagrees with the weight`);
  }
  const strides = at.ints('strides');
  const pads = at.ints('pads');
  const bName = node.inputs[2];
  let bias: Tensor | undefined;
  if (bName !== undefined && bName !== '') {
    const B = constants.get(bName);
    if (B === undefined || B.values.length !== W.dims[0]) throw unsupported(node, 'bias must be an initializer of length outC');
    bias = tensor([W.dims[0]!], B.values);
  }
  b.push({
    kind: 'conv2d',
    name: node.name,
    weight: tensor([...W.dims], W.values),
    ...(bias ? { bias } : {}),
    strides: strides && strides.length === 2 ? [strides[0]!, strides[1]!] : [1, 1],
    pads: pads && pads.length === 4 ? [pads[0]!, pads[1]!, pads[2]!, pads[3]!] : [0, 0, 0, 0],
  });
}

function mapPool(node: OnnxNode, b: Builder): void {
  const at = new Attrs(node);
  const autoPad = at.str('auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET') throw unsupported(node, `auto_pad=${autoPad} is not supported (use explicit pads)`);
  if (at.int('ceil_mode', 0) !== 0) throw unsupported(node, 'ceil_mode=1 is not supported');
  const dil = at.ints('dilations');
  if (dil !== undefined && dil.some((d) => d !== 1)) throw unsupported(node, 'dilations other than 1 are not supported');
  if (node.outputs.length > 1 && node.outputs[1] !== '') throw unsupported(node, 'the Indices output is not supported');
  const ks = at.ints('kernel_shape');
  if (ks === undefined || ks.length !== 2) throw unsupported(node, 'only 2-D pooling with kernel_shape [kh, kw] is supported');
  const strides = at.ints('strides');
  const pads = at.ints('pads');
  const p: [number, number, number, number] = pads && pads.length === 4 ? [pads[0]!, pads[1]!, pads[2]!, pads[3]!] : [0, 0, 0, 0];
  const isAvg = node.opType === 'AveragePool';
  if (isAvg && p.some((v) => v !== 0) && at.int('count_include_pad', 0) === 0) {
    throw unsupported(node, 'padded AveragePool needs count_include_pad=1 (the divisor is the kernel area)');
  }
  b.push({
    kind: isAvg ? 'avgpool' : 'maxpool',
    name: node.name,
    kernel: [ks[0]!, ks[1]!],
    strides: strides && strides.length === 2 ? [strides[0]!, strides[1]!] : [1, 1],
    pads: p,
  });
}

function mapBatchNorm(node: OnnxNode, b: Builder, constants: ReadonlyMap<string, Constant>): void {
  const at = new Attrs(node);
  if (at.int('training_mode', 0) !== 0) throw unsupported(node, 'training_mode=1 is not supported');
  const last = b.lastAffine();
  if (last === undefined) throw unsupported(node, 'BatchNormalization must directly follow a Conv or Gemm/MatMul to be folded');
  const outC = last.weight.shape[0]!;
  const get = (idx: number, what: string): Float64Array => {
    const c = constants.get(node.inputs[idx] ?? '');
    if (c === undefined || c.values.length !== outC) throw unsupported(node, `${what} must be an initializer of length ${outC}`);
    return c.values;
  };
  b.replaceLast(
    foldBatchNorm(last, {
      scale: get(1, 'scale'),
      bias: get(2, 'B'),
      mean: get(3, 'input_mean'),
      variance: get(4, 'input_var'),
      epsilon: at.float('epsilon', 1e-5),
    }),
  );
}

function mapReshape(node: OnnxNode, b: Builder, constants: ReadonlyMap<string, Constant>, opset: number): void {
  const s = constants.get(node.inputs[1] ?? '');
  if (s === undefined) throw unsupported(node, 'the target shape must be a constant');
  const target = Array.from(s.values);
  const size = shapeSize(b.shape);
  const allowZero = opset >= 14 && new Attrs(node).int('allowzero', 0) === 1;
  const batchOk = (d: number): boolean => d === -1 || (d === 0 && !allowZero);
  if (target.length === 2 && batchOk(target[0]!) && (target[1] === size || (target[1] === -1 && target[0] === 0))) {
    b.flatten(node.name);
    return;
  }
  if (target.length === b.shape.length + 1 && batchOk(target[0]!) && target.slice(1).every((d, i) => d === b.shape[i])) return;
  throw unsupported(node, `Reshape to [${target.join(', ')}] is not supported (only to [N, ${size}])`);
}

function mapSoftmax(node: OnnxNode, b: Builder, opset: number): void {
  const rank = b.shape.length + 1;
  const axis = new Attrs(node).int('axis', opset >= 13 ? -1 : 1);
  const norm = axis < 0 ? axis + rank : axis;
  // Before opset 13 Softmax flattened from `axis` on; with a [N, C] input that is the last axis too.
  if (norm !== rank - 1) throw unsupported(node, `axis=${axis} is not the last axis of a rank-${rank} tensor`);
  b.push({ kind: 'softmax', name: node.name });
}

/**
 * Imports an ONNX model as a sequential {@link ModelIR} (float64 weights, batch-norm folded).
 * @throws OnnxParseError on malformed bytes or inconsistent tensors.
 * @throws UnsupportedOperatorError naming the node for an operator/attribute outside the mapping.
 * @throws NonSequentialModelError when the graph is not a single chain.
 */
export function importOnnx(bytes: Uint8Array): ModelIR {
  const model = decodeOnnxModel(bytes);
  const constants = collectConstants(model);
  const input = dataInput(model, constants);
  const nodes = model.nodes.filter((n) => n.opType !== 'Constant');
  for (const n of nodes) {
    if (n.domain !== '' && n.domain !== 'ai.onnx') throw unsupported(n, `operator domain '${n.domain}' is not supported`);
  }
  const dynamicInputs = (n: OnnxNode): string[] => n.inputs.filter((i) => i !== '' && !constants.has(i));
  const consumers = new Map<string, OnnxNode[]>();
  for (const n of nodes) {
    for (const i of new Set(dynamicInputs(n))) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  }
  if (model.outputs.length !== 1) throw new NonSequentialModelError(`graph: expected exactly one output, got ${model.outputs.length}`);
  const outputName = model.outputs[0]!.name;

  const b = new Builder([...input.shape]);
  const visited = new Set<OnnxNode>();
  let current = input.name;
  while (current !== outputName) {
    const next = consumers.get(current) ?? [];
    if (next.length === 0) throw new NonSequentialModelError(`tensor '${current}': consumed by no node, but it is not the graph output '${outputName}'`);
    if (next.length > 1) {
      throw new NonSequentialModelError(`tensor '${current}': consumed by several nodes (${next.map((n) => `'${n.name}' ${n.opType}`).join(', ')}); the model must be a chain`);
    }
    const node = next[0]!;
    const foreign = dynamicInputs(node).filter((i) => i !== current);
    if (foreign.length > 0) {
      throw new NonSequentialModelError(`node '${node.name}' (op_type ${node.opType}): reads '${foreign[0]}' besides the chain tensor '${current}'; the model must be a chain`);
    }
    const usedOutputs = node.outputs.filter((o, idx) => o !== '' && (idx === 0 || consumers.has(o) || o === outputName));
    if (usedOutputs.length !== 1 || usedOutputs[0] !== node.outputs[0]) {
      throw new NonSequentialModelError(`node '${node.name}' (op_type ${node.opType}): only its first output may be used`);
    }
    visited.add(node);
    mapNode(node, b, constants, model.opset);
    current = node.outputs[0]!;
  }
  const dangling = nodes.find((n) => !visited.has(n));
  if (dangling !== undefined) {
    throw new NonSequentialModelError(`node '${dangling.name}' (op_type ${dangling.opType}): not on the chain from '${input.name}' to '${outputName}'`);
  }
  return { inputShape: input.shape, outputShape: b.shape, layers: b.layers };
}

function mapNode(node: OnnxNode, b: Builder, constants: ReadonlyMap<string, Constant>, opset: number): void {
  const constIn = node.inputs.slice(1).map((i) => constants.get(i));
  switch (node.opType) {
    case 'Gemm': return mapGemm(node, b, constants);
    case 'MatMul': return mapMatMul(node, b, constants);
    case 'Add': return mapAdd(node, b, constants.get(node.inputs[1] ?? '') ?? constants.get(node.inputs[0] ?? ''));
    case 'Conv': return mapConv(node, b, constants);
    case 'BatchNormalization': return mapBatchNorm(node, b, constants);
    case 'Relu': return b.push({ kind: 'relu', name: node.name });
    case 'Sigmoid': return b.push({ kind: 'sigmoid', name: node.name });
    case 'Softmax': return mapSoftmax(node, b, opset);
    case 'MaxPool':
    case 'AveragePool': return mapPool(node, b);
    case 'Flatten': {
      const axis = new Attrs(node).int('axis', 1);
      const rank = b.shape.length + 1;
      if ((axis < 0 ? axis + rank : axis) !== 1) throw unsupported(node, `axis=${axis} is not supported (1 only)`);
      return b.flatten(node.name);
    }
    case 'Reshape': return mapReshape(node, b, constants, opset);
    case 'Identity':
    case 'Dropout': return;
    case 'Mul': {
      if (node.inputs[0] === node.inputs[1]) return b.push({ kind: 'square', name: node.name });
      const c = constants.get(node.inputs[1] ?? '') ?? constants.get(node.inputs[0] ?? '');
      return b.push({ kind: 'polynomial', name: node.name, coeffs: [0, scalarOf(node, c, 'the other factor')] });
    }
    case 'Pow': {
      const e = scalarOf(node, constIn[0], 'the exponent');
      if (e !== 2) throw unsupported(node, `exponent ${e} is not supported (2 only)`);
      return b.push({ kind: 'square', name: node.name });
    }
    default:
      throw unsupported(node, 'operator is not supported');
  }
}
