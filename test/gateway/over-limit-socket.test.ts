/**
 * A body over a route's limit, sent by the SDK over a real socket to `mpc gateway` running as
 * its own process (in one process the client and server share an event loop and the bug does not
 * show): the client must read the gateway's 413 payload-too-large problem. fastify answers a
 * too-large Content-Length at once with `connection: close`; the socket then closed with the
 * body still coming, and the SDK saw EPIPE (`gateway-unreachable`). The gateway now reads the
 * refused body to its end (services/gateway/drain-rejected-body) before it answers. The HE
 * session route has its own, larger limit (heSessionBodyLimit).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useNatsServer } from '../helpers/nats-server.js';
import { problemType } from '../../services/gateway/problems.js';
import { generateApiKey, hashApiKey } from '../../services/gateway/api-key-store.js';
import { GatewayHttp } from '../../services/sdk/gateway-http.js';
import { GatewayProblemError } from '../../services/sdk/errors.js';

/** A session body whose public key is `bytes` long (zeros: refused for content if it got through). */
function session(bytes: number): Record<string, unknown> {
  const k = Buffer.alloc(bytes).toString('base64');
  return { modelId: 'digits', params: { polyModulusDegree: 8192, coeffModulusBits: [60, 40, 60], scaleBits: 40 }, publicKey: k, relinKeys: 'AA==', galoisKeys: 'AA==', galoisSteps: [1] };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('over-limit bodies to a gateway process', () => {
  const nats = useNatsServer();
  const keys = { client: generateApiKey('client'), owner: generateApiKey('owner') };
  let dir: string;
  let child: ChildProcess;
  let url: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mpc-over-limit-'));
    writeFileSync(join(dir, 'keys.json'), JSON.stringify({ version: 1, keys: [
      { id: 'client', tenant: 'demo', roles: ['client'], hash: hashApiKey(keys.client) },
      { id: 'owner', tenant: 'demo', roles: ['model-owner'], hash: hashApiKey(keys.owner) },
    ] }));
    const port = await freePort();
    writeFileSync(join(dir, 'gateway.json'), JSON.stringify({ apiKeysFile: 'keys.json', host: '127.0.0.1', port, nats: { servers: nats().url }, publishBodyLimit: 256 * 1024, heSessionBodyLimit: 1024 * 1024, rateLimitMax: 10_000, logLevel: 'silent' }));
    child = spawn(process.execPath, ['dist/services/cli/main.js', 'gateway', '--config', join(dir, 'gateway.json')], { stdio: 'ignore' });
    url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (i > 200 || child.exitCode !== null) throw new Error(`gateway did not start (exit ${child.exitCode})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 60_000);
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['the HE session route, 8 MB', '/v1/he/sessions', 'client', session(8 << 20)],
    ['the HE session route, 80 MB (the size of N = 16384 keys)', '/v1/he/sessions', 'client', session(60 << 20)],
    ['a publish route, 8 MB', '/v1/models', 'owner', { name: 'm', version: '1', mode: 'mpc', onnx: Buffer.alloc(6 << 20).toString('base64') }],
  ] as const)('%s: 413 payload-too-large that the SDK reads', async (_n, path, who, body) => {
    const http = new GatewayHttp(url, { apiKey: keys[who] });
    const err = await http.json({ method: 'POST', path, body }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayProblemError);
    expect((err as GatewayProblemError).status).toBe(413);
    expect((err as GatewayProblemError).type).toBe(problemType('payload-too-large'));
    // The gateway still serves afterwards.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  }, 60_000);

  it('takes an HE session body above the publish limit but within its own limit (then refused for content, not size)', async () => {
    const http = new GatewayHttp(url, { apiKey: keys.client });
    const err = await http.json({ method: 'POST', path: '/v1/he/sessions', body: session(512 * 1024) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayProblemError);
    expect((err as GatewayProblemError).status).toBeGreaterThanOrEqual(400);
    expect((err as GatewayProblemError).status).not.toBe(413);
  }, 60_000);
});
