/**
 * @module test/analytics-api/dataset-routes-schema.test
 * The gateway's data set routes on their own (app.inject, real nats-server): the closed
 * response schemas drop anything a coordinator reply carries beyond the record (an owner,
 * a policy, share bytes), so a coordinator bug cannot leak them; the principal the route
 * forwards is the authenticated one; and the path id is validated before NATS is touched.
 * A hand-written NATS responder plays the coordinator's `datasets.*` methods here, because the
 * real one never sends extra fields (test/analytics-api/analytics-api.test.ts runs the real one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { useNatsServer } from '../helpers/nats-server.js';
import { startGateway, type GatewayFixture } from '../gateway/gateway-fixture.js';
import { subjects } from '../../services/wire/api.js';

const RECORD = { id: 'ds-1', name: 'ward3', rows: 12, schema: { columns: [{ name: 'age', type: 'numeric', min: 0, max: 120 }] }, createdAt: '2026-11-24T00:00:00.000Z' };

describe('data set routes: response schemas and forwarding', () => {
  const nats = useNatsServer();
  let gw: GatewayFixture;
  let responder: NatsConnection;
  const seen: { method: string; body: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    gw = await startGateway(nats().url);
    responder = await connect({ servers: nats().url });
    const answer = (method: 'datasets.list' | 'datasets.delete', reply: (body: Record<string, unknown>) => unknown) => {
      responder.subscribe(subjects.api(method), {
        callback: (_err, msg) => {
          const body = msg.json<Record<string, unknown>>();
          seen.push({ method, body });
          msg.respond(new TextEncoder().encode(JSON.stringify(reply(body))));
        },
      });
    };
    // Replies with fields the API must never show: the owner, the policy and share bytes.
    answer('datasets.list', () => ({ datasets: [{ ...RECORD, owner: { tenant: 'demo', actor: 'hospital' }, policy: { roles: ['analyst'], minCellSize: 10 }, sealedShares: ['AAAA'] }], debug: 'x' }));
    answer('datasets.delete', (b) =>
      b.datasetId === 'ds-1' ? { deleted: 'ds-1', erasedParts: 3 } : { error: { code: 'unknown-dataset', message: `datasetId: no data set "${String(b.datasetId)}"`, status: 404 } },
    );
    await responder.flush();
  });

  afterAll(async () => {
    await responder?.close();
    await gw?.close();
  });

  const auth = (id: string) => ({ authorization: `Bearer ${gw.keys[id]}` });

  it('GET /v1/datasets returns the record fields only, for the authenticated principal', async () => {
    const res = await gw.app.inject({ method: 'GET', url: '/v1/datasets', headers: auth('analyst') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ datasets: [RECORD] });
    const call = seen.filter((c) => c.method === 'datasets.list').at(-1)!;
    expect(call.body.principal).toEqual({ tenant: 'demo', actor: 'analyst', roles: ['analyst'] });
  });

  it('GET /v1/datasets refuses a client-only key without asking the coordinator', async () => {
    const before = seen.length;
    const res = await gw.app.inject({ method: 'GET', url: '/v1/datasets', headers: auth('client') });
    expect([res.statusCode, res.headers['content-type']]).toEqual([403, 'application/problem+json; charset=utf-8']);
    expect(seen.length).toBe(before);
  });

  it('DELETE /v1/datasets/:id forwards the id and answers only { deleted }', async () => {
    const res = await gw.app.inject({ method: 'DELETE', url: '/v1/datasets/ds-1', headers: auth('hospital') });
    expect([res.statusCode, res.json()]).toEqual([200, { deleted: 'ds-1' }]);
    expect(seen.at(-1)).toEqual({ method: 'datasets.delete', body: { principal: { tenant: 'demo', actor: 'hospital', roles: ['hospital'] }, datasetId: 'ds-1' } });
  });

  it('DELETE of an unknown data set is 404 not-found; a malformed id is 400 before NATS; an analyst is 403', async () => {
    const unknown = await gw.app.inject({ method: 'DELETE', url: '/v1/datasets/ds-2', headers: auth('admin') });
    expect([unknown.statusCode, unknown.json().type]).toEqual([404, 'https://mpc.example/problems/not-found']);
    const before = seen.length;
    const bad = await gw.app.inject({ method: 'DELETE', url: '/v1/datasets/ds.1*', headers: auth('admin') });
    expect([bad.statusCode, bad.json().type]).toEqual([400, 'https://mpc.example/problems/validation']);
    const analyst = await gw.app.inject({ method: 'DELETE', url: '/v1/datasets/ds-1', headers: auth('analyst') });
    expect(analyst.statusCode).toBe(403);
    expect(seen.length).toBe(before);
  });
});
