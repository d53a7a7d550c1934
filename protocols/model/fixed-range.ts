/**
 * @module protocols/model/fixed-range
 * The safe range of fixed-point values for secure inference, and the checks that keep inputs,
 * weights and every intermediate product inside it (docs/protocols-inference.md, "Safe range").
 *
 * Secure inference truncates every product with the wrap-corrected truncation
 * (rss/truncate-wrap), which is correct (floor or one above) for every value |x| < 2^62 and
 * wrong, undetected, beyond. A value that is truncated right after a product carries 2f
 * fractional bits, so the condition on the reals is |acc| < 2^(62 - 2f), where acc is the
 * accumulated sum the truncation sees (a dot product of n terms: sum_i |w_i| |x_i|).
 *
 * The budget is split in half: an input value (as every value a client sends) has
 * |v| <= 2^(31 - f), i.e. |v 2^f| <= 2^31, and a published model must keep every accumulator of
 * every layer below 2^(62 - 2f) for all inputs of that size, which `checkModelRange` verifies by
 * interval propagation (worst case over all such inputs: L1 norms of weight rows, powers for
 * polynomials). The nonlinear functions normalize their arguments by construction (exp of
 * non-positive arguments, Newton steps on [1, 2]); only their input-dependent steps count here.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { layerInputs, type Layer, type ModelIR } from './model-ir.js';
import { modelShapes, shapeSize } from './layer-shape.js';

/** Values the wrap-corrected truncation takes: |x| < 2^62 as ring integers. */
export const SAFE_ACCUMULATOR_BITS = 62;

/** Largest |v| (inclusive) of an input value at f fractional bits: 2^(31 - f). */
export function fixedInputBound(fractionBits: number): number {
  checkF(fractionBits);
  return 2 ** (SAFE_ACCUMULATOR_BITS / 2 - fractionBits);
}

function checkF(f: number): void {
  if (!Number.isInteger(f) || f < 0 || f > 32) throw new InvalidArgumentError(`fractionBits: expected integer in 0..32, got ${String(f)}`);
}

/**
 * Refuses a value outside [-bound, bound] (default `fixedInputBound(f)`), naming `field[i]` and
 * the bound. NaN and infinities are refused too.
 * @throws InvalidArgumentError
 */
export function checkFixedInputs(values: ArrayLike<number>, fractionBits: number, field: string, bound: number = fixedInputBound(fractionBits)): void {
  checkF(fractionBits);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !(Math.abs(v) <= bound)) {
      throw new InvalidArgumentError(`${field}[${i}]: ${String(v)} is outside the safe fixed-point range |v| <= ${bound} (2^${Math.log2(bound)} at f=${fractionBits})`);
    }
  }
}

/** One layer of a {@link RangeReport}. */
export interface LayerRange {
  readonly name: string;
  readonly kind: Layer['kind'];
  /** What the largest accumulator comes from, e.g. `layers[0] (fc1).weight row 3`. */
  readonly field: string;
  /** Worst-case |value| of the layer's outputs, in reals. */
  readonly outputBound: number;
  /** log2 of the largest ring integer any truncation of the layer sees (must stay < 62). */
  readonly accumulatorBits: number;
}

/** What {@link analyseModelRange} found: per layer, and the worst over the model. */
export interface RangeReport {
  readonly fractionBits: number;
  readonly inputBound: number;
  readonly layers: readonly LayerRange[];
  readonly maxAccumulatorBits: number;
}

interface Step {
  readonly out: number;
  /** Largest accumulator in reals (at 2f fractional bits) and the field responsible. */
  readonly acc: number;
  readonly field: string;
}

/** max over rows of sum |w| + n ulp (encoding rounds each weight by at most half a unit). */
function worstRow(w: Float64Array, rows: number, ulp: number): { l1: number; row: number } {
  const cols = w.length / rows;
  let best = { l1: 0, row: 0 };
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.abs(w[r * cols + c]!) + ulp;
    if (s > best.l1) best = { l1: s, row: r };
  }
  return best;
}

const maxAbs = (t: { data: Float64Array } | undefined): number => (t === undefined ? 0 : t.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0));

function layerStep(layer: Layer, xs: readonly number[], inShapes: readonly (readonly number[])[], ulp: number, where: string): Step {
  const x = xs[0]!;
  switch (layer.kind) {
    case 'dense':
    case 'conv2d': {
      const rows = layer.weight.shape[0]!;
      const { l1, row } = worstRow(layer.weight.data, rows, ulp);
      return { acc: l1 * x, out: l1 * x + maxAbs(layer.bias) + 2 * ulp, field: `${where}.weight row ${row}` };
    }
    case 'avgpool':
    case 'reduce-mean': return { acc: x, out: x + ulp, field: `${where} (window sum)` };
    case 'reduce-sum': {
      const n = shapeSize(layer.axes.map((a) => inShapes[0]![a]!));
      return { acc: 0, out: n * x, field: `${where} (sum of ${n})` };
    }
    case 'maxpool':
    case 'relu':
    case 'flatten':
    case 'reshape':
    case 'transpose':
    case 'slice': return { acc: 0, out: x, field: where };
    case 'pad': return { acc: 0, out: Math.max(x, Math.abs(layer.value)), field: where };
    case 'concat': return { acc: 0, out: Math.max(...xs), field: where };
    case 'add':
    case 'sub': return { acc: 0, out: xs[0]! + xs[1]!, field: `${where} (sum of the inputs)` };
    case 'mul': return { acc: xs[0]! * xs[1]!, out: xs[0]! * xs[1]! + ulp, field: `${where} (product of the inputs)` };
    case 'affine': {
      const s = layer.scale === undefined ? 1 : maxAbs(layer.scale) + ulp;
      return { acc: layer.scale === undefined ? 0 : s * x, out: s * x + maxAbs(layer.shift) + ulp, field: `${where}.scale` };
    }
    // Coefficients carry 4 extra fractional bits (protocols/nn/activations COEFFICIENT_EXTRA_BITS).
    case 'leakyrelu': return { acc: Math.max(Math.abs(layer.alpha), Math.abs(1 - layer.alpha)) * x * 2 ** 4, out: Math.max(1, Math.abs(layer.alpha)) * x + ulp, field: `${where} (alpha x)` };
    case 'clip': {
      const both = layer.min !== undefined && layer.max !== undefined;
      return { acc: 0, out: both ? Math.max(Math.abs(layer.min!), Math.abs(layer.max!)) : x + Math.abs(layer.min ?? 0) + Math.abs(layer.max ?? 0), field: where };
    }
    case 'square': return { acc: x * x, out: x * x + ulp, field: `${where} (x^2)` };
    case 'polynomial': {
      let acc = 0;
      for (let i = 2; i < layer.coeffs.length; i++) acc = Math.max(acc, x ** i); // the powers
      const sum = layer.coeffs.reduce((s, c, i) => s + (Math.abs(c) + ulp) * x ** i, 0);
      return { acc: Math.max(acc, sum), out: sum + ulp, field: `${where} (polynomial)` };
    }
    // The functions normalize their arguments: the first comparison or truncation sees x 2^f
    // (x 2^-f at 2f); the rest runs on values in [0, 4] (exp of non-positive arguments, Newton
    // steps on [1, 2]).
    case 'sigmoid': return { acc: Math.max(x * ulp, 4), out: 1, field: `${where} (sigmoid argument)` };
    case 'tanh': return { acc: Math.max(2 * x * ulp, 4), out: 1, field: `${where} (tanh argument)` };
    case 'softmax':
    case 'softmax-axis': return { acc: Math.max(2 * x * ulp, 4), out: 1, field: `${where} (softmax argument)` };
    case 'logsoftmax': return { acc: Math.max(2 * x * ulp, 4), out: 2 * x + 16, field: `${where} (log-softmax argument)` };
    case 'exp': return { acc: Math.max(x * ulp, EXP_LAYER_MAX_OUTPUT), out: EXP_LAYER_MAX_OUTPUT, field: `${where} (exp result)` };
    case 'argmax': return { acc: 0, out: inShapes[0]![layer.axis]!, field: where };
  }
}

/** The exp layer saturates its argument at this bound's log (protocols/nn exp layer: inputs up to 8). */
export const EXP_LAYER_MAX_OUTPUT = Math.exp(8);

/**
 * Worst-case magnitudes through `ir` for inputs |x| <= inputBound at f fractional bits.
 * Pure arithmetic on the public architecture and the plaintext weights (the model owner's view).
 */
export function analyseModelRange(ir: ModelIR, fractionBits: number, inputBound: number = fixedInputBound(fractionBits)): RangeReport {
  checkF(fractionBits);
  if (!(inputBound > 0) || !Number.isFinite(inputBound)) throw new InvalidArgumentError(`inputBound: expected a positive finite number, got ${String(inputBound)}`);
  const ulp = 2 ** -fractionBits;
  const shapes = modelShapes(ir);
  const bounds: number[] = [inputBound + ulp];
  const layers: LayerRange[] = [];
  let maxBits = -Infinity;
  ir.layers.forEach((layer, i) => {
    const ids = layerInputs(layer, i);
    const s = layerStep(layer, ids.map((t) => bounds[t]!), ids.map((t) => shapes[t]!), ulp, `layers[${i}] (${layer.name})`);
    // The output must stay representable too (comparisons need |x 2^f| < 2^62).
    const bits = Math.max(s.acc > 0 ? Math.log2(s.acc) + 2 * fractionBits : -Infinity, Math.log2(s.out) + fractionBits);
    layers.push({ name: layer.name, kind: layer.kind, field: s.field, outputBound: s.out, accumulatorBits: bits });
    maxBits = Math.max(maxBits, bits);
    bounds.push(s.out);
  });
  return { fractionBits, inputBound, layers, maxAccumulatorBits: maxBits };
}

/**
 * {@link analyseModelRange}, refusing a model whose worst case reaches 2^62 anywhere: the error
 * names the layer and the field (a weight row, a power) and the bound.
 * @throws InvalidArgumentError
 */
export function checkModelRange(ir: ModelIR, fractionBits: number, inputBound: number = fixedInputBound(fractionBits)): RangeReport {
  const report = analyseModelRange(ir, fractionBits, inputBound);
  for (const l of report.layers) {
    if (!(l.accumulatorBits < SAFE_ACCUMULATOR_BITS)) {
      throw new InvalidArgumentError(
        `${l.field}: worst-case accumulator 2^${l.accumulatorBits.toFixed(1)} for inputs |x| <= ${inputBound} is outside the safe fixed-point range 2^${SAFE_ACCUMULATOR_BITS} (f=${fractionBits}: |sum w x| < 2^${SAFE_ACCUMULATOR_BITS - 2 * fractionBits})`,
      );
    }
  }
  return report;
}
