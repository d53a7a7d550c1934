/**
 * Credits from signed evidence, end to end: a real coordinator writing the JetStream Merkle log,
 * three real parties on a real nats-server. Jobs of two tenants run; the test listens to the
 * parties' result reports itself and keeps those that verify under each party's Ed25519 key.
 * Every `job.finished` entry's `cost` must be exactly the signed stats (per party: rounded
 * protocol ms, bytes sent), each tenant's usage the sum of its jobs' signed stats, and
 * `mpc credits --export` over the log's export must print the same canonical JSON as
 * computeCredits over the coordinator's own entries. Cost can not be inflated by rewriting an
 * entry: the export then fails `mpc audit verify` (test/audit/audit-verify-tamper.test.ts); a
 * rewritten entry shows up here as a decode failure (exit 1).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex } from '../../crypto-core/encoding.js';
import { Prg } from '../../crypto-core/prg.js';
import { computeCredits, creditsJson, jobMillicredits, DEFAULT_CREDIT_PRICING } from '../../services/audit/credits.js';
import { EXPORT_FILES, writeAuditExport } from '../../services/audit/export-files.js';
import { run as creditsCli } from '../../services/cli/commands/credits.js';
import { callCoordinator, waitForJob } from '../../services/cluster/coordinator-caller.js';
import { prepareComputeRequest } from '../../services/sdk/compute-client.js';
import type { Principal } from '../../services/wire/api.js';
import { MessageAssembler } from '../../services/wire/chunked-message.js';
import { REPORT_DOMAIN, verifyMessage, type PartyReport } from '../../services/wire/job-messages.js';
import { useNatsServer } from '../helpers/nats-server.js';
import { startAuditCluster, type AuditCluster } from './audit-cluster.js';

const server = useNatsServer({ jetstream: true });
const tenants: Principal[] = [
  { tenant: 'clinic-a', actor: 'key-a', roles: ['client'] },
  { tenant: 'clinic-b', actor: 'key-b', roles: ['client'] },
];
let cluster: AuditCluster;
const dir = mkdtempSync(join(tmpdir(), 'mpc-credits-'));
/** jobId -> tenant, and the signed stats by jobId and party index. */
const tenantOf = new Map<string, string>();
const signed = new Map<string, { durationMs: number; bytesSent: number }[]>();

beforeAll(async () => {
  cluster = await startAuditCluster(server().url);
  const keys = new Map(cluster.coordinator.parts.registry.list().filter((s) => s.kind === 'party').map((s) => [s.index!, fromHex(s.signingPublicKey, 'key', 32)]));
  const assemblers = new Map<string, MessageAssembler>();
  cluster.nc.subscribe('mpc.coord.report.*', {
    callback: (_e, msg) => {
      const a = assemblers.get(msg.subject) ?? new MessageAssembler();
      assemblers.set(msg.subject, a);
      const whole = a.push(msg.data);
      if (!whole) return;
      const raw = JSON.parse(new TextDecoder().decode(whole)) as { body: PartyReport };
      const body = verifyMessage<PartyReport>(REPORT_DOMAIN, raw, keys.get(raw.body.party)!);
      if (body?.type !== 'result') return;
      const list = signed.get(body.jobId) ?? [];
      list[body.party] = { durationMs: body.stats.durationMs, bytesSent: body.stats.bytesSent };
      signed.set(body.jobId, list);
    },
  });
  await cluster.nc.flush();
  const prg = Prg.random();
  for (const [k, p] of [tenants[0]!, tenants[0]!, tenants[1]!, tenants[0]!].entries()) {
    const n = 100 + 100 * k;
    const req = prepareComputeRequest('mul', [n], prg.u64(n), prg.u64(n), cluster.partyAgreementKeys);
    const { job } = await callCoordinator(cluster.nc, 'jobs.submit', { principal: p, kind: 'mpc-compute', payload: req.payload });
    expect((await waitForJob(cluster.nc, p, job.id)).state).toBe('verified');
    tenantOf.set(job.id, p.tenant);
  }
  await cluster.log.flush();
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('credits from the signed party stats', () => {
  it('logs each job cost exactly as the three parties signed it, and sums it per tenant', () => {
    const entries = cluster.log.entries({ from: 0 });
    const finished = entries.filter((e) => e.type === 'job.finished');
    expect(finished.map((e) => e.jobId).sort()).toEqual([...tenantOf.keys()].sort());
    for (const e of finished) {
      const s = signed.get(e.jobId!)!;
      expect(s.filter(Boolean)).toHaveLength(3);
      expect(e.tenant).toBe(tenantOf.get(e.jobId!));
      expect(e.cost).toEqual({ computeMs: s.map((x) => Math.round(x.durationMs)), bytesSent: s.map((x) => x.bytesSent) });
      expect(Math.min(...e.cost!.bytesSent)).toBeGreaterThan(0);
    }
    const report = computeCredits(entries, {}, { 'clinic-a': 50, 'clinic-b': 0 });
    for (const t of ['clinic-a', 'clinic-b']) {
      const jobs = [...tenantOf].filter(([, x]) => x === t).map(([j]) => signed.get(j)!);
      const ms = jobs.map((s) => s.reduce((a, x) => a + Math.round(x.durationMs), 0));
      const bytes = jobs.map((s) => s.reduce((a, x) => a + x.bytesSent, 0));
      const mine = report.tenants.find((x) => x.tenant === t)!;
      expect(mine).toMatchObject({ jobs: jobs.length, computeMs: ms.reduce((a, b) => a + b, 0), bytesSent: bytes.reduce((a, b) => a + b, 0) });
      expect(mine.usedMillicredits).toBe(ms.reduce((a, m, k) => a + jobMillicredits(m, bytes[k]!, DEFAULT_CREDIT_PRICING), 0));
      expect(mine.balanceMillicredits).toBe(mine.budgetMillicredits! - mine.usedMillicredits);
    }
    expect(report.tenants.find((x) => x.tenant === 'clinic-b')!.balanceMillicredits).toBeLessThan(0);
  });

  it('`mpc credits --export` prints the same canonical JSON as the function over the live log', async () => {
    await writeAuditExport(cluster.log, dir);
    const out = { o: '', e: '' };
    const io = { out: (t: string) => void (out.o += t), err: (t: string) => void (out.e += t) };
    expect(await creditsCli(['--export', dir, '--json', '--budget', 'clinic-a=50', '--budget', 'clinic-b=0'], io)).toBe(0);
    expect(out.o).toBe(creditsJson(computeCredits(cluster.log.entries({ from: 0 }), {}, { 'clinic-a': 50, 'clinic-b': 0 })) + '\n');
    // An entry whose cost was rewritten (not re-canonicalised by hand) is refused by the decoder.
    const path = join(dir, EXPORT_FILES.entries);
    const lines = readFileSync(path, 'utf8').split('\n');
    const k = lines.findIndex((l) => l.includes('"job.finished"'));
    lines[k] = lines[k]!.replace('"computeMs":[', '"computeMs": [');
    writeFileSync(path, lines.join('\n'));
    const bad = { o: '', e: '' };
    expect(await creditsCli(['--export', dir], { out: (t) => void (bad.o += t), err: (t) => void (bad.e += t) })).toBe(1);
    expect(bad.e).toMatch(new RegExp(`line ${k + 1}: not in RFC 8785 canonical form`));
  });
});
