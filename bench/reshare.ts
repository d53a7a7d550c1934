/**
 * @module bench/reshare
 * Proactive resharing to a standby (protocols/rss/standby-reshare): a 3-column x 100,000-row
 * data set (300,000 ring elements, one vector per column) held by the old trio is reshared to
 * a new trio whose standby takes slot 0. Measured on the in-memory channel (three contexts in
 * this process): the protocol's local work and message handling, not the network. Baseline:
 * copying the same shares (what a transfer without fresh randomness costs locally).
 * Reported: median_ms, rows_per_s (as ops_per_s), bytes sent by each remaining party, rounds.
 */
import { getRing } from '../crypto-core/ring/index.js';
import { Prg } from '../crypto-core/prg.js';
import { reshareToStandby } from '../protocols/rss/standby-reshare.js';
import { shareSecret, type ShareTriple } from '../protocols/rss/replicated-share.js';
import { createLocalParties } from '../protocols/testing/local-parties.js';
import type { BenchOptions, BenchSuite } from './bench-case.js';
import { median, timeMedian } from './bench-case.js';

const COLUMNS = 3;

async function reshareOnce(columns: readonly ShareTriple[], rows: number): Promise<{ ms: number; bytes: number; rounds: number }> {
  const trio = createLocalParties({ ring: getRing() });
  const t0 = performance.now();
  await trio.run(async (ctx, self) => {
    for (const col of columns) await reshareToStandby(ctx, 0, self === 0 ? undefined : col[self], rows, [rows]);
  });
  const ms = performance.now() - t0;
  return { ms, bytes: Math.max(...trio.network.channels.map((ch) => ch.stats.bytesSent)), rounds: trio.network.depth() };
}

export const suite: BenchSuite = {
  name: 'reshare',
  description: 'Resharing a 3 x 100,000-row data set to a standby party (in memory)',
  async run(opts: BenchOptions): Promise<void> {
    const rows = opts.quick ? 10_000 : 100_000;
    const reps = opts.quick ? 3 : 9;
    const prg = Prg.random();
    const columns = Array.from({ length: COLUMNS }, () => shareSecret(prg.u64(rows), prg, [rows]));
    await reshareOnce(columns, rows); // warm-up (JIT)
    const runs = [];
    for (let r = 0; r < reps; r++) runs.push(await reshareOnce(columns, rows));
    const ms = median(runs.map((x) => x.ms));
    const copyMs = await timeMedian(() => columns.map((c) => c.map((s) => ({ a: s.a.slice(), b: s.b.slice() }))), reps);
    opts.emit({
      suite: 'reshare',
      case: `reshare ${COLUMNS}x${rows} to standby`,
      impl: `memory-${getRing().name}`,
      median_ms: ms,
      ops_per_s: rows / (ms / 1000),
      baseline: 'copy-shares',
      ratio: copyMs / ms,
      baseline_ms: copyMs,
      bytes_per_remaining_party: runs[0]!.bytes,
      bytes_total: 2 * runs[0]!.bytes,
      rounds: runs[0]!.rounds,
      reps,
    });
  },
};
