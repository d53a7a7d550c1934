/**
 * thresholdCounts (protocols/analytics/threshold-counts) against the clear counts, under every
 * ring backend: values on lo, hi and every threshold, thresholds below lo, at lo, at hi and
 * above it (the public decisions), two columns with different widths (a negative range too)
 * and one wider than 32 bits (the per-row path), three gates including all-zero and all-one,
 * gated-off rows holding values far outside the range, n = 130 (not a multiple of 64), and the
 * malicious mode in threshold-counts-malicious.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { thresholdCounts } from '../../protocols/analytics/threshold-counts.js';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { open } from '../../protocols/rss/open.js';
import { concat } from '../../protocols/rss/local-ops.js';
import { dealt, mapU64, ringsUnderTest, seeded } from '../protocols/helpers.js';

const U = (v: bigint): bigint => BigInt.asUintN(64, v);

for (const ring of ringsUnderTest()) {
  describe(`thresholdCounts (ring: ${ring.name})`, () => {
    const rng = seeded(`tc-${ring.name}`);
    const n = 130;
    const cols = [
      { lo: 0n, hi: 65538n, thresholds: [-5n, 0n, 1n, 6554n, 32768n, 65536n, 65537n, 65538n, 65539n, 1n << 40n] },
      { lo: -3277n, hi: 3277n, thresholds: [-3277n, -3276n, -1n, 0n, 100n, 3277n, 3278n] },
      { lo: -(1n << 40n), hi: 1n << 40n, thresholds: [-(1n << 39n), 0n, 12345n, 1n << 40n] },
    ];
    const gatesClear = [mapU64(n, (r) => BigInt(r % 3 !== 1 ? 1 : 0)), new BigUint64Array(n), new BigUint64Array(n).fill(1n)];
    // Values: the range ends, every in-range threshold t and t - 1 first, then random in range
    // (rows outside the range under a 0 gate: the next test).
    const values = cols.map((c) => {
      const span = c.hi - c.lo + 1n;
      const special = [c.lo, c.hi, ...c.thresholds.filter((t) => t >= c.lo && t <= c.hi), ...c.thresholds.filter((t) => t - 1n >= c.lo && t - 1n <= c.hi).map((t) => t - 1n)];
      const raw = rng.u64(n);
      return mapU64(n, (r) => U(r < special.length ? special[r]! : c.lo + (raw[r]! % span)));
    });
    it('matches the clear counts for every gate, column and threshold', async () => {
      const X = values.map((v) => dealt(v, rng));
      const G = gatesClear.map((g) => dealt(g, rng));
      const p = createLocalParties({ ring, rng: seeded(`tc-p-${ring.name}`) });
      const out = await p.run((ctx, i) => thresholdCounts(ctx, cols.map((c, ci) => ({ x: X[ci]!(i), lo: c.lo, hi: c.hi, thresholds: c.thresholds })), G.map((g) => g(i))));
      const flat = (i: number) => concat(out[i]!.flat(2));
      const got = (await p.run((ctx, i) => open(ctx, flat(i))))[0];
      const want: bigint[] = [];
      gatesClear.forEach((g) =>
        cols.forEach((c, ci) =>
          c.thresholds.forEach((t) => {
            let s = 0n;
            for (let r = 0; r < n; r++) if (g[r] === 1n && BigInt.asIntN(64, values[ci]![r]!) < t) s++;
            want.push(s);
          }),
        ),
      );
      expect([...got]).toEqual(want);
    });

    it('gated-off rows outside the range do not change the counts', async () => {
      const v = values[0]!.slice();
      for (let r = 1; r < n; r += 3) v[r] = U(r % 2 ? -(1n << 50n) : 1n << 33n);
      const X = dealt(v, rng);
      const G = dealt(gatesClear[0]!, rng);
      const c = cols[0]!;
      const p = createLocalParties({ ring, rng: seeded(`tc-q-${ring.name}`) });
      const out = await p.run((ctx, i) => thresholdCounts(ctx, [{ x: X(i), lo: c.lo, hi: c.hi, thresholds: c.thresholds }], [G(i)]));
      const got = (await p.run((ctx, i) => open(ctx, concat(out[i]![0]![0]!))))[0];
      expect([...got]).toEqual(c.thresholds.map((t) => BigInt(values[0]!.filter((x, r) => gatesClear[0]![r] === 1n && BigInt.asIntN(64, x) < t).length)));
    });
  });
}
