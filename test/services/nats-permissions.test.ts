/**
 * The generated authorization block against a real nats-server: a party may publish only
 * frames naming itself as sender and read only frames addressed to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { NatsServerProcess } from '../../services/cluster/nats-server-process.js';
import { authorizationBlock, partyPermissions, type NatsUser } from '../../services/cluster/nats-permissions.js';

const users: NatsUser[] = [
  { user: 'party-0', password: 'p0-secret', permissions: partyPermissions('party-0', 0) },
  { user: 'watch', password: 'w-secret', permissions: { publish: ['>'], subscribe: ['>'] } },
];
let server: NatsServerProcess;
let p0: NatsConnection;
let watch: NatsConnection;
const errors: string[] = [];

beforeAll(async () => {
  server = await NatsServerProcess.start({ extraConfig: authorizationBlock(users) });
  p0 = await connect({ servers: server.url, user: 'party-0', pass: 'p0-secret' });
  watch = await connect({ servers: server.url, user: 'watch', pass: 'w-secret' });
  void (async () => {
    for await (const s of p0.status()) if (s.type === 'error') errors.push(String(s.data));
  })();
});
afterAll(async () => {
  await p0?.close();
  await watch?.close();
  await server?.stop();
});

async function delivered(subject: string, publisher: NatsConnection): Promise<boolean> {
  const got: string[] = [];
  const sub = watch.subscribe(subject, { callback: (_e, m) => got.push(m.subject) });
  await watch.flush();
  publisher.publish(subject, new Uint8Array([1]));
  await publisher.flush().catch(() => undefined);
  await new Promise((r) => setTimeout(r, 100));
  sub.unsubscribe();
  return got.length > 0;
}

describe('per-service NATS permissions', () => {
  it('lets party 0 send as party 0 and stops it sending as party 1', async () => {
    expect(await delivered('mpc.p2p.job1.0.1', p0)).toBe(true);
    expect(await delivered('mpc.p2p.job1.1.2', p0)).toBe(false);
    expect(await delivered('mpc.coord.api.jobs.submit', p0)).toBe(false);
  });

  it('lets party 0 read frames addressed to it but not the 1 -> 2 direction', async () => {
    const mine: number[] = [];
    p0.subscribe('mpc.p2p.job2.1.0', { callback: () => mine.push(1) });
    await p0.flush();
    watch.publish('mpc.p2p.job2.1.0', new Uint8Array([1]));
    await watch.flush();
    await new Promise((r) => setTimeout(r, 100));
    expect(mine.length).toBe(1);
    errors.length = 0;
    const others: number[] = [];
    const denied: string[] = [];
    // nats.js reports the server's refusal through the callback's error argument.
    p0.subscribe('mpc.p2p.job2.1.2', { callback: (err, m) => (err ? denied.push(err.message) : m && others.push(1)) });
    await p0.flush().catch(() => undefined);
    watch.publish('mpc.p2p.job2.1.2', new Uint8Array([1]));
    await watch.flush();
    await new Promise((r) => setTimeout(r, 150));
    expect(others.length).toBe(0);
    expect(denied.join(' ')).toMatch(/Permissions Violation for Subscription to "mpc.p2p.job2.1.2"/);
    expect(errors.join(' ')).toMatch(/PERMISSIONS_VIOLATION/);
  });
});
