/**
 * @module protocols/nn/shared-model
 * A {@link ModelIR} whose weights are secret-shared: the architecture (layer kinds, shapes,
 * strides, pooling windows, polynomial coefficients) is public, the weights and biases are
 * fixed-point encoded and split into three replicated shares, one view per party. The model
 * owner calls {@link shareModel} once at publish time and sends view i to party i.
 *
 * Weights are stored in the layout the secure layers multiply with: a dense weight as W^T
 * [in, out] (so a batch X [B, in] times it is X W^T), a conv weight as [outC, inC*kh*kw]
 * (the im2col matrix product). Biases are [out] shares at the same fractional bits. A grouped
 * (depthwise) or dilated conv weight is shared in its expanded form: block-diagonal over the
 * groups and with zeros between the dilated taps, so the secure conv is one ordinary matrix
 * product (one round for all groups; the zeros are secret like every weight, and only the
 * architecture, which is public anyway, says where they are). An affine layer's scale and shift
 * (batch norm not after a conv, constant Mul/Add) are shared tensors of the input's shape.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { Prg } from '../../crypto-core/prg.js';
import { DEFAULT_FRACTION_BITS, encodeFixed } from '../../crypto-core/ring/index.js';
import type { Conv2dLayer, Layer, ModelIR } from '../model/model-ir.js';
import { dilatedExtent, modelShapes } from '../model/layer-shape.js';
import { shareSecret, type ReplicatedShare } from '../rss/replicated-share.js';

/** A dense layer with shared W^T [in, out] and optional shared bias [out]. */
export interface SharedDenseLayer {
  readonly kind: 'dense';
  readonly name: string;
  readonly inputs?: readonly number[];
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weightT: ReplicatedShare;
  readonly bias?: ReplicatedShare;
}

/** A conv2d layer with shared weight [outC, inC*kh*kw] and optional shared bias [outC]. */
export interface SharedConv2dLayer {
  readonly kind: 'conv2d';
  readonly name: string;
  readonly inputs?: readonly number[];
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly pads: readonly [number, number, number, number];
  readonly weight: ReplicatedShare;
  readonly bias?: ReplicatedShare;
}

/** An affine layer with shared scale and shift (each the input's size per sample). */
export interface SharedAffineLayer {
  readonly kind: 'affine';
  readonly name: string;
  readonly inputs?: readonly number[];
  readonly scale?: ReplicatedShare;
  readonly shift?: ReplicatedShare;
}

/** One layer of a shared model: layers without weights are public as they are. */
export type SharedLayer = SharedDenseLayer | SharedConv2dLayer | SharedAffineLayer | Exclude<Layer, { kind: 'dense' | 'conv2d' | 'affine' }>;

/**
 * A conv weight [outC, inC / group, kh, kw] with dilations as the equivalent dense weight
 * [outC, inC, kh', kw'] (kh' = (kh - 1) dh + 1): zero outside each output channel's group and
 * between the dilated taps.
 */
export function expandConvWeight(layer: Conv2dLayer): { data: Float64Array; shape: [number, number, number, number] } {
  const [oc, icg, kh, kw] = layer.weight.shape as [number, number, number, number];
  const g = layer.group ?? 1;
  const [dh, dw] = layer.dilations ?? [1, 1];
  if (g === 1 && dh === 1 && dw === 1) return { data: layer.weight.data, shape: [oc, icg, kh, kw] };
  const ic = icg * g;
  const [eh, ew] = [dilatedExtent(kh, dh), dilatedExtent(kw, dw)];
  const out = new Float64Array(oc * ic * eh * ew);
  const ocg = oc / g;
  for (let o = 0; o < oc; o++) {
    const c0 = Math.floor(o / ocg) * icg;
    for (let ci = 0; ci < icg; ci++) {
      for (let u = 0; u < kh; u++) {
        for (let v = 0; v < kw; v++) out[((o * ic + c0 + ci) * eh + u * dh) * ew + v * dw] = layer.weight.data[((o * icg + ci) * kh + u) * kw + v]!;
      }
    }
  }
  return { data: out, shape: [oc, ic, eh, ew] };
}

/** One party's view of a shared model. */
export interface SharedModel {
  /** Fractional bits of the weight encoding; the evaluating context must use the same. */
  readonly fractionBits: number;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly layers: readonly SharedLayer[];
}

function share3(values: Float64Array, f: number, rng: Prg, shape: readonly number[]): [ReplicatedShare, ReplicatedShare, ReplicatedShare] {
  return shareSecret(encodeFixed(values, f), rng, shape);
}

/**
 * Splits the weights of `ir` into three party views (fixed point with `fractionBits`).
 * @param rng randomness of the split (default: OS-seeded); pass a seeded `Prg` for reproducible tests.
 * @throws InvalidArgumentError when the model's shapes are inconsistent (naming the layer).
 * @throws FixedPointRangeError when a weight does not fit the fixed-point range.
 */
export function shareModel(
  ir: ModelIR,
  rng: Prg = Prg.random(),
  fractionBits: number = DEFAULT_FRACTION_BITS,
): [SharedModel, SharedModel, SharedModel] {
  if (ir === null || typeof ir !== 'object' || !Array.isArray(ir.layers)) throw new InvalidArgumentError('ir: expected a ModelIR');
  const shapes = modelShapes(ir); // validates every layer against its input shape
  const views: SharedLayer[][] = [[], [], []];
  for (const layer of ir.layers) {
    switch (layer.kind) {
      case 'dense': {
        const [out, inp] = layer.weight.shape as [number, number];
        const wt = new Float64Array(inp * out);
        for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) wt[i * out + o] = layer.weight.data[o * inp + i]!;
        const w = share3(wt, fractionBits, rng, [inp, out]);
        const b = layer.bias ? share3(layer.bias.data, fractionBits, rng, [out]) : undefined;
        for (let p = 0; p < 3; p++) {
          views[p]!.push({ kind: 'dense', name: layer.name, ...(layer.inputs ? { inputs: layer.inputs } : {}), inFeatures: inp, outFeatures: out, weightT: w[p]!, ...(b ? { bias: b[p]! } : {}) });
        }
        break;
      }
      case 'conv2d': {
        const { data, shape } = expandConvWeight(layer);
        const [oc, ic, kh, kw] = shape;
        const w = share3(data, fractionBits, rng, [oc, ic * kh * kw]);
        const b = layer.bias ? share3(layer.bias.data, fractionBits, rng, [oc]) : undefined;
        for (let p = 0; p < 3; p++) {
          views[p]!.push({
            kind: 'conv2d',
            name: layer.name,
            ...(layer.inputs ? { inputs: layer.inputs } : {}),
            inChannels: ic,
            outChannels: oc,
            kernel: [kh, kw],
            strides: layer.strides,
            pads: layer.pads,
            weight: w[p]!,
            ...(b ? { bias: b[p]! } : {}),
          });
        }
        break;
      }
      case 'affine': {
        const sc = layer.scale ? share3(layer.scale.data, fractionBits, rng, [layer.scale.data.length]) : undefined;
        const sh = layer.shift ? share3(layer.shift.data, fractionBits, rng, [layer.shift.data.length]) : undefined;
        for (let p = 0; p < 3; p++) {
          views[p]!.push({ kind: 'affine', name: layer.name, ...(layer.inputs ? { inputs: layer.inputs } : {}), ...(sc ? { scale: sc[p]! } : {}), ...(sh ? { shift: sh[p]! } : {}) });
        }
        break;
      }
      default:
        for (let p = 0; p < 3; p++) views[p]!.push(layer);
    }
  }
  const outputShape = shapes[shapes.length - 1]!;
  const view = (layers: SharedLayer[]): SharedModel => ({ fractionBits, inputShape: [...ir.inputShape], outputShape, layers });
  return [view(views[0]!), view(views[1]!), view(views[2]!)];
}
