/**
 * Error bounds of the secure nonlinear functions against float64 on dense grids, each at the
 * fixed-point precision chosen for it (docs/protocols-inference.md):
 * - sigmoid, f = 20: max abs error <= 1e-3 on [-16, 16] (641 points)
 * - softmax, f = 20: max abs error <= 1e-3 per output (200 rows x 10 logits in [-12, 12])
 * - reciprocal, f = 22: max relative error <= 1e-3 on [0.01, 1000] (600 log-spaced points)
 * - exp with range reduction, f = 16, result at 32 fractional bits: max relative error <= 1e-2
 *   on [-16, 8] (481 points)
 * - exp by the limit approximation (n = 9), f = 20: max abs error <= 1e-3 on [-16, 0]
 *   (the domain softmax and sigmoid use) and relative error <= 1e-2 on [-2, 2]
 * - inverse square root, f = 20: max relative error <= 1e-3 on [0.01, 1000]
 * Seeds are fixed: every run opens the same values.
 */
import { describe, expect, it } from 'vitest';
import { errors, linspace, logspace, runSecure } from './secure-harness.js';
import { exp } from '../../protocols/functions/exp.js';
import { expRangeReduced } from '../../protocols/functions/exp-range-reduced.js';
import { reciprocal } from '../../protocols/functions/reciprocal.js';
import { invSqrt } from '../../protocols/functions/inv-sqrt.js';
import { sigmoid } from '../../protocols/functions/sigmoid.js';
import { softmax } from '../../protocols/functions/softmax.js';

function report(name: string, f: number, e: { abs: number; rel: number }, r: { rounds: number; depth: number; bytesSent: number }, n: number): void {
  console.log(
    JSON.stringify({
      function: name,
      f,
      maxAbs: Number(e.abs.toExponential(3)),
      maxRel: Number(e.rel.toExponential(3)),
      channelRounds: r.rounds,
      depth: r.depth,
      bytesPerElement: Math.round(r.bytesSent / n),
    }),
  );
}

describe('secure approximations vs float64', () => {
  it('sigmoid: abs err <= 1e-3 on [-16, 16] at f=20', async () => {
    const xs = linspace(-16, 16, 641);
    const r = await runSecure('fn/sigmoid', 20, xs, (ctx, x) => sigmoid(ctx, x));
    const e = errors(r.values, xs.map((v) => 1 / (1 + Math.exp(-v))));
    report('sigmoid', 20, e, r, xs.length);
    expect(e.abs).toBeLessThanOrEqual(1e-3);
  });

  it('sigmoid: saturates correctly far outside the exponential domain (|x| up to 5000) at f=20', async () => {
    const xs = [-5000, -1000, -600, -511.5, -100, -20, 20, 100, 511.5, 600, 1000, 5000];
    const r = await runSecure('fn/sigmoid-far', 20, xs, (ctx, x) => sigmoid(ctx, x));
    const e = errors(r.values, xs.map((v) => 1 / (1 + Math.exp(-v))));
    expect(e.abs).toBeLessThanOrEqual(1e-3);
  });

  it('softmax: abs err <= 1e-3 per output at f=20', async () => {
    const rows = 200;
    const cols = 10;
    const logits = Array.from({ length: rows * cols }, (_, i) => 12 * Math.sin(i * 12.9898 + 0.5));
    const want: number[] = [];
    for (let r = 0; r < rows; r++) {
      const row = logits.slice(r * cols, (r + 1) * cols);
      const m = Math.max(...row);
      const ex = row.map((v) => Math.exp(v - m));
      const s = ex.reduce((a, b) => a + b, 0);
      want.push(...ex.map((v) => v / s));
    }
    const r = await runSecure('fn/softmax', 20, logits, (ctx, x) => softmax(ctx, x, rows, cols));
    const e = errors(r.values, want);
    report('softmax', 20, e, r, logits.length);
    expect(e.abs).toBeLessThanOrEqual(1e-3);
  });

  it('reciprocal: rel err <= 1e-3 on [0.01, 1000] at f=22', async () => {
    const xs = logspace(0.01, 1000, 600);
    const r = await runSecure('fn/reciprocal', 22, xs, (ctx, x) => reciprocal(ctx, x, { minExponent: -7, maxExponent: 9 }));
    const e = errors(r.values, xs.map((v) => 1 / v));
    report('reciprocal', 22, e, r, xs.length);
    expect(e.rel).toBeLessThanOrEqual(1e-3);
  });

  it('exp (range reduced): rel err <= 1e-2 on [-16, 8] at f=16 with a 32-bit fractional result', async () => {
    const xs = linspace(-16, 8, 481);
    const r = await runSecure('fn/exp-rr', 16, xs, (ctx, x) => expRangeReduced(ctx, x, { min: -16, max: 8, outputFractionBits: 32 }), 32);
    const e = errors(r.values, xs.map(Math.exp));
    report('expRangeReduced', 16, e, r, xs.length);
    expect(e.rel).toBeLessThanOrEqual(1e-2);
  });

  it('exp (limit, n=9): abs err <= 1e-3 on [-16, 0] and rel err <= 1e-2 on [-2, 2] at f=20', async () => {
    const neg = linspace(-16, 0, 321);
    const r1 = await runSecure('fn/exp-limit-neg', 20, neg, (ctx, x) => exp(ctx, x));
    const e1 = errors(r1.values, neg.map(Math.exp));
    report('exp[-16,0]', 20, e1, r1, neg.length);
    expect(e1.abs).toBeLessThanOrEqual(1e-3);
    const mid = linspace(-2, 2, 161);
    const r2 = await runSecure('fn/exp-limit-mid', 20, mid, (ctx, x) => exp(ctx, x));
    const e2 = errors(r2.values, mid.map(Math.exp));
    report('exp[-2,2]', 20, e2, r2, mid.length);
    expect(e2.rel).toBeLessThanOrEqual(1e-2);
  });

  it('inverse square root: rel err <= 1e-3 on [0.01, 1000] at f=20', async () => {
    const xs = logspace(0.01, 1000, 600);
    const r = await runSecure('fn/inv-sqrt', 20, xs, (ctx, x) => invSqrt(ctx, x, { minExponent: -4, maxExponent: 4 }));
    const e = errors(r.values, xs.map((v) => 1 / Math.sqrt(v)));
    report('invSqrt', 20, e, r, xs.length);
    expect(e.rel).toBeLessThanOrEqual(1e-3);
  });
});
