/** The coordinator's job book and state table, and the registry's trust rules, without NATS. */
import { describe, expect, it } from 'vitest';
import { JobBook } from '../../services/coordinator/jobs/job-book.js';
import { canTransition, isTerminal } from '../../services/coordinator/jobs/job-state.js';
import { ServiceRegistry } from '../../services/coordinator/service-registry.js';
import { ANNOUNCE_DOMAIN, signMessage, type AnnounceMessage } from '../../services/wire/job-messages.js';
import { ApiFailure } from '../../services/coordinator/errors.js';
import { generateIdentity, publicIdentity } from '../../crypto-core/keys/identity.js';

const alice = { tenant: 'a', actor: 'k', roles: [] as never[] };
const bob = { tenant: 'b', actor: 'k', roles: [] as never[] };

describe('JobBook', () => {
  it('follows the state table and ignores moves out of terminal states', () => {
    const book = new JobBook();
    const seen: string[] = [];
    book.onChange((r) => seen.push(r.status.state));
    const { record } = book.submit(alice, 'mpc-compute', { n: 1 });
    const id = record.status.id;
    expect(book.transition(id, 'running')).toBe(false);
    for (const s of ['placed', 'running', 'finished', 'verified'] as const) expect(book.transition(id, s)).toBe(true);
    expect(book.transition(id, 'failed')).toBe(false);
    expect(seen).toEqual(['created', 'placed', 'running', 'finished', 'verified']);
    expect(book.isDone(id)).toBe(true);
    expect(canTransition('finished', 'failed-verification')).toBe(true);
    expect(isTerminal('failed')).toBe(true);
  });

  it('deduplicates by idempotency key per tenant and isolates tenants', () => {
    const book = new JobBook();
    const a = book.submit(alice, 'mpc-compute', { n: 1 }, 'k');
    expect(book.submit(alice, 'mpc-compute', { n: 1 }, 'k')).toMatchObject({ created: false, record: { status: { id: a.record.status.id } } });
    expect(() => book.submit(alice, 'mpc-compute', { n: 2 }, 'k')).toThrow(ApiFailure);
    expect(book.submit(bob, 'mpc-compute', { n: 2 }, 'k').created).toBe(true);
    expect(() => book.get(bob, a.record.status.id)).toThrow(/no job/);
    expect(book.get(alice, a.record.status.id).status.id).toBe(a.record.status.id);
  });
});

describe('ServiceRegistry', () => {
  it('accepts signed recent announcements of trusted services only', () => {
    const id = generateIdentity();
    const other = generateIdentity();
    let now = 1_000_000;
    const reg = new ServiceRegistry([{ id: 'party-0', kind: 'party', index: 0, ...publicIdentity(id) }], { staleMs: 5000, now: () => now });
    const body = (at: number): AnnounceMessage => ({ id: 'party-0', kind: 'party', index: 0, ...publicIdentity(id), at, capabilities: ['mpc-compute'] });
    expect(reg.list()[0]!.status).toBe('unknown');
    expect(reg.handleAnnounce(signMessage(ANNOUNCE_DOMAIN, body(now), other.signing))).toMatchObject({ accepted: false });
    expect(reg.handleAnnounce(signMessage(ANNOUNCE_DOMAIN, { ...body(now), id: 'party-9' }, id.signing))).toMatchObject({ accepted: false });
    expect(reg.handleAnnounce(signMessage(ANNOUNCE_DOMAIN, body(now - 120_000), id.signing))).toMatchObject({ accepted: false });
    expect(reg.handleAnnounce(signMessage('mpc-dispatch/v1', body(now), id.signing))).toMatchObject({ accepted: false });
    expect(reg.handleAnnounce(signMessage(ANNOUNCE_DOMAIN, body(now), id.signing))).toMatchObject({ accepted: true, joined: true });
    expect(reg.list()[0]!.status).toBe('up');
    expect(reg.partiesFor('mpc-compute')).toMatchObject({ missing: 1 });
    now += 6000;
    expect(reg.list()[0]!.status).toBe('down');
  });
});
