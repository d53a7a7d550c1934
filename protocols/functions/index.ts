/**
 * @module protocols/functions
 * Secure nonlinear functions on replicated shares, with tested error bounds
 * (docs/protocols-inference.md).
 */
export { exp, EXP_ITERATIONS } from './exp.js';
export type { ExpOptions } from './exp.js';
export { expRangeReduced } from './exp-range-reduced.js';
export type { ExpRangeOptions } from './exp-range-reduced.js';
export { reciprocal, reciprocalNewton, powers } from './reciprocal.js';
export type { ReciprocalOptions } from './reciprocal.js';
export { invSqrt } from './inv-sqrt.js';
export type { InvSqrtOptions } from './inv-sqrt.js';
export { sigmoid } from './sigmoid.js';
export { softmax } from './softmax.js';
export { bitsAtLeast } from './threshold-bits.js';
export { fixedConstant, mulByBitCombination } from './fixed-constant.js';
