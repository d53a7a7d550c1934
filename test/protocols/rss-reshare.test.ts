import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { nextParty, prevParty, type PartyIndex } from '../../protocols/channel/channel.js';
import { reshareToStandby } from '../../protocols/rss/standby-reshare.js';
import { openChecked, type ReplicatedShare, type ShareTriple } from '../../protocols/rss/replicated-share.js';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { dealt, ringsUnderTest, seeded } from './helpers.js';

const N = 257;
const secret = seeded('reshare-secret').u64(N);
secret[0] = 0n;
secret[1] = 2n ** 64n - 1n;

/** The old trio's shares, dealt once (party j is the one that is lost). */
const oldShares = (): ShareTriple => {
  const d = dealt(secret, seeded('reshare-old'), [N]);
  return [d(0), d(1), d(2)];
};

/**
 * Everything a holder of party `lostShare`'s old pair (slot j) and one new party's share (slot k)
 * can add up: for each index i, every value of component x_i it knows (old or new), summed over
 * all choices. Returns true when any choice opens to the secret in some element.
 */
function attackerOpens(j: PartyIndex, lostShare: ReplicatedShare, k: PartyIndex, newShare: ReplicatedShare): boolean {
  const known: BigUint64Array[][] = [[], [], []];
  known[j]!.push(lostShare.a);
  known[nextParty(j)]!.push(lostShare.b);
  known[k]!.push(newShare.a);
  known[nextParty(k)]!.push(newShare.b);
  if (known.some((c) => c.length === 0)) return false;
  for (const c0 of known[0]!) for (const c1 of known[1]!) for (const c2 of known[2]!) {
    for (let e = 0; e < N; e++) if (BigInt.asUintN(64, c0[e]! + c1[e]! + c2[e]!) === secret[e]) return true;
  }
  return false;
}

/** The new trio (two remaining parties and the standby in slot j, fresh seeds) reshares `old`. */
async function reshare(j: PartyIndex, old: ShareTriple, ring = ringsUnderTest()[0]!): Promise<{ shares: ShareTriple; bytes: number[] }> {
  const trio = createLocalParties({ ring, rng: seeded(`standby-seeds-${j}`) });
  const shares = await trio.run((ctx, self) => reshareToStandby(ctx, j, self === j ? undefined : old[self], N, [N]));
  return { shares, bytes: trio.contexts.map((c) => c.channel.stats.bytesSent) };
}

/** What resharing without fresh randomness amounts to: the standby gets a copy of slot j's pair. */
function copyToStandby(j: PartyIndex, old: ShareTriple): ShareTriple {
  const s = [...old] as ReplicatedShare[];
  s[j] = { a: old[prevParty(j)]!.b.slice(), b: old[nextParty(j)]!.a.slice(), shape: [N] };
  return s as unknown as ShareTriple;
}

describe('resharing to a standby (protocols/rss/standby-reshare)', () => {
  for (const ring of ringsUnderTest()) {
    for (const j of [0, 1, 2] as const) {
      it(`[${ring.name}] slot ${j}: the new shares open (checked) to what the old ones open to, and differ from them`, async () => {
        const old = oldShares();
        expect(openChecked(old)).toEqual(secret);
        const { shares, bytes } = await reshare(j, old, ring);
        expect(openChecked(shares)).toEqual(secret);
        expect(shares[j].shape).toEqual([N]);
        for (const p of [0, 1, 2] as const) {
          let same = 0;
          for (let e = 0; e < N; e++) if (shares[p].a[e] === old[p].a[e] || shares[p].b[e] === old[p].b[e]) same++;
          expect(same).toBe(0);
        }
        // 8n bytes from each remaining party, nothing from the standby.
        expect(bytes[j]).toBe(0);
        expect(bytes[nextParty(j)]).toBe(8 * N);
        expect(bytes[prevParty(j)]).toBe(8 * N);
      });
    }
  }

  for (const j of [0, 1, 2] as const) {
    it(`slot ${j}: the quarantined party's old pair plus any one new share does not open (a plain copy to the standby does)`, async () => {
      const old = oldShares();
      // The attack against copying: the old pair with either remaining party's share opens x.
      const copied = copyToStandby(j, old);
      expect(attackerOpens(j, old[j], nextParty(j), copied[nextParty(j)])).toBe(true);
      expect(attackerOpens(j, old[j], prevParty(j), copied[prevParty(j)])).toBe(true);
      // The same attack against resharing: no combination of old and new components opens.
      const { shares } = await reshare(j, old);
      for (const k of [0, 1, 2] as const) expect(attackerOpens(j, old[j], k, shares[k])).toBe(false);
    });
  }

  it('reshares again after a second loss (slot 0 then slot 2) and still opens to the secret', async () => {
    const first = await reshare(0, oldShares());
    const second = await reshare(2, first.shares);
    expect(openChecked(second.shares)).toEqual(secret);
  });

  it('rejects a standby with a share, a remaining party without one, a wrong length or slot', async () => {
    const old = oldShares();
    const ctx = createLocalParties().contexts;
    await expect(reshareToStandby(ctx[1], 1, old[1], N)).rejects.toThrow(/standby in slot 1 holds no share/);
    await expect(reshareToStandby(ctx[2], 1, undefined, N)).rejects.toThrow(/remaining party 2 must pass its old share/);
    await expect(reshareToStandby(ctx[2], 1, old[2], N + 1)).rejects.toThrow(/expected 258 elements, got 257/);
    await expect(reshareToStandby(ctx[2], 3 as PartyIndex, old[2], N)).rejects.toThrow(InvalidArgumentError);
  });
});
