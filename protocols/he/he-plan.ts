/**
 * @module protocols/he/he-plan
 * Planning a CKKS evaluation of a {@link ModelIR}: checks the layers (dense, flatten, square,
 * polynomial; a final sigmoid or softmax is left to the client), picks the parameters from the
 * multiplicative depth, chooses each dense layer's slot layout by rotation count (see
 * dense-packing.ts), precomputes every plaintext vector, and lists the rotation steps, so the
 * client generates Galois keys for exactly those steps and nothing else.
 *
 * A plan is plain structured-clonable data and goes to worker threads as is. It holds the model's
 * weights: clients get only its public part (public-plan.ts).
 */
import type { CkksParams } from '../../crypto-core/he/ckks-params.js';
import { ckksDepth, ckksParamsForDepth, describeCkksParams, validateCkksParams } from '../../crypto-core/he/ckks-params.js';
import { isSequential, type DenseLayer, type Layer, type ModelIR } from '../model/model-ir.js';
import { modelShapes } from '../model/layer-shape.js';
import type { BsgsDiagonals } from './dense-packing.js';
import { biasVector, bsgsSplit, clientPackedDiagonals, nextPow2, replicatedDiagonals, rowBlockMask, sumStrides } from './dense-packing.js';
import { HeUnsupportedModelError } from './errors.js';

/** How the client places the input vector into the slots. */
export type HeInputLayout =
  /** v[t] = x[D floor(t / M) + t mod D] (zero beyond the input): the generalized-diagonal layout. */
  | { readonly kind: 'diagonal-groups'; readonly rowPeriod: number; readonly diagonals: number }
  /** v[t] = x[t mod period] (zero-padded to the period). */
  | { readonly kind: 'replicated'; readonly period: number };

/** Output k is in slot k * stride. */
export interface HeOutputLayout {
  readonly length: number;
  readonly stride: number;
}

/** A dense layer by (pre-rotated) diagonals with baby-step/giant-step rotations. */
export interface HeDiagonalDenseStep {
  readonly kind: 'dense-diagonal';
  readonly name: string;
  /** SEAL chain index of the ciphertext entering this step. */
  readonly inputChainIndex: number;
  readonly baby: number;
  readonly giant: number;
  /** Index j * baby + c; null where the diagonal is all zero. */
  readonly diagonals: readonly (Float64Array | null)[];
  /** Rotate-and-sum strides applied after the rescale. */
  readonly sumStrides: readonly number[];
  readonly bias: Float64Array | null;
}

/** The last dense layer as one masked product and a rotate-and-sum within blocks. */
export interface HeRowBlockDenseStep {
  readonly kind: 'dense-rowblock';
  readonly name: string;
  readonly inputChainIndex: number;
  readonly mask: Float64Array;
  readonly sumStrides: readonly number[];
  readonly bias: Float64Array | null;
}

/** x -> x^2 (one ciphertext product, relinearize, rescale). */
export interface HeSquareStep {
  readonly kind: 'square';
  readonly name: string;
  readonly inputChainIndex: number;
}

/** x -> sum_k coeffs[k] x^k. */
export interface HePolynomialStep {
  readonly kind: 'polynomial';
  readonly name: string;
  readonly inputChainIndex: number;
  readonly coeffs: readonly number[];
  readonly depth: number;
}

/**
 * The result times a 0/1 vector that keeps the output slots only (one plain product, one
 * rescale): the other slots hold partial sums and products of the weights, which the client
 * would otherwise decrypt along with its outputs.
 */
export interface HeOutputMaskStep {
  readonly kind: 'output-mask';
  readonly name: string;
  readonly inputChainIndex: number;
  readonly mask: Float64Array;
}

/** One step of the evaluation. */
export type HeStep = HeDiagonalDenseStep | HeRowBlockDenseStep | HeSquareStep | HePolynomialStep | HeOutputMaskStep;

/** A checked, precomputed CKKS evaluation of one model. */
export interface HePlan {
  readonly version: 1;
  readonly params: CkksParams;
  readonly slotCount: number;
  /**
   * Queries per ciphertext (a power of two, 1 when absent). Query q of a batch sits in slots
   * t * batch + q: the plan's layouts (input, output, steps) are those of a plan for
   * slotCount / batch slots, every rotation is `batch` times longer and every plaintext vector
   * has each entry repeated `batch` times, so each query is evaluated exactly as alone.
   */
  readonly batch?: number;
  /** Length of the flattened input vector. */
  readonly inputSize: number;
  readonly inputLayout: HeInputLayout;
  readonly steps: readonly HeStep[];
  readonly output: HeOutputLayout;
  /** Applied by the client after decryption (never by the server). */
  readonly postprocess: 'none' | 'sigmoid' | 'softmax';
  /** Rotation steps the evaluation uses: exactly the Galois keys the client must upload. */
  readonly galoisSteps: readonly number[];
  /** Levels consumed (the output mask's included). */
  readonly depth: number;
  /** Whether the result holds the outputs only (an `output-mask` step ends the plan). */
  readonly outputMasked: boolean;
  readonly cost: { readonly rotations: number; readonly plainMultiplies: number; readonly cipherMultiplies: number };
  /**
   * Results must stay below this magnitude: the last level is q0, and the bits of q0 above the
   * scale are all the room the result has. Larger outputs wrap around silently.
   */
  readonly maxOutputMagnitude: number;
}

/** Options of {@link planHeModel}. */
export interface PlanOptions {
  /** Fixed parameters; by default the smallest set that has the model's depth. */
  readonly params?: CkksParams;
  /**
   * Zero every slot but the outputs before the result leaves the worker (one plain product and
   * one level). By default the mask is applied when the parameters the layers need have a level
   * to spare (it is then free: the result is switched down to the last level anyway); `true`
   * takes larger parameters when there is none; `false` never masks.
   */
  readonly maskOutput?: boolean;
  /**
   * Queries per ciphertext (a power of two, default 1): the plan is made for slotCount / batch
   * slots and interleaved (see {@link HePlan.batch}). {@link largestHeBatch} finds the largest
   * that fits.
   */
  readonly batch?: number;
}

/** Each entry of v repeated q times: the interleaved form of a per-query slot vector. */
export function interleave(v: Float64Array, q: number): Float64Array {
  if (q === 1) return v;
  const out = new Float64Array(v.length * q);
  for (let t = 0; t < v.length; t++) out.fill(v[t]!, t * q, (t + 1) * q);
  return out;
}

/** The steps of a plan made for slots / q slots, as they act on q interleaved queries. */
function interleaveSteps(steps: readonly HeStep[], q: number): HeStep[] {
  if (q === 1) return [...steps];
  const b = (v: Float64Array | null): Float64Array | null => (v === null ? null : interleave(v, q));
  return steps.map((st): HeStep => {
    switch (st.kind) {
      case 'dense-diagonal': return { ...st, diagonals: st.diagonals.map(b), sumStrides: st.sumStrides.map((k) => k * q), bias: b(st.bias) };
      case 'dense-rowblock': return { ...st, mask: interleave(st.mask, q), sumStrides: st.sumStrides.map((k) => k * q), bias: b(st.bias) };
      case 'output-mask': return { ...st, mask: interleave(st.mask, q) };
      default: return st;
    }
  });
}

/**
 * The largest batch (queries per ciphertext, a power of two) for which `ir` can be planned with
 * `options` (and the parameters they imply): floor(slots / input size) rounded down to a power of
 * two at most, less where a layer's layout needs more room. 1 when only batch 1 fits.
 * @throws HeUnsupportedModelError when not even batch 1 can be planned.
 */
export function largestHeBatch(ir: ModelIR, options: Omit<PlanOptions, 'batch'> = {}): number {
  const one = planHeModel(ir, options);
  for (let q = one.slotCount; q > 1; q /= 2) {
    try {
      planHeModel(ir, { ...options, params: one.params, batch: q });
      return q;
    } catch (e) {
      if (!(e instanceof HeUnsupportedModelError)) throw e;
    }
  }
  return 1;
}

/** Depth of computing x^k by repeated squaring and products of powers of two. */
export function powerDepth(k: number): number {
  if (k <= 1) return 0;
  const a = 2 ** Math.floor(Math.log2(k));
  if (a === k) return powerDepth(k / 2) + 1;
  return Math.max(powerDepth(a), powerDepth(k - a)) + 1;
}

function trimmedCoeffs(layer: Layer & { kind: 'polynomial' }): number[] {
  const cs = [...layer.coeffs];
  if (cs.length === 0 || cs.some((c) => typeof c !== 'number' || !Number.isFinite(c))) {
    throw new HeUnsupportedModelError(`layer '${layer.name}': polynomial coeffs must be finite numbers, got [${cs.join(', ')}]`);
  }
  while (cs.length > 1 && cs[cs.length - 1] === 0) cs.pop();
  if (cs.length < 2) throw new HeUnsupportedModelError(`layer '${layer.name}': polynomial is constant; it does not depend on its input`);
  return cs;
}

function isPlainSquare(cs: readonly number[]): boolean {
  return cs.length === 3 && cs[0] === 0 && cs[1] === 0 && cs[2] === 1;
}

function polyDepth(cs: readonly number[]): number {
  let d = 0;
  for (let k = 1; k < cs.length; k++) if (cs[k] !== 0) d = Math.max(d, powerDepth(k) + 1);
  return d;
}

function layerDepth(layer: Layer): number {
  switch (layer.kind) {
    case 'dense':
    case 'square':
      return 1;
    case 'flatten':
      return 0;
    case 'polynomial': {
      const cs = trimmedCoeffs(layer);
      return isPlainSquare(cs) ? 1 : polyDepth(cs);
    }
    default:
      return 0;
  }
}

function checkDense(layer: DenseLayer, inputLength: number, slots: number): { m: number; n: number } {
  const shape = layer.weight?.shape;
  if (!shape || shape.length !== 2) throw new HeUnsupportedModelError(`layer '${layer.name}': dense weight must have shape [out, in], got [${shape?.join(', ')}]`);
  const [m, n] = shape as [number, number];
  if (n !== inputLength) throw new HeUnsupportedModelError(`layer '${layer.name}': weight expects ${n} inputs but the previous layer gives ${inputLength}`);
  if (layer.weight.data.length !== m * n) throw new HeUnsupportedModelError(`layer '${layer.name}': weight data has ${layer.weight.data.length} values, shape says ${m * n}`);
  if (!layer.weight.data.every(Number.isFinite)) throw new HeUnsupportedModelError(`layer '${layer.name}': weight contains NaN or infinite values`);
  if (layer.bias && (layer.bias.data.length !== m || !layer.bias.data.every(Number.isFinite))) {
    throw new HeUnsupportedModelError(`layer '${layer.name}': bias must hold ${m} finite values`);
  }
  if (m > slots || n > slots) throw new HeUnsupportedModelError(`layer '${layer.name}': ${m}x${n} exceeds the ${slots} slots of one ciphertext`);
  return { m, n };
}

type Layout = { kind: 'client' } | { kind: 'replicated'; period: number } | { kind: 'strided'; stride: number };

interface Choice {
  rotations: number;
  multiplies: number;
  build: () => { step: HeStep; layout: Layout; input?: HeInputLayout };
}

function better(a: Choice | undefined, b: Choice): Choice {
  if (!a) return b;
  if (b.rotations !== a.rotations) return b.rotations < a.rotations ? b : a;
  return b.multiplies < a.multiplies ? b : a;
}

function diagonalStep(layer: DenseLayer, chain: number, diags: BsgsDiagonals, strides: number[], bias: Float64Array | null): HeDiagonalDenseStep {
  if (diags.vectors.every((v) => v === null)) throw new HeUnsupportedModelError(`layer '${layer.name}': all weights are zero`);
  return { kind: 'dense-diagonal', name: layer.name, inputChainIndex: chain, baby: diags.baby, giant: diags.giant, diagonals: diags.vectors, sumStrides: strides, bias };
}

function planDense(layer: DenseLayer, m: number, n: number, layout: Layout, isLast: boolean, slots: number, chain: number): Choice {
  let best: Choice | undefined;
  const log2 = Math.log2;
  if (layout.kind === 'client') {
    for (let rp = nextPow2(m); rp <= slots; rp *= 2) {
      const groups = slots / rp;
      const d = nextPow2(Math.ceil(n / groups));
      if (d > rp) continue;
      best = better(best, {
        rotations: bsgsSplit(d).rotations + log2(groups),
        multiplies: d,
        build: () => ({
          step: diagonalStep(layer, chain, clientPackedDiagonals(layer, slots, rp, d), sumStrides(rp, groups), biasVector(layer, slots, { period: rp, stride: 1 })),
          layout: { kind: 'replicated', period: rp },
          input: { kind: 'diagonal-groups', rowPeriod: rp, diagonals: d },
        }),
      });
    }
  }
  const period = layout.kind === 'replicated' ? layout.period : nextPow2(n);
  if (layout.kind === 'replicated') {
    for (let rp = nextPow2(m); rp <= slots; rp *= 2) {
      const d = Math.min(rp, period);
      const blocks = rp < period ? period / rp : 1;
      best = better(best, {
        rotations: bsgsSplit(d).rotations + log2(blocks),
        multiplies: d,
        build: () => ({
          step: diagonalStep(layer, chain, replicatedDiagonals(layer, slots, period, rp), sumStrides(rp, blocks), biasVector(layer, slots, { period: rp, stride: 1 })),
          layout: { kind: 'replicated', period: rp },
        }),
      });
    }
  }
  if (isLast && layout.kind !== 'strided' && m * period <= slots) {
    best = better(best, {
      rotations: log2(period),
      multiplies: 1,
      build: () => ({
        step: {
          kind: 'dense-rowblock',
          name: layer.name,
          inputChainIndex: chain,
          mask: rowBlockMask(layer, slots, period),
          sumStrides: sumStrides(1, period).reverse(),
          bias: biasVector(layer, slots, { period, stride: period }),
        },
        layout: { kind: 'strided', stride: period },
        input: layout.kind === 'client' ? { kind: 'replicated', period } : undefined,
      }),
    });
  }
  if (!best) throw new HeUnsupportedModelError(`layer '${layer.name}': no slot layout fits ${m}x${n} into ${slots} slots`);
  return best;
}

/**
 * Checks `ir` and computes everything the evaluation needs. Throws
 * {@link HeUnsupportedModelError} naming the first layer that cannot be evaluated.
 */
export function planHeModel(ir: ModelIR, options: PlanOptions = {}): HePlan {
  if (typeof ir !== 'object' || ir === null || !Array.isArray(ir.layers)) throw new HeUnsupportedModelError(`ir: expected a ModelIR with a layers array`);
  if (!isSequential(ir)) {
    const at = ir.layers.find((l, k) => l.inputs !== undefined && !(l.inputs.length === 1 && l.inputs[0] === k))!;
    throw new HeUnsupportedModelError(`layer '${at.name}': reads tensors [${at.inputs!.join(', ')}]; the CKKS evaluator takes sequential models only (no residual adds, concatenations or splits)`);
  }
  // (An inconsistent model is reported below, layer by layer, in the planner's own words.)
  let shapes: number[][] | undefined;
  try {
    shapes = modelShapes(ir);
  } catch {
    shapes = undefined;
  }
  const deep = shapes === undefined ? -1 : ir.layers.findIndex((l, k) => l.kind === 'dense' && shapes![k]!.length !== 1);
  if (deep >= 0 && shapes !== undefined) throw new HeUnsupportedModelError(`layer '${ir.layers[deep]!.name}': a dense layer over the last axis of [${shapes[deep]!.join(', ')}] is not supported by the CKKS evaluator (flat inputs only)`);
  let layers = [...ir.layers];
  let postprocess: HePlan['postprocess'] = 'none';
  const last = layers[layers.length - 1];
  if (last && (last.kind === 'sigmoid' || last.kind === 'softmax')) {
    // Monotone output functions are the client's job: it decrypts the logits and applies them.
    postprocess = last.kind;
    layers = layers.slice(0, -1);
  }
  for (const layer of layers) {
    switch (layer.kind) {
      case 'dense':
      case 'flatten':
      case 'square':
      case 'polynomial':
        break;
      case 'sigmoid':
      case 'softmax':
        throw new HeUnsupportedModelError(`layer '${layer.name}': ${layer.kind} is only supported as the last layer (the client applies it after decrypting)`);
      case 'relu':
        throw new HeUnsupportedModelError(`layer '${layer.name}': relu is not a polynomial; train with 'square' or a 'polynomial' activation for CKKS`);
      default:
        throw new HeUnsupportedModelError(`layer '${layer.name}': layer kind '${layer.kind}' is not supported by the CKKS evaluator (dense, flatten, square, polynomial only)`);
    }
  }
  const layersDepth = layers.reduce((a, l) => a + layerDepth(l), 0);
  if (layersDepth === 0) throw new HeUnsupportedModelError('ir: the model computes nothing (no dense, square or polynomial layer)');
  let params: CkksParams;
  let maskOutput: boolean;
  let depth: number;
  try {
    params = options.params ?? ckksParamsForDepth(layersDepth + (options.maskOutput === true ? 1 : 0));
    maskOutput = options.maskOutput ?? ckksDepth(params) > layersDepth;
    depth = layersDepth + (maskOutput ? 1 : 0);
  } catch (e) {
    throw new HeUnsupportedModelError(`ir: depth ${layersDepth + (options.maskOutput === true ? 1 : 0)} is beyond what 128-bit secure parameters allow`, { cause: e });
  }
  validateCkksParams(params);
  if (depth > ckksDepth(params)) {
    throw new HeUnsupportedModelError(`ir: the model needs depth ${depth} but ${describeCkksParams(params)} allows ${ckksDepth(params)}`);
  }
  const batch = options.batch ?? 1;
  if (!Number.isInteger(batch) || batch < 1 || (batch & (batch - 1)) !== 0 || batch > params.polyModulusDegree / 2) {
    throw new HeUnsupportedModelError(`options.batch: expected a power of two in [1, ${params.polyModulusDegree / 2}], got ${String(batch)}`);
  }
  // The layouts are planned for the slots one query gets; interleaving spreads them at the end.
  const slots = params.polyModulusDegree / 2 / batch;
  const shape = ir.inputShape;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new HeUnsupportedModelError(`ir.inputShape: expected positive integer dimensions, got [${String(shape)}]`);
  }
  const inputSize = shape.reduce((a, b) => a * b, 1);
  if (inputSize > slots) throw new HeUnsupportedModelError(`ir.inputShape: ${inputSize} inputs exceed the ${slots} slots${batch > 1 ? ` a query gets in a batch of ${batch}` : ''}`);
  const lastDense = layers.map((l) => l.kind).lastIndexOf('dense');

  let chain = params.coeffModulusBits.length - 2;
  let length = inputSize;
  let layout: Layout = { kind: 'client' };
  let inputLayout: HeInputLayout | undefined;
  const steps: HeStep[] = [];
  let plainMultiplies = 0;
  let cipherMultiplies = 0;
  for (const [index, layer] of layers.entries()) {
    if (layer.kind === 'flatten') continue;
    if (layer.kind === 'dense') {
      const { m, n } = checkDense(layer, length, slots);
      const built = planDense(layer, m, n, layout, index === lastDense, slots, chain).build();
      steps.push(built.step);
      if (built.input) inputLayout = built.input;
      layout = built.layout;
      length = m;
      chain -= 1;
      const st = built.step;
      if (st.kind === 'dense-rowblock') plainMultiplies += 1;
      else if (st.kind === 'dense-diagonal') plainMultiplies += st.diagonals.filter((d) => d !== null).length;
    } else if (layer.kind === 'square') {
      steps.push({ kind: 'square', name: layer.name, inputChainIndex: chain });
      chain -= 1;
      cipherMultiplies += 1;
    } else if (layer.kind === 'polynomial') {
      const cs = trimmedCoeffs(layer);
      if (isPlainSquare(cs)) {
        steps.push({ kind: 'square', name: layer.name, inputChainIndex: chain });
        chain -= 1;
        cipherMultiplies += 1;
        continue;
      }
      const d = polyDepth(cs);
      steps.push({ kind: 'polynomial', name: layer.name, inputChainIndex: chain, coeffs: cs, depth: d });
      chain -= d;
      cipherMultiplies += cs.length - 2;
      plainMultiplies += cs.slice(1).filter((c) => c !== 0).length;
    }
  }
  if (!inputLayout) inputLayout = { kind: 'replicated', period: nextPow2(inputSize) };
  const output: HeOutputLayout = { length, stride: layout.kind === 'strided' ? layout.stride : 1 };
  if (maskOutput) {
    const mask = new Float64Array(slots);
    for (let k = 0; k < output.length; k++) mask[k * output.stride] = 1;
    steps.push({ kind: 'output-mask', name: 'output-mask', inputChainIndex: chain, mask });
    chain -= 1;
    plainMultiplies += 1;
  }
  const expected = ir.outputShape?.reduce((a, b) => a * b, 1);
  if (expected !== undefined && expected !== length) {
    throw new HeUnsupportedModelError(`ir.outputShape: says ${expected} outputs, the layers produce ${length}`);
  }
  const rotationSteps = new Set<number>();
  let rotations = 0;
  for (const s of steps) {
    if (s.kind === 'dense-diagonal') {
      for (let c = 1; c < s.baby; c++) {
        if (s.diagonals.some((v, i) => v !== null && i % s.baby === c)) {
          rotationSteps.add(c);
          rotations++;
        }
      }
      for (let j = 1; j < s.giant; j++) {
        if (s.diagonals.slice(j * s.baby, (j + 1) * s.baby).some((v) => v !== null)) {
          rotationSteps.add(j * s.baby);
          rotations++;
        }
      }
    }
    if (s.kind === 'dense-diagonal' || s.kind === 'dense-rowblock') {
      for (const k of s.sumStrides) rotationSteps.add(k);
      rotations += s.sumStrides.length;
    }
  }
  return {
    version: 1,
    params,
    slotCount: slots * batch,
    ...(batch > 1 ? { batch } : {}),
    inputSize,
    inputLayout,
    steps: interleaveSteps(steps, batch),
    output,
    postprocess,
    galoisSteps: [...rotationSteps].map((k) => k * batch).sort((a, b) => a - b),
    depth,
    outputMasked: maskOutput,
    cost: { rotations, plainMultiplies, cipherMultiplies },
    maxOutputMagnitude: 2 ** (params.coeffModulusBits[0]! - params.scaleBits - 1),
  };
}
