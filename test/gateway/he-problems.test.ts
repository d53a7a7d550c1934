/**
 * How the gateway answers the HE path's coordinator errors (services/gateway/coordinator-client
 * `problemFromApiError`), through app.inject and a real nats-server:
 *
 * 1. against the coordinator test double, answering each HE error exactly as
 *    services/coordinator/he-methods raises it (`ApiFailure(...).toApiError()`), so every code
 *    of the mapping table in docs/errors.md is checked: status, problem type, detail and the
 *    `errors` path that names the field at fault;
 * 2. against the real CoordinatorService (with its HE methods) and one real HE worker service,
 *    for the errors that need no key generation: `no-he-workers` before any worker is up,
 *    `unknown-model`, `he-parameter-mismatch`, `he-missing-galois-keys`, `he-unverifiable`
 *    (one worker, default single-worker policy) and `he-unknown-session`.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { connect, type NatsConnection } from 'nats';
import { bindPrincipalSigner } from '../../services/transport/connection-signer.js';
import { testGatewayKey } from '../helpers/gateway-key.js';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ckksParamsForDepth, DEFAULT_CKKS_PARAMS } from '../../crypto-core/he/ckks-params.js';
import { generateIdentity, publicIdentity, type ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { toBase64 } from '../../crypto-core/encoding.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { largestHeBatch, planHeModel } from '../../protocols/he/he-plan.js';
import { ApiFailure } from '../../services/coordinator/errors.js';
import { CoordinatorService } from '../../services/coordinator/coordinator-service.js';
import { MemoryAuditSink } from '../../services/coordinator/audit/audit-sink.js';
import type { TrustedService } from '../../services/coordinator/service-registry.js';
import { ApiKeyStore, generateApiKey, hashApiKey } from '../../services/gateway/api-key-store.js';
import { buildGateway } from '../../services/gateway/build-gateway.js';
import { NatsCoordinatorClient } from '../../services/gateway/coordinator-client.js';
import { problemCatalogue, problemType, type ProblemCode } from '../../services/gateway/problems.js';
import { HeWorkerService } from '../../services/he-worker/he-worker-service.js';
import { MemoryLog } from '../../services/transport/service-log.js';
import { useNatsServer } from '../helpers/nats-server.js';
import { bearer, startGateway, type GatewayFixture } from './gateway-fixture.js';
import { signedHeModel } from '../helpers/signed-he-model.js';

/** A syntactically valid SEAL object (16-byte header: magic, header size, declared length) of `size` bytes. */
function fakeSealObject(size = 64): string {
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  v.setUint16(0, 0xa15e, true);
  b[2] = 16;
  v.setBigUint64(8, BigInt(size), true);
  return toBase64(b);
}

const KEYS = { publicKey: fakeSealObject(), relinKeys: fakeSealObject(), galoisKeys: fakeSealObject() };
const CIPHERTEXT = fakeSealObject(128);

interface Expected {
  status: number;
  problem: ProblemCode;
  path?: string;
}

function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, want: Expected, detail: RegExp): void {
  expect(res.statusCode).toBe(want.status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const body = res.json() as { type: string; status: number; title: string; detail: string; errors?: { path: string; message: string }[] };
  expect(body.type).toBe(problemType(want.problem));
  expect(body.status).toBe(problemCatalogue[want.problem].status);
  expect(body.title).toBe(problemCatalogue[want.problem].title);
  expect(body.detail).toMatch(detail);
  if (want.path === undefined) expect(body.errors).toBeUndefined();
  else expect(body.errors).toEqual([{ path: want.path, message: body.detail }]);
}

describe('HE coordinator errors as problems (coordinator test double)', () => {
  const nats = useNatsServer();
  let f: GatewayFixture;

  beforeAll(async () => {
    f = await startGateway(nats().url, { rateLimitMax: 10_000 });
  });
  afterAll(async () => f.close());

  /** Each row: the failure as he-methods raises it, and the problem the client must see. */
  const registration: [ApiFailure, Expected][] = [
    [new ApiFailure('he-parameter-mismatch', 400, 'params: keys made for N=16384, model m1 uses N=8192'), { status: 400, problem: 'validation', path: 'body/params' }],
    [new ApiFailure('he-missing-galois-keys', 400, 'galoisSteps: the model rotates by 64, 128, the keys do not cover them'), { status: 400, problem: 'validation', path: 'body/galoisSteps' }],
    [new ApiFailure('he-unverifiable', 503, 'only one HE worker (he-1) is up; dual execution needs two'), { status: 503, problem: 'service-unavailable' }],
    [new ApiFailure('no-he-workers', 503, 'no HE worker is up'), { status: 503, problem: 'service-unavailable' }],
    [new ApiFailure('he-register-failed', 502, 'keys: he-2 refused them: he-worker-unreachable: timeout'), { status: 502, problem: 'coordinator-error' }],
    [new ApiFailure('unknown-model', 404, 'modelId: no HE model "m9"'), { status: 404, problem: 'not-found' }],
  ];

  for (const [failure, want] of registration) {
    it(`POST /v1/he/sessions: ${failure.code} (${failure.status}) -> ${want.problem} ${want.status}`, async () => {
      f.double.handlers['he.registerKeys'] = () => failure.toApiError();
      const res = await f.app.inject({ method: 'POST', url: '/v1/he/sessions', headers: bearer(f, 'client'), payload: { modelId: 'm1', params: DEFAULT_CKKS_PARAMS, ...KEYS, galoisSteps: [1, 2] } });
      expectProblem(res, want, new RegExp(failure.message.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    });
  }

  const submission: [ApiFailure, Expected][] = [
    [new ApiFailure('he-unknown-session', 404, 'sessionId: no HE key session "hs-x" for this tenant; register the keys first'), { status: 404, problem: 'not-found', path: 'body/sessionId' }],
    [new ApiFailure('he-session-expired', 410, 'sessionId: session hs-x expired; register the keys again'), { status: 410, problem: 'session-expired', path: 'body/sessionId' }],
    [new ApiFailure('unknown-model', 404, 'modelId: no HE model "m9"'), { status: 404, problem: 'not-found' }],
    [new ApiFailure('invalid-request', 400, 'payload.ciphertext: expected base64'), { status: 400, problem: 'validation' }],
  ];

  for (const [failure, want] of submission) {
    it(`POST /v1/inference/he: ${failure.code} (${failure.status}) -> ${want.problem} ${want.status}`, async () => {
      f.double.handlers['jobs.submit'] = () => failure.toApiError();
      const res = await f.app.inject({ method: 'POST', url: '/v1/inference/he', headers: bearer(f, 'client'), payload: { modelId: 'm1', sessionId: 'hs-x', ciphertext: CIPHERTEXT } });
      expectProblem(res, want, /^(sessionId|modelId|payload)/);
    });
  }

  it('POST /v1/models (mode he): model-publish-failed 502 -> coordinator-error, no-he-workers 503 -> service-unavailable', async () => {
    const onnx = toBase64(readFileSync('test/fixtures/models/digits_square_mlp.onnx'));
    f.double.handlers['models.publish'] = () => new ApiFailure('model-publish-failed', 502, 'model digits 1 was not registered on every HE worker: he-2: he-plan-mismatch: ...').toApiError();
    let res = await f.app.inject({ method: 'POST', url: '/v1/models', headers: bearer(f, 'owner'), payload: { name: 'digits', version: '1', mode: 'he', onnx } });
    expectProblem(res, { status: 502, problem: 'coordinator-error' }, /not registered on every HE worker/);
    f.double.handlers['models.publish'] = () => new ApiFailure('no-he-workers', 503, 'no HE worker is up to hold the model').toApiError();
    res = await f.app.inject({ method: 'POST', url: '/v1/models', headers: bearer(f, 'owner'), payload: { name: 'digits', version: '1', mode: 'he', onnx } });
    expectProblem(res, { status: 503, problem: 'service-unavailable' }, /no HE worker is up/);
  });
});

describe('HE coordinator errors as problems (real coordinator and HE worker)', () => {
  const nats = useNatsServer();
  const ids: Record<string, ServiceIdentity> = { coordinator: generateIdentity(), 'he-1': generateIdentity() };
  const ONNX = readFileSync('test/fixtures/models/digits_square_mlp.onnx');
  // Published without heBatch, the model is planned for the largest batch that fits.
  const ir = importOnnx(new Uint8Array(ONNX));
  const plan = planHeModel(ir, { batch: largestHeBatch(ir) });
  let coordinator: CoordinatorService;
  let worker: HeWorkerService | undefined;
  let nc: NatsConnection;
  let app: FastifyInstance;
  const keys: Record<string, string> = {};
  let modelId: string;

  const auth = (id: string): Record<string, string> => ({ authorization: `Bearer ${keys[id]}` });

  beforeAll(async () => {
    const trusted: TrustedService[] = [{ id: 'he-1', kind: 'he-worker', ...publicIdentity(ids['he-1']!) }];
    const gatewayKey = testGatewayKey();
    coordinator = await CoordinatorService.start({ nats: { servers: nats().url }, identity: ids.coordinator!, trusted, audit: new MemoryAuditSink(), log: new MemoryLog(), gateways: gatewayKey.gateways });
    nc = bindPrincipalSigner(await connect({ servers: nats().url }), gatewayKey.signer);
    const records = (['client', 'owner'] as const).map((id) => {
      keys[id] = generateApiKey(id);
      return { id, tenant: 'acme', roles: [id === 'owner' ? ('model-owner' as const) : ('client' as const)], hash: hashApiKey(keys[id]) };
    });
    app = await buildGateway({ coordinator: new NatsCoordinatorClient(nc, 30_000), keys: new ApiKeyStore({ version: 1, keys: records, signingKeys: [] }), audit: () => {}, config: { rateLimitMax: 10_000 } });
    await app.ready();
  }, 30_000);

  afterAll(async () => {
    await app?.close();
    await nc?.close();
    await worker?.stop();
    await coordinator?.stop();
  });

  it('publish with no HE worker up: no-he-workers -> 503 service-unavailable', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/models', headers: auth('owner'), payload: { name: 'digits', version: '1', mode: 'he', ...signedHeModel(ONNX, 'digits', '1') } });
    expectProblem(res, { status: 503, problem: 'service-unavailable' }, /no HE worker is up/);
  });

  it('with one worker: publishes, then refuses keys precisely (params, Galois steps, one worker) and unknown sessions', async () => {
    worker = await HeWorkerService.start({ nats: { servers: nats().url }, id: 'he-1', identity: ids['he-1']!, coordinatorKey: ids.coordinator!.signing.publicKey, pool: { workers: 1 }, log: new MemoryLog(), announceIntervalMs: 500 });
    for (let i = 0; i < 100 && !coordinator.parts.registry.list().some((s) => s.id === 'he-1' && s.status === 'up'); i++) await new Promise((r) => setTimeout(r, 50));
    const pub = await app.inject({ method: 'POST', url: '/v1/models', headers: auth('owner'), payload: { name: 'digits', version: '1', mode: 'he', ...signedHeModel(ONNX, 'digits', '1') } });
    expect(pub.statusCode).toBe(201);
    modelId = (pub.json() as { model: { id: string } }).model.id;

    const session = (body: Record<string, unknown>) => app.inject({ method: 'POST', url: '/v1/he/sessions', headers: auth('client'), payload: { modelId, params: plan.params, ...KEYS, galoisSteps: plan.galoisSteps, ...body } });

    let res = await app.inject({ method: 'GET', url: '/v1/models/no-such-model/he-plan', headers: auth('client') });
    expectProblem(res, { status: 404, problem: 'not-found' }, /modelId: no HE model/);

    const other = ckksParamsForDepth(plan.depth + 2);
    expect(other.polyModulusDegree).not.toBe(plan.params.polyModulusDegree);
    res = await session({ params: other });
    expectProblem(res, { status: 400, problem: 'validation', path: 'body/params' }, /^params: keys made for/);

    res = await session({ galoisSteps: plan.galoisSteps.slice(1) });
    expectProblem(res, { status: 400, problem: 'validation', path: 'body/galoisSteps' }, new RegExp(`^galoisSteps: the model rotates by ${plan.galoisSteps[0]}\\b`));

    // Well-formed keys, but one worker cannot be checked against another (default policy).
    res = await session({});
    expectProblem(res, { status: 503, problem: 'service-unavailable' }, /only one HE worker \(he-1\) is up/);

    res = await app.inject({ method: 'POST', url: '/v1/inference/he', headers: auth('client'), payload: { modelId, sessionId: 'hs-never-registered', ciphertext: CIPHERTEXT } });
    expectProblem(res, { status: 404, problem: 'not-found', path: 'body/sessionId' }, /^sessionId: no HE key session/);
  }, 60_000);
});
