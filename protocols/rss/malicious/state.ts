/**
 * @module protocols/rss/malicious/state
 * What a malicious-mode context carries for its job, shared by all its scopes: the list of
 * product claims not yet verified, the recording channel, and the components this party used
 * in each zero test (kept for its evidence).
 */
import type { Channel } from '../../channel/channel.js';
import type { BinaryShare } from '../binary-share-type.js';
import type { ReplicatedShare } from '../replicated-share.js';
import { TranscriptChannel } from './transcript.js';

/**
 * A claim to verify. `hadamard`: z = sum over groups of `group` consecutive elements of x∘y
 * (group 1: elementwise product; group L: dot products of length L). `matmul`: z = x·y with
 * x m×k, y k×n. `zero`: the shared vector w is zero (a linear relation). `and`: z = x & y on
 * boolean shares, every bit of every word one AND gate (malicious/verify-ands).
 */
export type ProductClaim =
  | { readonly kind: 'hadamard'; readonly x: ReplicatedShare; readonly y: ReplicatedShare; readonly z: ReplicatedShare; readonly group: number }
  | { readonly kind: 'matmul'; readonly x: ReplicatedShare; readonly y: ReplicatedShare; readonly z: ReplicatedShare; readonly m: number; readonly k: number; readonly n: number }
  | { readonly kind: 'zero'; readonly w: ReplicatedShare }
  | AndClaim;

/** A claim z = x & y on boolean shares (64 AND gates per word). */
export interface AndClaim {
  readonly kind: 'and';
  readonly x: BinaryShare;
  readonly y: BinaryShare;
  readonly z: BinaryShare;
}

/** This party's two components of a zero test's check vectors (u64 words, little-endian order of the check). */
export interface ZeroTestComponents {
  readonly a: BigUint64Array;
  readonly b: BigUint64Array;
}

/** The job state of a malicious context. */
export interface MaliciousState {
  readonly transcript: TranscriptChannel;
  /**
   * Claims registered and not yet taken by a verification, by claim id (the product's step tag,
   * the same at the three parties whatever order concurrent calls registered them in).
   */
  readonly pending: Map<string, Promise<ProductClaim>>;
  /** Zero-test components by step tag (the last few batches). */
  readonly zeroTests: Map<string, ZeroTestComponents>;
}

/** A fresh state around the job's channel. */
export function createMaliciousState(channel: Channel): MaliciousState {
  return { transcript: new TranscriptChannel(channel), pending: new Map(), zeroTests: new Map() };
}

/**
 * Registers the claim `build(output)` (made once the product's output is known) under `id` on a
 * malicious context's state; no-op without one, so semi-honest products build nothing and
 * attach nothing to their output. `id` is a step tag of the call (unique in the job, equal at
 * the three parties); a verification orders claims by id, never by registration order, which
 * concurrent calls make differ between parties.
 */
export function registerClaim<T>(state: MaliciousState | undefined, id: string, output: Promise<T>, build: (out: T) => ProductClaim): void {
  if (state === undefined) return;
  const claim = output.then(build);
  // A product that fails rejects its claim too; the job's error is reported by the product.
  claim.catch(() => undefined);
  state.pending.set(id, claim);
}

/** How many zero-test component sets a party keeps for evidence. */
export const KEPT_ZERO_TESTS = 4;

/** Stores this party's zero-test components of `step`, dropping the oldest beyond {@link KEPT_ZERO_TESTS}. */
export function keepZeroTest(state: MaliciousState, step: string, c: ZeroTestComponents): void {
  state.zeroTests.set(step, c);
  while (state.zeroTests.size > KEPT_ZERO_TESTS) state.zeroTests.delete(state.zeroTests.keys().next().value!);
}
