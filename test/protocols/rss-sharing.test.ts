import { describe, expect, it } from 'vitest';
import { openChecked, reconstruct, shareSecret, type ReplicatedShare } from '../../protocols/rss/replicated-share.js';
import { createCorrelatedRandomness, generateSeedTriple } from '../../protocols/rss/correlated-randomness.js';
import { InconsistentShareError, ShapeError } from '../../protocols/rss/errors.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { seeded } from './helpers.js';

const values = new BigUint64Array([0n, 1n, 2n ** 64n - 1n, 2n ** 63n, 123456789012345678n]);

describe('replicated sharing (client side)', () => {
  it('shareSecret -> reconstruct / openChecked gives the secret back', () => {
    const s = shareSecret(values, seeded('share'));
    expect(reconstruct(s)).toEqual(values);
    expect(openChecked(s)).toEqual(values);
    // party i holds (x_i, x_{i+1}): party i's b is party i+1's a
    for (let i = 0; i < 3; i++) expect(s[i]!.b).toEqual(s[(i + 1) % 3]!.a);
  });

  it('each party alone sees values that do not depend on the secret (different secrets, same rng -> same x1, x2)', () => {
    const s1 = shareSecret(values, seeded('same'));
    const s2 = shareSecret(new BigUint64Array(values.length), seeded('same'));
    // Party 1 holds (x1, x2): drawn from rng only, independent of the secret.
    expect(s1[1]).toEqual(s2[1]);
  });

  it('keeps the shape and rejects a shape that does not fit', () => {
    const s = shareSecret(new BigUint64Array(6), seeded('shape'), [2, 3]);
    expect(s[2].shape).toEqual([2, 3]);
    expect(() => shareSecret(new BigUint64Array(5), seeded('shape'), [2, 3])).toThrow(ShapeError);
  });

  const alter = (s: ReplicatedShare, which: 'a' | 'b' | 'both', at: number): ReplicatedShare => {
    const a = s.a.slice();
    const b = s.b.slice();
    if (which !== 'b') a[at] = a[at]! + 1n;
    if (which !== 'a') b[at] = b[at]! ^ 0x10n;
    return { a, b };
  };

  for (const liar of [0, 1, 2] as const) {
    it(`names party ${liar} as the culprit when it alters both of its components`, () => {
      const s = [...shareSecret(values, seeded(`liar${liar}`))] as [ReplicatedShare, ReplicatedShare, ReplicatedShare];
      s[liar] = alter(s[liar], 'both', 2);
      const err = (() => {
        try {
          openChecked(s);
        } catch (e) {
          return e as InconsistentShareError;
        }
        throw new Error('expected InconsistentShareError');
      })();
      expect(err).toBeInstanceOf(InconsistentShareError);
      expect(err.culprit).toBe(liar);
      expect(err.suspects).toEqual([liar]);
      expect(err.message).toContain(`party ${liar}`);
    });

    it(`names the pair around party ${liar} when it alters one component only (even across elements)`, () => {
      const s = [...shareSecret(values, seeded(`one${liar}`))] as [ReplicatedShare, ReplicatedShare, ReplicatedShare];
      s[liar] = alter(s[liar], 'a', 0);
      expect(() => openChecked(s)).toThrow(InconsistentShareError);
      try {
        openChecked(s);
      } catch (e) {
        const err = e as InconsistentShareError;
        expect(err.culprit).toBeUndefined();
        expect(err.suspects).toContain(liar);
        expect(err.suspects).toContain((liar + 2) % 3); // x_liar is also held by party liar-1
        expect(err.components).toEqual([liar]);
      }
      // altering a in one element and b in another still pins the liar
      const t = [...shareSecret(values, seeded(`split${liar}`))] as [ReplicatedShare, ReplicatedShare, ReplicatedShare];
      const a = t[liar].a.slice();
      const b = t[liar].b.slice();
      a[1] = a[1]! + 5n;
      b[4] = b[4]! + 7n;
      t[liar] = { a, b };
      expect(() => openChecked(t)).toThrow(expect.objectContaining({ culprit: liar }));
    });
  }

  it('reports all three parties when every component disagrees', () => {
    const s = shareSecret(values, seeded('all')).map((x) => alter(x, 'a', 1)) as [ReplicatedShare, ReplicatedShare, ReplicatedShare];
    expect(() => openChecked(s)).toThrow(expect.objectContaining({ suspects: [0, 1, 2], culprit: undefined }));
  });

  it('rejects malformed input naming the parameter', () => {
    expect(() => shareSecret([1n] as unknown as BigUint64Array)).toThrow(/values/);
    expect(() => reconstruct([] as unknown as [ReplicatedShare, ReplicatedShare, ReplicatedShare])).toThrow(InvalidArgumentError);
    const s = shareSecret(values, seeded('bad'));
    expect(() => openChecked([s[0], s[1], { a: new BigUint64Array(1), b: new BigUint64Array(1) }])).toThrow(/shares\[2\]/);
    expect(() => openChecked([s[0], s[1], { a: new BigUint64Array(5), b: new BigUint64Array(4) }])).toThrow(ShapeError);
  });
});

describe('correlated randomness from pairwise seeds', () => {
  const seeds = generateSeedTriple(seeded('seeds'));
  const cr = [0, 1, 2].map((i) => createCorrelatedRandomness(i as 0 | 1 | 2, seeds[i]!));

  it('zero shares sum (and xor) to zero, and differ per label', () => {
    const z = cr.map((c) => c.zeroShare('step#1', 64));
    const zb = cr.map((c) => c.zeroShareBinary('step#1', 64));
    for (let t = 0; t < 64; t++) {
      expect(BigInt.asUintN(64, z[0]![t]! + z[1]![t]! + z[2]![t]!)).toBe(0n);
      expect(zb[0]![t]! ^ zb[1]![t]! ^ zb[2]![t]!).toBe(0n);
    }
    expect(z[0]![0]).not.toBe(0n);
    expect(cr[0]!.zeroShare('step#2', 1)[0]).not.toBe(z[0]![0]);
  });

  it('pairwise draws agree between neighbours and random shares are consistent', () => {
    for (let i = 0; i < 3; i++) {
      expect(cr[i]!.sharedWithNext('p', 8)).toEqual(cr[(i + 1) % 3]!.sharedWithPrev('p', 8));
      expect(cr[i]!.randomShare('r', 8).b).toEqual(cr[(i + 1) % 3]!.randomShare('r', 8).a);
    }
    // different purposes under the same label are independent streams
    expect(cr[0]!.sharedWithNext('x', 1)[0]).not.toBe(cr[0]!.randomShare('x', 1).b[0]);
  });

  it('rejects bad seeds and labels', () => {
    expect(() => createCorrelatedRandomness(0, { next: new Uint8Array(31), prev: new Uint8Array(32) })).toThrow(/seeds.next/);
    expect(() => createCorrelatedRandomness(3 as 0, seeds[0])).toThrow(/self/);
    expect(() => cr[0]!.zeroShare('', 1)).toThrow(/label/);
    expect(() => cr[0]!.zeroShare('x', -1)).toThrow(/n:/);
  });
});
