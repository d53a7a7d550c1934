/**
 * @module bench/bench-case
 * The shared shape of benchmark output: one JSON object per case, with medians over repeated
 * runs, the machine, and the ratio to a baseline measured in the same run.
 */
import { cpus, totalmem } from 'node:os';

/** One benchmark result line. Extra measured fields (rounds, bytes, ...) may be added. */
export interface BenchCase {
  suite: string;
  case: string;
  impl: string;
  median_ms: number;
  ops_per_s: number;
  /** The impl this case is compared with, or null when there is none. */
  baseline: string | null;
  /** baseline median / this median: > 1 means faster than the baseline. */
  ratio: number | null;
  [extra: string]: unknown;
}

/** Options every suite accepts. */
export interface BenchOptions {
  /** Print JSON lines (true) or a readable table (false). */
  json: boolean;
  /** Scale down repetitions and sizes for a quick smoke run. */
  quick: boolean;
  /** Called with each case as soon as it is measured. */
  emit: (c: BenchCase) => void;
}

/** A benchmark suite: `npx mpc bench <name>`. */
export interface BenchSuite {
  readonly name: string;
  readonly description: string;
  run(opts: BenchOptions): Promise<void>;
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median: empty sample');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Times `fn` `reps` times after `warmup` untimed runs and returns the median in milliseconds.
 */
export async function timeMedian(fn: () => unknown, reps: number, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

/** A short description of the machine, printed once per suite run. */
export function machine(): { cpu: string; cores: number; mem_gib: number; node: string } {
  const c = cpus();
  return { cpu: c[0]?.model ?? 'unknown', cores: c.length, mem_gib: Math.round(totalmem() / 2 ** 30), node: process.version };
}
