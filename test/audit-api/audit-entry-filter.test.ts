/**
 * The search of `audit.entries` (type or type family, job, party) behind the audit methods over
 * a real signed Merkle log (MemoryMerkleLog): paging on with `next` yields exactly the matching
 * entries of the whole log, in order, each once; `limit` holds; a page without a filter is
 * unchanged (no `next`); bad filters are refused naming the field.
 */
import { describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';
import { MemoryMerkleLog } from '../../services/coordinator/audit/audit-memory-log.js';
import { startAuditMethods } from '../../services/coordinator/audit/audit-methods.js';
import type { AuditEntry, AuditEvent } from '../../services/wire/audit-entry.js';
import type { CoordinatorMethods } from '../../services/wire/api.js';

const auditor = { tenant: 'compliance', actor: 'aud-1', roles: ['auditor'] };
type Page = CoordinatorMethods['audit.entries']['res'];

describe('audit.entries with a filter', () => {
  const log = new MemoryMerkleLog({ origin: 'coordinator', secretKey: generateSigningKeyPair().secretKey });
  const m = startAuditMethods({ id: 'coordinator', sink: log });
  const parties = ['party-0', 'party-1', 'party-2'];

  it('pages through exactly the matching entries of the whole log', async () => {
    for (let j = 0; j < 700; j++) {
      const jobId = `job-${j}`;
      const events: AuditEvent[] = [
        { type: 'job.created', actor: 'coordinator', jobId, tenant: 'clinic-a' },
        { type: 'job.placed', actor: 'coordinator', jobId, parties: j % 7 === 0 ? ['party-0', 'party-3', 'party-2'] : parties },
        j % 5 === 0 ? { type: 'job.failed', actor: 'coordinator', jobId, party: 1, reason: 'party-gone: party 1 (party-1): unreachable' } : { type: 'job.verified', actor: 'coordinator', jobId },
      ];
      if (j % 50 === 0) events.push({ type: 'service.joined', actor: 'coordinator', serviceId: 'party-1' }, { type: 'model.published', actor: 'owner-1', modelId: `m-${j}` });
      for (const e of events) await log.append(e);
    }
    const all = log.entries({ from: 0 });
    const scan = async (filter: Record<string, string>, limit: number): Promise<AuditEntry[]> => {
      const out: AuditEntry[] = [];
      let from = 0;
      for (let calls = 0; calls < 100; calls++) {
        const page = (await m.call('audit.entries', { principal: auditor, from, limit, ...filter })) as Page;
        expect(page.entries.length).toBeLessThanOrEqual(limit);
        expect(page.treeSize).toBe(all.length);
        out.push(...page.entries);
        if (page.next === undefined) return out;
        expect(page.next).toBeGreaterThan(from);
        from = page.next;
      }
      throw new Error('no end of the log after 100 pages');
    };
    const cases: [Record<string, string>, (e: AuditEntry) => boolean][] = [
      [{ type: 'job.*' }, (e) => e.type.startsWith('job.')],
      [{ type: 'job.failed' }, (e) => e.type === 'job.failed'],
      [{ type: 'model.*' }, (e) => e.type.startsWith('model.')],
      [{ jobId: 'job-35' }, (e) => e.jobId === 'job-35'],
      [{ party: 'party-1' }, (e) => e.serviceId === 'party-1' || (e.parties?.includes('party-1') ?? false)],
      [{ party: 'owner-1' }, (e) => e.actor === 'owner-1'],
      [{ type: 'job.placed', party: 'party-3' }, (e) => e.type === 'job.placed' && (e.parties?.includes('party-3') ?? false)],
      [{ jobId: 'job-none' }, () => false],
    ];
    for (const [filter, match] of cases) {
      const want = all.filter(match);
      for (const limit of [1000, 37]) expect((await scan(filter, limit)).map((e) => e.seq), JSON.stringify(filter)).toEqual(want.map((e) => e.seq));
    }
    // Without a filter the page is what it was: no `next`.
    expect(await m.call('audit.entries', { principal: auditor, from: 10, limit: 5 })).toEqual({ entries: all.slice(10, 15), treeSize: all.length });
  });

  it('refuses a bad filter naming the field', async () => {
    for (const [filter, msg] of [
      [{ type: 'job.nope' }, /^type: expected an audit event type or one of job\.\*/],
      [{ type: 'records.*' }, /^type: expected an audit event type/],
      [{ jobId: 5 }, /^jobId: expected an identifier/],
      [{ party: 'a b' }, /^party: expected an identifier/],
      [{ party: '' }, /^party: expected an identifier/],
    ] as const) {
      await expect(m.call('audit.entries', { principal: auditor, from: 0, limit: 10, ...filter }), JSON.stringify(filter)).rejects.toMatchObject({ status: 400, message: expect.stringMatching(msg) });
    }
  });
});
