/**
 * @module services/cli/commands/bench
 * `mpc bench <suite> [--json] [--quick]`: runs a suite from `bench/` and prints one line per case.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../usage-error.js';
import type { BenchCase, BenchSuite } from '../../../bench/bench-case.js';
import { machine } from '../../../bench/bench-case.js';

const suites: Record<string, () => Promise<{ suite: BenchSuite }>> = {
  ring: () => import('../../../bench/ring.js'),
  rss: () => import('../../../bench/rss.js'),
  he: () => import('../../../bench/he.js'),
  audit: () => import('../../../bench/audit.js'),
  inference: () => import('../../../bench/inference.js'),
  analytics: () => import('../../../bench/analytics.js'),
  reshare: () => import('../../../bench/reshare.js'),
  console: () => import('../../../bench/console.js'),
  governance: () => import('../../../bench/governance.js'),
  throughput: () => import('../../../bench/throughput.js'),
};

function formatRow(c: BenchCase): string {
  const ratio = c.ratio === null ? '' : `  x${c.ratio.toFixed(2)} vs ${c.baseline}`;
  return `${c.case.padEnd(26)} ${c.impl.padEnd(10)} ${c.median_ms.toFixed(3).padStart(11)} ms  ${c.ops_per_s.toExponential(2).padStart(9)} op/s${ratio}`;
}

/** Runs the bench command. */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  const name = positionals[0];
  if (values.help || !name) {
    process.stdout.write(`usage: mpc bench <suite> [--json] [--quick]\nsuites: ${Object.keys(suites).join(', ')}\n`);
    return values.help ? 0 : 2;
  }
  const load = suites[name];
  if (!load) throw new UsageError(`unknown suite '${name}' (known: ${Object.keys(suites).join(', ')})`);
  const { suite } = await load();
  if (!values.json) process.stdout.write(`# ${suite.name}: ${suite.description}\n# ${JSON.stringify(machine())}\n`);
  await suite.run({
    json: values.json,
    quick: values.quick,
    emit: (c) => process.stdout.write((values.json ? JSON.stringify(c) : formatRow(c)) + '\n'),
  });
  return 0;
}
