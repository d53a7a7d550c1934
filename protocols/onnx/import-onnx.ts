/**
 * @module protocols/onnx/import-onnx
 * `importOnnx(bytes)`: ONNX model bytes to a {@link ModelIR} (layers in evaluation order, with
 * tensor ids where the graph is not a chain: residual adds, concatenations, splits).
 *
 * The graph must have one data input [N, ...] (only N symbolic) and one output. The nodes on a
 * path to the output are visited in dependency order (node order in the file does not matter);
 * a node on no such path is refused ({@link NonSequentialModelError}, as before).
 *
 * - Constant subgraphs are folded at import: a node whose inputs are all constants is evaluated
 *   here (Constant, Shape, Gather, Unsqueeze, Squeeze, Concat, Reshape, Cast, Slice, Transpose,
 *   ConstantOfShape, Range, Add, Sub, Mul, Div, Neg, Sqrt, Equal, Where, Identity). Shape of a data tensor
 *   is a constant whose batch entry is NaN ("depends on N"), so torch's x.view(x.size(0), -1)
 *   folds to a Reshape whose batch entry is N.
 * - Gemm (data A, transA=0; constant B with any transB, alpha; constant C with any beta of shape
 *   scalar, [out] or [1, out]), MatMul of an [N, ..., in] tensor with a constant [in, out] (every
 *   row), and an Add of a constant right after them -> dense (bias folded in).
 * - Conv (2-D; strides, pads or auto_pad, dilations, group incl. depthwise) -> conv2d; a
 *   following BatchNormalization or Add of a per-channel constant folds into it.
 * - ConvTranspose (2-D, group 1; strides, pads, dilations, output_padding) -> a zero-inserting
 *   pad and a stride-1 conv2d with the flipped kernel.
 * - BatchNormalization elsewhere, and Add/Sub/Mul/Div with a constant tensor -> affine; with a
 *   constant scalar -> polynomial (public coefficient) or affine shift.
 * - Add/Sub/Mul between two data tensors of the same rank (numpy broadcasting) -> add/sub/mul.
 * - MaxPool/AveragePool (pads, strides, auto_pad, ceil_mode, count_include_pad), GlobalAveragePool,
 *   GlobalMaxPool -> maxpool/avgpool; ReduceMean/ReduceSum -> reduce-mean/reduce-sum.
 * - Relu, LeakyRelu, Clip (ReLU6), Sigmoid, Tanh, Exp, Softmax/LogSoftmax on any non-batch axis,
 *   ArgMax, Mul(x, x) and Pow(x, 2) -> square.
 * - Pad (constant mode), Concat, Split, Slice, Transpose, Reshape, Flatten(axis 1), Squeeze,
 *   Unsqueeze -> data-movement layers (none may move or cut the batch axis); Identity, Dropout,
 *   Cast to float -> nothing.
 * - ai.onnx.ml LinearRegressor and LinearClassifier (scores output) -> dense (+ sigmoid/softmax).
 * Anything else -> {@link UnsupportedOperatorError} naming the node, its op_type and the list of
 * supported operators.
 */
import type { Conv2dLayer, DenseLayer, Layer, ModelIR, Tensor } from '../model/model-ir.js';
import { layerOutputShapeOf, shapeSize } from '../model/layer-shape.js';
import { gatherIndex } from '../model/tensor-index.js';
import { NonSequentialModelError, OnnxParseError, UnsupportedOperatorError } from './errors.js';
import { decodeOnnxModel, tensorValues, type OnnxAttribute, type OnnxModel, type OnnxNode } from './onnx-decode.js';
import { foldBatchNorm } from './batchnorm-fold.js';

/** Operators the importer maps (domain ai.onnx unless marked ml). */
export const SUPPORTED_OPERATORS: readonly string[] = [
  'Add', 'ArgMax', 'AveragePool', 'BatchNormalization', 'Cast', 'Clip', 'Concat', 'Constant', 'ConstantOfShape', 'Conv', 'ConvTranspose',
  'Div', 'Dropout', 'Equal', 'Exp', 'Flatten', 'Gather', 'Gemm', 'GlobalAveragePool', 'GlobalMaxPool', 'Identity',
  'LeakyRelu', 'LogSoftmax', 'MatMul', 'MaxPool', 'Mul', 'Neg', 'Pad', 'Pow', 'Range', 'ReduceMean', 'ReduceSum', 'Relu',
  'Reshape', 'Shape', 'Sigmoid', 'Slice', 'Softmax', 'Split', 'Sqrt', 'Squeeze', 'Sub', 'Tanh', 'Transpose', 'Unsqueeze',
  'Where', 'ml:LinearClassifier', 'ml:LinearRegressor',
];

/** A constant: full ONNX dims (no batch convention); NaN entries mean "depends on the batch size". */
interface Constant {
  readonly kind: 'const';
  readonly dims: readonly number[];
  readonly values: Float64Array;
}

/** A data tensor: its IR id and shape without batch. */
interface DataTensor {
  readonly kind: 'tensor';
  readonly id: number;
  readonly shape: readonly number[];
}

type Value = Constant | DataTensor;

const INT_MAX = 2 ** 62;

/** Attribute accessors that reject a wrong attribute type with the node named. */
class Attrs {
  constructor(private readonly node: OnnxNode) {}
  has(name: string): boolean {
    return this.node.attributes.has(name);
  }
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
  floats(name: string): readonly number[] | undefined {
    return this.node.attributes.get(name)?.floats;
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

const cst = (dims: readonly number[], values: Float64Array | number[]): Constant => ({ kind: 'const', dims: [...dims], values: values instanceof Float64Array ? values : Float64Array.from(values) });
const tensor = (shape: readonly number[], data: Float64Array): Tensor => ({ shape: [...shape], data });

/** The graph's data input (the one input that is not an initializer) and its shape without batch. */
function dataInput(model: OnnxModel): { name: string; shape: number[] } {
  const inputs = model.inputs.filter((v) => !model.initializers.has(v.name));
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

/** Normalizes an ONNX axis of a rank-`rank` tensor (batch included) to a non-batch IR axis. */
function irAxis(node: OnnxNode, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw unsupported(node, `axis=${axis} is outside a rank-${rank} tensor`);
  if (a === 0) throw unsupported(node, `axis=${axis} is the batch axis, which a model may not reduce, move or cut`);
  return a - 1;
}

// ------------------------------------------------------------------ constant folding

function broadcastDims(node: OnnxNode, a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new OnnxParseError(`node '${node.name}' (${node.opType}): constant shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    out.push(Math.max(x, y));
  }
  return out;
}

/** Values of constant `c` broadcast to `dims`. */
function expandTo(c: Constant, dims: readonly number[]): Float64Array {
  if (c.values.length === shapeSize(dims) && c.dims.length === dims.length) return c.values;
  const from = [...new Array<number>(dims.length - c.dims.length).fill(1), ...c.dims];
  const strides = (s: readonly number[]): number[] => {
    const r = new Array<number>(s.length).fill(1);
    for (let i = s.length - 2; i >= 0; i--) r[i] = r[i + 1]! * s[i + 1]!;
    return r;
  };
  const sf = strides(from);
  const sd = strides(dims);
  return Float64Array.from({ length: shapeSize(dims) }, (_, j) => {
    let e = 0;
    let rem = j;
    for (let a = 0; a < dims.length; a++) {
      const ca = Math.floor(rem / sd[a]!);
      rem -= ca * sd[a]!;
      if (from[a] !== 1) e += ca * sf[a]!;
    }
    return c.values[e]!;
  });
}

function elementwise(node: OnnxNode, a: Constant, b: Constant, f: (x: number, y: number) => number): Constant {
  const dims = broadcastDims(node, a.dims, b.dims);
  const x = expandTo(a, dims);
  const y = expandTo(b, dims);
  return cst(dims, Float64Array.from(x, (v, i) => f(v, y[i]!)));
}

function intList(node: OnnxNode, c: Value | undefined, what: string): number[] {
  if (c === undefined) throw unsupported(node, `${what} must be given`);
  if (c.kind !== 'const') throw unsupported(node, `${what} must be a constant (it depends on the data)`);
  return Array.from(c.values);
}

/** Data movement on a constant with full dims (batch-free): reuse the IR's index maps. */
function moveConst(layer: Layer, c: Constant, outDims: readonly number[]): Constant {
  const idx = gatherIndex(layer, [c.dims], 1);
  return cst(outDims, Float64Array.from(idx, (i) => c.values[i] ?? 0));
}

function sliceParams(node: OnnxNode, dims: readonly number[], ins: (Value | undefined)[], opset: number, isData: boolean): { starts: number[]; ends: number[]; steps: number[] } {
  const at = new Attrs(node);
  const r = dims.length;
  const starts0 = opset >= 10 ? intList(node, ins[1], 'starts') : [...(at.ints('starts') ?? [])];
  const ends0 = opset >= 10 ? intList(node, ins[2], 'ends') : [...(at.ints('ends') ?? [])];
  const axes0 = opset >= 10 ? (ins[3] ? intList(node, ins[3], 'axes') : starts0.map((_, i) => i)) : [...(at.ints('axes') ?? starts0.map((_, i) => i))];
  const steps0 = opset >= 10 && ins[4] ? intList(node, ins[4], 'steps') : starts0.map(() => 1);
  const starts = dims.map(() => 0);
  const ends = [...dims];
  const steps = dims.map(() => 1);
  axes0.forEach((ax, k) => {
    const a = ax < 0 ? ax + r : ax;
    if (a < 0 || a >= r) throw unsupported(node, `axis ${ax} is outside a rank-${r} tensor`);
    const d = dims[a]!;
    const st = steps0[k]!;
    if (st === 0) throw unsupported(node, 'a step of 0');
    const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
    let s = starts0[k]!;
    let e = ends0[k]!;
    if (isData && a === 0) {
      if (!(s === 0 && e >= INT_MAX / 4 && st === 1)) throw unsupported(node, 'Slice on the batch axis is not supported');
      return;
    }
    s = s < 0 ? s + d : s;
    e = e < 0 ? e + d : e;
    if (st > 0) {
      s = clamp(s, 0, d);
      e = clamp(e, 0, d);
    } else {
      s = clamp(s, 0, d - 1);
      e = clamp(e, -1, d - 1);
    }
    starts[a] = s;
    ends[a] = e;
    steps[a] = st;
  });
  return { starts, ends, steps };
}

function sliceOutDims(starts: readonly number[], ends: readonly number[], steps: readonly number[]): number[] {
  return starts.map((s, i) => Math.max(0, steps[i]! > 0 ? Math.ceil((ends[i]! - s) / steps[i]!) : Math.ceil((s - ends[i]!) / -steps[i]!)));
}

function axesParam(node: OnnxNode, ins: (Value | undefined)[], opsetNeedsInput: boolean): number[] | undefined {
  if (opsetNeedsInput) return ins[1] === undefined ? undefined : intList(node, ins[1], 'axes');
  const a = new Attrs(node).ints('axes');
  return a === undefined ? undefined : [...a];
}

/** Evaluates a node whose inputs are all constants (or the Shape of a data tensor). */
function foldNode(node: OnnxNode, ins: (Value | undefined)[], opset: number): Constant[] {
  const at = new Attrs(node);
  const c = (i: number): Constant => {
    const v = ins[i];
    if (v === undefined || v.kind !== 'const') throw unsupported(node, `input ${i} must be a constant`);
    return v;
  };
  switch (node.opType) {
    case 'Shape': {
      const v = ins[0]!;
      const full = v.kind === 'tensor' ? [NaN, ...v.shape] : [...v.dims];
      const r = full.length;
      const norm = (x: number): number => Math.min(Math.max(x < 0 ? x + r : x, 0), r);
      const s = norm(at.int('start', 0));
      const e = norm(at.int('end', r));
      return [cst([Math.max(0, e - s)], full.slice(s, e))];
    }
    case 'Identity':
    case 'Cast':
    case 'Dropout':
      return [c(0)];
    case 'Gather': {
      const data = c(0);
      const idx = c(1);
      const r = data.dims.length;
      const axis = at.int('axis', 0) < 0 ? at.int('axis', 0) + r : at.int('axis', 0);
      const outer = shapeSize(data.dims.slice(0, axis));
      const inner = shapeSize(data.dims.slice(axis + 1));
      const d = data.dims[axis]!;
      const out: number[] = [];
      for (let o = 0; o < outer; o++) {
        for (const raw of idx.values) {
          const k = raw < 0 ? raw + d : raw;
          for (let i = 0; i < inner; i++) out.push(data.values[(o * d + k) * inner + i]!);
        }
      }
      return [cst([...data.dims.slice(0, axis), ...idx.dims, ...data.dims.slice(axis + 1)], out)];
    }
    case 'Unsqueeze': {
      const x = c(0);
      const axes = axesParam(node, ins, opset >= 13) ?? [];
      const r = x.dims.length + axes.length;
      const norm = axes.map((a) => (a < 0 ? a + r : a));
      const dims: number[] = [];
      let j = 0;
      for (let i = 0; i < r; i++) dims.push(norm.includes(i) ? 1 : x.dims[j++]!);
      return [cst(dims, x.values)];
    }
    case 'Squeeze': {
      const x = c(0);
      const axes = axesParam(node, ins, opset >= 13);
      const r = x.dims.length;
      const norm = axes?.map((a) => (a < 0 ? a + r : a));
      return [cst(x.dims.filter((d, i) => (norm === undefined ? d !== 1 : !norm.includes(i))), x.values)];
    }
    case 'Concat': {
      const parts = node.inputs.map((_, i) => c(i));
      const r = parts[0]!.dims.length;
      const axis = at.int('axis', 0) < 0 ? at.int('axis', 0) + r : at.int('axis', 0);
      const dims = [...parts[0]!.dims];
      dims[axis] = parts.reduce((s, p) => s + p.dims[axis]!, 0);
      const layer: Layer = { kind: 'concat', name: node.name, axis, inputs: parts.map((_, i) => i) };
      const idx = gatherIndex(layer, parts.map((p) => p.dims), 1);
      const src = new Float64Array(parts.reduce((s, p) => s + p.values.length, 0));
      let o = 0;
      for (const p of parts) {
        src.set(p.values, o);
        o += p.values.length;
      }
      return [cst(dims, Float64Array.from(idx, (i) => src[i]!))];
    }
    case 'Reshape': {
      const x = c(0);
      const target = intList(node, ins[1], 'shape');
      const dims = target.map((d, i) => (d === 0 && at.int('allowzero', 0) === 0 ? x.dims[i]! : d));
      const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
      return [cst(dims.map((d) => (d === -1 ? x.values.length / known : d)), x.values)];
    }
    case 'Transpose': {
      const x = c(0);
      const perm = [...(at.ints('perm') ?? x.dims.map((_, i) => x.dims.length - 1 - i))];
      return [moveConst({ kind: 'transpose', name: node.name, perm }, x, perm.map((p) => x.dims[p]!))];
    }
    case 'Slice': {
      const x = c(0);
      const p = sliceParams(node, x.dims, ins, opset, false);
      const dims = sliceOutDims(p.starts, p.ends, p.steps);
      if (dims.some((d) => d === 0)) return [cst(dims, [])];
      return [moveConst({ kind: 'slice', name: node.name, ...p }, x, dims)];
    }
    case 'ConstantOfShape': {
      const dims = intList(node, ins[0], 'shape');
      const t = node.attributes.get('value')?.t;
      const v = t === undefined ? 0 : tensorValues(t)[0]!;
      return [cst(dims, new Float64Array(shapeSize(dims)).fill(v))];
    }
    case 'Range': {
      const [s, l, d] = [c(0).values[0]!, c(1).values[0]!, c(2).values[0]!];
      const n = Math.max(Math.ceil((l - s) / d), 0);
      return [cst([n], Array.from({ length: n }, (_, i) => s + i * d))];
    }
    case 'Add': return [elementwise(node, c(0), c(1), (x, y) => x + y)];
    case 'Sub': return [elementwise(node, c(0), c(1), (x, y) => x - y)];
    case 'Mul': return [elementwise(node, c(0), c(1), (x, y) => x * y)];
    case 'Div': return [elementwise(node, c(0), c(1), (x, y) => x / y)];
    case 'Equal': return [elementwise(node, c(0), c(1), (x, y) => (x === y ? 1 : 0))];
    case 'Neg': return [cst(c(0).dims, c(0).values.map((v) => -v))];
    case 'Sqrt': return [cst(c(0).dims, c(0).values.map((v) => Math.sqrt(v)))];
    case 'Where': {
      const dims = broadcastDims(node, broadcastDims(node, c(0).dims, c(1).dims), c(2).dims);
      const [k, x, y] = [expandTo(c(0), dims), expandTo(c(1), dims), expandTo(c(2), dims)];
      return [cst(dims, Float64Array.from(k, (v, i) => (v !== 0 ? x[i]! : y[i]!)))];
    }
    default:
      throw unsupported(node, `operator is not supported on constants; supported operators: ${SUPPORTED_OPERATORS.join(', ')}`);
  }
}

// ------------------------------------------------------------------ the data graph

/** Mutable state of the import: the layers so far, the shapes of their outputs, consumer counts. */
class Builder {
  readonly layers: Layer[] = [];
  readonly shapes: number[][];
  constructor(inputShape: readonly number[]) {
    this.shapes = [[...inputShape]];
  }

  /** Appends `layer` reading `inputs` (tensor ids) and returns its output. */
  push(layer: Layer, inputs: readonly DataTensor[]): DataTensor {
    const k = this.layers.length;
    const ids = inputs.map((t) => t.id);
    const withInputs = ids.length === 1 && ids[0] === k ? layer : ({ ...layer, inputs: ids } as Layer);
    const shape = layerOutputShapeOf(withInputs, ids.map((i) => this.shapes[i]!));
    this.layers.push(withInputs);
    this.shapes.push(shape);
    return { kind: 'tensor', id: k + 1, shape };
  }

  /** The layer that produced tensor `t` (undefined for the model input). */
  producer(t: DataTensor): Layer | undefined {
    return t.id === 0 ? undefined : this.layers[t.id - 1];
  }

  replace(t: DataTensor, layer: Layer): DataTensor {
    const old = this.layers[t.id - 1]!;
    this.layers[t.id - 1] = old.inputs === undefined ? layer : ({ ...layer, inputs: old.inputs } as Layer);
    return t;
  }
}

interface Ctx {
  readonly b: Builder;
  readonly opset: number;
  /** How many nodes (and the graph output) read an ONNX tensor name. */
  readonly uses: ReadonlyMap<string, number>;
}

/** A dense/conv layer whose output only `node` reads: target for folding a bias or batch norm. */
function foldTarget(ctx: Ctx, node: OnnxNode, x: DataTensor): DenseLayer | Conv2dLayer | undefined {
  if ((ctx.uses.get(node.inputs[0]!) ?? 0) !== 1) return undefined;
  const p = ctx.b.producer(x);
  return p?.kind === 'dense' || p?.kind === 'conv2d' ? p : undefined;
}

/** A constant operand for a data tensor of shape `shape` (no batch): its values expanded to the shape, or undefined if it would expand the tensor or depend on N. */
function constOperand(node: OnnxNode, c: Constant, shape: readonly number[]): Float64Array {
  const full = [NaN, ...shape];
  if (c.dims.length > full.length) throw unsupported(node, `constant of rank ${c.dims.length} is larger than the data tensor's rank ${full.length}`);
  let dims = [...c.dims];
  if (dims.length === full.length) {
    if (dims[0] !== 1) throw unsupported(node, `constant of shape [${c.dims.join(', ')}] varies along the batch axis`);
    dims = dims.slice(1);
  }
  const out = broadcastDims(node, shape, dims);
  if (out.length !== shape.length || out.some((d, i) => d !== shape[i])) throw unsupported(node, `constant of shape [${c.dims.join(', ')}] would broadcast the data tensor [N, ${shape.join(', ')}]`);
  if (c.values.some((v) => !Number.isFinite(v))) throw unsupported(node, 'the constant must be finite');
  return expandTo(cst(dims, c.values), shape);
}

function dataOf(node: OnnxNode, v: Value | undefined, what: string): DataTensor {
  if (v === undefined || v.kind !== 'tensor') throw unsupported(node, `${what} must be the data tensor`);
  return v;
}

function constOf(node: OnnxNode, v: Value | undefined, what: string): Constant {
  if (v === undefined || v.kind !== 'const') throw unsupported(node, `${what} must be a constant`);
  return v;
}

function flat(ctx: Ctx, node: OnnxNode, x: DataTensor): DataTensor {
  return x.shape.length > 1 ? ctx.b.push({ kind: 'flatten', name: `${node.name}/flatten` }, [x]) : x;
}

/** A constant bias broadcast along [..., out]: scalar, [out], [1, out]. */
function biasVector(C: Constant, out: number, factor: number): Float64Array | undefined {
  const n = C.values.length;
  const okShape = n === 1 || (n === out && C.dims.filter((d) => d !== 1).length <= 1 && C.dims[C.dims.length - 1] === out);
  if (!okShape) return undefined;
  return Float64Array.from({ length: out }, (_, o) => factor * C.values[n === 1 ? 0 : o]!);
}

function mapGemm(ctx: Ctx, node: OnnxNode, ins: (Value | undefined)[]): DataTensor {
  const at = new Attrs(node);
  if (ins[0]?.kind !== 'tensor') throw unsupported(node, 'input A must be the data tensor [N, in] (a constant A would move the batch axis)');
  if (at.int('transA', 0) !== 0) throw unsupported(node, 'transA=1 is not supported (the data input must be [N, in]; its batch axis cannot move)');
  if (ins[1]?.kind !== 'const') throw new NonSequentialModelError(`node '${node.name}' (op_type Gemm): input B is a second data input; a dense layer needs a constant B`);
  const transB = at.int('transB', 0);
  const alpha = at.float('alpha', 1);
  const beta = at.float('beta', 1);
  const B = ins[1];
  if (B.dims.length !== 2) throw unsupported(node, 'input B must be a 2-D constant');
  const x = flat(ctx, node, ins[0]);
  const [r, c] = B.dims as [number, number];
  const [outF, inF] = transB ? [r, c] : [c, r];
  if (x.shape[0] !== inF) throw new OnnxParseError(`node '${node.name}' (Gemm): input has ${x.shape[0]} features, B expects ${inF}`);
  const w = new Float64Array(outF * inF);
  for (let o = 0; o < outF; o++) {
    for (let i = 0; i < inF; i++) w[o * inF + i] = alpha * (transB ? B.values[o * inF + i]! : B.values[i * outF + o]!);
  }
  let bias: Tensor | undefined;
  if (ins[2] !== undefined) {
    const C = constOf(node, ins[2], 'input C');
    const v = biasVector(C, outF, beta);
    if (v === undefined) throw unsupported(node, `C of shape [${C.dims.join(', ')}] does not broadcast to [N, ${outF}] without depending on N`);
    bias = tensor([outF], v);
  }
  return ctx.b.push({ kind: 'dense', name: node.name, weight: tensor([outF, inF], w), ...(bias ? { bias } : {}) }, [x]);
}

function mapMatMul(ctx: Ctx, node: OnnxNode, ins: (Value | undefined)[]): DataTensor {
  const [a, b] = ins;
  if (a?.kind === 'tensor' && b?.kind === 'tensor') throw unsupported(node, 'MatMul of two data tensors is not supported (one operand must be a constant weight)');
  if (a?.kind !== 'tensor') throw unsupported(node, 'a constant left operand would contract the batch axis (the data must be the left operand)');
  const B = constOf(node, b, 'the right operand');
  let dims = [...B.dims];
  while (dims.length > 2 && dims[0] === 1) dims = dims.slice(1);
  if (dims.length !== 2) throw unsupported(node, `only a 2-D constant right operand is supported, got [${B.dims.join(', ')}]`);
  const [inF, outF] = dims as [number, number];
  if (a.shape[a.shape.length - 1] !== inF) throw new OnnxParseError(`node '${node.name}' (MatMul): input has ${a.shape[a.shape.length - 1]} features, B expects ${inF}`);
  const w = new Float64Array(outF * inF);
  for (let o = 0; o < outF; o++) for (let i = 0; i < inF; i++) w[o * inF + i] = B.values[i * outF + o]!;
  return ctx.b.push({ kind: 'dense', name: node.name, weight: tensor([outF, inF], w) }, [a]);
}

/** Add/Sub/Mul/Div with at least one data operand. */
function mapArith(ctx: Ctx, node: OnnxNode, ins: (Value | undefined)[]): DataTensor {
  const op = node.opType;
  const [a, b] = ins as [Value, Value];
  if (a === undefined || b === undefined) throw unsupported(node, 'expected two inputs');
  if (a.kind === 'tensor' && b.kind === 'tensor') {
    if (op === 'Mul' && node.inputs[0] === node.inputs[1]) return ctx.b.push({ kind: 'square', name: node.name }, [a]);
    if (op === 'Div') throw unsupported(node, 'Div between two data tensors is not supported (a divisor must be a constant)');
    if (a.shape.length !== b.shape.length) throw unsupported(node, `operands of rank ${a.shape.length + 1} and ${b.shape.length + 1} (both must have the batch axis first)`);
    return ctx.b.push({ kind: op === 'Add' ? 'add' : op === 'Sub' ? 'sub' : 'mul', name: node.name, inputs: [a.id, b.id] }, [a, b]);
  }
  const x = a.kind === 'tensor' ? a : (b as DataTensor);
  const c = (a.kind === 'const' ? a : b) as Constant;
  const constFirst = a.kind === 'const';
  if (op === 'Div' && constFirst) throw unsupported(node, 'a constant divided by the data tensor is not supported');
  const n = shapeSize(x.shape);
  const vals = constOperand(node, c, x.shape);
  // Bias folding: dense output + [out] constant, conv output + [C, 1, 1] constant.
  if (op === 'Add' || (op === 'Sub' && !constFirst)) {
    const sign = op === 'Add' ? 1 : -1;
    const target = foldTarget(ctx, node, x);
    if (target?.kind === 'dense' && x.shape.length >= 1) {
      const outF = target.weight.shape[0]!;
      const v = biasVector(c.dims.length === x.shape.length + 1 ? cst(c.dims.slice(1), c.values) : c, outF, sign);
      if (v !== undefined) {
        return ctx.b.replace(x, { ...target, bias: tensor([outF], Float64Array.from(v, (val, o) => val + (target.bias?.data[o] ?? 0))) });
      }
    }
    if (target?.kind === 'conv2d') {
      const [oc, oh, ow] = x.shape as [number, number, number];
      const per = Float64Array.from({ length: oc }, (_, o) => vals[o * oh * ow]!);
      if (vals.every((v, i) => v === per[Math.floor(i / (oh * ow))])) {
        return ctx.b.replace(x, { ...target, bias: tensor([oc], Float64Array.from(per, (v, o) => sign * v + (target.bias?.data[o] ?? 0))) });
      }
    }
  }
  const scalar = c.values.length === 1 ? c.values[0]! : undefined;
  if (op === 'Mul' && scalar !== undefined) return ctx.b.push({ kind: 'polynomial', name: node.name, coeffs: [0, scalar] }, [x]);
  if (op === 'Div' && scalar !== undefined) return ctx.b.push({ kind: 'polynomial', name: node.name, coeffs: [0, 1 / scalar] }, [x]);
  const t = (v: Float64Array): Tensor => tensor(x.shape, v);
  switch (op) {
    case 'Add': return ctx.b.push({ kind: 'affine', name: node.name, shift: t(vals) }, [x]);
    case 'Sub': return constFirst
      ? ctx.b.push({ kind: 'affine', name: node.name, scale: t(new Float64Array(n).fill(-1)), shift: t(vals) }, [x])
      : ctx.b.push({ kind: 'affine', name: node.name, shift: t(vals.map((v) => -v)) }, [x]);
    case 'Mul': return ctx.b.push({ kind: 'affine', name: node.name, scale: t(vals) }, [x]);
    default: return ctx.b.push({ kind: 'affine', name: node.name, scale: t(vals.map((v) => 1 / v)) }, [x]);
  }
}

/** Explicit pads of a 2-D window op from pads or auto_pad. */
function windowPads(node: OnnxNode, inHW: readonly [number, number], kernel: readonly [number, number], strides: readonly [number, number], dil: readonly [number, number]): [number, number, number, number] {
  const at = new Attrs(node);
  const autoPad = at.str('auto_pad', 'NOTSET');
  const pads = at.ints('pads');
  if (autoPad === 'NOTSET') return pads && pads.length === 4 ? [pads[0]!, pads[1]!, pads[2]!, pads[3]!] : [0, 0, 0, 0];
  if (autoPad === 'VALID') return [0, 0, 0, 0];
  if (autoPad !== 'SAME_UPPER' && autoPad !== 'SAME_LOWER') throw unsupported(node, `auto_pad=${autoPad} is not supported`);
  const p: number[] = [0, 0, 0, 0];
  for (let i = 0; i < 2; i++) {
    const out = Math.ceil(inHW[i]! / strides[i]!);
    const total = Math.max(0, (out - 1) * strides[i]! + (kernel[i]! - 1) * dil[i]! + 1 - inHW[i]!);
    const small = Math.floor(total / 2);
    p[i] = autoPad === 'SAME_UPPER' ? small : total - small;
    p[i + 2] = total - p[i]!;
  }
  return p as [number, number, number, number];
}

function pair(v: readonly number[] | undefined, dflt: number): [number, number] {
  return v && v.length === 2 ? [v[0]!, v[1]!] : [dflt, dflt];
}

function mapConv(ctx: Ctx, node: OnnxNode, ins: (Value | undefined)[]): DataTensor {
  const at = new Attrs(node);
  const x = dataOf(node, ins[0], 'input X');
  const W = ins[1];
  if (W?.kind !== 'const' || W.dims.length !== 4) throw unsupported(node, 'only 2-D Conv with a constant weight [outC, inC/group, kh, kw] is supported');
  if (x.shape.length !== 3) throw unsupported(node, `only 2-D convolution on [N, C, H, W] is supported, input is [N, ${x.shape.join(', ')}]`);
  const group = at.int('group', 1);
  const dil = pair(at.ints('dilations'), 1);
  const strides = pair(at.ints('strides'), 1);
  const ks = at.ints('kernel_shape');
  if (ks !== undefined && ks.length > 0 && (ks[0] !== W.dims[2] || ks[1] !== W.dims[3])) {
    throw new OnnxParseError(`node '${node.name}' (Conv): kernel_shape [${ks.join(', ')}] disagrees with the weight`);
  }
  const pads = windowPads(node, [x.shape[1]!, x.shape[2]!], [W.dims[2]!, W.dims[3]!], strides, dil);
  let bias: Tensor | undefined;
  if (ins[2] !== undefined) {
    const B = ins[2];
    if (B.kind !== 'const' || B.values.length !== W.dims[0]) throw unsupported(node, 'bias must be a constant of length outC');
    bias = tensor([W.dims[0]!], B.values);
  }
  return ctx.b.push(
    {
      kind: 'conv2d',
      name: node.name,
      weight: tensor(W.dims, W.values),
      ...(bias ? { bias } : {}),
      strides,
      pads,
      ...(dil[0] !== 1 || dil[1] !== 1 ? { dilations: dil } : {}),
      ...(group !== 1 ? { group } : {}),
    },
    [x],
  );
}

/**
 * ConvTranspose as the equivalent convolution: the input with (stride - 1) zeros between its
 * elements and (k - 1) d - pad zeros around it (one pad layer with dilations), then a stride-1
 * conv with the kernel flipped and its channel axes swapped: y[i] = sum_u x[a] W[u] over
 * a s + u d - pad = i.
 */
function mapConvTranspose(ctx: Ctx, node: OnnxNode, ins: (Value | undefined)[]): DataTensor {
  const at = new Attrs(node);
  const x = dataOf(node, ins[0], 'input X');
  const W = ins[1];
  if (W?.kind !== 'const' || W.dims.length !== 4) throw unsupported(node, 'only 2-D ConvTranspose with a constant weight [inC, outC, kh, kw] is supported');
  if (x.shape.length !== 3) throw unsupported(node, `only 2-D on [N, C, H, W] is supported, input is [N, ${x.shape.join(', ')}]`);
  if (at.int('group', 1) !== 1) throw unsupported(node, `group=${at.int('group', 1)} is not supported (group 1 only)`);
  if (at.ints('output_shape') !== undefined) throw unsupported(node, 'output_shape is not supported (give pads and output_padding)');
  const autoPad = at.str('auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') throw unsupported(node, `auto_pad=${autoPad} is not supported (NOTSET or VALID)`);
  const [ic, oc, kh, kw] = W.dims as [number, number, number, number];
  if (ic !== x.shape[0]) throw new OnnxParseError(`node '${node.name}' (ConvTranspose): weight expects ${ic} input channels, input has ${x.shape[0]}`);
  const strides = pair(at.ints('strides'), 1);
  const dil = pair(at.ints('dilations'), 1);
  const p = autoPad === 'VALID' ? [0, 0, 0, 0] : [...(at.ints('pads') ?? [0, 0, 0, 0])];
  const op = pair(at.ints('output_padding'), 0);
  const begin = [(kh - 1) * dil[0] - p[0]!, (kw - 1) * dil[1] - p[1]!];
  const end = [(kh - 1) * dil[0] - p[2]! + op[0], (kw - 1) * dil[1] - p[3]! + op[1]];
  if ([...begin, ...end].some((v) => v < 0)) throw unsupported(node, 'pads larger than the dilated kernel extent (a crop) are not supported');
  const up = ctx.b.push({ kind: 'pad', name: `${node.name}/upsample`, pads: [0, begin[0]!, begin[1]!, 0, end[0]!, end[1]!], value: 0, dilations: [1, strides[0], strides[1]] }, [x]);
  const w = new Float64Array(oc * ic * kh * kw);
  for (let o = 0; o < oc; o++) {
    for (let c = 0; c < ic; c++) {
      for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) w[((o * ic + c) * kh + u) * kw + v] = W.values[((c * oc + o) * kh + (kh - 1 - u)) * kw + (kw - 1 - v)]!;
    }
  }
  let bias: Tensor | undefined;
  if (ins[2] !== undefined) {
    const B = ins[2];
    if (B.kind !== 'const' || B.values.length !== oc) throw unsupported(node, 'bias must be a constant of length outC');
    bias = tensor([oc], B.values);
  }
  return ctx.b.push({ kind: 'conv2d', name: node.name, weight: tensor([oc, ic, kh, kw], w), ...(bias ? { bias } : {}), strides: [1, 1], pads: [0, 0, 0, 0], ...(dil[0] !== 1 || dil[1] !== 1 ? { dilations: dil } : {}) }, [up]);
}

function mapPool(ctx: Ctx, node: OnnxNode, x: DataTensor): DataTensor {
  const at = new Attrs(node);
  if (x.shape.length !== 3) throw unsupported(node, `only 2-D pooling on [N, C, H, W] is supported, input is [N, ${x.shape.join(', ')}]`);
  const isAvg = node.opType === 'AveragePool' || node.opType === 'GlobalAveragePool';
  if (node.opType.startsWith('Global')) {
    return ctx.b.push({ kind: isAvg ? 'avgpool' : 'maxpool', name: node.name, kernel: [x.shape[1]!, x.shape[2]!], strides: [1, 1], pads: [0, 0, 0, 0] }, [x]);
  }
  const dil = at.ints('dilations');
  if (dil !== undefined && dil.some((d) => d !== 1)) throw unsupported(node, 'dilations other than 1 are not supported');
  if (node.outputs.length > 1 && node.outputs[1] !== '' && (ctx.uses.get(node.outputs[1]!) ?? 0) > 0) throw unsupported(node, 'the Indices output is not supported');
  const ks = at.ints('kernel_shape');
  if (ks === undefined || ks.length !== 2) throw unsupported(node, 'only 2-D pooling with kernel_shape [kh, kw] is supported');
  const strides = pair(at.ints('strides'), 1);
  const kernel: [number, number] = [ks[0]!, ks[1]!];
  const pads = windowPads(node, [x.shape[1]!, x.shape[2]!], kernel, strides, [1, 1]);
  const ceil = at.int('ceil_mode', 0) === 1;
  const include = at.int('count_include_pad', 0) === 1;
  return ctx.b.push(
    {
      kind: isAvg ? 'avgpool' : 'maxpool',
      name: node.name,
      kernel,
      strides,
      pads,
      ...(ceil ? { ceilMode: true } : {}),
      ...(isAvg && !include && (pads.some((p) => p !== 0) || ceil) ? { countIncludePad: false } : {}),
    },
    [x],
  );
}

function mapBatchNorm(ctx: Ctx, node: OnnxNode, ins: (Value | undefined)[]): DataTensor {
  const at = new Attrs(node);
  if (at.int('training_mode', 0) !== 0) throw unsupported(node, 'training_mode=1 is not supported');
  const x = dataOf(node, ins[0], 'input X');
  const channels = x.shape[0]!;
  const get = (idx: number, what: string): Float64Array => {
    const c = ins[idx];
    if (c?.kind !== 'const' || c.values.length !== channels) throw unsupported(node, `${what} must be a constant of length ${channels}`);
    return c.values;
  };
  const bn = { scale: get(1, 'scale'), bias: get(2, 'B'), mean: get(3, 'input_mean'), variance: get(4, 'input_var'), epsilon: at.float('epsilon', 1e-5) };
  const target = foldTarget(ctx, node, x);
  if (target !== undefined && target.weight.shape[0] === channels && (target.kind === 'conv2d' || x.shape.length === 1)) return ctx.b.replace(x, foldBatchNorm(target, bn));
  // Standalone: y = s x + (beta - s mean), s = gamma / sqrt(var + eps), per channel (axis 0 here).
  const per = shapeSize(x.shape) / channels;
  const scale = new Float64Array(shapeSize(x.shape));
  const shift = new Float64Array(scale.length);
  for (let ch = 0; ch < channels; ch++) {
    const s = bn.scale[ch]! / Math.sqrt(bn.variance[ch]! + bn.epsilon);
    scale.fill(s, ch * per, (ch + 1) * per);
    shift.fill(bn.bias[ch]! - s * bn.mean[ch]!, ch * per, (ch + 1) * per);
  }
  return ctx.b.push({ kind: 'affine', name: node.name, scale: tensor(x.shape, scale), shift: tensor(x.shape, shift) }, [x]);
}

/** A new shape for x (non-batch dims); a no-op when equal, flatten when flat. */
function reshapeTo(ctx: Ctx, node: OnnxNode, x: DataTensor, shape: readonly number[]): DataTensor {
  if (shape.length === x.shape.length && shape.every((d, i) => d === x.shape[i])) return x;
  if (shape.length === 1 && shape[0] === shapeSize(x.shape)) return ctx.b.push({ kind: 'flatten', name: node.name }, [x]);
  return ctx.b.push({ kind: 'reshape', name: node.name, shape: [...shape] }, [x]);
}

function mapReshape(ctx: Ctx, node: OnnxNode, x: DataTensor, s: Value | undefined): DataTensor {
  const target = intList(node, s, 'the target shape');
  const size = shapeSize(x.shape);
  const allowZero = ctx.opset >= 14 && new Attrs(node).int('allowzero', 0) === 1;
  const fail = (): UnsupportedOperatorError => unsupported(node, `Reshape to [${target.map((d) => (Number.isNaN(d) ? 'N' : d)).join(', ')}] is not supported (the batch axis must stay first and whole; only to [N, ...])`);
  if (target.length < 1) throw fail();
  const first = target[0]!;
  const rest = target.slice(1).map((d, i) => (d === 0 && !allowZero ? (x.shape[i] ?? NaN) : d));
  if (rest.some((d) => Number.isNaN(d) || (d < 0 && d !== -1))) throw fail();
  const minus = rest.filter((d) => d === -1).length;
  const known = rest.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const batchFirst = Number.isNaN(first) || (first === 0 && !allowZero);
  if (batchFirst) {
    if (minus > 1 || (minus === 0 && known !== size) || (minus === 1 && size % known !== 0)) throw fail();
  } else if (first === -1) {
    if (minus > 0 || known !== size) throw fail();
  } else throw fail();
  return reshapeTo(ctx, node, x, rest.map((d) => (d === -1 ? size / known : d)));
}

function softmaxAxis(ctx: Ctx, node: OnnxNode, x: DataTensor): number {
  const rank = x.shape.length + 1;
  const axis = new Attrs(node).int('axis', ctx.opset >= 13 ? -1 : 1);
  const norm = axis < 0 ? axis + rank : axis;
  // Before opset 13 Softmax flattened from `axis` on: the same as one axis only when it is the last.
  if (ctx.opset < 13 && norm !== rank - 1) throw unsupported(node, `axis=${axis} before opset 13 (coerced to 2-D) is only supported on the last axis`);
  return irAxis(node, norm, rank);
}

function mapSoftmax(ctx: Ctx, node: OnnxNode, x: DataTensor): DataTensor {
  const axis = softmaxAxis(ctx, node, x);
  if (node.opType === 'LogSoftmax') return ctx.b.push({ kind: 'logsoftmax', name: node.name, axis }, [x]);
  if (axis === x.shape.length - 1) return ctx.b.push({ kind: 'softmax', name: node.name }, [x]);
  return ctx.b.push({ kind: 'softmax-axis', name: node.name, axis }, [x]);
}

function mapClip(ctx: Ctx, node: OnnxNode, x: DataTensor, ins: (Value | undefined)[]): DataTensor {
  const at = new Attrs(node);
  const bound = (i: number, attr: string): number | undefined => {
    if (ctx.opset < 11) return at.has(attr) ? at.float(attr, 0) : undefined;
    const v = ins[i];
    if (v === undefined) return undefined;
    if (v.kind !== 'const' || v.values.length !== 1) throw unsupported(node, `${attr} must be a constant scalar`);
    return v.values[0]!;
  };
  const min = bound(1, 'min');
  const max = bound(2, 'max');
  if (min !== undefined && max !== undefined && !(min <= max)) throw unsupported(node, `min ${min} > max ${max}`);
  return ctx.b.push({ kind: 'clip', name: node.name, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) }, [x]);
}

function mapPad(ctx: Ctx, node: OnnxNode, x: DataTensor, ins: (Value | undefined)[]): DataTensor {
  const at = new Attrs(node);
  const mode = at.str('mode', 'constant');
  if (mode !== 'constant') throw unsupported(node, `mode=${mode} is not supported (constant only)`);
  const rank = x.shape.length + 1;
  let pads = ctx.opset >= 11 ? intList(node, ins[1], 'pads') : [...(at.ints('pads') ?? [])];
  let value = ctx.opset >= 11 ? (ins[2] === undefined ? 0 : constOf(node, ins[2], 'constant_value').values[0] ?? 0) : at.float('value', 0);
  if (ctx.opset >= 18 && ins[3] !== undefined) {
    const axes = intList(node, ins[3], 'axes').map((a) => (a < 0 ? a + rank : a));
    const full = new Array<number>(2 * rank).fill(0);
    axes.forEach((a, i) => {
      full[a] = pads[i]!;
      full[a + rank] = pads[i + axes.length]!;
    });
    pads = full;
  }
  if (pads.length !== 2 * rank) throw unsupported(node, `expected ${2 * rank} pads, got ${pads.length}`);
  if (pads[0] !== 0 || pads[rank] !== 0) throw unsupported(node, 'padding the batch axis is not supported');
  if (pads.some((p) => p < 0)) throw unsupported(node, 'negative pads (cropping) are not supported');
  if (!Number.isFinite(value)) value = 0;
  const irPads = [...pads.slice(1, rank), ...pads.slice(rank + 1)];
  if (irPads.every((p) => p === 0)) return x;
  return ctx.b.push({ kind: 'pad', name: node.name, pads: irPads, value }, [x]);
}

function mapReduce(ctx: Ctx, node: OnnxNode, x: DataTensor, ins: (Value | undefined)[]): DataTensor {
  const at = new Attrs(node);
  const rank = x.shape.length + 1;
  const axesFromInput = node.opType === 'ReduceSum' ? ctx.opset >= 13 : ctx.opset >= 18;
  let axes = axesFromInput ? (ins[1] === undefined ? undefined : intList(node, ins[1], 'axes')) : (at.ints('axes') ? [...at.ints('axes')!] : undefined);
  if (axes === undefined || axes.length === 0) {
    if (at.int('noop_with_empty_axes', 0) === 1) return x;
    axes = Array.from({ length: rank }, (_, i) => i);
  }
  const ir = [...new Set(axes.map((a) => irAxis(node, a, rank)))].sort((p, q) => p - q);
  return ctx.b.push({ kind: node.opType === 'ReduceSum' ? 'reduce-sum' : 'reduce-mean', name: node.name, axes: ir, keepdims: at.int('keepdims', 1) === 1 }, [x]);
}

function mapSqueeze(ctx: Ctx, node: OnnxNode, x: DataTensor, ins: (Value | undefined)[]): DataTensor {
  const rank = x.shape.length + 1;
  const axes = axesParam(node, ins, ctx.opset >= 13);
  if (node.opType === 'Unsqueeze') {
    if (axes === undefined) throw unsupported(node, 'axes must be given');
    const r = rank + axes.length;
    const norm = axes.map((a) => (a < 0 ? a + r : a));
    if (norm.includes(0)) throw unsupported(node, 'a new axis before the batch axis is not supported');
    const full: number[] = [];
    let j = 0;
    const src = [NaN, ...x.shape];
    for (let i = 0; i < r; i++) full.push(norm.includes(i) ? 1 : src[j++]!);
    return reshapeTo(ctx, node, x, full.slice(1));
  }
  const norm = axes?.map((a) => irAxis(node, a, rank));
  const shape = x.shape.filter((d, i) => (norm === undefined ? d !== 1 : !norm.includes(i)));
  if (norm?.some((a) => x.shape[a] !== 1)) throw unsupported(node, 'squeezed axes must have size 1');
  return reshapeTo(ctx, node, x, shape);
}

function mapSplit(ctx: Ctx, node: OnnxNode, x: DataTensor, ins: (Value | undefined)[]): DataTensor[] {
  const at = new Attrs(node);
  const rank = x.shape.length + 1;
  const axis = irAxis(node, at.int('axis', 0), rank);
  const d = x.shape[axis]!;
  const n = node.outputs.length;
  let sizes = ctx.opset >= 13 ? (ins[1] === undefined ? undefined : intList(node, ins[1], 'split')) : (at.ints('split') ? [...at.ints('split')!] : undefined);
  if (sizes === undefined) {
    const part = Math.ceil(d / n);
    sizes = Array.from({ length: n }, (_, i) => Math.min(part, d - i * part));
  }
  if (sizes.length !== n || sizes.reduce((a, b) => a + b, 0) !== d || sizes.some((s) => s < 1)) throw unsupported(node, `split sizes [${sizes.join(', ')}] do not cover axis size ${d} in ${n} parts`);
  const outs: DataTensor[] = [];
  let start = 0;
  sizes.forEach((s, i) => {
    const starts = x.shape.map(() => 0);
    const ends = [...x.shape];
    starts[axis] = start;
    ends[axis] = start + s;
    outs.push(ctx.b.push({ kind: 'slice', name: `${node.name}/${i}`, starts, ends, steps: x.shape.map(() => 1) }, [x]));
    start += s;
  });
  return outs;
}

function mapConcat(ctx: Ctx, node: OnnxNode, ins: (Value | undefined)[]): DataTensor {
  const parts = ins.filter((v): v is Value => v !== undefined);
  if (parts.some((p) => p.kind !== 'tensor')) throw unsupported(node, 'Concat of a data tensor with a constant is not supported (a constant has no batch axis)');
  const ts = parts as DataTensor[];
  const rank = ts[0]!.shape.length + 1;
  const axis = irAxis(node, new Attrs(node).int('axis', 0), rank);
  if (ts.length === 1) return ts[0]!;
  return ctx.b.push({ kind: 'concat', name: node.name, axis, inputs: ts.map((t) => t.id) }, ts);
}

function mapSlice(ctx: Ctx, node: OnnxNode, x: DataTensor, ins: (Value | undefined)[]): DataTensor {
  const p = sliceParams(node, [NaN, ...x.shape], ins, ctx.opset, true);
  const starts = p.starts.slice(1);
  const ends = p.ends.slice(1);
  const steps = p.steps.slice(1);
  const dims = sliceOutDims(starts, ends, steps);
  if (dims.some((d) => d < 1)) throw unsupported(node, 'the slice is empty');
  if (dims.every((d, i) => d === x.shape[i] && steps[i] === 1)) return x;
  return ctx.b.push({ kind: 'slice', name: node.name, starts, ends: starts.map((s, i) => s + (dims[i]! - 1) * steps[i]! + Math.sign(steps[i]!)), steps }, [x]);
}

function mapLinearMl(ctx: Ctx, node: OnnxNode, x: DataTensor): DataTensor {
  const at = new Attrs(node);
  const coef = at.floats('coefficients');
  if (coef === undefined) throw unsupported(node, 'coefficients must be given');
  const inter = at.floats('intercepts') ?? [];
  const xf = flat(ctx, node, x);
  const inF = xf.shape[0]!;
  const outF = coef.length / inF;
  if (!Number.isInteger(outF) || outF < 1) throw new OnnxParseError(`node '${node.name}' (${node.opType}): ${coef.length} coefficients do not fit ${inF} features`);
  if (node.opType === 'LinearRegressor' && at.int('targets', 1) !== outF) throw new OnnxParseError(`node '${node.name}' (LinearRegressor): targets=${at.int('targets', 1)} but coefficients give ${outF}`);
  const post = at.str('post_transform', 'NONE');
  if (node.opType === 'LinearClassifier') {
    if ((ctx.uses.get(node.outputs[0]!) ?? 0) > 0) throw unsupported(node, 'only the scores output (Z) may be used; the label output is not supported');
    if (outF === 1 || at.int('multi_class', 0) !== 0) throw unsupported(node, 'binary (single-coefficient-row) and multi_class classifiers are not supported');
  }
  if (inter.length !== 0 && inter.length !== outF) throw new OnnxParseError(`node '${node.name}' (${node.opType}): ${inter.length} intercepts for ${outF} outputs`);
  const y = ctx.b.push({ kind: 'dense', name: node.name, weight: tensor([outF, inF], Float64Array.from(coef)), ...(inter.length ? { bias: tensor([outF], Float64Array.from(inter)) } : {}) }, [xf]);
  if (post === 'NONE') return y;
  if (post === 'LOGISTIC') return ctx.b.push({ kind: 'sigmoid', name: `${node.name}/logistic` }, [y]);
  if (post === 'SOFTMAX') return ctx.b.push({ kind: 'softmax', name: `${node.name}/softmax` }, [y]);
  throw unsupported(node, `post_transform=${post} is not supported (NONE, LOGISTIC, SOFTMAX)`);
}

/** Maps a node with at least one data input; returns one value per output. */
function mapNode(ctx: Ctx, node: OnnxNode, ins: (Value | undefined)[]): Value[] {
  const x = (): DataTensor => dataOf(node, ins[0], 'the first input');
  const push = (layer: Layer): Value[] => [ctx.b.push(layer, [x()])];
  if (node.domain === 'ai.onnx.ml') {
    if (node.opType === 'LinearRegressor') return [mapLinearMl(ctx, node, x())];
    if (node.opType === 'LinearClassifier') {
      const z = mapLinearMl(ctx, node, x());
      return [z, z];
    }
    throw unsupported(node, `operator is not supported; supported operators: ${SUPPORTED_OPERATORS.join(', ')}`);
  }
  switch (node.opType) {
    case 'Gemm': return [mapGemm(ctx, node, ins)];
    case 'MatMul': return [mapMatMul(ctx, node, ins)];
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div': return [mapArith(ctx, node, ins)];
    case 'Conv': return [mapConv(ctx, node, ins)];
    case 'ConvTranspose': return [mapConvTranspose(ctx, node, ins)];
    case 'BatchNormalization': return [mapBatchNorm(ctx, node, ins)];
    case 'Relu': return push({ kind: 'relu', name: node.name });
    case 'LeakyRelu': return push({ kind: 'leakyrelu', name: node.name, alpha: new Attrs(node).float('alpha', 0.01) });
    case 'Sigmoid': return push({ kind: 'sigmoid', name: node.name });
    case 'Tanh': return push({ kind: 'tanh', name: node.name });
    case 'Exp': return push({ kind: 'exp', name: node.name });
    case 'Clip': return [mapClip(ctx, node, x(), ins)];
    case 'Softmax':
    case 'LogSoftmax': return [mapSoftmax(ctx, node, x())];
    case 'ArgMax': {
      const at = new Attrs(node);
      if (at.int('select_last_index', 0) !== 0) throw unsupported(node, 'select_last_index=1 is not supported');
      return push({ kind: 'argmax', name: node.name, axis: irAxis(node, at.int('axis', 0), x().shape.length + 1), keepdims: at.int('keepdims', 1) === 1 });
    }
    case 'MaxPool':
    case 'AveragePool':
    case 'GlobalAveragePool':
    case 'GlobalMaxPool': return [mapPool(ctx, node, x())];
    case 'ReduceMean':
    case 'ReduceSum': return [mapReduce(ctx, node, x(), ins)];
    case 'Flatten': {
      const axis = new Attrs(node).int('axis', 1);
      const rank = x().shape.length + 1;
      if ((axis < 0 ? axis + rank : axis) !== 1) throw unsupported(node, `axis=${axis} is not supported (1 only: the batch axis stays whole)`);
      return [flat(ctx, node, x())];
    }
    case 'Reshape': return [mapReshape(ctx, node, x(), ins[1])];
    case 'Squeeze':
    case 'Unsqueeze': return [mapSqueeze(ctx, node, x(), ins)];
    case 'Transpose': {
      const t = x();
      const rank = t.shape.length + 1;
      const perm = new Attrs(node).ints('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
      if (perm[0] !== 0) throw unsupported(node, `perm=[${perm.join(', ')}] moves the batch axis`);
      const irPerm = perm.slice(1).map((p) => p - 1);
      if (irPerm.every((p, i) => p === i)) return [t];
      return push({ kind: 'transpose', name: node.name, perm: irPerm });
    }
    case 'Slice': return [mapSlice(ctx, node, x(), ins)];
    case 'Split': return mapSplit(ctx, node, x(), ins);
    case 'Concat': return [mapConcat(ctx, node, ins)];
    case 'Pad': return [mapPad(ctx, node, x(), ins)];
    // Dropout's mask output, when a later node reads it, is refused by the caller (no value for output 1).
    case 'Identity':
    case 'Dropout': return [x()];
    case 'Cast': {
      const to = new Attrs(node).int('to', 1);
      if (to !== 1 && to !== 11 && to !== 10) throw unsupported(node, `Cast of the data tensor to type ${to} is not supported (float only)`);
      return [x()];
    }
    case 'Pow': {
      const e = ins[1];
      if (e?.kind !== 'const' || e.values.length !== 1) throw unsupported(node, 'the exponent must be a constant scalar');
      if (e.values[0] !== 2) throw unsupported(node, `exponent ${e.values[0]} is not supported (2 only)`);
      return push({ kind: 'square', name: node.name });
    }
    default:
      throw unsupported(node, `operator is not supported; supported operators: ${SUPPORTED_OPERATORS.join(', ')}`);
  }
}

/**
 * Imports an ONNX model as a {@link ModelIR} (float64 weights, batch-norm folded where it follows
 * a conv or dense layer, constant subgraphs evaluated).
 * @throws OnnxParseError on malformed bytes or inconsistent tensors.
 * @throws UnsupportedOperatorError naming the node, op_type and supported operators for an operator/attribute outside the mapping.
 * @throws NonSequentialModelError when the graph has several data inputs or outputs, or nodes off every path to the output.
 */
export function importOnnx(bytes: Uint8Array): ModelIR {
  const model = decodeOnnxModel(bytes);
  const input = dataInput(model);
  for (const n of model.nodes) {
    if (n.domain !== '' && n.domain !== 'ai.onnx' && n.domain !== 'ai.onnx.ml') throw unsupported(n, `operator domain '${n.domain}' is not supported`);
  }
  if (model.outputs.length !== 1) throw new NonSequentialModelError(`graph: expected exactly one output, got ${model.outputs.length}`);
  const outputName = model.outputs[0]!.name;

  const producers = new Map<string, OnnxNode>();
  for (const n of model.nodes) for (const o of n.outputs) if (o !== '') producers.set(o, n);
  // The nodes on a path to the output.
  const needed = new Set<OnnxNode>();
  const stack = [outputName];
  while (stack.length > 0) {
    const t = stack.pop()!;
    const n = producers.get(t);
    if (n === undefined || needed.has(n)) continue;
    needed.add(n);
    for (const i of n.inputs) if (i !== '') stack.push(i);
  }
  if (!producers.has(outputName) && outputName !== input.name) {
    throw new NonSequentialModelError(`graph output '${outputName}': produced by no node`);
  }
  const stray = model.nodes.find((n) => !needed.has(n));
  if (stray !== undefined) throw new NonSequentialModelError(`node '${stray.name}' (op_type ${stray.opType}): not on a path from '${input.name}' to the output '${outputName}'`);

  const uses = new Map<string, number>([[outputName, 1]]);
  for (const n of model.nodes) for (const i of new Set(n.inputs)) if (i !== '') uses.set(i, (uses.get(i) ?? 0) + 1);

  const values = new Map<string, Value>();
  for (const [name, t] of model.initializers) values.set(name, cst(t.dims, tensorValues(t)));
  values.set(input.name, { kind: 'tensor', id: 0, shape: input.shape });
  const ctx: Ctx = { b: new Builder(input.shape), opset: model.opset, uses };

  // Dependency order: repeatedly take the nodes whose inputs are all known.
  let pending = model.nodes.slice();
  while (pending.length > 0) {
    const ready = pending.filter((n) => n.inputs.every((i) => i === '' || values.has(i)));
    if (ready.length === 0) {
      const n = pending[0]!;
      const missing = n.inputs.find((i) => i !== '' && !values.has(i) && !producers.has(i));
      throw new NonSequentialModelError(
        missing !== undefined ? `node '${n.name}' (op_type ${n.opType}): reads '${missing}', which no node produces and no initializer holds` : `node '${n.name}' (op_type ${n.opType}): the graph has a cycle`,
      );
    }
    for (const node of ready) {
      const ins = node.inputs.map((i) => (i === '' ? undefined : values.get(i)));
      let outs: Value[];
      if (node.opType === 'Constant') {
        const t = node.attributes.get('value')?.t;
        const a = new Attrs(node);
        if (t !== undefined) outs = [cst(t.dims, tensorValues(t))];
        else if (a.has('value_float')) outs = [cst([], [a.float('value_float', 0)])];
        else if (a.has('value_int')) outs = [cst([], [a.int('value_int', 0)])];
        else if (a.ints('value_ints')) outs = [cst([a.ints('value_ints')!.length], [...a.ints('value_ints')!])];
        else if (a.floats('value_floats')) outs = [cst([a.floats('value_floats')!.length], [...a.floats('value_floats')!])];
        else throw unsupported(node, 'only Constant with a tensor, float(s) or int(s) value is supported');
      } else if (node.opType === 'Shape' || ins.every((v) => v === undefined || v.kind === 'const')) {
        outs = foldNode(node, ins, model.opset);
      } else {
        outs = mapNode(ctx, node, ins);
      }
      node.outputs.forEach((o, k) => {
        if (o === '') return;
        const v = outs[k];
        if (v === undefined) {
          if ((uses.get(o) ?? 0) > 0) throw unsupported(node, `output ${k} ('${o}') is not supported`);
          return;
        }
        values.set(o, v);
      });
    }
    pending = pending.filter((n) => !ready.includes(n));
  }
  const out = values.get(outputName);
  if (out === undefined || out.kind !== 'tensor' || out.id === 0) throw new NonSequentialModelError(`graph output '${outputName}': does not depend on the data input through any layer`);
  if (out.id !== ctx.b.layers.length) throw new NonSequentialModelError(`graph output '${outputName}': is not the last layer computed`);
  return { inputShape: input.shape, outputShape: ctx.b.shapes[out.id]!, layers: ctx.b.layers };
}
