/**
 * @module protocols/rss/correlated-randomness
 * Correlated randomness without a dealer (Araki et al., CCS 2016, section 2.2), as a provider
 * interface (CrypTen habit) so a test can swap the source. Party i holds two 32-byte PRF seeds:
 * k_i, shared with party i+1 (`next`), and k_{i-1}, shared with party i-1 (`prev`). The services
 * derive them from X25519 agreement and the job id; here they are parameters.
 *
 * Every draw is keyed by a label (the protocol step's tag) and expands the seed with
 * `Prg.fork(purpose + label)`, so the three parties agree on the randomness of a step without
 * talking and without coordinating stream offsets, and different purposes never share a stream.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { Prg } from '../../crypto-core/prg.js';
import type { PartyIndex } from '../channel/channel.js';
import type { ReplicatedShare } from './replicated-share.js';

/** Party i's two PRF seeds. */
export interface PairwiseSeeds {
  /** k_i, also held by party i+1. */
  readonly next: Uint8Array;
  /** k_{i-1}, also held by party i-1. */
  readonly prev: Uint8Array;
}

/** Source of the correlated randomness one party needs. Labels must be unique per use. */
export interface CorrelatedRandomness {
  /** The party this provider serves. */
  readonly self: PartyIndex;
  /** alpha_i = F(k_i) - F(k_{i-1}): the three parties' outputs sum to zero mod 2^64. */
  zeroShare(label: string, n: number): BigUint64Array;
  /** beta_i = F(k_i) xor F(k_{i-1}): the three parties' outputs xor to zero. */
  zeroShareBinary(label: string, n: number): BigUint64Array;
  /** F(k_i): the same values party i+1 gets from `sharedWithPrev(label)`. */
  sharedWithNext(label: string, n: number): BigUint64Array;
  /** F(k_{i-1}): the same values party i-1 gets from `sharedWithNext(label)`. */
  sharedWithPrev(label: string, n: number): BigUint64Array;
  /**
   * A share of a uniform random value r, with no communication: r_j = F(k_{j-1}), so party i
   * holds (F(k_{i-1}), F(k_i)). Useful for both arithmetic and binary sharings.
   */
  randomShare(label: string, n: number): ReplicatedShare;
}

function checkSeed(name: string, s: unknown): Uint8Array {
  if (!(s instanceof Uint8Array) || s.length !== 32) {
    throw new InvalidArgumentError(`${name}: expected 32-byte Uint8Array, got ${s instanceof Uint8Array ? `${s.length} bytes` : typeof s}`);
  }
  return s;
}

function checkCount(n: unknown): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`n: expected non-negative integer, got ${String(n)}`);
  return n;
}

function checkLabel(label: unknown): string {
  if (typeof label !== 'string' || label.length === 0) throw new InvalidArgumentError('label: expected non-empty string');
  return label;
}

/** PRF-based provider for party `self` from its two seeds. */
export function createCorrelatedRandomness(self: PartyIndex, seeds: PairwiseSeeds): CorrelatedRandomness {
  if (self !== 0 && self !== 1 && self !== 2) throw new InvalidArgumentError(`self: expected party index 0, 1 or 2, got ${String(self)}`);
  if (seeds === null || typeof seeds !== 'object') throw new InvalidArgumentError('seeds: expected { next, prev }');
  const next = Prg.fromSeed(checkSeed('seeds.next', seeds.next));
  const prev = Prg.fromSeed(checkSeed('seeds.prev', seeds.prev));
  const draw = (prg: Prg, purpose: string, label: string, n: number): BigUint64Array =>
    prg.fork(`${purpose}\u0000${checkLabel(label)}`).u64(checkCount(n));
  return Object.freeze({
    self,
    zeroShare(label: string, n: number) {
      const f = draw(next, 'zero', label, n);
      const g = draw(prev, 'zero', label, n);
      for (let t = 0; t < f.length; t++) f[t] = f[t]! - g[t]!;
      return f;
    },
    zeroShareBinary(label: string, n: number) {
      const f = draw(next, 'zero-xor', label, n);
      const g = draw(prev, 'zero-xor', label, n);
      for (let t = 0; t < f.length; t++) f[t] = f[t]! ^ g[t]!;
      return f;
    },
    sharedWithNext: (label: string, n: number) => draw(next, 'pair', label, n),
    sharedWithPrev: (label: string, n: number) => draw(prev, 'pair', label, n),
    randomShare: (label: string, n: number) => ({ a: draw(prev, 'rand', label, n), b: draw(next, 'rand', label, n) }),
  });
}

/**
 * Three mutually consistent seed pairs (k0, k1, k2 drawn from `rng`): party i gets
 * { next: k_i, prev: k_{i-1} }. For tests and single-process simulation; real parties derive
 * their seeds pairwise and never see the third key.
 */
export function generateSeedTriple(rng: Prg = Prg.random()): [PairwiseSeeds, PairwiseSeeds, PairwiseSeeds] {
  const k = [rng.bytes(32), rng.bytes(32), rng.bytes(32)];
  return [0, 1, 2].map((i) => ({ next: k[i]!, prev: k[(i + 2) % 3]! })) as [PairwiseSeeds, PairwiseSeeds, PairwiseSeeds];
}
