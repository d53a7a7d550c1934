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
 *
 * Zero shares are the hot path of every product (one per output element): the two keystreams
 * are consumed in 64 KiB chunks straight from the cipher and combined by the ring backend (the
 * native addon when loaded) into the output, so neither stream is materialised in full and no
 * per-element BigInt loop runs in JavaScript.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { Prg } from '../../crypto-core/prg.js';
import { getRing, type Ring64 } from '../../crypto-core/ring/index.js';
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

/** Elements per keystream chunk of a zero share: the largest draw the Prg serves without a copy. */
const STREAM_CHUNK = Prg.CHUNK_BYTES / 8;

/**
 * out = op(F(a), F(b)) for two keystreams, chunk by chunk. The chunks are consecutive 8-byte
 * words of each stream, so the result is bit-identical to drawing both streams whole.
 */
function combineStreams(a: Prg, b: Prg, n: number, op: (x: BigUint64Array, y: BigUint64Array, out: BigUint64Array) => unknown): BigUint64Array {
  const out = new BigUint64Array(n);
  for (let off = 0; off < n; off += STREAM_CHUNK) {
    const len = Math.min(STREAM_CHUNK, n - off);
    op(a.u64(len), b.u64(len), out.subarray(off, off + len));
  }
  return out;
}

function checkRing(ring: unknown): Ring64 {
  const r = ring as Ring64 | null;
  if (r === null || typeof r !== 'object' || typeof r.sub !== 'function' || typeof r.xor !== 'function') {
    throw new InvalidArgumentError('ring: expected a Ring64 backend');
  }
  return r;
}

/**
 * PRF-based provider for party `self` from its two seeds. `ring` does the elementwise combining
 * of the zero shares (default `getRing()`: native when available); the values do not depend on
 * the backend.
 */
export function createCorrelatedRandomness(self: PartyIndex, seeds: PairwiseSeeds, ring: Ring64 = getRing()): CorrelatedRandomness {
  if (self !== 0 && self !== 1 && self !== 2) throw new InvalidArgumentError(`self: expected party index 0, 1 or 2, got ${String(self)}`);
  if (seeds === null || typeof seeds !== 'object') throw new InvalidArgumentError('seeds: expected { next, prev }');
  const next = Prg.fromSeed(checkSeed('seeds.next', seeds.next));
  const prev = Prg.fromSeed(checkSeed('seeds.prev', seeds.prev));
  const r = checkRing(ring);
  const stream = (prg: Prg, purpose: string, label: string): Prg => prg.fork(`${purpose}\u0000${checkLabel(label)}`);
  const draw = (prg: Prg, purpose: string, label: string, n: number): BigUint64Array => stream(prg, purpose, label).u64(checkCount(n));
  return Object.freeze({
    self,
    zeroShare(label: string, n: number) {
      const f = stream(next, 'zero', label);
      const g = stream(prev, 'zero', label);
      return combineStreams(f, g, checkCount(n), (x, y, o) => r.sub(x, y, o));
    },
    zeroShareBinary(label: string, n: number) {
      const f = stream(next, 'zero-xor', label);
      const g = stream(prev, 'zero-xor', label);
      return combineStreams(f, g, checkCount(n), (x, y, o) => r.xor(x, y, o));
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
