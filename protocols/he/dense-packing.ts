/**
 * @module protocols/he/dense-packing
 * The slot layouts of a dense layer y = W x + b under CKKS, and the plaintext vectors (weight
 * diagonals, masks, biases) each one multiplies with. Pure functions of the weights; no SEAL.
 * S is the slot count; rot(v, k)[s] = v[(s + k) mod S] (SEAL's left rotation).
 *
 * Three layouts, chosen by the planner by rotation count:
 *
 * - Client-packed generalized diagonals (first dense layer; the client places the input).
 *   Output rows have period M (a power of two >= m), so there are G = S / M slot groups; with
 *   D = nextPow2(ceil(n / G)) <= M diagonals, slot s = r + M k read after a rotation by i holds
 *   input column f(s + i), where f(t) = D * floor(t / M) + (t mod D). For each row r the map
 *   (k, i) -> f(r + M k + i) is a bijection onto [0, D G), so
 *   y[r] = sum over k of (sum_i diag_i[s] * rot(v, i)[s]) with v[t] = x[f(t)] and
 *   diag_i[s] = W[s mod M][f(s + i)]. The inner sum is baby-step/giant-step
 *   (Halevi & Shoup, CRYPTO 2014): i = j b + c, rot(v, i) = rot(rot(v, c), j b), so diagonals
 *   are stored pre-rotated by -j b and only b - 1 + g - 1 rotations are needed; the outer sum is
 *   rotate-and-sum over strides M, 2M, .., S/2, leaving y replicated with period M.
 *   For 784-128-10 on N = 8192: M = 128, G = 32, D = 32 = 8 x 4 -> 10 + 5 rotations, 32 products.
 *
 * - Replicated diagonals (a later dense layer; input replicated with period P >= n).
 *   Output period M' (power of two >= m), D = min(M', P) diagonals
 *   diag_i[s] = W[s mod M'][(s + i) mod P], BSGS as above, then rotate-and-sum over
 *   M', 2M', .., P/2 when M' < P. Output replicated with period M'.
 *
 * - Row blocks (the last dense layer, when m P <= S): row r's weights in slots [rP, rP + P),
 *   one product, rotate-and-sum over P/2, .., 1: y[r] lands in slot rP. log2(P) rotations.
 */
import type { DenseLayer } from '../model/model-ir.js';

/** Smallest power of two >= x (x >= 1). */
export function nextPow2(x: number): number {
  let p = 1;
  while (p < x) p *= 2;
  return p;
}

/** Baby/giant split of D diagonals (b = 2^ceil(log2(D)/2)) and its rotation count. */
export function bsgsSplit(d: number): { baby: number; giant: number; rotations: number } {
  const baby = 2 ** Math.ceil(Math.log2(d) / 2);
  const giant = Math.max(1, d / baby);
  return { baby, giant, rotations: baby - 1 + giant - 1 };
}

/** Strides of a rotate-and-sum that adds `count` (a power of two) blocks `stride` apart. */
export function sumStrides(stride: number, count: number): number[] {
  const out: number[] = [];
  for (let k = stride; k < stride * count; k *= 2) out.push(k);
  return out;
}

/** The client-side input permutation f of the generalized-diagonal layout. */
export function diagonalGroupColumn(t: number, rowPeriod: number, diagonals: number): number {
  return diagonals * Math.floor(t / rowPeriod) + (t % diagonals);
}

/** The diagonals of one dense layer, pre-rotated for BSGS, with all-zero ones as null. */
export interface BsgsDiagonals {
  readonly baby: number;
  readonly giant: number;
  /** Index j * baby + c holds diag_{j baby + c} rotated right by j * baby. */
  readonly vectors: (Float64Array | null)[];
}

function bsgsFromDiagonals(slots: number, d: number, diag: (i: number, s: number) => number): BsgsDiagonals {
  const { baby, giant } = bsgsSplit(d);
  const vectors: (Float64Array | null)[] = [];
  for (let i = 0; i < baby * giant; i++) {
    if (i >= d) {
      vectors.push(null);
      continue;
    }
    const shift = Math.floor(i / baby) * baby;
    const v = new Float64Array(slots);
    let nonzero = false;
    for (let s = 0; s < slots; s++) {
      // rot(v, shift)[s] = v[s + shift] must equal diag_i[s], so v[s] = diag_i[s - shift].
      const x = diag(i, (s - shift + slots) % slots);
      v[s] = x;
      if (x !== 0) nonzero = true;
    }
    vectors.push(nonzero ? v : null);
  }
  return { baby, giant, vectors };
}

function weightAt(layer: DenseLayer, r: number, c: number): number {
  const [m, n] = layer.weight.shape as [number, number];
  return r < m && c < n ? layer.weight.data[r * n + c]! : 0;
}

/** Diagonals of the client-packed generalized-diagonal layout. */
export function clientPackedDiagonals(layer: DenseLayer, slots: number, rowPeriod: number, diagonals: number): BsgsDiagonals {
  return bsgsFromDiagonals(slots, diagonals, (i, s) => {
    const t = (s + i) % slots;
    return weightAt(layer, s % rowPeriod, diagonalGroupColumn(t, rowPeriod, diagonals));
  });
}

/** Diagonals of the replicated-input layout (input period P, output period M'). */
export function replicatedDiagonals(layer: DenseLayer, slots: number, inputPeriod: number, rowPeriod: number): BsgsDiagonals {
  const d = Math.min(rowPeriod, inputPeriod);
  return bsgsFromDiagonals(slots, d, (i, s) => weightAt(layer, s % rowPeriod, (s + i) % inputPeriod));
}

/** The mask of the row-block layout: W[r][c] in slot r P + c. */
export function rowBlockMask(layer: DenseLayer, slots: number, inputPeriod: number): Float64Array {
  const [m, n] = layer.weight.shape as [number, number];
  const v = new Float64Array(slots);
  for (let r = 0; r < m; r++) for (let c = 0; c < n; c++) v[r * inputPeriod + c] = layer.weight.data[r * n + c]!;
  return v;
}

/** The bias placed where output k lives: slot k + period j for replicated outputs (stride 1), k * stride otherwise. */
export function biasVector(layer: DenseLayer, slots: number, output: { period: number; stride: number }): Float64Array | null {
  const b = layer.bias?.data;
  if (!b || b.every((x) => x === 0)) return null;
  const v = new Float64Array(slots);
  if (output.stride === 1) {
    for (let s = 0; s < slots; s++) {
      const k = s % output.period;
      if (k < b.length) v[s] = b[k]!;
    }
  } else {
    for (let k = 0; k < b.length; k++) v[k * output.stride] = b[k]!;
  }
  return v;
}
