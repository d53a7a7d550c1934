/**
 * Authentication and authorization at the gateway: API keys (hashed, constant-time compared),
 * Ed25519-signed requests with a skew window and replay refusal, role checks per route, rate
 * limits per identity, and an audit event for every denial. The coordinator side is the test
 * double of test/gateway/coordinator-double.ts on a real nats-server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNatsServer } from '../helpers/nats-server.js';
import { signRequest } from '../../services/wire/request-signature.js';
import { problemType } from '../../services/gateway/problems.js';
import { bearer, startGateway, type GatewayFixture } from './gateway-fixture.js';

describe('gateway authentication and roles', () => {
  const nats = useNatsServer();
  let f: GatewayFixture;
  beforeAll(async () => {
    f = await startGateway(nats().url, { rateLimitMax: 1000, authFailureMax: 1000 });
  });
  afterAll(async () => f.close());

  it('accepts a valid API key as Bearer or X-Api-Key', async () => {
    const a = await f.app.inject({ method: 'GET', url: '/v1/registry', headers: bearer(f, 'client') });
    const b = await f.app.inject({ method: 'GET', url: '/v1/registry', headers: { 'x-api-key': f.keys.client } });
    expect(a.statusCode).toBe(200);
    expect(b.statusCode).toBe(200);
  });

  it.each([
    ['no credentials', {}, 'unauthenticated'],
    ['unknown key id', { authorization: 'Bearer mpc_nobody.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, 'invalid-credentials'],
    ['right id, wrong secret', { authorization: 'Bearer mpc_client.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB' }, 'invalid-credentials'],
    ['malformed key', { authorization: 'Bearer hunter2' }, 'invalid-credentials'],
    ['basic scheme', { authorization: 'Basic dXNlcjpwYXNz' }, 'invalid-credentials'],
    ['partial signature headers', { 'x-mpc-key-id': 'signer' }, 'invalid-credentials'],
  ])('rejects %s with 401 %s and audits the denial', async (_name, headers, problem) => {
    const before = f.denials.length;
    const r = await f.app.inject({ method: 'GET', url: '/v1/registry', headers });
    expect(r.statusCode).toBe(401);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.json().type).toBe(problemType(problem as 'unauthenticated'));
    expect(f.denials.length).toBe(before + 1);
    expect(f.denials.at(-1)).toMatchObject({ reason: problem, method: 'GET', route: '/v1/registry' });
  });

  it('checks the role of each route and audits a 403 with the identity', async () => {
    const r = await f.app.inject({ method: 'GET', url: '/v1/audit/checkpoint', headers: bearer(f, 'client') });
    expect(r.statusCode).toBe(403);
    expect(r.json().type).toBe(problemType('forbidden'));
    expect(f.denials.at(-1)).toMatchObject({ reason: 'forbidden', tenant: 'demo', actor: 'client', requiredRoles: ['auditor', 'admin'] });
    const ok = await f.app.inject({ method: 'GET', url: '/v1/audit/checkpoint', headers: bearer(f, 'auditor') });
    expect(ok.statusCode).toBe(200);
    const owner = await f.app.inject({ method: 'POST', url: '/v1/inference/he', headers: bearer(f, 'owner'), payload: { modelId: 'm', sessionId: 's', ciphertext: 'AAAA' } });
    expect(owner.statusCode).toBe(403);
  });

  it('forwards the authenticated principal, never one from the body', async () => {
    await f.app.inject({ method: 'GET', url: '/v1/models', headers: bearer(f, 'intruder') });
    const call = f.double.callsOf('models.list').at(-1)!;
    expect(call.body.principal).toEqual({ tenant: 'other', actor: 'intruder', roles: ['client'] });
  });

  describe('signed requests', () => {
    const path = '/v1/models';
    const signed = (ts: number, body = new Uint8Array(0), method = 'GET', p = path) => signRequest(f.signerId, f.signer.secretKey, method, p, body, ts);

    it('accepts a fresh signature and forwards the signer as principal', async () => {
      const r = await f.app.inject({ method: 'GET', url: path, headers: signed(f.now.ms) });
      expect(r.statusCode).toBe(200);
      expect(f.double.callsOf('models.list').at(-1)!.body.principal).toEqual({ tenant: 'demo', actor: 'signer', roles: ['client'] });
    });

    it('rejects a replay of the same signed request', async () => {
      const h = signed(f.now.ms - 1);
      expect((await f.app.inject({ method: 'GET', url: path, headers: h })).statusCode).toBe(200);
      const again = await f.app.inject({ method: 'GET', url: path, headers: h });
      expect(again.statusCode).toBe(401);
      expect(again.json().type).toBe(problemType('signature-expired'));
    });

    it.each([
      ['expired (6 minutes old)', -6 * 60_000],
      ['from the future (6 minutes ahead)', 6 * 60_000],
    ])('rejects a signature %s', async (_n, offset) => {
      const r = await f.app.inject({ method: 'GET', url: path, headers: signed(f.now.ms + offset) });
      expect(r.statusCode).toBe(401);
      expect(r.json().type).toBe(problemType('signature-expired'));
      expect(f.denials.at(-1)!.reason).toBe('signature-expired');
    });

    it('accepts a signature inside the window (4 minutes old)', async () => {
      const r = await f.app.inject({ method: 'GET', url: path, headers: signed(f.now.ms - 4 * 60_000) });
      expect(r.statusCode).toBe(200);
    });

    it('rejects a signature over another path, method or body', async () => {
      const otherPath = await f.app.inject({ method: 'GET', url: path, headers: signed(f.now.ms + 1, new Uint8Array(0), 'GET', '/v1/registry') });
      expect(otherPath.statusCode).toBe(401);
      expect(otherPath.json().type).toBe(problemType('invalid-credentials'));
      const body = Buffer.from(JSON.stringify({ query: { datasets: ['a'], aggregates: [{ op: 'count' }] }, clientPublicKey: 'ef'.repeat(32) }));
      const h = signRequest(f.signerId, f.signer.secretKey, 'POST', '/v1/queries', Buffer.from('{"tampered":true}'), f.now.ms + 2);
      const tampered = await f.app.inject({ method: 'POST', url: '/v1/queries', headers: { ...h, 'content-type': 'application/json' }, payload: body });
      expect(tampered.statusCode).toBe(401);
      expect(tampered.json().type).toBe(problemType('invalid-credentials'));
    });

    it('rejects an unknown key id and a garbage signature', async () => {
      const h = signed(f.now.ms + 3);
      const unknown = await f.app.inject({ method: 'GET', url: path, headers: { ...h, 'x-mpc-key-id': 'nobody' } });
      expect(unknown.json().type).toBe(problemType('invalid-credentials'));
      const garbage = await f.app.inject({ method: 'GET', url: path, headers: { ...h, 'x-mpc-signature': 'AAAA' } });
      expect(garbage.json().type).toBe(problemType('invalid-credentials'));
      const ts = await f.app.inject({ method: 'GET', url: path, headers: { ...h, 'x-mpc-timestamp': '12e5' } });
      expect(ts.json().type).toBe(problemType('invalid-credentials'));
    });
  });

  it('leaves public routes open', async () => {
    expect((await f.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await f.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    expect((await f.app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(200);
  });
});

describe('gateway rate limits', () => {
  const nats = useNatsServer();
  let f: GatewayFixture;
  beforeAll(async () => {
    f = await startGateway(nats().url, { rateLimitMax: 3, rateLimitWindowMs: 60_000, authFailureMax: 4 });
  });
  afterAll(async () => f.close());

  it('limits each identity separately and answers 429 problem+json with Retry-After', async () => {
    for (let i = 0; i < 3; i++) expect((await f.app.inject({ method: 'GET', url: '/v1/registry', headers: bearer(f, 'client') })).statusCode).toBe(200);
    const limited = await f.app.inject({ method: 'GET', url: '/v1/registry', headers: bearer(f, 'client') });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().type).toBe(problemType('rate-limited'));
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another identity from the same address still has its own budget.
    expect((await f.app.inject({ method: 'GET', url: '/v1/registry', headers: bearer(f, 'hospital') })).statusCode).toBe(200);
    // Health stays reachable for probes.
    expect((await f.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('limits failed authentications per address, before verifying anything', async () => {
    const bad = { authorization: 'Bearer mpc_client.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB' };
    const from = (ip: string, headers: Record<string, string>) => f.app.inject({ method: 'GET', url: '/v1/models', headers, remoteAddress: ip });
    for (let i = 0; i < 4; i++) expect((await from('10.0.0.9', bad)).statusCode).toBe(401);
    const blocked = await from('10.0.0.9', bad);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().type).toBe(problemType('rate-limited'));
    // Even a good key from that address waits out the window; another address is unaffected.
    expect((await from('10.0.0.9', bearer(f, 'owner'))).statusCode).toBe(429);
    expect((await from('10.0.0.10', bearer(f, 'owner'))).statusCode).toBe(200);
  });
});
