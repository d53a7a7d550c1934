/**
 * @module protocols/model/layer-shape
 * Output shape of each ModelIR layer (batch dimension excluded), shared by the ONNX importer,
 * the plaintext reference and the secure evaluator so that all three agree on layouts.
 *
 * Semantics fixed here: conv2d and pooling are NCHW with zero padding (conv weights
 * [outC, inC / group, kh, kw], dilations spread the kernel); pooling windows follow ONNX
 * (ceil_mode lets a last window start in the bottom/right padding, never past it); average
 * pooling divides by the window positions inside the padded input (count_include_pad=1) or
 * inside the input (count_include_pad=0); max pooling ignores padded positions; softmax runs
 * over the last axis unless an axis is named; flatten and reshape keep row-major order;
 * binary layers broadcast as numpy does.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { layerInputs, type Layer, type ModelIR, type PoolLayer } from './model-ir.js';

/** Number of elements of a shape. */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Spatial output size of a sliding window: floor((n + padA + padB - k) / s) + 1. */
export function windowOut(n: number, k: number, s: number, padA: number, padB: number): number {
  return Math.floor((n + padA + padB - k) / s) + 1;
}

/**
 * The pads of a pooling layer with ceil_mode folded in: the bottom/right pad grows so that the
 * floor formula yields the ceil-mode output size (ONNX: a window must start inside the input or
 * the top/left pad). Without ceil_mode the layer's own pads.
 */
export function poolPads(layer: PoolLayer, h: number, w: number): [number, number, number, number] {
  const [pt, pl, pb, pr] = layer.pads;
  if (layer.ceilMode !== true) return [pt, pl, pb, pr];
  const extra = (n: number, k: number, s: number, a: number, b: number): number => {
    let out = Math.ceil((n + a + b - k) / s) + 1;
    if ((out - 1) * s >= n + a) out--;
    return Math.max(0, (out - 1) * s + k - (n + a + b));
  };
  return [pt, pl, pb + extra(h, layer.kernel[0], layer.strides[0], pt, pb), pr + extra(w, layer.kernel[1], layer.strides[1], pl, pr)];
}

/**
 * The divisor of every average-pooling output of one image plane [oh * ow]: the window positions
 * inside the padded input (count_include_pad) or inside the input, never the ceil-mode extension.
 */
export function poolDivisors(l: PoolLayer, h: number, w: number): Float64Array {
  const [kh, kw] = l.kernel;
  const [sh, sw] = l.strides;
  const [pt, pl, pb, pr] = l.pads;
  const p = poolPads(l, h, w);
  const oh = Math.floor((h + p[0] + p[2] - kh) / sh) + 1;
  const ow = Math.floor((w + p[1] + p[3] - kw) / sw) + 1;
  const include = l.countIncludePad !== false;
  const [lo0, hi0, lo1, hi1] = include ? [-pt, h + pb, -pl, w + pr] : [0, h, 0, w];
  const d = new Float64Array(oh * ow);
  for (let i = 0; i < oh; i++) {
    const r0 = i * sh - pt;
    const rows = Math.min(r0 + kh, hi0) - Math.max(r0, lo0);
    for (let j = 0; j < ow; j++) {
      const q0 = j * sw - pl;
      d[i * ow + j] = rows * (Math.min(q0 + kw, hi1) - Math.max(q0, lo1));
    }
  }
  return d;
}

/** Effective kernel extent of a dilated kernel: (k - 1) d + 1. */
export function dilatedExtent(k: number, d: number): number {
  return (k - 1) * d + 1;
}

function need3(layer: Layer, shape: readonly number[]): readonly [number, number, number] {
  if (shape.length !== 3) {
    throw new InvalidArgumentError(`layer '${layer.name}' (${layer.kind}): expected input shape [C, H, W], got [${shape.join(', ')}]`);
  }
  return [shape[0]!, shape[1]!, shape[2]!];
}

function bad(layer: Layer, msg: string): InvalidArgumentError {
  return new InvalidArgumentError(`layer '${layer.name}' (${layer.kind}): ${msg}`);
}

function checkAxis(layer: Layer, axis: number, rank: number): void {
  if (!Number.isInteger(axis) || axis < 0 || axis >= rank) throw bad(layer, `axis ${axis} is outside 0..${rank - 1}`);
}

/** numpy broadcast of two shapes. @throws InvalidArgumentError naming the layer when they do not broadcast. */
export function broadcastShapes(layer: Layer, a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw bad(layer, `shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    out.push(Math.max(x, y));
  }
  return out;
}

/**
 * The output shape of `layer` for inputs of shapes `shapes` (no batch), one per tensor it reads.
 * @throws InvalidArgumentError when an input shape does not fit the layer (naming the layer).
 */
export function layerOutputShapeOf(layer: Layer, shapes: readonly (readonly number[])[]): number[] {
  const shape = shapes[0]!;
  switch (layer.kind) {
    case 'dense': {
      const [out, inp] = layer.weight.shape as [number, number];
      if (shape.length < 1 || shape[shape.length - 1] !== inp) throw bad(layer, `expected input shape [..., ${inp}], got [${shape.join(', ')}]`);
      return [...shape.slice(0, -1), out];
    }
    case 'conv2d': {
      const [c, h, w] = need3(layer, shape);
      const [oc, icg, kh, kw] = layer.weight.shape as [number, number, number, number];
      const g = layer.group ?? 1;
      const [dh, dw] = layer.dilations ?? [1, 1];
      if (!Number.isInteger(g) || g < 1 || c % g !== 0 || oc % g !== 0) throw bad(layer, `group ${g} does not divide ${c} input and ${oc} output channels`);
      if (icg * g !== c) throw bad(layer, `weight expects ${icg * g} input channels, input has ${c}`);
      const oh = windowOut(h, dilatedExtent(kh, dh), layer.strides[0], layer.pads[0], layer.pads[2]);
      const ow = windowOut(w, dilatedExtent(kw, dw), layer.strides[1], layer.pads[1], layer.pads[3]);
      if (oh < 1 || ow < 1) throw bad(layer, 'kernel larger than padded input');
      return [oc, oh, ow];
    }
    case 'maxpool':
    case 'avgpool': {
      const [c, h, w] = need3(layer, shape);
      const p = poolPads(layer, h, w);
      const oh = windowOut(h, layer.kernel[0], layer.strides[0], p[0], p[2]);
      const ow = windowOut(w, layer.kernel[1], layer.strides[1], p[1], p[3]);
      if (oh < 1 || ow < 1) throw bad(layer, 'kernel larger than padded input');
      return [c, oh, ow];
    }
    case 'flatten':
      return [shapeSize(shape)];
    case 'reshape':
      if (shapeSize(layer.shape) !== shapeSize(shape)) throw bad(layer, `cannot reshape [${shape.join(', ')}] to [${layer.shape.join(', ')}]`);
      return [...layer.shape];
    case 'transpose': {
      const sorted = [...layer.perm].sort((a, b) => a - b);
      if (layer.perm.length !== shape.length || sorted.some((v, i) => v !== i)) throw bad(layer, `perm [${layer.perm.join(', ')}] is not a permutation of ${shape.length} axes`);
      return layer.perm.map((p) => shape[p]!);
    }
    case 'slice': {
      if (layer.starts.length !== shape.length || layer.ends.length !== shape.length || layer.steps.length !== shape.length) throw bad(layer, 'starts/ends/steps must name every axis');
      return shape.map((d, i) => {
        const [s, e, st] = [layer.starts[i]!, layer.ends[i]!, layer.steps[i]!];
        if (!Number.isInteger(st) || st === 0) throw bad(layer, `step ${st} on axis ${i}`);
        const n = st > 0 ? Math.ceil((e - s) / st) : Math.ceil((s - e) / -st);
        if (s < 0 || s >= d || n < 1 || s + (n - 1) * st < 0 || s + (n - 1) * st >= d) throw bad(layer, `slice ${s}:${e}:${st} of axis ${i} (size ${d}) is empty or out of range`);
        return n;
      });
    }
    case 'pad': {
      const r = shape.length;
      if (layer.pads.length !== 2 * r || layer.pads.some((p) => !Number.isInteger(p) || p < 0)) throw bad(layer, `expected ${2 * r} non-negative pads, got [${layer.pads.join(', ')}]`);
      const dil = layer.dilations ?? shape.map(() => 1);
      if (dil.length !== r || dil.some((d) => !Number.isInteger(d) || d < 1)) throw bad(layer, `expected ${r} positive dilations, got [${dil.join(', ')}]`);
      return shape.map((d, i) => (d - 1) * dil[i]! + 1 + layer.pads[i]! + layer.pads[i + r]!);
    }
    case 'concat': {
      checkAxis(layer, layer.axis, shape.length);
      const out = [...shape];
      out[layer.axis] = 0;
      for (const s of shapes) {
        if (s.length !== shape.length || s.some((d, i) => i !== layer.axis && d !== shape[i])) throw bad(layer, `inputs [${shapes.map((x) => `[${x.join(', ')}]`).join(', ')}] differ off axis ${layer.axis}`);
        out[layer.axis]! += s[layer.axis]!;
      }
      return out;
    }
    case 'add':
    case 'sub':
    case 'mul':
      if (shapes.length !== 2) throw bad(layer, `expected 2 inputs, got ${shapes.length}`);
      return broadcastShapes(layer, shapes[0]!, shapes[1]!);
    case 'reduce-sum':
    case 'reduce-mean':
      for (const a of layer.axes) checkAxis(layer, a, shape.length);
      return layer.keepdims ? shape.map((d, i) => (layer.axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !layer.axes.includes(i));
    case 'argmax':
      checkAxis(layer, layer.axis, shape.length);
      return layer.keepdims ? shape.map((d, i) => (i === layer.axis ? 1 : d)) : shape.filter((_, i) => i !== layer.axis);
    case 'softmax-axis':
    case 'logsoftmax':
      checkAxis(layer, layer.axis, shape.length);
      return [...shape];
    case 'affine':
      for (const t of [layer.scale, layer.shift]) {
        if (t !== undefined && shapeSize(t.shape) !== shapeSize(shape)) throw bad(layer, `constant of shape [${t.shape.join(', ')}] does not match the input [${shape.join(', ')}]`);
      }
      return [...shape];
    default:
      return [...shape];
  }
}

/** {@link layerOutputShapeOf} for a layer reading one tensor of shape `shape`. */
export function layerOutputShape(layer: Layer, shape: readonly number[]): number[] {
  return layerOutputShapeOf(layer, [shape]);
}

/**
 * Shapes of every tensor: `[input, out(layer0), out(layer1), ...]` (index = tensor id).
 * @throws InvalidArgumentError when a layer reads a tensor that is not computed before it.
 */
export function modelShapes(ir: ModelIR): number[][] {
  const shapes: number[][] = [[...ir.inputShape]];
  ir.layers.forEach((layer, k) => {
    const ids = layerInputs(layer, k);
    if (ids.length === 0 || ids.some((i) => !Number.isInteger(i) || i < 0 || i > k)) {
      throw new InvalidArgumentError(`layer '${layer.name}' (${layer.kind}): inputs [${ids.join(', ')}] must be tensor ids 0..${k}`);
    }
    shapes.push(layerOutputShapeOf(layer, ids.map((i) => shapes[i]!)));
  });
  return shapes;
}
