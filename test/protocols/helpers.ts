/**
 * @module test/protocols/helpers
 * Shared pieces of the protocol tests: the ring backends every test body runs under, seeded
 * randomness, share distribution and plaintext reference arithmetic in bigint.
 */
import { Prg } from '../../crypto-core/prg.js';
import { loadNativeRing, tsRing, type Ring64 } from '../../crypto-core/ring/index.js';
import type { Channel, PartyIndex } from '../../protocols/channel/channel.js';
import type { ProtocolContext } from '../../protocols/rss/context.js';
import type { LocalParties, LocalPartiesOptions } from '../../protocols/testing/local-parties.js';
import { PerturbingChannel, type Perturbation } from '../../protocols/testing/perturbing-channel.js';
import { shareSecret, type ReplicatedShare } from '../../protocols/rss/replicated-share.js';

/** The TypeScript ring always; the native ring too when the addon loads. */
export function ringsUnderTest(): Ring64[] {
  const native = loadNativeRing();
  return native.ok ? [tsRing, native.ring] : [tsRing];
}

/** A deterministic generator for a test, so every run sees the same values. */
export function seeded(label: string): Prg {
  return Prg.fromSeed(new Uint8Array(32).fill(7)).fork(label);
}

/** Shares `values` and returns party p's share for p = 0, 1, 2. */
export function dealt(values: BigUint64Array, rng: Prg, shape?: readonly number[]): (p: number) => ReplicatedShare {
  const s = shareSecret(values, rng, shape);
  return (p: number) => s[p]!;
}

/** Uniform signed values in (-2^bits, 2^bits) as ring elements. */
export function smallSigned(rng: Prg, n: number, bits: number): BigUint64Array {
  const raw = rng.u64(n);
  const out = new BigUint64Array(n);
  const m = (1n << BigInt(bits)) - 1n;
  for (let i = 0; i < n; i++) {
    const mag = raw[i]! & m;
    out[i] = (raw[i]! >> 63n) === 1n ? -mag : mag;
  }
  return out;
}

/** Signed interpretation of a ring element. */
export const signed = (v: bigint): bigint => BigInt.asIntN(64, v);

/** Plain elementwise map mod 2^64. */
export function mapU64(n: number, f: (i: number) => bigint): BigUint64Array {
  const out = new BigUint64Array(n);
  for (let i = 0; i < n; i++) out[i] = f(i);
  return out;
}

/** `ch` with every tag it sends appended to `tags`, in order (to list a party's message kinds). */
export function recordingChannel(ch: Channel, tags: string[]): Channel {
  return {
    self: ch.self,
    jobId: ch.jobId,
    get stats() {
      return ch.stats;
    },
    send: (to, tag, payload) => {
      tags.push(tag);
      return ch.send(to, tag, payload);
    },
    recv: (from, tag) => ch.recv(from, tag),
  };
}

/** What {@link runCheating} returns: each party's settled result and the messages the cheater altered. */
export interface CheatingOutcome {
  results: PromiseSettledResult<BigUint64Array>[];
  altered: string[];
}

/**
 * Runs `body` at three parties made by `make` (seeded with `seed`), `cheater`'s channel altering
 * what `rules` pick; a party whose body throws is cut off so that its peers do not wait for it.
 */
export async function runCheating(
  make: (opts: LocalPartiesOptions) => LocalParties,
  cheater: PartyIndex,
  rules: Perturbation[],
  seed: number,
  body: (ctx: ProtocolContext, self: PartyIndex) => Promise<BigUint64Array>,
): Promise<CheatingOutcome> {
  let wrapped: PerturbingChannel | undefined;
  const p = make({
    security: 'malicious',
    rng: Prg.fromSeed(new Uint8Array(32).fill(seed & 0xff)),
    wrapChannel: (ch, self) => (self === cheater ? (wrapped = new PerturbingChannel(ch, rules)) : ch),
  });
  const results = await Promise.allSettled(
    p.contexts.map(async (ctx) => {
      try {
        return await body(ctx, ctx.self);
      } catch (e) {
        p.network.kill(ctx.self);
        throw e;
      }
    }),
  );
  return { results, altered: wrapped?.log.altered ?? [] };
}
