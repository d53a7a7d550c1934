/**
 * @module bench/ring
 * Ring arithmetic benchmark (`npx mpc bench ring [--json] [--quick]`): the native addon against
 * the TypeScript fallback on the hot loops of the protocols (matrix products, the fused local
 * step of a replicated product, elementwise products) and the PRG, plus two references:
 * - impl `float64`: the addon's blocked double-precision matrix product of the same shape, i.e.
 *   what the hardware does with the operation it is built for. Native matmul lines carry
 *   `ratio_vs_float64` = float64 median / native median (1 = as fast, 0.5 = twice as slow).
 * - impls `native:<level>`: the native kernels pinned to one instruction-set level, with
 *   baseline `native:scalar`, which shows whether SIMD beats scalar 64-bit imul on this CPU.
 *
 * `ops_per_s` counts multiply-adds for matrix products, elements for elementwise cases and
 * 64-bit words for the PRG.
 */
import type { BenchCase, BenchOptions, BenchSuite } from './bench-case.js';
import { median, timeMedian } from './bench-case.js';
import { tsRing } from '../crypto-core/ring/index.js';
import { loadNativeRing, nativeFloat64Matmul, nativeRingInternals } from '../crypto-core/ring/native-ring.js';
import type { Ring64 } from '../crypto-core/ring/ring64.js';
import { Prg } from '../crypto-core/prg.js';

const SUITE = 'ring';

/**
 * Median milliseconds of one call of `fn`. Fast calls are batched so that one timed sample
 * lasts about `sampleMs`, which keeps timer resolution out of the figure.
 */
async function perCallMs(fn: () => unknown, reps: number, sampleMs: number): Promise<number> {
  const t0 = performance.now();
  fn();
  fn();
  const once = Math.max((performance.now() - t0) / 2, 1e-4);
  const batch = Math.max(1, Math.min(10_000, Math.round(sampleMs / once)));
  const ms = await timeMedian(
    () => {
      for (let i = 0; i < batch; i++) fn();
    },
    reps,
    1,
  );
  return ms / batch;
}

/**
 * Median milliseconds per call of `a` and of `b`, sampled alternately, so that load from other
 * processes on a shared machine drifts into both figures alike and their ratio stays fair.
 */
async function pairedPerCallMs(a: () => unknown, b: () => unknown, reps: number, sampleMs: number): Promise<[number, number]> {
  const batchOf = (fn: () => unknown): number => {
    fn();
    const t0 = performance.now();
    fn();
    return Math.max(1, Math.min(10_000, Math.round(sampleMs / Math.max(performance.now() - t0, 1e-4))));
  };
  const [ba, bb] = [batchOf(a), batchOf(b)];
  const sa: number[] = [];
  const sb: number[] = [];
  for (let r = 0; r < reps; r++) {
    sa.push((await timeMedian(() => { for (let i = 0; i < ba; i++) a(); }, 1, 0)) / ba);
    sb.push((await timeMedian(() => { for (let i = 0; i < bb; i++) b(); }, 1, 0)) / bb);
  }
  return [median(sa), median(sb)];
}

interface Plan {
  reps: number;
  tsReps: number;
  sampleMs: number;
}

function line(caseName: string, impl: string, ms: number, ops: number, baseline: string | null, baselineMs: number | null, extra: Record<string, unknown> = {}): BenchCase {
  return {
    suite: SUITE,
    case: caseName,
    impl,
    median_ms: round(ms),
    ops_per_s: Math.round(ops / (ms / 1000)),
    baseline,
    ratio: baselineMs === null ? null : round(baselineMs / ms),
    ...extra,
  };
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}

async function matmulCases(opts: BenchOptions, plan: Plan, native: Ring64 | undefined, kernel: string | undefined): Promise<void> {
  const prg = Prg.fromSeed(new Uint8Array(32).fill(1)).fork('bench-matmul');
  for (const [m, k, n] of [
    [128, 128, 128],
    [256, 256, 256],
    [64, 784, 128],
  ] as const) {
    const name = `matmul ${m}x${k}x${n}`;
    const a = prg.u64(m * k);
    const b = prg.u64(k * n);
    const out = new BigUint64Array(m * n);
    const macs = m * k * n;
    const tsMs = await perCallMs(() => tsRing.matmul(a, b, m, k, n, out), plan.tsReps, plan.sampleMs);
    opts.emit(line(name, 'ts', tsMs, macs, null, null));
    if (!native) continue;
    const af = Float64Array.from(a, (x) => Number(x & 0xffffn) / 65536);
    const bf = Float64Array.from(b, (x) => Number(x & 0xffffn) / 65536);
    const [nativeMs, f64Ms] = await pairedPerCallMs(
      () => native.matmul(a, b, m, k, n, out),
      () => nativeFloat64Matmul(af, bf, m, k, n),
      plan.reps,
      plan.sampleMs,
    );
    opts.emit(line(name, 'native', nativeMs, macs, 'ts', tsMs, { kernel, ratio_vs_float64: round(f64Ms / nativeMs), float64_median_ms: round(f64Ms) }));
    opts.emit(line(name, 'float64', f64Ms, macs, null, null, { kernel }));
  }

  // The real hot loop of a secure dense layer: the fused local step of a replicated product.
  const [m, k, n] = [64, 784, 128];
  const [xi, xi1] = [prg.u64(m * k), prg.u64(m * k)];
  const [yi, yi1] = [prg.u64(k * n), prg.u64(k * n)];
  const alpha = prg.u64(m * n);
  const out = new BigUint64Array(m * n);
  const name = `fused-matmul ${m}x${k}x${n}`;
  const tsMs = await perCallMs(() => tsRing.fusedMatmul(xi, xi1, yi, yi1, alpha, m, k, n, out), plan.tsReps, plan.sampleMs);
  opts.emit(line(name, 'ts', tsMs, 2 * m * k * n, null, null));
  if (native) {
    const nativeMs = await perCallMs(() => native.fusedMatmul(xi, xi1, yi, yi1, alpha, m, k, n, out), plan.reps, plan.sampleMs);
    opts.emit(line(name, 'native', nativeMs, 2 * m * k * n, 'ts', tsMs, { kernel }));
  }
}

async function elementwiseCases(opts: BenchOptions, plan: Plan, native: Ring64 | undefined, kernel: string | undefined): Promise<void> {
  const prg = Prg.fromSeed(new Uint8Array(32).fill(2)).fork('bench-elementwise');
  const len = 1_000_000;
  const [x, x1, y, y1, alpha] = Array.from({ length: 5 }, () => prg.u64(len)) as [BigUint64Array, BigUint64Array, BigUint64Array, BigUint64Array, BigUint64Array];
  const out = new BigUint64Array(len);
  const cases: [string, (r: Ring64) => unknown][] = [
    ['mul 1e6', (r) => r.mul(x, y, out)],
    ['fused-mul 1e6', (r) => r.fusedMul(x, x1, y, y1, alpha, out)],
    ['add 1e6', (r) => r.add(x, y, out)],
  ];
  for (const [name, run] of cases) {
    const tsMs = await perCallMs(() => run(tsRing), plan.tsReps, plan.sampleMs);
    opts.emit(line(name, 'ts', tsMs, len, null, null));
    if (!native) continue;
    const nativeMs = await perCallMs(() => run(native), plan.reps, plan.sampleMs);
    opts.emit(line(name, 'native', nativeMs, len, 'ts', tsMs, { kernel }));
  }
}

/** The same native operations pinned to each kernel level, against scalar imul. */
async function levelCases(opts: BenchOptions, plan: Plan): Promise<void> {
  const addon = nativeRingInternals();
  if (!addon) return;
  const prg = Prg.fromSeed(new Uint8Array(32).fill(4)).fork('bench-levels');
  const [m, k, n] = [256, 256, 256];
  const a = prg.u64(m * k);
  const b = prg.u64(k * n);
  const mout = new BigUint64Array(m * n);
  const len = 1_000_000;
  const [x, y] = [prg.u64(len), prg.u64(len)];
  const eout = new BigUint64Array(len);
  const levels = addon.levels().supported;
  for (const [name, ops, run] of [
    [`matmul ${m}x${k}x${n}`, m * k * n, (id: number) => addon.matmul(a, b, m, k, n, mout, id as never)],
    ['mul 1e6', len, (id: number) => addon.mul(x, y, eout, id as never)],
  ] as const) {
    let scalarMs: number | null = null;
    for (const { id, name: level } of levels) {
      const ms = await perCallMs(() => run(id), plan.reps, plan.sampleMs);
      if (level === 'scalar') scalarMs = ms;
      const impl = `native:${level}`;
      opts.emit(line(name, impl, ms, ops, impl === 'native:scalar' ? null : 'native:scalar', impl === 'native:scalar' ? null : scalarMs));
    }
  }
}

async function prgCase(opts: BenchOptions, plan: Plan): Promise<void> {
  const bytes = 64 * 2 ** 20;
  const prg = Prg.fromSeed(new Uint8Array(32).fill(5)).fork('bench-prg');
  const ms = await timeMedian(() => prg.u64(bytes / 8), Math.max(1, Math.ceil(plan.reps / 4)), 1);
  opts.emit(line('prg 64MiB', 'aes-256-ctr', ms, bytes / 8, null, null, { mib_per_s: Math.round(64 / (ms / 1000)), note: 'node:crypto AES-256-CTR (OpenSSL); one implementation, no baseline' }));
}

/** The ring suite; `quick` keeps every case but with few, short samples (a few seconds in all). */
export const suite: BenchSuite = {
  name: SUITE,
  description: 'Z_2^64 arithmetic: native addon vs TypeScript fallback, float64 reference, SIMD levels, PRG',
  async run(opts) {
    const plan: Plan = opts.quick ? { reps: 3, tsReps: 1, sampleMs: 2 } : { reps: 21, tsReps: 5, sampleMs: 20 };
    const load = loadNativeRing();
    const native = load.ok ? load.ring : undefined;
    const kernel = nativeRingInternals()?.levels().best;
    if (!native && !opts.json) process.stdout.write(`# native addon absent (${load.ok ? '' : load.reason}): ts only\n`);
    await matmulCases(opts, plan, native, kernel);
    await elementwiseCases(opts, plan, native, kernel);
    await levelCases(opts, plan);
    await prgCase(opts, plan);
  },
};
