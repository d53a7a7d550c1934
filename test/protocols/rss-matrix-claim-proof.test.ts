/**
 * The matrix-claim statements (protocols/rss/malicious/matrix-claim-proof) against the attack
 * they exist for: a cheater that shifts one entry of its matmul reshare *consistently* (its own
 * copy and the copy it sends agree, so no digest-checked open can see it) and, to pass the zero
 * test, lies in its W by exactly ψ^T Δ φ. The zero test then passes (the W's sum to zero), and
 * the distributed proof is what catches it: both honest parties reject with check `proof`,
 * naming the cheater. Without the lie in W, the W's do not sum to zero (the zero test catches
 * it); with no deviation, W sums to zero and every proof passes.
 */
import { describe, expect, it } from 'vitest';
import { Prg } from '../../crypto-core/prg.js';
import { grConstant, grMul, GR_DEGREE } from '../../crypto-core/ring/galois-ring.js';
import { tsRing } from '../../crypto-core/ring/index.js';
import type { PartyIndex } from '../../protocols/channel/channel.js';
import { VerificationFailedError } from '../../protocols/rss/errors.js';
import { proveInnerProducts } from '../../protocols/rss/malicious/inner-product-proof.js';
import { exchangeW, matrixStatements } from '../../protocols/rss/malicious/matrix-claim-proof.js';
import { matmul } from '../../protocols/rss/mul.js';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { PerturbingChannel } from '../../protocols/testing/perturbing-channel.js';
import { dealt, seeded, smallSigned } from './helpers.js';

const D = GR_DEGREE;
const [m, k, n] = [2, 9, 5];
const delta = 1n << 40n;
const at = { row: 1, col: 3 };

interface Outcome {
  results: PromiseSettledResult<void>[];
  /** Sum of the three parties' W (the value the zero test checks). */
  wSum: bigint[];
}

async function attack(cheater: PartyIndex | undefined, lieInW: boolean): Promise<Outcome> {
  const rng = seeded('matrix-claim-attack');
  const X = dealt(smallSigned(rng, m * k, 20), rng);
  const Y = dealt(smallSigned(rng, k * n, 20), rng);
  const index = at.row * n + at.col;
  const p = createLocalParties({
    ring: tsRing,
    rng: Prg.fromSeed(new Uint8Array(32).fill(8)),
    recvTimeoutMs: 10_000,
    wrapChannel: (ch, self) => (self === cheater ? new PerturbingChannel(ch, [{ tag: /^matmul#\d+$/, index, delta }]) : ch),
  });
  // The batch coin, public to all three: the same ψ and φ at every party.
  const coin = Prg.fromSeed(new Uint8Array(32).fill(77));
  const ws: BigUint64Array[] = [];
  const results = await Promise.allSettled(
    p.contexts.map(async (ctx) => {
      const s = ctx.self;
      try {
        const z = await matmul(ctx, X(s), Y(s), m, k, n);
        if (s === cheater) z.a[index] = z.a[index]! + delta; // its own copy agrees with what it sent
        const st = matrixStatements(ctx, 'mp', [{ x: X(s), y: Y(s), z, m, k, n }], coin.fork('batch'));
        let w = st.w;
        if (s === cheater && lieInW) {
          // ψ^T Δ φ = δ ψ_row φ_col, from the same public coin.
          const psi = coin.fork('batch').fork('psi/0').u64(m * D).subarray(at.row * D, (at.row + 1) * D);
          const phi = coin.fork('batch').fork('phi/0').u64(n * D).subarray(at.col * D, (at.col + 1) * D);
          const shift = grMul(grConstant(delta), grMul(psi, phi));
          w = w.map((x, j) => x - shift[j]!);
        }
        ws[s] = w;
        const wNext = await exchangeW(ctx, 'mp', w);
        await proveInnerProducts(ctx, 'mp', st.length, st.roles(wNext));
      } catch (e) {
        p.network.kill(s);
        throw e;
      }
    }),
  );
  const wSum = Array.from({ length: D }, (_, j) => BigInt.asUintN(64, (ws[0]?.[j] ?? 0n) + (ws[1]?.[j] ?? 0n) + (ws[2]?.[j] ?? 0n)));
  return { results, wSum };
}

const isZero = (v: bigint[]): boolean => v.every((x) => x === 0n);

describe('matrix-claim statements', () => {
  it('honest: the W of the three parties sum to zero and every proof passes', async () => {
    const o = await attack(undefined, false);
    expect(o.results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(isZero(o.wSum)).toBe(true);
  });

  for (const cheater of [0, 1, 2] as PartyIndex[]) {
    it(`party ${cheater} shifts its reshare consistently: without a lie in W the zero test sees it; with the lie the zero test passes and the proof catches it`, async () => {
      const plain = await attack(cheater, false);
      expect(isZero(plain.wSum)).toBe(false);
      const lie = await attack(cheater, true);
      expect(isZero(lie.wSum)).toBe(true);
      for (const q of [0, 1, 2] as PartyIndex[]) {
        if (q === cheater) continue;
        const r = lie.results[q]!;
        expect(r.status, `honest party ${q}`).toBe('rejected');
        if (r.status === 'rejected') {
          expect(r.reason).toBeInstanceOf(VerificationFailedError);
          expect((r.reason as VerificationFailedError).check).toBe('proof');
          expect((r.reason as VerificationFailedError).suspects).toContain(cheater);
        }
      }
    });
  }
});
