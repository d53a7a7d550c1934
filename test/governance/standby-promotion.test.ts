/**
 * Standby promotion without NATS: the coordinator's `parties.promote` (PartyQuarantine over a
 * real Merkle log and the real registry) and the parties' own check of the operators' decisions
 * (JobGate). The attacks: a coordinator that swaps a party in without decisions, with decisions
 * of too few organisations, of the replaced party's own organisation, forged, for other keys
 * behind the standby's name, or for another slot.
 */
import { describe, expect, it } from 'vitest';
import { generateIdentity, publicIdentity, type ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { toHex } from '../../crypto-core/encoding.js';
import { MemoryMerkleLog } from '../../services/coordinator/audit/audit-memory-log.js';
import { PartyQuarantine, type OperatorKey } from '../../services/coordinator/governance/party-quarantine.js';
import { ServiceRegistry, type TrustedService } from '../../services/coordinator/service-registry.js';
import { MemoryLog } from '../../services/transport/service-log.js';
import { JobGate } from '../../services/party/job-gate.js';
import { JobRefusedError } from '../../services/party/errors.js';
import { MemorySeenJobs } from '../../services/party/seen-jobs.js';
import { ANNOUNCE_DOMAIN, DISPATCH_DOMAIN, signMessage, type JobOrder, type PartyRef } from '../../services/wire/job-messages.js';
import { PROMOTION_DOMAIN, type PromotionDecision } from '../../services/wire/party-governance.js';
import { ApiFailure } from '../../services/coordinator/errors.js';

const ids = [0, 1, 2].map(() => generateIdentity());
const standbyId = generateIdentity();
const trusted: TrustedService[] = [
  ...ids.map((k, i) => ({ id: `party-${i}`, kind: 'party' as const, index: i, ...publicIdentity(k) })),
  { id: 'standby-1', kind: 'party', index: 1, standby: true, ...publicIdentity(standbyId) },
];
const opKeys = ['a', 'b', 'c'].map(() => generateIdentity());
const operators: OperatorKey[] = ['a', 'b', 'c'].map((o, i) => ({ id: `op-${o}`, organisation: `org-${o}`, publicKey: toHex(opKeys[i]!.signing.publicKey), runs: [`party-${i}`] }));
const coord = generateIdentity();

function quarantinedParty1(): { q: PartyQuarantine; registry: ServiceRegistry; log: MemoryMerkleLog } {
  const log = new MemoryMerkleLog({ origin: 'coordinator', secretKey: coord.signing.secretKey });
  for (let k = 0; k < 3; k++) {
    void log.append({ type: 'job.placed', actor: 'coordinator', jobId: `g${k}`, parties: ['party-0', 'party-1', 'party-2'] });
    void log.append({ type: 'job.failed', actor: 'coordinator', jobId: `g${k}`, party: 1, reason: 'party-gone: party 1 (party-1): unreachable: no responders' });
  }
  const registry = new ServiceRegistry(trusted);
  const q = new PartyQuarantine({ actor: 'coordinator', registry, audit: log, log, logger: new MemoryLog(), settings: { operators } });
  q.recompute();
  return { q, registry, log };
}

function decide(k: number, patch: Partial<PromotionDecision> & { quarantine: string }, key: ServiceIdentity = opKeys[k]!) {
  const body: PromotionDecision = { type: 'party-promotion', slot: 1, standbyId: 'standby-1', ...publicIdentity(standbyId), replaces: 'party-1', issuedAt: Date.now(), ...patch };
  return signMessage(PROMOTION_DOMAIN, body, key.signing);
}

function refusal(f: () => unknown): ApiFailure {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiFailure);
    return e as ApiFailure;
  }
  throw new Error('not refused');
}

describe('parties.promote (coordinator)', () => {
  it('refuses without quarantine, for a non-standby, and every decision set short of the quorum, naming why', () => {
    const { q } = quarantinedParty1();
    const quarantine = q.quarantined[0]!.id;
    expect(refusal(() => q.promote('party-2', 'standby-1', [])).code).toBe('not-quarantined');
    expect(refusal(() => q.promote('party-1', 'party-2', [])).code).toBe('not-a-standby');
    const cases: [unknown[], RegExp][] = [
      [[], /got 0$/],
      [[decide(0, { quarantine })], /got 1/],
      [[decide(0, { quarantine }), decide(0, { quarantine })], /got 1/],
      [[decide(0, { quarantine }), decide(1, { quarantine })], /op-b belongs to org-b, which runs party-1/],
      [[decide(0, { quarantine }), decide(2, { quarantine }, generateIdentity())], /not signed by a configured operator key/],
      [[decide(0, { quarantine }), { ...decide(2, { quarantine }), body: { ...decide(2, { quarantine }).body, slot: 2 } }], /signature of op-c does not verify/],
      [[decide(0, { quarantine }), decide(2, { quarantine: 'f'.repeat(64) })], /op-c signed another decision/],
      [[decide(0, { quarantine }), decide(2, { quarantine, ...publicIdentity(generateIdentity()) })], /op-c signed other keys for standby-1/],
      [[decide(0, { quarantine }), decide(2, { quarantine, issuedAt: Date.now() - 2 * 24 * 3600_000 })], /op-c's decision is not recent/],
    ];
    for (const [decisions, why] of cases) {
      const e = refusal(() => q.promote('party-1', 'standby-1', decisions));
      expect(e.code).toBe('promotion-refused');
      expect(e.status).toBe(403);
      expect(e.message).toMatch(why);
    }
  });

  it('residency: a standby of another region than the party it replaces is refused (409 residency-unplaceable), even with a quorum', () => {
    const log = new MemoryMerkleLog({ origin: 'coordinator', secretKey: coord.signing.secretKey });
    for (let k = 0; k < 3; k++) {
      void log.append({ type: 'job.placed', actor: 'coordinator', jobId: `g${k}`, parties: ['party-0', 'party-1', 'party-2'] });
      void log.append({ type: 'job.failed', actor: 'coordinator', jobId: `g${k}`, party: 1, reason: 'party-gone: party 1 (party-1): unreachable: no responders' });
    }
    const regional = trusted.map((t) => ({ ...t, region: t.id === 'standby-1' ? 'us' : 'eu' }));
    const q = new PartyQuarantine({ actor: 'coordinator', registry: new ServiceRegistry(regional), audit: log, log, logger: new MemoryLog(), settings: { operators } });
    q.recompute();
    const quarantine = q.quarantined[0]!.id;
    const e = refusal(() => q.promote('party-1', 'standby-1', [decide(0, { quarantine }), decide(2, { quarantine })]));
    expect([e.code, e.status]).toEqual(['residency-unplaceable', 409]);
    expect(e.message).toMatch(/standby-1 is in region "us", party-1 in region "eu"/);
    expect(log.entries({ from: 0 }).some((x) => x.type === 'party.promoted')).toBe(false);
  });

  it('promotes with a quorum: slot 1 is placed on the standby, party.promoted is logged, a restart keeps it', () => {
    const { q, registry, log } = quarantinedParty1();
    const quarantine = q.quarantined[0]!.id;
    for (const t of trusted) registry.handleAnnounce(signMessage(ANNOUNCE_DOMAIN, { id: t.id, kind: 'party', index: t.index, capabilities: ['mpc-compute'], agreementPublicKey: t.agreementPublicKey, at: Date.now() }, [...ids, standbyId][trusted.indexOf(t)]!.signing));
    // Before: standby not used, slot 1 quarantined.
    expect(registry.partiesFor('mpc-compute')).toMatchObject({ missing: 1, quarantined: 'party-1' });
    const res = q.promote('party-1', 'standby-1', [decide(0, { quarantine }), decide(2, { quarantine })]);
    expect(res).toEqual({ serviceId: 'party-1', standbyId: 'standby-1', slot: 1, signers: ['op-a', 'op-c'] });
    const sel = registry.partiesFor('mpc-compute');
    expect('parties' in sel && sel.parties.map((p) => p.id)).toEqual(['party-0', 'standby-1', 'party-2']);
    expect(registry.promotion('standby-1')!.decisions).toHaveLength(2);
    const entry = log.entries({ from: 0 }).find((e) => e.type === 'party.promoted')!;
    expect(entry).toMatchObject({ serviceId: 'standby-1', party: 1, signers: ['op-a', 'op-c'], hashes: { quarantine } });
    expect(Object.keys(entry.hashes!).sort()).toEqual(['decision-0', 'decision-1', 'quarantine']);
    expect(refusal(() => q.promote('party-1', 'standby-1', [decide(0, { quarantine }), decide(2, { quarantine })])).code).toBe('not-a-standby');
    // A restarted coordinator reloads the records (quarantine and promotion) from its store.
    const again = new ServiceRegistry(trusted);
    const records = new Map<string, never>([...q.quarantined.map((r) => [r.serviceId, r]), ...q.promotions.map((p) => [`promotion.${p.standbyId}`, p])] as never);
    new PartyQuarantine({ actor: 'coordinator', registry: again, audit: log, log, logger: new MemoryLog(), settings: { operators }, records });
    expect(again.isQuarantined('party-1')).toBe(true);
    expect(again.promotion('standby-1')?.signers).toEqual(['op-a', 'op-c']);
  });
});

describe('the parties check a promotion themselves (JobGate)', () => {
  const now = Date.now();
  const refs: JobOrder['parties'] = [
    { id: 'party-0', index: 0, ...publicIdentity(ids[0]!) },
    { id: 'standby-1', index: 1, ...publicIdentity(standbyId) },
    { id: 'party-2', index: 2, ...publicIdentity(ids[2]!) },
  ];
  const governance = { operators, quorum: 2 };
  const pinnedFor0 = { 1: publicIdentity(ids[1]!), 2: publicIdentity(ids[2]!) };
  let n = 0;
  function gate(self: 0 | 1, opts: { standby?: boolean; governance?: typeof governance } = { governance }): JobGate {
    const me = publicIdentity(self === 0 ? ids[0]! : standbyId);
    return new JobGate({
      selfId: self === 0 ? 'party-0' : 'standby-1',
      selfIndex: self,
      selfSigningPublicKey: me.signingPublicKey,
      selfAgreementPublicKey: me.agreementPublicKey,
      coordinatorKey: coord.signing.publicKey,
      seenJobs: new MemorySeenJobs(),
      pinnedPeers: self === 0 ? pinnedFor0 : { 0: publicIdentity(ids[0]!), 2: publicIdentity(ids[2]!) },
      kinds: ['mpc-compute'],
      ...opts,
    });
  }
  function prepare(to: 'party-0' | 'standby-1', decisions: unknown[] | undefined, parties: JobOrder['parties'] = refs) {
    const order: JobOrder = { jobId: `job-p${n++}`, kind: 'mpc-compute', to, parties, issuedAt: now, deadline: now + 60_000, payload: {}, ...(decisions ? { promotions: [{ slot: 1, decisions }] } : {}) };
    return signMessage(DISPATCH_DOMAIN, { type: 'prepare', order }, coord.signing);
  }
  function outcome(g: JobGate, msg: unknown): string {
    try {
      g.check(msg);
      return 'accepted';
    } catch (e) {
      expect(e).toBeInstanceOf(JobRefusedError);
      return `${(e as JobRefusedError).reason}: ${(e as Error).message}`;
    }
  }
  const quarantine = 'e'.repeat(64);
  const good = (): unknown[] => [decide(0, { quarantine }), decide(2, { quarantine })];

  it('a remaining party refuses an order that swaps in an unpinned party without the operators, and accepts it with them', () => {
    const g = gate(0);
    // The attack: the coordinator alone names the standby (or any key pair) in slot 1.
    expect(outcome(g, prepare('party-0', undefined))).toMatch(/^not-addressed: .*parties\[1\] keys differ from the keys this party knows for index 1, and the order carries no promotion decisions/);
    const impostor = generateIdentity();
    const swapped: JobOrder['parties'] = [refs[0], { id: 'standby-1', index: 1, ...publicIdentity(impostor) } as PartyRef, refs[2]];
    const attacks: [unknown[], JobOrder['parties'], RegExp][] = [
      [[decide(0, { quarantine })], refs, /got 1/],
      [[decide(0, { quarantine }), decide(1, { quarantine })], refs, /op-b belongs to org-b, which runs party-1/],
      [[decide(0, { quarantine }), decide(2, { quarantine }, coord)], refs, /not signed by a configured operator key/],
      [[decide(0, { quarantine }), { ...decide(2, { quarantine }), signature: decide(0, { quarantine }).signature }], refs, /signature of op-c does not verify/],
      // The coordinator reuses the real decisions but puts its own key pair behind the standby's name.
      [good(), swapped, /signed other keys for standby-1 than the order names/],
      [[decide(0, { quarantine, slot: 2 }), decide(2, { quarantine, slot: 2 })], refs, /signed another decision/],
    ];
    for (const [decisions, parties, why] of attacks) expect(outcome(g, prepare('party-0', decisions, parties))).toMatch(why);
    expect(outcome(gate(0, {}), prepare('party-0', good()))).toMatch(/no operator keys configured/);
    expect(outcome(g, prepare('party-0', good()))).toBe('accepted');
    // The pinned trio needs nothing.
    const pinned: JobOrder['parties'] = [refs[0], { id: 'party-1', index: 1, ...publicIdentity(ids[1]!) }, refs[2]];
    expect(outcome(g, prepare('party-0', undefined, pinned))).toBe('accepted');
  });

  it('a standby runs nothing until its promotion is in the order', () => {
    const g = gate(1, { standby: true, governance });
    expect(outcome(g, prepare('standby-1', undefined))).toMatch(/^not-promoted: .*this party is a standby for slot 1 and the order carries no promotion decisions/);
    expect(outcome(g, prepare('standby-1', [decide(0, { quarantine })]))).toMatch(/^not-promoted: .*got 1/);
    expect(outcome(g, prepare('standby-1', good()))).toBe('accepted');
  });
});
