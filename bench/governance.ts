/**
 * @module bench/governance
 * Governance recomputation benchmark (`mpc bench governance [--quick] [--json]`): how long
 * anyone holding an audit export takes to recompute, from the entries alone,
 * - every party's reputation (services/audit/reputation, what `mpc audit reputation` runs), and
 * - every tenant's credits (services/audit/credits, what `mpc credits --export` runs),
 * over a log of 1e6 entries (`--quick`: 1e5): jobs of four tenants over nine parties, each job
 * placed, started, finished with its signed cost, and verified; an incident every 50 jobs and a
 * coordinator-observed disappearance every 37. Each is timed from entries in memory (what the
 * coordinator does; median of 3) and from the export's JSON Lines (decode + check canonical +
 * compute; one run).
 */
import { createHash } from 'node:crypto';
import type { BenchSuite } from './bench-case.js';
import { timeMedian } from './bench-case.js';
import { computeCredits } from '../services/audit/credits.js';
import { computeReputation, entriesOfJsonl } from '../services/audit/reputation.js';
import { encodeAuditEntry, type AuditEntry, type AuditEvent } from '../services/wire/audit-entry.js';

const SUITE = 'governance';
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/** `n` entries of jobs as the coordinator logs them (exported for the smoke test). */
export function governanceLog(n: number, t0 = Date.UTC(2026, 0, 1)): AuditEntry[] {
  const ids = Array.from({ length: 9 }, (_, k) => `party-${k}`);
  const out: AuditEntry[] = [];
  const add = (e: AuditEvent): void => void out.push({ ...e, v: 1, seq: out.length, time: new Date(t0 + out.length).toISOString() });
  for (let j = 0; out.length < n; j++) {
    const trio = [ids[j % 3]!, ids[3 + ((j >> 2) % 3)]!, ids[6 + ((j >> 4) % 3)]!];
    const jobId = `job-${j}`;
    const tenant = `tenant-${j % 4}`;
    add({ type: 'job.placed', actor: 'coordinator', jobId, tenant, parties: trio, security: 'malicious' });
    add({ type: 'job.started', actor: 'coordinator', jobId, tenant, security: 'malicious' });
    if (j % 37 === 0) {
      add({ type: 'job.failed', actor: 'coordinator', jobId, tenant, party: 1, reason: `party-gone: party 1 (${trio[1]!}) is no longer connected` });
      continue;
    }
    add({ type: 'job.finished', actor: 'coordinator', jobId, tenant, cost: { computeMs: [40 + (j % 7), 41, 39], bytesSent: [1000 + j, 2000, 3000] } });
    if (j % 50 === 0) {
      for (const p of [0, 1, 2]) add({ type: 'verification.failed', actor: trio[p]!, jobId, party: p, accused: [0, 1, 2].filter((q) => q !== p), reason: 'zero-test check failed', hashes: { report: sha(jobId + p) } });
      add({ type: 'job.failed-verification', actor: 'coordinator', jobId, tenant, reason: 'verification-failed: party failed' });
    } else add({ type: 'job.verified', actor: 'coordinator', jobId, tenant });
  }
  return out.slice(0, n);
}

export const suite: BenchSuite = {
  name: SUITE,
  description: 'reputation and credits recomputed from an audit log (1e6 entries; --quick 1e5), in memory and from the export JSON Lines',
  async run(opts) {
    const n = opts.quick ? 100_000 : 1_000_000;
    const log = governanceLog(n);
    const enc = new TextDecoder();
    const jsonl = new TextEncoder().encode(log.map((e) => enc.decode(encodeAuditEntry(e))).join('\n') + '\n');
    const budgets = { 'tenant-0': 1000, 'tenant-1': 1000 };
    const rMs = await timeMedian(() => void computeReputation(log), 3);
    opts.emit({ suite: SUITE, case: `reputation ${n}`, impl: 'ts', median_ms: rMs, ops_per_s: n / (rMs / 1000), baseline: null, ratio: null, parties: computeReputation(log).parties.length });
    const cMs = await timeMedian(() => void computeCredits(log, {}, budgets), 3);
    const credits = computeCredits(log, {}, budgets);
    opts.emit({ suite: SUITE, case: `credits ${n}`, impl: 'ts', median_ms: cMs, ops_per_s: n / (cMs / 1000), baseline: null, ratio: null, tenants: credits.tenants.length, jobs: credits.tenants.reduce((s, t) => s + t.jobs, 0) });
    let t = performance.now();
    computeReputation(entriesOfJsonl(jsonl));
    const erMs = performance.now() - t;
    opts.emit({ suite: SUITE, case: `reputation from export ${n}`, impl: 'ts', median_ms: erMs, ops_per_s: n / (erMs / 1000), baseline: null, ratio: null, bytes: jsonl.length, runs: 1 });
    t = performance.now();
    computeCredits(entriesOfJsonl(jsonl), {}, budgets);
    const ecMs = performance.now() - t;
    opts.emit({ suite: SUITE, case: `credits from export ${n}`, impl: 'ts', median_ms: ecMs, ops_per_s: n / (ecMs / 1000), baseline: null, ratio: null, bytes: jsonl.length, runs: 1 });
  },
};
