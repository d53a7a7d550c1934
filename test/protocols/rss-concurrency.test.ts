/**
 * Concurrent protocol calls on one context, over a network that delays every message by a
 * pseudo-random amount (so arrivals are reordered differently at each party): the parties must
 * still agree on every step's tag. Results compared exactly with the clear computation.
 */
import { describe, expect, it } from 'vitest';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { open } from '../../protocols/rss/open.js';
import { mul } from '../../protocols/rss/mul.js';
import { equal, lessThan, relu } from '../../protocols/rss/comparison.js';
import { mulFixed } from '../../protocols/rss/truncate.js';
import { tsRing } from '../../crypto-core/ring/index.js';
import { dealt, mapU64, seeded, signed, smallSigned } from './helpers.js';

describe('concurrent composite protocols over a reordering network', () => {
  for (const delaySeed of [1, 2, 3]) {
    it(`relu, lessThan, equal, mulFixed and mul started together agree with the clear values (delay seed ${delaySeed})`, async () => {
      const rng = seeded(`conc${delaySeed}`);
      const n = 16;
      // 24-bit magnitudes: products stay far inside the ring, as fixed-point products must
      const x = smallSigned(rng, n, 24);
      const y = smallSigned(rng, n, 24);
      y[0] = x[0]!;
      const X = dealt(x, rng);
      const Y = dealt(y, rng);
      const p = createLocalParties({ ring: tsRing, rng: seeded(`conc-seeds${delaySeed}`), maxDelayMs: 2, delaySeed, recvTimeoutMs: 3_000 });
      const out = await p.run(async (ctx, i) => {
        const [r, lt, eq, mf, m] = await Promise.all([
          relu(ctx, X(i)),
          lessThan(ctx, X(i), Y(i)),
          equal(ctx, X(i), Y(i)),
          mulFixed(ctx, X(i), Y(i)),
          mul(ctx, X(i), Y(i)),
        ]);
        return Promise.all([open(ctx, r), open(ctx, lt), open(ctx, eq), open(ctx, mf), open(ctx, m)]);
      });
      const [r, lt, eq, mf, m] = out[0];
      expect(r).toEqual(mapU64(n, (t) => (signed(x[t]!) > 0n ? x[t]! : 0n)));
      expect(lt).toEqual(mapU64(n, (t) => (signed(x[t]!) < signed(y[t]!) ? 1n : 0n)));
      expect(eq).toEqual(mapU64(n, (t) => (x[t] === y[t] ? 1n : 0n)));
      expect(m).toEqual(mapU64(n, (t) => x[t]! * y[t]!));
      for (let t = 0; t < n; t++) {
        const exact = (signed(x[t]!) * signed(y[t]!)) >> 16n;
        const d = signed(mf![t]!) - exact;
        expect(d === 0n || d === 1n, `mulFixed element ${t} off by ${d}`).toBe(true);
      }
    });
  }
});
