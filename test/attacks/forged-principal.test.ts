/**
 * Forged principals on the broker (issue 12, item 6), played against a real coordinator and
 * three real parties on a real nats-server whose accounts are the local cluster's
 * (services/cluster/nats-permissions): one user per service, `client` for command-line tools,
 * `gateway` for the gateway.
 *
 * The victim is `alice` of tenant `hospital-a`, whose job goes through the honest path (a
 * connection bound to the gateway's key, as the gateway's own). The attacks:
 *
 * 1. The `client` account follows job events to learn alice's job id and calls `jobs.submit` and
 *    `jobs.result` with alice's principal (or an admin of any tenant). Refused by the broker: the
 *    client account may reach only readiness and the registry, and sees no job events.
 * 2. Stolen `gateway` NATS credentials without the gateway's key: an unsigned request, one
 *    signed by the attacker's own key under the gateway's id or under an unknown id. Refused by
 *    the coordinator with `envelope-refused` naming the failed check.
 * 3. The broker (or whoever sees the gateway's traffic) reuses a genuine envelope: moved to
 *    another method, with the principal swapped, sent twice (the nonce was seen), or signed
 *    outside the time window in either direction. Each refused; the genuine request works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { NatsServerProcess } from '../../services/cluster/nats-server-process.js';
import { authorizationBlock, clientPermissions, coordinatorPermissions, gatewayPermissions, partyPermissions, type NatsUser } from '../../services/cluster/nats-permissions.js';
import { startInProcessCluster, type InProcessCluster } from '../../services/cluster/in-process-cluster.js';
import { callCoordinator, waitForJob } from '../../services/cluster/coordinator-caller.js';
import { bindPrincipalSigner } from '../../services/transport/connection-signer.js';
import { prepareComputeRequest } from '../../services/sdk/compute-client.js';
import { signRequestEnvelope, type SignedRequest } from '../../services/wire/principal-envelope.js';
import { subjects, type CoordinatorMethod, type Principal } from '../../services/wire/api.js';
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';
import { Prg } from '../../crypto-core/prg.js';

const PASS = (user: string): string => `${user}-secret`;
const users: NatsUser[] = [
  { user: 'coordinator', password: PASS('coordinator'), permissions: coordinatorPermissions() },
  ...[0, 1, 2].map((i) => ({ user: `party-${i}`, password: PASS(`party-${i}`), permissions: partyPermissions(`party-${i}`, i) })),
  { user: 'client', password: PASS('client'), permissions: clientPermissions() },
  { user: 'gateway', password: PASS('gateway'), permissions: gatewayPermissions() },
];

const alice: Principal = { tenant: 'hospital-a', actor: 'key-a', roles: ['client'] };
const anyAdmin: Principal = { tenant: 'hospital-a', actor: 'root', roles: ['admin', 'client', 'hospital', 'analyst', 'auditor', 'model-owner'] };

let server: NatsServerProcess;
let cluster: InProcessCluster;
/** The honest gateway's connection: the `gateway` account, bound to the gateway key. */
let gateway: NatsConnection;
/** The attacker's connections: the `client` account, and stolen `gateway` credentials without the key. */
let client: NatsConnection;
let stolen: NatsConnection;
let aliceJob: string;
const tenantsWithJobs: string[] = [];
const clientSawEvents: string[] = [];

/** Publishes `body` on `method`'s subject as given (no signing) and returns the parsed reply. */
async function raw(nc: NatsConnection, method: string, body: unknown, timeout = 3000): Promise<{ error?: { code: string; status: number; message: string; detail?: { reason?: string } } } & Record<string, unknown>> {
  const m = await nc.request(subjects.api(method as CoordinatorMethod), new TextEncoder().encode(JSON.stringify(body)), { timeout });
  return JSON.parse(new TextDecoder().decode(m.data)) as never;
}

function computePayload() {
  const prg = Prg.random();
  return prepareComputeRequest('mul', [4], prg.u64(4), prg.u64(4), cluster.partyAgreementKeys).payload;
}

beforeAll(async () => {
  server = await NatsServerProcess.start({ extraConfig: authorizationBlock(users) });
  cluster = await startInProcessCluster({ nats: (id) => ({ servers: server.url, user: id, pass: PASS(id) }) });
  await cluster.ready();
  cluster.coordinator.parts.book.onChange((rec) => tenantsWithJobs.push(rec.tenant));
  gateway = bindPrincipalSigner(await connect({ servers: server.url, user: 'gateway', pass: PASS('gateway') }), cluster.gatewaySigner);
  client = await connect({ servers: server.url, user: 'client', pass: PASS('client') });
  stolen = await connect({ servers: server.url, user: 'gateway', pass: PASS('gateway') });
  client.subscribe('mpc.coord.events.>', {
    callback: (err, m) => {
      // A permissions violation arrives here as an error, not as a message.
      if (!err) clientSawEvents.push(m.subject);
    },
  });
  await client.flush().catch(() => undefined);
  const { job } = await callCoordinator(gateway, 'jobs.submit', { principal: alice, kind: 'mpc-compute', payload: computePayload() });
  aliceJob = job.id;
  expect((await waitForJob(gateway, alice, aliceJob)).state).toBe('verified');
}, 60_000);

afterAll(async () => {
  for (const nc of [gateway, client, stolen]) await nc?.close();
  await cluster?.stop();
  await server?.stop();
});

describe('a principal written by a broker client is not believed', () => {
  it('the client account sees no job events and cannot reach a method that takes a principal', async () => {
    expect(clientSawEvents).toEqual([]);
    for (const [method, req] of [
      ['jobs.result', { principal: alice, jobId: aliceJob }],
      ['jobs.get', { principal: anyAdmin, jobId: aliceJob }],
      ['jobs.submit', { principal: anyAdmin, kind: 'mpc-compute', payload: computePayload() }],
      ['datasets.list', { principal: anyAdmin }],
    ] as const) {
      await expect(callCoordinator(client, method, req, 1500)).rejects.toThrow();
    }
    expect(tenantsWithJobs.every((t) => t === alice.tenant)).toBe(true);
    // Readiness stays open to it: probes need no principal.
    expect((await callCoordinator(client, 'health.ready', {}, 3000)).ready).toBe(true);
  });

  it('stolen gateway credentials without the gateway key: unsigned, self-signed and unknown-key requests are refused', async () => {
    const before = tenantsWithJobs.length;
    const unsigned = await raw(stolen, 'jobs.result', { principal: alice, jobId: aliceJob });
    expect(unsigned.error).toMatchObject({ code: 'envelope-refused', status: 401, detail: { reason: 'unsigned' } });
    expect(unsigned.error!.message).toMatch(/signed by a trusted gateway/);
    expect(unsigned.result).toBeUndefined();

    const own = { id: cluster.gatewaySigner.id, secretKey: generateSigningKeyPair().secretKey };
    const selfSigned = await raw(stolen, 'jobs.result', signRequestEnvelope(own, 'jobs.result', { principal: alice, jobId: aliceJob }));
    expect(selfSigned.error).toMatchObject({ code: 'envelope-refused', status: 401, detail: { reason: 'bad-signature' } });

    const unknown = await raw(stolen, 'jobs.submit', signRequestEnvelope({ ...own, id: 'evil-gateway' }, 'jobs.submit', { principal: anyAdmin, kind: 'mpc-compute', payload: computePayload() }));
    expect(unknown.error).toMatchObject({ code: 'envelope-refused', status: 401, detail: { reason: 'unknown-gateway' } });
    expect(tenantsWithJobs.length).toBe(before);
  });

  it('a genuine envelope is refused on another method, with another principal, twice, or outside the time window', async () => {
    const signer = cluster.gatewaySigner;
    const genuine = (): SignedRequest => signRequestEnvelope(signer, 'jobs.get', { principal: alice, jobId: aliceJob });

    const moved = await raw(stolen, 'jobs.result', genuine());
    expect(moved.error).toMatchObject({ code: 'envelope-refused', detail: { reason: 'bad-signature' } });

    const g = genuine();
    const swapped = await raw(stolen, 'jobs.get', { ...g, signed: g.signed.replace('"key-a"', '"root"').replace('["client"]', '["admin"]') });
    expect(swapped.error).toMatchObject({ code: 'envelope-refused', detail: { reason: 'bad-signature' } });

    const once = genuine();
    const first = await raw(stolen, 'jobs.get', once);
    expect(first.error).toBeUndefined();
    expect((first.job as { id: string }).id).toBe(aliceJob);
    const replay = await raw(stolen, 'jobs.get', once);
    expect(replay.error).toMatchObject({ code: 'envelope-refused', status: 401, detail: { reason: 'replayed' } });

    for (const skew of [-10 * 60_000, +10 * 60_000]) {
      const off = signRequestEnvelope(signer, 'jobs.get', { principal: alice, jobId: aliceJob }, { now: Date.now() + skew });
      const r = await raw(stolen, 'jobs.get', off);
      expect(r.error).toMatchObject({ code: 'envelope-refused', status: 401, detail: { reason: 'stale' } });
    }
  });
});
