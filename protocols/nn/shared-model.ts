/**
 * @module protocols/nn/shared-model
 * A {@link ModelIR} whose weights are secret-shared: the architecture (layer kinds, shapes,
 * strides, pooling windows, polynomial coefficients) is public, the weights and biases are
 * fixed-point encoded and split into three replicated shares, one view per party. The model
 * owner calls {@link shareModel} once at publish time and sends view i to party i.
 *
 * Weights are stored in the layout the secure layers multiply with: a dense weight as W^T
 * [in, out] (so a batch X [B, in] times it is X W^T), a conv weight as [outC, inC*kh*kw]
 * (the im2col matrix product). Biases are [out] shares at the same fractional bits.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { Prg } from '../../crypto-core/prg.js';
import { DEFAULT_FRACTION_BITS, encodeFixed } from '../../crypto-core/ring/index.js';
import type { ModelIR, PoolLayer, SimpleLayer, PolynomialLayer } from '../model/model-ir.js';
import { modelShapes } from '../model/layer-shape.js';
import { shareSecret, type ReplicatedShare } from '../rss/replicated-share.js';

/** A dense layer with shared W^T [in, out] and optional shared bias [out]. */
export interface SharedDenseLayer {
  readonly kind: 'dense';
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weightT: ReplicatedShare;
  readonly bias?: ReplicatedShare;
}

/** A conv2d layer with shared weight [outC, inC*kh*kw] and optional shared bias [outC]. */
export interface SharedConv2dLayer {
  readonly kind: 'conv2d';
  readonly name: string;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly pads: readonly [number, number, number, number];
  readonly weight: ReplicatedShare;
  readonly bias?: ReplicatedShare;
}

/** One layer of a shared model: parameterless layers are public as they are. */
export type SharedLayer = SharedDenseLayer | SharedConv2dLayer | PoolLayer | SimpleLayer | PolynomialLayer;

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
          views[p]!.push({ kind: 'dense', name: layer.name, inFeatures: inp, outFeatures: out, weightT: w[p]!, ...(b ? { bias: b[p]! } : {}) });
        }
        break;
      }
      case 'conv2d': {
        const [oc, ic, kh, kw] = layer.weight.shape as [number, number, number, number];
        const w = share3(layer.weight.data, fractionBits, rng, [oc, ic * kh * kw]);
        const b = layer.bias ? share3(layer.bias.data, fractionBits, rng, [oc]) : undefined;
        for (let p = 0; p < 3; p++) {
          views[p]!.push({
            kind: 'conv2d',
            name: layer.name,
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
      default:
        for (let p = 0; p < 3; p++) views[p]!.push(layer);
    }
  }
  const outputShape = shapes[shapes.length - 1]!;
  const view = (layers: SharedLayer[]): SharedModel => ({ fractionBits, inputShape: [...ir.inputShape], outputShape, layers });
  return [view(views[0]!), view(views[1]!), view(views[2]!)];
}
