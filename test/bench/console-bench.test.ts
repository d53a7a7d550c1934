/**
 * Smoke run of the console benchmark (`mpc bench console --quick`): a real cluster and gateway,
 * a signed log of 10,000 entries, page loads in headless Chromium. Checks the lines it emits
 * (three cases, in-page times, one page of rows rendered), not the times.
 */
import { describe, expect, it } from 'vitest';
import type { BenchCase } from '../../bench/bench-case.js';
import { suite } from '../../bench/console.js';
import { CHROMIUM, HAVE_CHROMIUM } from '../console/console-browser.js';

if (!HAVE_CHROMIUM) console.warn(`test/bench/console-bench skipped: no Chromium at ${CHROMIUM}`);

describe.skipIf(!HAVE_CHROMIUM)('console benchmark, quick', () => {
  it('emits first render, head verified and entry verified for 10,000 entries against the 100-entry baseline', async () => {
    const lines: BenchCase[] = [];
    await suite.run({ json: true, quick: true, emit: (c) => lines.push(c) });
    expect(lines.map((l) => l.case)).toEqual(['first render 10000 entries', 'head verified 10000 entries', 'entry verified 10000 entries']);
    for (const l of lines) {
      expect(l).toMatchObject({ suite: 'console', impl: 'chromium', baseline: '100 entries', entries: 10_000, rows_rendered: 50, loads: 3 });
      expect(l.median_ms).toBeGreaterThan(0);
      expect(l.ratio).toBeGreaterThan(0);
    }
  }, 180_000);
});
