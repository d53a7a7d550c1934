/** The party's checks on dispatch messages, one bad input at a time, without NATS. */
import { describe, expect, it } from 'vitest';
import { JobGate } from '../../services/party/job-gate.js';
import { JobRefusedError } from '../../services/party/errors.js';
import { MemorySeenJobs } from '../../services/party/seen-jobs.js';
import { DISPATCH_DOMAIN, signMessage, type DispatchMessage, type JobOrder } from '../../services/wire/job-messages.js';
import { generateIdentity, publicIdentity } from '../../crypto-core/keys/identity.js';

const coord = generateIdentity();
const parties = [generateIdentity(), generateIdentity(), generateIdentity()];
const refs = parties.map((p, i) => ({ id: `party-${i}`, index: i as 0 | 1 | 2, ...publicIdentity(p) })) as JobOrder['parties'];
const now = 1_700_000_000_000;

function gate(pinned = true): JobGate {
  return new JobGate({
    selfId: 'party-1',
    selfIndex: 1,
    selfSigningPublicKey: refs[1].signingPublicKey,
    selfAgreementPublicKey: refs[1].agreementPublicKey,
    coordinatorKey: coord.signing.publicKey,
    seenJobs: new MemorySeenJobs(),
    pinnedPeers: pinned ? { 0: publicIdentity(parties[0]!), 2: publicIdentity(parties[2]!) } : undefined,
    now: () => now,
    kinds: ['mpc-compute'],
  });
}

function order(patch: Partial<JobOrder> = {}): JobOrder {
  return { jobId: 'job-1', kind: 'mpc-compute', to: 'party-1', parties: refs, issuedAt: now, deadline: now + 1000, payload: {}, ...patch };
}

function reason(g: JobGate, msg: unknown): string {
  try {
    g.check(msg);
    return 'accepted';
  } catch (e) {
    expect(e).toBeInstanceOf(JobRefusedError);
    return (e as JobRefusedError).reason;
  }
}

const prepare = (o: JobOrder): DispatchMessage => ({ type: 'prepare', order: o });
const signed = (m: DispatchMessage) => signMessage(DISPATCH_DOMAIN, m, coord.signing);

describe('JobGate', () => {
  it('accepts a good order once and refuses its replay', () => {
    const g = gate();
    expect(reason(g, signed(prepare(order())))).toBe('accepted');
    expect(reason(g, signed(prepare(order())))).toBe('replayed');
  });

  it('refuses each bad order with its reason', () => {
    const fakePeer = { ...refs[2], ...publicIdentity(generateIdentity()) };
    const table: [string, unknown, string][] = [
      ['not signed', prepare(order()), 'bad-signature'],
      ['signed by another key', signMessage(DISPATCH_DOMAIN, prepare(order()), generateIdentity().signing), 'bad-signature'],
      ['signed under another domain', signMessage('mpc-report/v1', prepare(order()), coord.signing), 'bad-signature'],
      ['null', null, 'bad-signature'],
      ['expired', signed(prepare(order({ deadline: now }))), 'expired'],
      ['deadline not a number', signed(prepare(order({ deadline: 'soon' as never }))), 'expired'],
      ['for another party', signed(prepare(order({ to: 'party-2' }))), 'not-addressed'],
      ['unknown kind', signed(prepare(order({ kind: 'mine-bitcoin' as never }))), 'unknown-kind'],
      ['kind this party does not run', signed(prepare(order({ kind: 'mpc-inference' }))), 'unknown-kind'],
      ['bad job id', signed(prepare(order({ jobId: 'a.b' }))), 'malformed'],
      ['two parties', signed(prepare(order({ parties: refs.slice(0, 2) as never }))), 'malformed'],
      ['indices swapped', signed(prepare(order({ parties: [refs[1], refs[0], refs[2]] as never }))), 'malformed'],
      ['a peer key not pinned', signed(prepare(order({ parties: [refs[0], refs[1], fakePeer] }))), 'not-addressed'],
      ['own keys replaced', signed(prepare(order({ parties: [refs[0], { ...refs[1], ...publicIdentity(generateIdentity()) }, refs[2]] }))), 'not-addressed'],
      ['unknown message type', signed({ type: 'reboot' } as never), 'malformed'],
      ['start for another party', signed({ type: 'start', jobId: 'job-1', to: 'party-0', issuedAt: now }), 'not-addressed'],
    ];
    for (const [name, msg, want] of table) expect(reason(gate(), msg), name).toBe(want);
  });

  it('accepts an unpinned peer when the party pins none (registry-trusting deployment)', () => {
    const other = { ...refs[2], ...publicIdentity(generateIdentity()) };
    expect(reason(gate(false), signed(prepare(order({ parties: [refs[0], refs[1], other] }))))).toBe('accepted');
  });
});
