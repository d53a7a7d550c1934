/**
 * truncateExact against the exact floor in the clear (tolerance zero): values of both signs up
 * to the stated bound, at bounds where the probabilistic share truncation would fail often.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { truncateExact } from '../../protocols/analytics/exact-truncate.js';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { openChecked, shareSecret } from '../../protocols/rss/replicated-share.js';
import { seeded } from './breast-cancer-fixture.js';

describe('truncateExact', () => {
  it.each([
    [16, 40],
    [32, 61],
    [20, 62],
  ])('floors x / 2^%i exactly for |x| < 2^%i', async (bits, maxBits) => {
    const rng = seeded(`trunc-${bits}-${maxBits}`);
    const lim = 1n << BigInt(maxBits);
    const raw = rng.u64(200);
    const xs = Array.from(raw, (v, i) => (i === 0 ? lim - 1n : i === 1 ? -lim + 1n : i === 2 ? -1n : i === 3 ? 0n : BigInt.asIntN(64, v) % lim));
    const shares = shareSecret(BigUint64Array.from(xs, (v) => BigInt.asUintN(64, v)), rng.fork('shares'));
    const parties = createLocalParties({ rng: rng.fork('seeds') });
    const out = await parties.run((ctx, self) => truncateExact(ctx, shares[self], bits, maxBits));
    const got = Array.from(openChecked(out), (v) => BigInt.asIntN(64, v));
    const want = xs.map((v) => v >> BigInt(bits)); // BigInt >> is floor division for negatives
    expect(got).toEqual(want);
  });

  it('rejects bounds outside the ring', async () => {
    const parties = createLocalParties();
    const s = shareSecret(new BigUint64Array(1));
    await expect(truncateExact(parties.contexts[0], s[0], 16, 63)).rejects.toThrow(InvalidArgumentError);
    await expect(truncateExact(parties.contexts[0], s[0], 40, 40)).rejects.toThrow(/bits: expected integer in 0..39/);
  });
});
