/**
 * services/audit/credits: pricing in integer millicredits, one charge per job, budgets and
 * balances; HE jobs' worker milliseconds (`heMs`) priced as compute ms; the `cost` field's
 * schema in audit entries (three non-negative integers per party list, two for `heMs`, nothing
 * else); and `mpc credits` usage errors (precise message, UsageError = exit 2).
 * End to end with real parties and their signed stats: test/audit-api/credits-cluster.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPricing, computeCredits, creditsText, jobMillicredits } from '../../services/audit/credits.js';
import { run as creditsCli } from '../../services/cli/commands/credits.js';
import { UsageError } from '../../services/cli/usage-error.js';
import { AuditEntryError, validateAuditEvent, type AuditEntry, type AuditEvent } from '../../services/wire/audit-entry.js';

const dir = mkdtempSync(join(tmpdir(), 'mpc-credits-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function log(events: AuditEvent[]): AuditEntry[] {
  return events.map((e, seq) => ({ ...validateAuditEvent(e), v: 1, seq, time: new Date(Date.UTC(2026, 0, 1) + seq).toISOString() }));
}
const fin = (jobId: string, tenant: string, ms: number[], bytes: number[]): AuditEvent => ({ type: 'job.finished', actor: 'coordinator', jobId, tenant, cost: { computeMs: ms, bytesSent: bytes } });

describe('computeCredits', () => {
  it('charges each finished job once, in integer millicredits, per tenant, with balances for budgets', () => {
    const entries = log([
      { type: 'job.placed', actor: 'coordinator', jobId: 'j1', tenant: 'a', parties: ['p0', 'p1', 'p2'] },
      fin('j1', 'a', [500, 400, 100], [1 << 20, 0, 0]),
      fin('j1', 'a', [500, 400, 100], [1 << 20, 0, 0]),
      fin('j2', 'b', [1, 0, 0], [0, 0, 1]),
      { type: 'job.failed', actor: 'coordinator', jobId: 'j3', tenant: 'a', reason: 'party-gone: party 1 (p1) gone' },
      { type: 'job.finished', actor: 'coordinator', jobId: 'j4', tenant: 'a' },
    ]);
    const r = computeCredits(entries, {}, { a: 1.5, c: 2 });
    expect(r.entries).toBe(6);
    expect(r.tenants).toEqual([
      { tenant: 'a', jobs: 1, computeMs: 1000, bytesSent: 1 << 20, usedMillicredits: 2000, budgetMillicredits: 1500, balanceMillicredits: -500 },
      { tenant: 'b', jobs: 1, computeMs: 1, bytesSent: 1, usedMillicredits: 2 },
      { tenant: 'c', jobs: 0, computeMs: 0, bytesSent: 0, usedMillicredits: 0, budgetMillicredits: 2000, balanceMillicredits: 2000 },
    ]);
    expect(creditsText(r)).toMatch(/^a: jobs 1 compute-ms 1000 bytes-sent 1048576 used 2 budget 1.5 balance -0.5 EXHAUSTED$/m);
    expect(computeCredits(entries, { msPerCredit: 10, bytesPerCredit: 1 }).tenants[0]!.usedMillicredits).toBe(100_000 + 1000 * (1 << 20));
  });

  it('charges an HE job for its two workers\' signed milliseconds, at msPerCredit, and reports them apart', () => {
    const he = (jobId: string, tenant: string, heMs: number[]): AuditEvent => ({ type: 'job.finished', actor: 'coordinator', jobId, tenant, cost: { computeMs: [0, 0, 0], bytesSent: [0, 0, 0], heMs } });
    const entries = log([fin('j1', 'a', [100, 100, 100], [0, 0, 0]), he('h1', 'a', [700, 650]), he('h1', 'a', [700, 650]), he('h2', 'b', [1, 0])]);
    const r = computeCredits(entries);
    expect(r.tenants).toEqual([
      { tenant: 'a', jobs: 2, computeMs: 300, bytesSent: 0, heMs: 1350, usedMillicredits: 300 + 1350 },
      { tenant: 'b', jobs: 1, computeMs: 0, bytesSent: 0, heMs: 1, usedMillicredits: 1 },
    ]);
    expect(creditsText(r)).toMatch(/^a: jobs 2 compute-ms 300 bytes-sent 0 he-ms 1350 used 1.65$/m);
    expect(computeCredits(entries, { msPerCredit: 10 }).tenants[1]!.usedMillicredits).toBe(100);
  });

  it('rounds a job up to the next millicredit and rejects bad pricing and budgets', () => {
    expect(jobMillicredits(1, 0, checkPricing())).toBe(1);
    expect(jobMillicredits(0, 0, checkPricing())).toBe(0);
    expect(() => checkPricing({ msPerCredit: 0 })).toThrow(/msPerCredit must be a positive integer/);
    expect(() => checkPricing({ bytesPerCredit: 1.5 })).toThrow(RangeError);
    expect(() => computeCredits([], {}, { a: -1 })).toThrow(/budget of a/);
  });
});

describe('the cost field of audit entries', () => {
  it('takes three non-negative integers per party list, two HE-worker ms, and nothing else', () => {
    const ok = validateAuditEvent(fin('j', 't', [1, 2, 3], [4, 5, 6]));
    expect(ok.cost).toEqual({ computeMs: [1, 2, 3], bytesSent: [4, 5, 6] });
    const he = validateAuditEvent({ type: 'job.finished', actor: 'c', jobId: 'j', cost: { computeMs: [0, 0, 0], bytesSent: [0, 0, 0], heMs: [7, 8] } });
    expect(he.cost).toEqual({ computeMs: [0, 0, 0], bytesSent: [0, 0, 0], heMs: [7, 8] });
    for (const [cost, msg] of [
      [{ computeMs: [1, 2], bytesSent: [1, 2, 3] }, /cost.computeMs: expected three/],
      [{ computeMs: [1, 2, -3], bytesSent: [1, 2, 3] }, /cost.computeMs/],
      [{ computeMs: [1, 2, 3], bytesSent: [1, 2, 0.5] }, /cost.bytesSent/],
      [{ computeMs: [1, 2, 3], bytesSent: [1, 2, 3], data: [1] }, /cost.data: unknown field/],
      [{ computeMs: [0, 0, 0], bytesSent: [0, 0, 0], heMs: [1, 2, 3] }, /cost.heMs: expected two non-negative integers \(the two HE workers\)/],
      [{ computeMs: [0, 0, 0], bytesSent: [0, 0, 0], heMs: [1.5, 2] }, /cost.heMs/],
      [{ computeMs: [0, 0, 0], bytesSent: [0, 0, 0], heMs: 3 }, /cost.heMs/],
      [{ heMs: [1, 2] }, /cost.computeMs/],
      [[1, 2, 3], /cost: expected/],
    ] as const) {
      expect(() => validateAuditEvent({ type: 'job.finished', actor: 'c', jobId: 'j', cost })).toThrow(AuditEntryError);
      expect(() => validateAuditEvent({ type: 'job.finished', actor: 'c', jobId: 'j', cost })).toThrow(msg);
    }
  });
});

describe('mpc credits usage', () => {
  const io = { out: () => undefined, err: () => undefined };
  it('names the mistake', async () => {
    await expect(creditsCli(['--budget', 'a=1'], io)).rejects.toThrow(/--budget and the pricing flags apply to --export only/);
    await expect(creditsCli(['--export', dir, '--tenant', 'a'], io)).rejects.toThrow(/for the online form/);
    await expect(creditsCli(['--export', join(dir, 'nope')], io)).rejects.toThrow(/no such directory/);
    await expect(creditsCli(['--export', dir, '--budget', 'a:1'], io)).rejects.toThrow(/--budget a:1: expected <tenant>=<credits>/);
    await expect(creditsCli(['--export', dir, '--ms-per-credit', '0'], io)).rejects.toThrow(/--ms-per-credit 0: expected a positive integer/);
    await expect(creditsCli(['--export', dir, '--bogus'], io)).rejects.toThrow(UsageError);
    // An empty directory is not an export: exit 1 with the missing file named.
    const err: string[] = [];
    expect(await creditsCli(['--export', dir], { out: () => undefined, err: (t) => void err.push(t) })).toBe(1);
    expect(err.join('')).toMatch(/^FAIL: /);
  });
});
