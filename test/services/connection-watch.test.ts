/**
 * Requests across a broker outage on a real nats-server (transport/connection-watch): nats.js
 * drops, unsent, a request made while it redials and lets it wait out its timeout; a guarded
 * request waits for the connection and is answered, one whose connection drops before the
 * reply fails at once with BrokerUnavailableError, and one whose broker does not come back in
 * time fails at its timeout with the same error. The first case is also run unguarded, to show
 * what the guard prevents.
 */
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerUnavailableError, ConnectionWatch, guardedRequest } from '../../services/transport/connection-watch.js';
import { useNatsServer } from '../helpers/nats-server.js';

const server = useNatsServer();
let nc: NatsConnection;
let responder: NatsConnection;
const enc = new TextEncoder();
const dec = new TextDecoder();

async function startResponder(delayMs = 0): Promise<void> {
  await responder?.close();
  responder = await connect({ servers: server().url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  responder.subscribe('echo', { callback: (_e, m) => void setTimeout(() => m.respond(m.data), delayMs) });
  responder.subscribe('slow', { callback: (_e, m) => void setTimeout(() => m.respond(m.data), 3000) });
  await responder.flush();
}

beforeAll(async () => {
  nc = await connect({ servers: server().url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  ConnectionWatch.of(nc);
  await startResponder();
});
afterAll(async () => {
  await responder?.close();
  await nc?.close();
});

/** Waits until `c` has a round trip with the server again. */
async function back(c: NatsConnection): Promise<void> {
  for (;;) {
    try {
      await c.flush();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('guardedRequest', () => {
  it('a request made while the connection redials is sent once it is back and answered (unguarded, nats.js drops it)', async () => {
    // This client redials slower than the responder, so the responder listens again first.
    const client = await connect({ servers: server().url, maxReconnectAttempts: -1, reconnectTimeWait: 1000 });
    ConnectionWatch.of(client);
    await server().stop();
    await new Promise((r) => setTimeout(r, 300));
    expect(ConnectionWatch.of(client).connected).toBe(false);
    const unguarded = client.request('echo', enc.encode('lost'), { timeout: 4000 }).then(() => 'answered', (e: Error) => e.message);
    const guarded = guardedRequest(client, 'echo', 10_000, async (ms) => dec.decode((await client.request('echo', enc.encode('kept'), { timeout: ms })).data));
    await server().restart();
    await back(responder);
    expect(await guarded).toBe('kept');
    expect(await unguarded).toBe('TIMEOUT');
    await client.close();
    await back(nc);
  });

  it('a request whose connection drops before the reply fails at once, not at its timeout', async () => {
    const t0 = Date.now();
    const pending = guardedRequest(nc, 'slow request', 20_000, async (ms) => await nc.request('slow', enc.encode('x'), { timeout: ms })).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    await server().stop();
    const err = await pending;
    expect(err).toBeInstanceOf(BrokerUnavailableError);
    expect((err as Error).message).toMatch(/^slow request: the broker connection \(.*\) dropped before the reply$/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await server().restart();
    await back(nc);
    await startResponder();
  });

  it('fails at its timeout when the broker does not come back in time', async () => {
    await server().stop();
    await new Promise((r) => setTimeout(r, 300));
    const err = await guardedRequest(nc, 'echo', 500, async (ms) => await nc.request('echo', enc.encode('x'), { timeout: ms })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BrokerUnavailableError);
    expect((err as Error).message).toBe('echo: not connected to the broker within 500 ms');
    await server().restart();
    await back(nc);
  });
});
