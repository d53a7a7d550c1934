/**
 * The NATS accounts of the three-organisation topology (services/cluster/nats-accounts) on
 * three real nats-servers joined by routes, with the TLS, nkeys and accounts block that
 * `mpc up --topology cluster` writes. Each attack is played by a user with full rights
 * (`>`) inside an organisation's account: what that organisation's administrator could add
 * to its own account. Such a user must still not see another pair's frames, the coordinator's
 * dispatch to another party, the audit subjects or the coordinator's JetStream, and what it
 * publishes on another organisation's subjects must reach nobody. The flows that must cross
 * (frames to the right peer, dispatch and its ack, reports, announcements, API calls
 * with chunked replies, job events, JetStream for the coordinator) are checked on the same
 * servers. "Reaches nobody" is checked without waiting: every test client is on server 0 and
 * each forbidden message is followed by an allowed one on the same path, which must arrive
 * first (the server delivers in the order it processes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createInbox, nkeys, type Msg, type NatsConnection, type Subscription } from 'nats';
import { prepareClusterNatsAccess, type ClusterNatsAccess } from '../../services/cluster/cluster-nats-access.js';
import { startClusterServers, waitJetStream } from '../../services/cluster/topology.js';
import type { NatsServerProcess } from '../../services/cluster/nats-server-process.js';
import { accountFiles, accountOf, clusterAccounts, COORDINATOR_ACCOUNT, CLIENTS_ACCOUNT, organisationAccount } from '../../services/cluster/nats-accounts.js';
import { clientPermissions, coordinatorPermissions, gatewayPermissions, partyPermissions } from '../../services/cluster/nats-permissions.js';
import { connectionOptions, connectService } from '../../services/transport/nats-connection.js';

const ALL = { publish: ['>'], subscribe: ['>'] };
const USERS = [
  { user: 'coordinator', permissions: coordinatorPermissions(), account: accountOf('coordinator') },
  ...[0, 1, 2].map((i) => ({ user: `party-${i}`, permissions: partyPermissions(`party-${i}`, i), account: accountOf(`party-${i}`) })),
  { user: 'gateway', permissions: gatewayPermissions(), account: accountOf('gateway') },
  { user: 'client', permissions: clientPermissions(), account: accountOf('client') },
  // What organisation 1's administrator could add to its own account, and the clients' account's.
  { user: 'org-1-admin', permissions: ALL, account: organisationAccount(1) },
  { user: 'clients-admin', permissions: ALL, account: CLIENTS_ACCOUNT },
  // A JetStream reader of the coordinator's own account (positive control).
  { user: 'operator', permissions: { publish: ['$JS.API.>'], subscribe: ['_INBOX.>'] }, account: COORDINATOR_ACCOUNT },
];

let dir: string;
let access: ClusterNatsAccess;
let servers: NatsServerProcess[];
const conns = new Map<string, NatsConnection>();
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (m: Msg): string => new TextDecoder().decode(m.data);

/** A connection as `user` to server 0 only (the ordering argument of the module comment). */
async function as(user: string): Promise<NatsConnection> {
  let nc = conns.get(user);
  if (!nc) {
    nc = await connectService(access.endpoint(user, servers[0]!.url), `accounts-test-${user}`);
    conns.set(user, nc);
  }
  return nc;
}

/** The next message of `sub` (the test's timeout bounds the wait). */
async function next(sub: Subscription): Promise<Msg> {
  for await (const m of sub) return m;
  throw new Error(`subscription ${sub.getSubject()} closed`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mpc-nats-accounts-'));
  mkdirSync(join(dir, 'logs'));
  access = prepareClusterNatsAccess(dir, USERS);
  const users = access.users.map((u) => ({ ...u, account: USERS.find((x) => x.user === u.user)!.account }));
  servers = await startClusterServers({ dir, jetstream: true, accounts: accountFiles(clusterAccounts(users)), tls: access.tls.server });
  await waitJetStream({ ...access.endpoint('coordinator', servers[0]!.url), servers: servers.map((s) => s.url) }, 30_000);
  const jsm = await (await as('coordinator')).jetstreamManager();
  await jsm.streams.add({ name: 'MPC_AUDIT', subjects: ['mpc.audit.entries'], num_replicas: 3 });
}, 90_000);

afterAll(async () => {
  await Promise.all([...conns.values()].map((c) => c.close()));
  await Promise.all((servers ?? []).map((s) => s.stop()));
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('NATS accounts per organisation (three real nats-servers)', () => {
  it('lists each user only in its own account file, which every server includes', () => {
    const confs = [0, 1, 2].map((i) => readFileSync(join(dir, 'nats', `org-${i}`, 'nats-server.conf'), 'utf8'));
    const block = (c: string): string => c.slice(c.indexOf('accounts {'));
    expect(block(confs[0]!)).toMatch(/^accounts \{\n {2}include "\.\.\/accounts\/COORDINATOR\.conf"\n/);
    expect(block(confs[1]!)).toBe(block(confs[0]!));
    expect(block(confs[2]!)).toBe(block(confs[0]!));
    expect(confs[0]).not.toMatch(/^authorization \{/m);
    const files = Object.fromEntries(['COORDINATOR', 'ORG_0', 'ORG_1', 'ORG_2', 'GATEWAY', 'CLIENTS'].map((a) => [a, readFileSync(join(dir, 'nats', 'accounts', `${a}.conf`), 'utf8')]));
    for (const u of access.users) {
      const where = Object.entries(files).filter(([, text]) => text.includes(u.nkey!)).map(([a]) => a);
      expect(where, u.user).toEqual([USERS.find((x) => x.user === u.user)!.account]);
    }
    expect(files.COORDINATOR).toMatch(/^ {2}jetstream: enabled$/m);
    for (const a of ['ORG_0', 'ORG_1', 'ORG_2', 'GATEWAY', 'CLIENTS']) expect(files[a], a).not.toMatch(/jetstream/);
  });

  it('carries what crosses organisations: frames to the addressed peer, dispatch and its ack, reports, announcements, chunked API replies, events, JetStream', async () => {
    // Frames party-0 -> party-1 cross from server 0 to party-1's own server 1.
    const p1far = await connectService(access.endpoint('party-1', servers[1]!.url), 'accounts-test-party-1-far');
    try {
      const frames = p1far.subscribe('mpc.p2p.*.*.1');
      await p1far.flush();
      const p0 = await as('party-0');
      // Interest crosses the route asynchronously: send until the first frame arrives.
      const sending = setInterval(() => p0.publish('mpc.p2p.job-x.0.1', enc('frame 0->1')), 100);
      const got = await next(frames);
      clearInterval(sending);
      expect(got.subject).toBe('mpc.p2p.job-x.0.1');
      expect(dec(got)).toBe('frame 0->1');
    } finally {
      await p1far.close();
    }

    // Dispatch: the coordinator's request reaches party-2 in ORG_2 and its ack comes back
    // (a party answers once: `allow_responses` lets it publish one reply, as without accounts).
    const p2 = await as('party-2');
    const jobs = p2.subscribe('mpc.svc.party-2.job', { max: 1 });
    void (async () => {
      for await (const m of jobs) m.respond(enc(`ack of ${dec(m)}`));
    })();
    await p2.flush();
    const coord = await as('coordinator');
    expect(dec(await coord.request('mpc.svc.party-2.job', enc('order'), { timeout: 10_000 }))).toBe('ack of order');

    // Reports and announcements from an organisation reach the coordinator's account.
    const reports = coord.subscribe('mpc.coord.report.>', { max: 1 });
    const announce = coord.subscribe('mpc.coord.announce', { max: 1 });
    await coord.flush();
    p2.publish('mpc.coord.report.job-x', enc('report'));
    p2.publish('mpc.coord.announce', enc('hello'));
    expect(dec(await next(reports))).toBe('report');
    expect(dec(await next(announce))).toBe('hello');

    // The API: the gateway's request gets the coordinator's chunked reply (three pieces); events cross too.
    const api = coord.subscribe('mpc.coord.api.>');
    void (async () => {
      for await (const m of api) for (const r of ['piece-1', 'piece-2', '']) m.respond(enc(r));
    })();
    await coord.flush();
    const gw = await as('gateway');
    const gwInbox = createInbox();
    const pieces = gw.subscribe(gwInbox, { max: 3 });
    gw.publish('mpc.coord.api.jobs.result', enc('{}'), { reply: gwInbox });
    const got: string[] = [];
    for await (const m of pieces) got.push(dec(m));
    expect(got).toEqual(['piece-1', 'piece-2', '']);
    const events = gw.subscribe('mpc.coord.events.>', { max: 1 });
    await gw.flush();
    coord.publish('mpc.coord.events.job-x', enc('running'));
    expect(dec(await next(events))).toBe('running');

    // The client reaches the two methods its account imports.
    const client = await as('client');
    expect(dec(await client.request('mpc.coord.api.health.ready', enc('{}'), { timeout: 10_000 }))).toBe('piece-1');

    // JetStream belongs to the coordinator's account.
    const jsm = await (await as('operator')).jetstreamManager();
    expect((await jsm.streams.info('MPC_AUDIT')).config.num_replicas).toBe(3);
  }, 60_000);

  it("a user of organisation 1 with every right in its account reads no other pair's frames, no other party's dispatch and no audit entry", async () => {
    const rogue = await as('org-1-admin');
    const seen = rogue.subscribe('>');
    await rogue.flush();
    const p0 = await as('party-0');
    const coord = await as('coordinator');
    // Private to others: frames 0 -> 2 and 2 -> 0, the coordinator's dispatch and witness requests to party-0 and party-2, audit subjects.
    const p2 = await as('party-2');
    p0.publish('mpc.p2p.job-y.0.2', enc('secret 0->2'));
    p2.publish('mpc.p2p.job-y.2.0', enc('secret 2->0'));
    coord.publish('mpc.svc.party-2.job', enc('order for 2'));
    coord.publish('mpc.svc.party-0.witness', enc('checkpoint for 0'));
    coord.publish('mpc.audit.entries', enc('audit entry'));
    await Promise.all([p0.flush(), p2.flush(), coord.flush()]);
    // Then one frame addressed to organisation 1: the first thing the rogue sees.
    p0.publish('mpc.p2p.job-y.0.1', enc('frame for org 1'));
    const first = await next(seen);
    expect(`${first.subject} ${dec(first)}`).toBe('mpc.p2p.job-y.0.1 frame for org 1');
    seen.unsubscribe();
  }, 30_000);

  it("what that user publishes on another organisation's or the coordinator's subjects reaches nobody", async () => {
    const rogue = await as('org-1-admin');
    const p0 = await as('party-0');
    const p2 = await as('party-2');
    const coord = await as('coordinator');
    const toParty0 = p0.subscribe('mpc.p2p.*.*.0');
    const toParty2Jobs = p2.subscribe('mpc.svc.party-2.job');
    const reports = coord.subscribe('mpc.coord.report.>');
    const api = coord.subscribe('mpc.coord.api.jobs.>');
    await Promise.all([p0.flush(), p2.flush(), coord.flush()]);
    // Forged sender (party 2's frames to party 0), a job order to party 2, a call of the coordinator's API (not imported by ORG_1).
    rogue.publish('mpc.p2p.job-z.2.0', enc('forged'));
    rogue.publish('mpc.svc.party-2.job', enc('forged order'));
    rogue.publish('mpc.coord.api.jobs.submit', enc('forged call'));
    // A report is one of ORG_1's exports: it does reach the coordinator (positive control of the rogue's reach).
    rogue.publish('mpc.coord.report.job-z', enc('report from org 1'));
    await rogue.flush();
    p2.publish('mpc.p2p.job-z.2.0', enc('real frame'));
    coord.publish('mpc.svc.party-2.job', enc('real order'));
    await Promise.all([p2.flush(), coord.flush()]);
    (await as('gateway')).publish('mpc.coord.api.jobs.submit', enc('real call'));
    expect(dec(await next(toParty0))).toBe('real frame');
    expect(dec(await next(toParty2Jobs))).toBe('real order');
    expect(dec(await next(api))).toBe('real call');
    expect(dec(await next(reports))).toBe('report from org 1');
    for (const s of [toParty0, toParty2Jobs, reports, api]) s.unsubscribe();
  }, 30_000);

  it("cannot reach the coordinator's JetStream API: neither organisation 1 nor the clients' account sees its streams", async () => {
    for (const user of ['org-1-admin', 'clients-admin']) {
      const nc = await as(user);
      // Answered by the server for the user's own account (no JetStream there), never with the coordinator's stream.
      const reply = await nc.request('$JS.API.STREAM.INFO.MPC_AUDIT', enc(''), { timeout: 10_000 }).then(
        (m) => dec(m),
        (e: Error) => `${e.name}: ${e.message}`,
      );
      expect(reply, user).not.toMatch(/"num_replicas"|"config"/);
      expect(reply, user).toMatch(/jetstream not enabled|503|no responders/i);
      await expect(nc.jetstreamManager({ timeout: 5000 }).then((j) => j.streams.info('MPC_AUDIT')), user).rejects.toThrow();
    }
  }, 30_000);

  it('the clients account reaches health.ready and registry.list only, even for a user with every right in it', async () => {
    const nc = await as('clients-admin');
    const err = await nc.request('mpc.coord.api.jobs.submit', enc('{}'), { timeout: 10_000 }).then(
      () => 'answered',
      (e: { code?: string }) => String(e.code),
    );
    expect(err).toBe('503'); // no responders: the account imports no such service
    expect(dec(await nc.request('mpc.coord.api.registry.list', enc('{}'), { timeout: 10_000 }))).toBe('piece-1');
  }, 30_000);

  it("a user of organisation 1 with the party's tight allow list cannot even subscribe to another pair's frames", async () => {
    const p1 = await as('party-1');
    const sub = p1.subscribe('mpc.p2p.*.0.2');
    const ended = await (async () => {
      try {
        for await (const m of sub) return `message ${m.subject}`;
        return 'closed';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(ended).toMatch(/permissions violation/i);
  }, 30_000);

  it('refuses a user that is in no account, even with a client certificate of the CA', async () => {
    const stranger = new TextDecoder().decode(nkeys.createUser().getSeed());
    const endpoint = { ...access.endpoint('party-1', servers[0]!.url), pass: stranger };
    const err = await connect({ ...connectionOptions(endpoint, 'stranger'), maxReconnectAttempts: 0, reconnect: false }).then(
      async (nc) => {
        await nc.close();
        return 'connected';
      },
      (e: Error) => e.message,
    );
    expect(err).toMatch(/authorization violation/i);
  }, 30_000);

  it("organisation 1 rotates its party's nkey by editing only its own account file; after a reload of each server the new key connects and the old one is refused", async () => {
    const file = join(dir, 'nats', 'accounts', 'ORG_1.conf');
    const others = ['COORDINATOR', 'ORG_0', 'ORG_2', 'GATEWAY', 'CLIENTS'].map((a) => readFileSync(join(dir, 'nats', 'accounts', `${a}.conf`), 'utf8'));
    const old = access.users.find((u) => u.user === 'party-1')!.nkey!;
    const fresh = nkeys.createUser();
    writeFileSync(file, readFileSync(file, 'utf8').replace(old, fresh.getPublicKey()));
    for (const s of servers) await s.reload();
    const tryConnect = async (seed: string, server: NatsServerProcess): Promise<string> => {
      const endpoint = { ...access.endpoint('party-1', server.url), pass: seed };
      return await connect({ ...connectionOptions(endpoint, 'rotated'), maxReconnectAttempts: 0, reconnect: false }).then(
        async (nc) => {
          // The rotated user keeps party-1's allow lists: frames addressed to party 1 only.
          const sub = nc.subscribe('mpc.p2p.*.*.1', { max: 1 });
          await nc.flush();
          const p0 = await as('party-0');
          const sending = setInterval(() => p0.publish('mpc.p2p.job-r.0.1', enc('after rotation')), 100);
          const m = await next(sub);
          clearInterval(sending);
          await nc.close();
          return `connected, got ${dec(m)}`;
        },
        (e: Error) => e.message,
      );
    };
    for (const s of servers) {
      expect(await tryConnect(new TextDecoder().decode(fresh.getSeed()), s)).toBe('connected, got after rotation');
      expect(await tryConnect(access.credentials('party-1').password, s)).toMatch(/authorization violation/i);
    }
    expect(['COORDINATOR', 'ORG_0', 'ORG_2', 'GATEWAY', 'CLIENTS'].map((a) => readFileSync(join(dir, 'nats', 'accounts', `${a}.conf`), 'utf8'))).toEqual(others);
  }, 60_000);
});
