/**
 * @module bench/rss-malicious
 * Malicious-with-abort against semi-honest mode (docs/protocols-malicious.md), measured in the
 * same run on the in-memory channel (three contexts in this process, so the times are the
 * protocols' local work and the verification, without the network): each case runs the
 * operation and `verifyJob` in both modes on the same inputs and reports the medians, the
 * time ratio, the bytes each party sends and the rounds (Lamport depth) of each mode.
 * `ratio` is semi-honest / malicious (< 1: the price of malicious security).
 */
import { encodeFixed, getRing } from '../crypto-core/ring/index.js';
import { Prg } from '../crypto-core/prg.js';
import type { PartyIndex } from '../protocols/channel/channel.js';
import { relu } from '../protocols/rss/comparison.js';
import type { ProtocolContext, SecurityMode } from '../protocols/rss/context.js';
import { verifyJob } from '../protocols/rss/malicious/verify-products.js';
import { dot, matmul, mul } from '../protocols/rss/mul.js';
import { shareSecret, type ReplicatedShare } from '../protocols/rss/replicated-share.js';
import { matmulFixed } from '../protocols/rss/truncate.js';
import { createLocalParties } from '../protocols/testing/local-parties.js';
import type { BenchOptions } from './bench-case.js';
import { median } from './bench-case.js';

interface MaliciousCase {
  name: string;
  /** Ring elements of each operand (x, y). */
  sizes: [number, number];
  ops: number;
  reps: number;
  quick: boolean;
  body: (ctx: ProtocolContext, x: ReplicatedShare, y: ReplicatedShare) => Promise<unknown>;
}

const CASES: MaliciousCase[] = [
  { name: 'mul 1e4', sizes: [10_000, 10_000], ops: 1e4, reps: 5, quick: true, body: (ctx, x, y) => mul(ctx, x, y) },
  { name: 'dot 1e5', sizes: [100_000, 100_000], ops: 1e5, reps: 5, quick: false, body: (ctx, x, y) => dot(ctx, x, y, 100_000) },
  { name: 'matmul 1x784x128', sizes: [784, 784 * 128], ops: 784 * 128, reps: 5, quick: true, body: (ctx, x, y) => matmul(ctx, x, y, 1, 784, 128) },
  { name: 'matmul 64x784x128 (batch-64 dense)', sizes: [64 * 784, 784 * 128], ops: 64 * 784 * 128, reps: 3, quick: false, body: (ctx, x, y) => matmul(ctx, x, y, 64, 784, 128) },
  { name: 'matmul 128x128x128', sizes: [128 * 128, 128 * 128], ops: 128 ** 3, reps: 3, quick: false, body: (ctx, x, y) => matmul(ctx, x, y, 128, 128, 128) },
  // The comparison alone: one ReLU per element (ltz on verified boolean ANDs, B2A, one product).
  { name: 'relu 1e3', sizes: [1000, 1000], ops: 1e3, reps: 5, quick: true, body: (ctx, x) => relu(ctx, x) },
  // A dense layer of the batch-1 MLP: fixed-point product with truncation, then ReLU.
  { name: 'dense+relu 1x784x128', sizes: [784, 784 * 128], ops: 784 * 128, reps: 3, quick: true, body: async (ctx, x, y) => relu(ctx, await matmulFixed(ctx, x, y, 1, 784, 128)) },
];

interface Measured {
  ms: number;
  bytes: number;
  rounds: number;
}

async function measure(c: MaliciousCase, security: SecurityMode, x: ReplicatedShare[], y: ReplicatedShare[], reps: number): Promise<Measured> {
  const times: number[] = [];
  let bytes = 0;
  let rounds = 0;
  for (let r = 0; r < reps + 1; r++) {
    const p = createLocalParties({ security, ring: getRing() });
    const t0 = performance.now();
    await p.run(async (ctx, self: PartyIndex) => {
      await c.body(ctx, x[self]!, y[self]!);
      await verifyJob(ctx);
    });
    const ms = performance.now() - t0;
    // The first run warms up (JIT) and is left out.
    if (r === 0) continue;
    times.push(ms);
    bytes = Math.max(...p.network.channels.map((ch) => ch.stats.bytesSent));
    rounds = p.network.depth();
  }
  return { ms: median(times), bytes, rounds };
}

/** Emits one line per case: malicious against semi-honest. */
export async function runMaliciousCases(opts: BenchOptions): Promise<void> {
  const prg = Prg.random();
  for (const c of CASES) {
    if (opts.quick && !c.quick) continue;
    const reps = opts.quick ? 2 : c.reps;
    // Fixed-point operands of a few units, as a model's activations and weights.
    const values = (n: number): BigUint64Array => encodeFixed(Array.from(prg.u64(n), (v) => Number(v % 2001n) / 1000 - 1), 16);
    const x = shareSecret(values(c.sizes[0]), prg);
    const y = shareSecret(values(c.sizes[1]), prg);
    const semi = await measure(c, 'semi-honest', x, y, reps);
    const mal = await measure(c, 'malicious', x, y, reps);
    opts.emit({
      suite: 'rss',
      case: `${c.name} malicious`,
      impl: `memory-malicious-${getRing().name}`,
      median_ms: mal.ms,
      ops_per_s: c.ops / (mal.ms / 1000),
      baseline: `memory-semi-honest-${getRing().name}`,
      ratio: semi.ms / mal.ms,
      baseline_ms: semi.ms,
      bytes_per_party: mal.bytes,
      baseline_bytes_per_party: semi.bytes,
      bytes_ratio: mal.bytes / semi.bytes,
      rounds: mal.rounds,
      baseline_rounds: semi.rounds,
      reps,
    });
  }
}
