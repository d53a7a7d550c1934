/**
 * The model layers' nonlinear functions (protocols/nn/activations) against float64 on dense
 * grids at f = 16, the precision every zoo model runs at. Each bound is the one
 * docs/protocols-inference.md states for the operator ("Operators"), with the measured value
 * printed beside it; the grids include the ends of each domain (saturation and the exp floor).
 */
import { describe, expect, it } from 'vitest';
import { clip, expAccurate, leakyRelu, logSoftmaxAccurate, sigmoidAccurate, softmaxAccurate, tanhAccurate } from '../../protocols/nn/activations.js';
import { errors, linspace, runSecure } from '../functions/secure-harness.js';

const F = 16;

function softmaxRows(x: readonly number[], cols: number, log: boolean): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length; r += cols) {
    const row = x.slice(r, r + cols);
    const m = Math.max(...row);
    const s = row.reduce((a, v) => a + Math.exp(v - m), 0);
    for (const v of row) out.push(log ? v - m - Math.log(s) : Math.exp(v - m) / s);
  }
  return out;
}

describe(`model activations at f=${F} vs float64`, () => {
  const wide = [...linspace(-20, 20, 401), -300, 300, -4000, 4000];
  const cases: Array<[string, readonly number[], (x: number) => number, Parameters<typeof runSecure>[3], number]> = [
    ['sigmoid', wide, (x) => 1 / (1 + Math.exp(-x)), (ctx, x) => sigmoidAccurate(ctx, x), 2e-4],
    ['tanh', wide, Math.tanh, (ctx, x) => tanhAccurate(ctx, x), 4e-4],
    ['leakyrelu (alpha 0.05)', linspace(-50, 50, 201), (x) => (x > 0 ? x : 0.05 * x), (ctx, x) => leakyRelu(ctx, x, 0.05), 4e-5],
    ['clip [0, 6] (ReLU6)', linspace(-10, 10, 201), (x) => Math.min(Math.max(x, 0), 6), (ctx, x) => clip(ctx, x, 0, 6), 2e-5],
    ['clip [-1, +inf)', linspace(-10, 10, 201), (x) => Math.max(x, -1), (ctx, x) => clip(ctx, x, -1, undefined), 2e-5],
  ];
  for (const [name, grid, ref, body, bound] of cases) {
    it(`${name}: max abs error <= ${bound} on ${grid.length} points`, async () => {
      const r = await runSecure(`act/${name}`, F, grid, body);
      const e = errors(r.values, grid.map(ref));
      console.log(JSON.stringify({ fn: name, f: F, points: grid.length, maxAbs: Number(e.abs.toExponential(2)), depth: r.depth }));
      expect(e.abs).toBeLessThanOrEqual(bound);
    });
  }

  it('exp on [-20, 8]: error <= 1e-3 e^x + 2^-15 (relative 1e-3 where the output has the bits; 0 under -16)', async () => {
    const grid = linspace(-20, 8, 281);
    const r = await runSecure('act/exp', F, grid, (ctx, x) => expAccurate(ctx, x));
    let worst = 0;
    let rel = 0;
    grid.forEach((x, i) => {
      const want = Math.exp(x);
      const e = Math.abs(r.values[i]! - want);
      worst = Math.max(worst, e / (1e-3 * want + 2 ** -15));
      if (x >= 0) rel = Math.max(rel, e / want);
    });
    console.log(JSON.stringify({ fn: 'exp', f: F, relAbove0: Number(rel.toExponential(2)), boundUsed: Number(worst.toFixed(3)), depth: r.depth }));
    expect(worst).toBeLessThanOrEqual(1);
  });

  for (const [name, log, bound] of [['softmax', false, 2e-4], ['logsoftmax', true, 5e-4]] as const) {
    it(`${name} over rows of 10 logits in [-12, 12]: max abs error <= ${bound}`, async () => {
      const cols = 10;
      const rows = 60;
      const x = Array.from({ length: rows * cols }, (_, i) => 12 * Math.sin(i * 0.731 + Math.floor(i / cols) * 1.3));
      const r = await runSecure(`act/${name}`, F, x, (ctx, s) => (log ? logSoftmaxAccurate(ctx, s, rows, cols) : softmaxAccurate(ctx, s, rows, cols)));
      const e = errors(r.values, softmaxRows(x, cols, log));
      console.log(JSON.stringify({ fn: name, f: F, rows, cols, maxAbs: Number(e.abs.toExponential(2)), depth: r.depth }));
      expect(e.abs).toBeLessThanOrEqual(bound);
    });
  }
});
