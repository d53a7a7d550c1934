// Turns `mpc bench <suite> --json` output (JSON lines, one file per suite) into the Markdown
// tables of docs/benchmarks.md:  node scripts/bench-report.mjs results/*.jsonl
import { readFileSync } from 'node:fs';

const fmt = (v, digits = 3) => (typeof v !== 'number' ? '' : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(digits));
const extra = (c) =>
  [
    c.rounds !== undefined ? `${c.rounds} rounds` : '',
    c.bytes_per_party !== undefined ? `${(c.bytes_per_party / 1024).toFixed(1)} KiB/party` : '',
    c.ratio_vs_float64 !== undefined ? `float64/native time ${fmt(c.ratio_vs_float64)}` : '',
    c.bytes_sent_max_party !== undefined ? `${(c.bytes_sent_max_party / 2 ** 20).toFixed(1)} MiB sent by the busiest party` : '',
    c.argmax_agree !== undefined ? `argmax agrees: ${c.argmax_agree}` : '',
    c.kernel ? `kernel ${c.kernel}` : '',
  ]
    .filter(Boolean)
    .join(', ');

for (const file of process.argv.slice(2)) {
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  if (rows.length === 0) continue;
  console.log(`\n### ${rows[0].suite}\n`);
  console.log('| case | impl | median ms | ops/s | baseline | ratio | notes |');
  console.log('|---|---|---:|---:|---|---:|---|');
  for (const c of rows) {
    console.log(`| ${c.case} | ${c.impl} | ${c.median_ms === null ? c.error ?? 'failed' : fmt(c.median_ms)} | ${c.ops_per_s ? c.ops_per_s.toExponential(2) : ''} | ${c.baseline ?? ''} | ${c.ratio === null || c.ratio === undefined ? '' : fmt(c.ratio)} | ${extra(c)} |`);
  }
}
