/**
 * @module services/demo/story-hospitals
 * Story 1: three hospitals each upload their part of the breast-cancer table as secret shares;
 * an analyst gets joint statistics none of them could compute alone, with small cells
 * suppressed inside the computation. Every figure is compared with the same query in the clear
 * (which the demo can do only because it plays all three hospitals).
 */
import type { MpcClient } from '../sdk/mpc-client.js';
import { plaintextQuery } from '../../protocols/analytics/plaintext-query.js';
import type { Query } from '../../protocols/analytics/query.js';
import type { AggregateValue, QueryResult } from '../../protocols/analytics/query-result.js';
import { loadBreastCancer } from './demo-data.js';

/** Clients of the story's roles. */
export interface HospitalStoryClients {
  hospitals: [MpcClient, MpcClient, MpcClient];
  analyst: MpcClient;
}

function fmt(v: AggregateValue | undefined): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(6);
  if (v && 'counts' in v) return `[${v.counts.map((c) => (c === null ? 'suppressed' : c)).join(', ')}]`;
  return JSON.stringify(v);
}

function maxRelError(secure: QueryResult, clear: QueryResult): number {
  let worst = 0;
  secure.groups.forEach((g, i) => {
    const c = clear.groups[i]!;
    if (g.suppressed !== c.suppressed) worst = Infinity;
    for (const [k, v] of Object.entries(g.values)) {
      const w = c.values[k];
      if (typeof v === 'number' && typeof w === 'number') worst = Math.max(worst, Math.abs(v - w) / Math.max(1e-9, Math.abs(w)));
      if (typeof v === 'object' && 'counts' in v && typeof w === 'object' && 'counts' in w) {
        v.counts.forEach((x, j) => {
          if (x !== w.counts[j]) worst = Infinity;
        });
      }
    }
  });
  return worst;
}

/** Runs the story. */
export async function hospitalStory(clients: HospitalStoryClients, say: (line: string) => void, runId: string): Promise<void> {
  const { schema, rows } = loadBreastCancer();
  const parts = [rows.filter((_, i) => i % 3 === 0), rows.filter((_, i) => i % 3 === 1), rows.filter((_, i) => i % 3 === 2)];
  const names: string[] = [];
  for (const [h, part] of parts.entries()) {
    const name = `hospital${h + 1}-${runId}`;
    const rec = await clients.hospitals[h]!.uploadDataset(name, schema, part, { policy: { roles: ['analyst'], minCellSize: 10 } });
    names.push(rec.id);
    say(`hospital ${h + 1} uploaded ${part.length} records as secret shares (data set ${rec.id})`);
  }
  const queries: { what: string; query: Query }[] = [
    {
      what: 'joint statistics by diagnosis',
      query: {
        datasets: names,
        groupBy: ['diagnosis'],
        aggregates: [{ op: 'count' }, { op: 'mean', column: 'mean_radius' }, { op: 'stddev', column: 'mean_area' }, { op: 'correlation', columns: ['mean_radius', 'worst_radius'] }],
      },
    },
    {
      what: 'a histogram of mean radius',
      query: { datasets: names, aggregates: [{ op: 'histogram', column: 'mean_radius', bins: [5, 10, 15, 20, 25, 30] }] },
    },
    {
      what: 'a narrow filter (small cells are suppressed inside the computation)',
      query: { datasets: names, filter: { column: 'mean_radius', op: '>', value: 20 }, groupBy: ['diagnosis'], aggregates: [{ op: 'count' }, { op: 'mean', column: 'mean_area' }] },
    },
  ];
  for (const { what, query } of queries) {
    const t0 = performance.now();
    const submitted = await clients.analyst.query(query);
    const secure = await clients.analyst.queryResult(submitted, schema, { timeoutMs: 300_000 });
    const ms = performance.now() - t0;
    const clear = plaintextQuery(schema, rows, query, 10);
    say(`analyst: ${what} (${ms.toFixed(0)} ms, job ${submitted.jobId})`);
    for (const g of secure.groups) {
      const key = Object.entries(g.key).map(([k, v]) => `${k}=${v}`).join(' ') || 'all rows';
      say(`  ${key}: ${g.suppressed ? 'suppressed (fewer than 10 records)' : Object.entries(g.values).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
    }
    const err = maxRelError(secure, clear);
    if (!(err <= 1e-3)) throw new Error(`secure result differs from the clear computation (max relative error ${err})`);
    say(`  check: equals the same query in the clear (max relative error ${err.toExponential(1)})`);
  }
}
