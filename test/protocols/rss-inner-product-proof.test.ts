/**
 * The distributed inner-product proof (protocols/rss/malicious/inner-product-proof), three
 * provers at once over the in-memory channel, on both Galois-ring backends: true claims of any
 * length pass; a false claim (the shape of a reshare lie whose W was adjusted to pass the zero
 * test: the verifiers' claim is off by a non-zero element, including one divisible by 2^63) and
 * vectors the prover does not share with its verifiers are caught by both verifiers of that
 * proof; a cheating party that alters any message of the proof (as prover or verifier) is caught
 * by an honest party that names it among its suspects.
 */
import { describe, expect, it } from 'vitest';
import { Prg } from '../../crypto-core/prg.js';
import { GR_DEGREE, tsGalois } from '../../crypto-core/ring/galois-ring.js';
import { getRing, tsRing } from '../../crypto-core/ring/index.js';
import type { Ring64 } from '../../crypto-core/ring/ring64.js';
import type { PartyIndex } from '../../protocols/channel/channel.js';
import { VerificationFailedError } from '../../protocols/rss/errors.js';
import { proveInnerProducts, type ProofRoles } from '../../protocols/rss/malicious/inner-product-proof.js';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { PerturbingChannel, type Perturbation } from '../../protocols/testing/perturbing-channel.js';

const D = GR_DEGREE;
const rng = Prg.fromSeed(new Uint8Array(32).fill(44));

interface Statement {
  u: BigUint64Array;
  v: BigUint64Array;
  cP: BigUint64Array;
  cN: BigUint64Array;
}

/** Statement i: random u, v of n elements and a random split of <u, v> (plus `offset`). */
function statements(n: number, offsets: (BigUint64Array | undefined)[] = []): Statement[] {
  return [0, 1, 2].map((i) => {
    const u = rng.u64(n * D);
    const v = rng.u64(n * D);
    const c = tsGalois.dot(u, v);
    const off = offsets[i];
    if (off) for (let w = 0; w < D; w++) c[w] = c[w]! + off[w]!;
    const cP = rng.u64(D);
    const cN = c.map((x, w) => x - cP[w]!);
    return { u, v, cP, cN };
  });
}

/** Party j's roles: prover of statement j, u-holder of j+1, v-holder of j-1. */
function roles(st: Statement[], j: PartyIndex, proverView?: Partial<Statement>): ProofRoles {
  const nextSt = st[(j + 1) % 3]!;
  const prevSt = st[(j + 2) % 3]!;
  return {
    prover: { u: proverView?.u ?? st[j]!.u, v: proverView?.v ?? st[j]!.v },
    uHolder: { u: nextSt.u, c: nextSt.cP },
    vHolder: { v: prevSt.v, c: prevSt.cN },
  };
}

async function run(ring: Ring64, n: number, st: Statement[], opts: { cheater?: PartyIndex; rules?: Perturbation[]; proverViews?: Partial<Record<PartyIndex, Partial<Statement>>> } = {}) {
  let wrapped: PerturbingChannel | undefined;
  const p = createLocalParties({
    ring,
    rng: Prg.fromSeed(new Uint8Array(32).fill(5)),
    recvTimeoutMs: 10_000,
    wrapChannel: (ch, self) => (self === opts.cheater ? (wrapped = new PerturbingChannel(ch, opts.rules ?? [])) : ch),
  });
  const results = await Promise.allSettled(
    p.contexts.map(async (ctx) => {
      try {
        await proveInnerProducts(ctx.scope('verify'), 'proof', n, roles(st, ctx.self, opts.proverViews?.[ctx.self]));
      } catch (e) {
        p.network.kill(ctx.self);
        throw e;
      }
    }),
  );
  return { results, altered: wrapped?.log.altered ?? [] };
}

const rings: Ring64[] = [tsRing, ...(getRing().name === 'native' ? [getRing()] : [])];

describe('inner-product proof', () => {
  for (const ring of rings) {
    it(`${ring.name}: true claims pass at lengths 1, 2, 3, 7, 64 and 300`, async () => {
      for (const n of [1, 2, 3, 7, 64, 300]) {
        const o = await run(ring, n, statements(n));
        expect(o.results.map((r) => r.status), `n = ${n}`).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      }
    });
  }

  it('a false claim is caught by both verifiers of that proof, whatever the offset (1, 2^63, a random element)', async () => {
    const big = new BigUint64Array(D);
    big[0] = 1n << 63n;
    const one = new BigUint64Array(D);
    one[3] = 1n;
    for (const [n, off] of [
      [5, one],
      [16, big],
      [33, rng.u64(D)],
    ] as const) {
      for (const prover of [0, 1, 2] as PartyIndex[]) {
        const offsets: (BigUint64Array | undefined)[] = [];
        offsets[prover] = off;
        const o = await run(tsRing, n, statements(n, offsets));
        // The two verifiers of prover's proof are its neighbours, i.e. the other two parties.
        for (const q of [0, 1, 2] as PartyIndex[]) {
          if (q === prover) continue;
          const r = o.results[q]!;
          expect(r.status, `n = ${n}, prover ${prover}, verifier ${q}`).toBe('rejected');
          if (r.status === 'rejected') {
            expect(r.reason).toBeInstanceOf(VerificationFailedError);
            expect((r.reason as VerificationFailedError).check).toBe('proof');
            expect((r.reason as VerificationFailedError).suspects).toContain(prover);
          }
        }
      }
    }
  });

  it('a prover that uses another v than its v-holder holds is caught', async () => {
    const n = 20;
    const st = statements(n);
    const v = st[1]!.v.slice();
    v[7 * D + 2] = v[7 * D + 2]! + 1n;
    const o = await run(tsRing, n, st, { proverViews: { 1: { v } } });
    expect(o.results[0]!.status).toBe('rejected');
    expect(o.results[2]!.status).toBe('rejected');
  });

  const kinds: [string, RegExp, boolean?][] = [
    ['round message to the v-holder', /\/round\d+\/h$/],
    ['challenge seed to the prover', /\/round\d+\/r$/],
    ['last message to the v-holder', /\/last\/h$/],
    ['revealed g(r) to the u-holder', /\/last\/g$/],
    ['check digest', /\/last\/check$/, true],
  ];
  for (const [name, tag, flip] of kinds) {
    it(`an altered ${name} is caught by an honest party naming the cheater, whichever party alters it`, async () => {
      for (const cheater of [0, 1, 2] as PartyIndex[]) {
        for (const occurrence of [0, 1]) {
          const n = 40;
          const o = await run(tsRing, n, statements(n), { cheater, rules: [{ tag, occurrence, flipByte: flip ?? false, index: 3 }] });
          if (o.altered.length === 0) continue;
          const honest = ([0, 1, 2] as PartyIndex[]).filter((q) => q !== cheater);
          const named = honest.some((q) => {
            const r = o.results[q]!;
            return r.status === 'rejected' && r.reason instanceof VerificationFailedError && r.reason.suspects.includes(cheater);
          });
          expect(named, `${name} by party ${cheater} (occurrence ${occurrence})`).toBe(true);
        }
      }
    });
  }
});
