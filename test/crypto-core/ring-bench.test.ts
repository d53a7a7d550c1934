/**
 * The ring benchmark's output contract (`npx mpc bench ring --json --quick`): every required case
 * for every impl, one well-formed line each, ratios consistent with the medians they come from.
 * No timing assertion: speed is the benchmark's business, not the test's.
 */
import { describe, expect, it } from 'vitest';
import { suite } from '../../bench/ring.js';
import type { BenchCase } from '../../bench/bench-case.js';
import { loadNativeRing } from '../../crypto-core/ring/native-ring.js';

const REQUIRED = ['matmul 128x128x128', 'matmul 256x256x256', 'matmul 64x784x128', 'mul 1e6', 'fused-mul 1e6'];

describe('bench ring --quick', () => {
  it('emits one JSON-ready line per case with medians, baselines and ratios', async () => {
    const lines: BenchCase[] = [];
    await suite.run({ json: true, quick: true, emit: (c) => lines.push(c) });
    const nativeLoaded = loadNativeRing().ok;
    const find = (c: string, impl: string) => lines.find((l) => l.case === c && l.impl === impl);
    for (const c of REQUIRED) {
      expect(find(c, 'ts'), `${c} ts`).toBeDefined();
      if (nativeLoaded) {
        const n = find(c, 'native')!;
        expect(n.baseline).toBe('ts');
        const ts = find(c, 'ts')!;
        // ratio = ts median / native median, both rounded to 4 significant digits.
        expect(n.ratio!).toBeCloseTo(ts.median_ms / n.median_ms, 0);
      }
    }
    expect(find('prg 64MiB', 'aes-256-ctr')).toBeDefined();
    if (nativeLoaded) {
      for (const c of REQUIRED.filter((x) => x.startsWith('matmul'))) {
        const n = find(c, 'native')!;
        const f = find(c, 'float64')!;
        expect(f).toBeDefined();
        expect(n.ratio_vs_float64 as number).toBeCloseTo(f.median_ms / n.median_ms, 0);
      }
      expect(lines.some((l) => l.impl === 'native:scalar')).toBe(true);
    }
    for (const l of lines) {
      expect(JSON.parse(JSON.stringify(l))).toEqual(l);
      expect(l.suite).toBe('ring');
      expect(Number.isFinite(l.median_ms) && l.median_ms > 0).toBe(true);
      expect(Number.isFinite(l.ops_per_s) && l.ops_per_s > 0).toBe(true);
      expect(l.ratio === null || (Number.isFinite(l.ratio) && l.ratio > 0)).toBe(true);
    }
  });
});
