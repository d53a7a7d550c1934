/**
 * @module test/functions/secure-harness
 * Runs one secure function at three in-memory parties on client-shared fixed-point inputs and
 * opens the result with the checked reconstruction, for comparison with float64.
 */
import { Prg } from '../../crypto-core/prg.js';
import { decodeFixed, encodeFixed } from '../../crypto-core/ring/index.js';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { openChecked, shareSecret, type ReplicatedShare } from '../../protocols/rss/replicated-share.js';
import type { ProtocolContext } from '../../protocols/rss/context.js';

/** Outputs and the rounds party 0 spent. */
export interface SecureRun {
  readonly values: Float64Array;
  readonly rounds: number;
  /** Latency depth of the run (longest chain of dependent messages; MemoryNetwork.depth). */
  readonly depth: number;
  readonly bytesSent: number;
}

/** A deterministic generator for a test (seeded by a label). */
export function seeded(label: string): Prg {
  const seed = new Uint8Array(32);
  new TextEncoder().encodeInto(label.padEnd(32, '.').slice(0, 32), seed);
  return Prg.fromSeed(seed);
}

/** Shares `inputs` at fixed point f, runs `body` at the three parties, opens and decodes (at `outputFractionBits`, default f). */
export async function runSecure(
  label: string,
  fractionBits: number,
  inputs: readonly number[] | Float64Array,
  body: (ctx: ProtocolContext, x: ReplicatedShare) => Promise<ReplicatedShare>,
  outputFractionBits?: number,
): Promise<SecureRun> {
  const rng = seeded(label);
  const parties = createLocalParties({ fractionBits, rng: rng.fork('seeds') });
  const shares = shareSecret(encodeFixed(Array.from(inputs), fractionBits), rng.fork('input'));
  const out = await parties.run((ctx, self) => body(ctx, shares[self]));
  // Rounds: the largest count of the three parties (a party that only sends in a step, like
  // party 0 in a truncation, counts fewer); bytes: the most any one party sent.
  const rounds = Math.max(...parties.contexts.map((c) => c.channel.stats.rounds));
  const bytesSent = Math.max(...parties.contexts.map((c) => c.channel.stats.bytesSent));
  return { values: decodeFixed(openChecked(out), outputFractionBits ?? fractionBits), rounds, depth: parties.network.depth(), bytesSent };
}

/** Evenly spaced grid from a to b inclusive. */
export function linspace(a: number, b: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}

/** Log-spaced grid from a to b inclusive. */
export function logspace(a: number, b: number, n: number): number[] {
  return linspace(Math.log(a), Math.log(b), n).map(Math.exp);
}

/** Maximum of |got - want| and of |got - want| / |want|. */
export function errors(got: Float64Array, want: readonly number[]): { abs: number; rel: number } {
  let abs = 0;
  let rel = 0;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i]! - want[i]!);
    abs = Math.max(abs, e);
    rel = Math.max(rel, e / Math.abs(want[i]!));
  }
  return { abs, rel };
}
