/**
 * Job flow through the gateway against the coordinator test double (a real NATS responder
 * with an in-memory job table, test/gateway/coordinator-double.ts): submission with
 * idempotency keys, status, tenant isolation, results, SSE progress, the 504/503/501 problems
 * when the coordinator is slow, absent or an optional service is missing, readiness, metrics,
 * and the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { connect } from 'nats';
import { useNatsServer } from '../helpers/nats-server.js';
import { seal } from '../../crypto-core/sealed-box.js';
import { generateAgreementKeyPair } from '../../crypto-core/keys/agreement.js';
import { encodeSharePair } from '../../services/wire/sealed-share-pair.js';
import { problemType } from '../../services/gateway/problems.js';
import { buildGateway } from '../../services/gateway/build-gateway.js';
import { NatsCoordinatorClient } from '../../services/gateway/coordinator-client.js';
import { ApiKeyStore, generateApiKey, hashApiKey } from '../../services/gateway/api-key-store.js';
import { bearer, startGateway, type GatewayFixture } from './gateway-fixture.js';

/** A SEAL-like serialized object of `len` bytes (magic, header size, declared size). */
function sealLike(len: number): string {
  const b = Buffer.alloc(len);
  b.writeUInt16LE(0xa15e, 0);
  b[2] = 16;
  b.writeBigUInt64LE(BigInt(len), 8);
  return b.toString('base64');
}

const PARTY_KEYS = [generateAgreementKeyPair(), generateAgreementKeyPair(), generateAgreementKeyPair()];
function mpcBody(n = 2) {
  const z = new BigUint64Array(n);
  return {
    modelId: 'digits',
    shape: [1, n],
    clientPublicKey: 'cd'.repeat(32),
    sealedInputs: PARTY_KEYS.map((k) => Buffer.from(seal(k.publicKey, encodeSharePair(z, z))).toString('base64')),
  };
}

describe('gateway job flow', () => {
  // A 1 MiB message bus (nats-server's own default), so the max_payload cases below apply.
  const nats = useNatsServer({ maxPayload: 1024 * 1024 });
  let f: GatewayFixture;
  beforeAll(async () => {
    f = await startGateway(nats().url, { rateLimitMax: 10_000, sseHeartbeatMs: 50 }, 500);
  });
  afterAll(async () => f.close());

  const post = (who: string, url: string, payload: unknown, headers: Record<string, string> = {}) =>
    f.app.inject({ method: 'POST', url, headers: { ...bearer(f, who), 'content-type': 'application/json', ...headers }, payload: JSON.stringify(payload) });

  it('submits an MPC inference and forwards the sealed inputs and principal unchanged', async () => {
    const body = mpcBody();
    const r = await post('client', '/v1/inference/mpc', body);
    expect(r.statusCode).toBe(201);
    const { job, created } = r.json();
    expect(created).toBe(true);
    expect(r.headers.location).toBe(`/v1/jobs/${job.id}`);
    const call = f.double.callsOf('jobs.submit').at(-1)!.body;
    expect(call).toEqual({ principal: { tenant: 'demo', actor: 'client', roles: ['client'] }, kind: 'mpc-inference', payload: body });
  });

  it('never creates a second job for a retried POST with the same Idempotency-Key', async () => {
    const before = f.double.jobs.size;
    const body = mpcBody();
    const a = await post('client', '/v1/inference/mpc', body, { 'idempotency-key': 'retry-1' });
    const b = await post('client', '/v1/inference/mpc', body, { 'idempotency-key': 'retry-1' });
    expect(a.statusCode).toBe(201);
    expect(b.statusCode).toBe(200);
    expect(b.json().created).toBe(false);
    expect(b.json().job.id).toBe(a.json().job.id);
    expect(f.double.jobs.size).toBe(before + 1);
    expect(f.double.callsOf('jobs.submit').at(-1)!.body.idempotencyKey).toBe('retry-1');
  });

  it('shows a job to its tenant only; another tenant gets 404 and the denial is audited', async () => {
    const { job } = (await post('client', '/v1/inference/mpc', mpcBody())).json();
    const mine = await f.app.inject({ method: 'GET', url: `/v1/jobs/${job.id}`, headers: bearer(f, 'client') });
    expect(mine.statusCode).toBe(200);
    expect(mine.json().job).toMatchObject({ id: job.id, state: 'created', kind: 'mpc-inference' });
    // The double adds a field that the response schema must drop.
    expect(mine.body).not.toContain('must-not-leak');
    for (const url of [`/v1/jobs/${job.id}`, `/v1/jobs/${job.id}/result`, `/v1/jobs/${job.id}/events`]) {
      const other = await f.app.inject({ method: 'GET', url, headers: bearer(f, 'intruder') });
      expect(other.statusCode).toBe(404);
      expect(other.json().type).toBe(problemType('not-found'));
      expect(f.denials.at(-1)).toMatchObject({ reason: 'not-found', tenant: 'other', actor: 'intruder' });
    }
  });

  it('returns a result only when finished (409 before), sealed outputs passed through', async () => {
    const { job } = (await post('client', '/v1/inference/mpc', mpcBody())).json();
    const early = await f.app.inject({ method: 'GET', url: `/v1/jobs/${job.id}/result`, headers: bearer(f, 'client') });
    expect(early.statusCode).toBe(409);
    expect(early.json().type).toBe(problemType('conflict'));
    const stored = f.double.jobs.get(job.id)!;
    stored.result = { shape: [1, 10], sealedOutputs: ['AA==', 'AQ==', 'Ag=='] };
    f.double.advance(job.id, 'verified', 1, { stats: { rounds: 12, bytesPerParty: 4096, durationMs: 250 } });
    const status = await f.app.inject({ method: 'GET', url: `/v1/jobs/${job.id}`, headers: bearer(f, 'client') });
    expect(status.json().job).toMatchObject({ state: 'verified', progress: 1, stats: { rounds: 12, bytesPerParty: 4096, durationMs: 250 } });
    const r = await f.app.inject({ method: 'GET', url: `/v1/jobs/${job.id}/result`, headers: bearer(f, 'client') });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ jobId: job.id, kind: 'mpc-inference', result: { shape: [1, 10], sealedOutputs: ['AA==', 'AQ==', 'Ag=='] } });
  });

  it('reassembles a result larger than the NATS max_payload sent in pieces', async () => {
    const { job } = (await post('client', '/v1/inference/he', { modelId: 'digits', sessionId: 's1', ciphertext: sealLike(64) })).json();
    const big = Buffer.alloc(1_500_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 131) & 0xff;
    f.double.jobs.get(job.id)!.result = { ciphertext: big.toString('base64'), sha256: 'ab'.repeat(32) };
    f.double.advance(job.id, 'verified', 1);
    const r = await f.app.inject({ method: 'GET', url: `/v1/jobs/${job.id}/result`, headers: bearer(f, 'client') });
    expect(r.statusCode).toBe(200);
    expect(Buffer.from(r.json().result.ciphertext, 'base64').equals(big)).toBe(true);
    expect(f.double.callsOf('jobs.result').at(-1)!.body.acceptChunks).toBe(true);
  });

  it('answers 413 for a body within the route limit but beyond what the message bus carries', async () => {
    const before = f.double.callsOf('models.publish').length;
    const r = await post('owner', '/v1/models', { name: 'big', version: '1', mode: 'he', onnx: Buffer.alloc(1_200_000, 7).toString('base64') });
    expect(r.statusCode).toBe(413);
    expect(r.json().type).toBe(problemType('payload-too-large'));
    expect(r.json().detail).toMatch(/max_payload/);
    expect(f.double.callsOf('models.publish')).toHaveLength(before);
  });

  it('streams progress as Server-Sent Events until a terminal state', async () => {
    const { job } = (await post('client', '/v1/inference/mpc', mpcBody())).json();
    const address = await f.app.listen({ port: 0, host: '127.0.0.1' });
    const events: { state: string; progress: number }[] = [];
    const done = new Promise<string>((resolve, reject) => {
      const req = http.get(`${address}/v1/jobs/${job.id}/events`, { headers: bearer(f, 'client') }, (res) => {
        expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
        let buf = '';
        res.on('data', (chunk: Buffer) => {
          buf += chunk.toString('utf8');
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const data = block.split('\n').find((l) => l.startsWith('data: '));
            if (data) {
              const ev = JSON.parse(data.slice(6));
              events.push({ state: ev.state, progress: ev.progress });
              // Drive the double once the stream is open: each event triggers the next change.
              if (ev.state === 'created') f.double.advance(job.id, 'running', 0.5);
              if (ev.state === 'running') f.double.advance(job.id, 'verified', 1, { stats: { rounds: 3, bytesPerParty: 100, durationMs: 10 } });
            }
          }
        });
        res.on('end', () => resolve(buf));
        res.on('error', reject);
      });
      req.on('error', reject);
    });
    await done;
    expect(events).toEqual([
      { state: 'created', progress: 0 },
      { state: 'running', progress: 0.5 },
      { state: 'verified', progress: 1 },
    ]);
  });

  it('answers 504 when the coordinator does not reply in time, and keeps serving', async () => {
    f.double.silent.add('jobs.get');
    try {
      const r = await f.app.inject({ method: 'GET', url: '/v1/jobs/job-1', headers: bearer(f, 'client') });
      expect(r.statusCode).toBe(504);
      expect(r.json().type).toBe(problemType('coordinator-timeout'));
    } finally {
      f.double.silent.delete('jobs.get');
    }
    expect((await f.app.inject({ method: 'GET', url: '/v1/jobs/job-1', headers: bearer(f, 'client') })).statusCode).toBe(200);
  });

  it('answers 501 not-available for analytics when no analytics service answers', async () => {
    const query = { datasets: ['ds-1'], filter: { and: [{ column: 'age', op: '>=', value: 18 }, { column: 'sex', in: ['f'] }] }, aggregates: [{ op: 'mean', column: 'age' }] };
    const r = await post('analyst', '/v1/queries', { query, clientPublicKey: 'ef'.repeat(32) });
    expect(r.statusCode).toBe(501);
    expect(r.json().type).toBe(problemType('not-available'));
  });

  it('publishes models and uploads datasets through the coordinator', async () => {
    const onnx = Buffer.alloc(64, 1).toString('base64');
    const m = await post('owner', '/v1/models', { name: 'digits', version: '1.0', mode: 'he', onnx });
    expect(m.statusCode).toBe(201);
    expect(m.json().model).toMatchObject({ id: 'digits-1.0', mode: 'he' });
    expect(f.double.callsOf('models.publish').at(-1)!.body).toMatchObject({ name: 'digits', version: '1.0', mode: 'he', onnx });
  });

  it('serves audit reads to auditors with only schema fields', async () => {
    f.double.audit.append({ type: 'job.created', actor: 'client', jobId: 'job-1', tenant: 'demo' });
    f.double.audit.append({ type: 'access.denied', actor: 'intruder', tenant: 'other', reason: 'not-found' });
    const c = await f.app.inject({ method: 'GET', url: '/v1/audit/checkpoint', headers: bearer(f, 'auditor') });
    expect(c.json().checkpoint).toMatch(/^mpc\.example\/audit-test\n2\n/);
    const e = await f.app.inject({ method: 'GET', url: '/v1/audit/entries?from=1&limit=5', headers: bearer(f, 'auditor') });
    expect(e.statusCode).toBe(200);
    expect(e.json()).toEqual({ treeSize: 2, entries: [f.double.audit.entries[1]] });
    expect(e.body).not.toContain('must-not-leak');
    expect(f.double.callsOf('audit.entries').at(-1)!.body).toMatchObject({ from: 1, limit: 5 });
    const p = await f.app.inject({ method: 'GET', url: '/v1/audit/proofs/1?treeSize=2&fromSize=1', headers: bearer(f, 'auditor') });
    expect(p.json().inclusion).toMatchObject({ leafIndex: 1, treeSize: 2 });
    expect(p.json().consistency).toMatchObject({ size1: 1, size2: 2 });
    const x = await f.app.inject({ method: 'GET', url: '/v1/audit/export', headers: bearer(f, 'admin') });
    expect(x.statusCode).toBe(200);
    expect(x.json().entries).toHaveLength(2);
  });

  it('reports readiness from the coordinator: 503 without parties, 200 with three', async () => {
    const not = await f.app.inject({ method: 'GET', url: '/readyz' });
    expect(not.statusCode).toBe(503);
    expect(not.json()).toMatchObject({ ready: false, nats: true, parties: 0 });
    f.double.services = [0, 1, 2].map((i) => ({ id: `party-${i}`, kind: 'party' as const, index: i, signingPublicKey: '00'.repeat(32), agreementPublicKey: '11'.repeat(32), status: 'up' as const }));
    const ready = await f.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ ready: true, nats: true, parties: 3, heWorkers: 0, reasons: [] });
  });

  it('exposes Prometheus metrics: latency histogram, jobs by state, bytes and rounds, denials', async () => {
    const r = await f.app.inject({ method: 'GET', url: '/metrics' });
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
    const text = r.body;
    expect(text).toMatch(/^# TYPE mpc_gateway_request_duration_seconds histogram$/m);
    expect(text).toMatch(/mpc_gateway_request_duration_seconds_count\{method="POST",route="\/v1\/inference\/mpc",status="201"\} [1-9]/);
    expect(text).toMatch(/^mpc_gateway_jobs\{state="verified"\} 2$/m);
    expect(text).toMatch(/^mpc_job_rounds_count\{kind="mpc-inference"\} 2$/m);
    expect(text).toMatch(/^mpc_job_bytes_per_party_sum\{kind="mpc-inference"\} 4196$/m);
    expect(text).toMatch(/^mpc_gateway_denials_total\{reason="not-found"\} 3$/m);
  });

  it('serves an OpenAPI 3 document with every route and the /docs page', async () => {
    const doc = (await f.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of ['/v1/inference/mpc', '/v1/inference/he', '/v1/he/sessions', '/v1/models', '/v1/datasets', '/v1/queries', '/v1/jobs/{id}', '/v1/jobs/{id}/result', '/v1/jobs/{id}/events', '/v1/registry', '/v1/audit/checkpoint', '/v1/audit/entries', '/v1/audit/proofs/{index}', '/v1/audit/export', '/healthz', '/readyz', '/metrics']) {
      expect(doc.paths, p).toHaveProperty([p]);
    }
    expect(doc.paths['/v1/inference/mpc'].post.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    expect(Object.keys(doc.paths['/v1/inference/mpc'].post.responses['4XX'].content)).toEqual(['application/problem+json']);
    // Every reference points at a component that exists.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of new Set(refs)) expect(doc.components.schemas, r).toHaveProperty([r]);
    const page = await f.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
  });
});

describe('gateway without a coordinator', () => {
  const nats = useNatsServer();
  it('answers 503 coordinator-unavailable when nobody listens (501 for optional services), and readyz says why', async () => {
    const nc = await connect({ servers: nats().url });
    const key = generateApiKey('c');
    const app = await buildGateway({
      coordinator: new NatsCoordinatorClient(nc, 500),
      keys: new ApiKeyStore({ version: 1, keys: [{ id: 'c', tenant: 't', roles: ['client', 'auditor'], hash: hashApiKey(key) }] }),
      audit: () => undefined,
    });
    try {
      const r = await app.inject({ method: 'GET', url: '/v1/registry', headers: { authorization: `Bearer ${key}` } });
      expect(r.statusCode).toBe(503);
      expect(r.json().type).toBe(problemType('coordinator-unavailable'));
      // Optional services (audit, analytics, HE sessions) that nobody serves are 501, not 503.
      for (const url of ['/v1/audit/checkpoint', '/v1/models/m/he-plan']) {
        const r = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
        expect(r.json().type, url).toBe(problemType('not-available'));
      }
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().reasons[0]).toMatch(/no coordinator is listening/);
      await nc.close();
      const closed = await app.inject({ method: 'GET', url: '/v1/registry', headers: { authorization: `Bearer ${key}` } });
      expect(closed.json().type).toBe(problemType('coordinator-unavailable'));
      expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toMatchObject({ ready: false, nats: false });
    } finally {
      await app.close();
      if (!nc.isClosed()) await nc.close();
    }
  });
});

