/**
 * @module bench/ring
 * Ring arithmetic benchmark (to be extended with the native backend and float64 reference).
 */
import type { BenchSuite } from './bench-case.js';
import { timeMedian } from './bench-case.js';
import { tsRing } from '../crypto-core/ring/index.js';
import { Prg } from '../crypto-core/prg.js';

export const suite: BenchSuite = {
  name: 'ring',
  description: 'Z_2^64 arithmetic',
  async run(opts) {
    const prg = Prg.random();
    const [m, k, n] = [128, 128, 128];
    const a = prg.u64(m * k);
    const b = prg.u64(k * n);
    const ms = await timeMedian(() => tsRing.matmul(a, b, m, k, n), opts.quick ? 1 : 3);
    opts.emit({ suite: 'ring', case: `matmul ${m}x${k}x${n}`, impl: 'ts', median_ms: ms, ops_per_s: (m * k * n) / (ms / 1000), baseline: null, ratio: null });
  },
};
