/**
 * A gateway that is not there, or drops the connection, is a typed SDK error
 * (GatewayUnreachableError, code `gateway-unreachable`), not fetch's bare TypeError: a refused
 * connection, a connection reset before any reply, and a reply cut off after its headers. The
 * job wait treats it as transient (the wait goes on); a caller's own abort stays an abort.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../services/cluster/nats-server-process.js';
import { GatewayUnreachableError, MpcClient } from '../../services/sdk/index.js';

let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith('/v1/datasets')) {
      // Headers and half a body, then the connection goes (a gateway killed mid-reply).
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"datasets": [');
      setTimeout(() => req.socket.destroy(), 20);
      return;
    }
    req.socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe('GatewayUnreachableError', () => {
  it('a refused connection', async () => {
    const gone = `http://127.0.0.1:${await freePort()}`;
    const err = await new MpcClient({ gatewayUrl: gone, apiKey: 'k' }).models().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayUnreachableError);
    expect((err as GatewayUnreachableError).code).toBe('gateway-unreachable');
    expect((err as Error).message).toBe(`GET /v1/models: no reply from ${gone}: ECONNREFUSED`);
  });

  it('a connection reset before any reply', async () => {
    const err = await new MpcClient({ gatewayUrl: url, apiKey: 'k' }).models().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayUnreachableError);
    expect((err as Error).message).toMatch(/^GET \/v1\/models: no reply from http:\/\/127\.0\.0\.1:\d+: /);
  });

  it('a reply cut off after its headers', async () => {
    const err = await new MpcClient({ gatewayUrl: url, apiKey: 'k' }).listDatasets().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayUnreachableError);
    expect((err as Error).message).toMatch(/^GET \/v1\/datasets: the reply was cut off or unreadable from /);
  });

  it("the job wait keeps waiting through it, and ends with the caller's timeout", async () => {
    const gone = `http://127.0.0.1:${await freePort()}`;
    const t0 = Date.now();
    const err = await new MpcClient({ gatewayUrl: gone, apiKey: 'k' }).waitForJob('j-1', { timeoutMs: 700 }).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('job-timeout');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(650);
  });
});
