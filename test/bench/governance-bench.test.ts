/**
 * Smoke run of the governance benchmark (`mpc bench governance --quick`, 1e5 entries): the
 * shape of every line, and that the generated log's credits and reputation are what its
 * construction implies (so the suite times real work). No timing assertions.
 */
import { describe, expect, it } from 'vitest';
import type { BenchCase } from '../../bench/bench-case.js';
import { governanceLog, suite } from '../../bench/governance.js';
import { computeCredits } from '../../services/audit/credits.js';

describe('bench governance --quick', () => {
  it('prints the four cases over 1e5 entries', async () => {
    const lines: BenchCase[] = [];
    await suite.run({ json: true, quick: true, emit: (c) => void lines.push(c) });
    expect(lines.map((c) => c.case)).toEqual(['reputation 100000', 'credits 100000', 'reputation from export 100000', 'credits from export 100000']);
    for (const c of lines) {
      expect(c).toMatchObject({ suite: 'governance', impl: 'ts', baseline: null, ratio: null });
      expect(c.median_ms).toBeGreaterThan(0);
      expect(c.ops_per_s).toBeGreaterThan(0);
    }
    expect(lines[0]!.parties).toBe(9);
    expect(lines[1]!.tenants).toBe(4);
    // Every job but every 37th finishes with a cost.
    const small = governanceLog(1000);
    const jobs = new Set(small.map((e) => e.jobId)).size;
    const finished = small.filter((e) => e.type === 'job.finished').length;
    expect(computeCredits(small).tenants.reduce((s, t) => s + t.jobs, 0)).toBe(finished);
    expect(finished).toBeGreaterThanOrEqual(jobs - Math.ceil(jobs / 37) - 1);
  }, 60_000);
});
