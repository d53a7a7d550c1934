/**
 * Histogram bins by secret binary search against the plaintext bin rule (exact counts):
 * values on the edges, below the first and above the last edge, the closed last bin, and bin
 * counts that fill the search exactly (m + 2 a power of two) or leave padding slots.
 */
import { describe, expect, it } from 'vitest';
import { encodeFixed } from '../../crypto-core/ring/index.js';
import { defaultCompareOps } from '../../protocols/analytics/default-compare-ops.js';
import { histogramBins, histogramThresholds } from '../../protocols/analytics/secure-histogram.js';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { openChecked, shareSecret } from '../../protocols/rss/replicated-share.js';
import { seeded } from './breast-cancer-fixture.js';

function clearBins(xs: readonly number[], bins: readonly number[]): number[][] {
  const m = bins.length - 1;
  return Array.from({ length: m }, (_, j) => xs.map((x) => (x >= bins[j]! && (j === m - 1 ? x <= bins[j + 1]! : x < bins[j + 1]!) ? 1 : 0)));
}

describe('histogramBins', () => {
  it.each([
    [[0, 10], 'one bin'],
    [[0, 2, 4, 6, 8, 10, 12, 14], '7 bins: m + 2 = 9 slots, 16 with padding'],
    [[-1, 1, 2, 3, 4, 5, 6], '6 bins: m + 2 = 8 slots exactly'],
    [[1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6], '10 bins'],
  ])('%j (%s) gives the plaintext indicator of every row', async (bins) => {
    const xs = [-3, -1, 0, 0.5, 1, 1.5, 2, 2.25, 3, 4, 5, 5.5, 6, 6.5, 8, 9.99, 10, 10.5, 12, 14, 15, 20];
    const rng = seeded(`hist-${bins.length}`);
    const shares = shareSecret(encodeFixed(xs, 16), rng.fork('x'));
    const parties = createLocalParties({ rng: rng.fork('seeds') });
    const spec = histogramThresholds(bins, 20, 16);
    const out = await parties.run((ctx, self) => histogramBins(ctx, defaultCompareOps, [{ x: shares[self], ...spec }, { x: shares[self], ...histogramThresholds([0, 5, 20], 20, 16) }], xs.length));
    const opened = (h: number, j: number): number[] => Array.from(openChecked([out[0][h]![j]!, out[1][h]![j]!, out[2][h]![j]!]), Number);
    const want = clearBins(xs, bins);
    want.forEach((row, j) => expect(opened(0, j), `bin ${j}`).toEqual(row));
    clearBins(xs, [0, 5, 20]).forEach((row, j) => expect(opened(1, j), `second histogram bin ${j}`).toEqual(row));
  });
});
