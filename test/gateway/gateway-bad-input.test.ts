/**
 * Bad input at every route (tests via app.inject()): malformed JSON, wrong types, unknown
 * fields, huge bodies, wrong or malformed headers, and sealed shares / ciphertexts whose
 * length cannot be what the declared shape says. Each must get its catalogued 4xx
 * problem+json, the gateway must keep serving, and no job may be created: the coordinator
 * test double (test/gateway/coordinator-double.ts, a real NATS responder) must see no submit.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useNatsServer } from '../helpers/nats-server.js';
import { seal } from '../../crypto-core/sealed-box.js';
import { generateAgreementKeyPair } from '../../crypto-core/keys/agreement.js';
import { encodeSharePair } from '../../services/wire/sealed-share-pair.js';
import { problemType, type ProblemCode } from '../../services/gateway/problems.js';
import { bearer, startGateway, type GatewayFixture } from './gateway-fixture.js';

const PARTY_KEYS = [generateAgreementKeyPair(), generateAgreementKeyPair(), generateAgreementKeyPair()];

/** Real sealed share pairs of n elements (random contents), base64. */
function sealedPairs(n: number): [string, string, string] {
  return PARTY_KEYS.map((k) => {
    const a = new BigUint64Array(n).map((_, i) => BigInt(i));
    return Buffer.from(seal(k.publicKey, encodeSharePair(a, a))).toString('base64');
  }) as [string, string, string];
}

/** A SEAL-like serialized object of `len` bytes: magic, header size 16, declared size. */
function sealObject(len: number, declared = len): string {
  const b = Buffer.alloc(len);
  b.writeUInt16LE(0xa15e, 0);
  b[2] = 16;
  b.writeBigUInt64LE(BigInt(declared), 8);
  return b.toString('base64');
}

const goodMpc = () => ({ modelId: 'digits', shape: [1, 4], clientPublicKey: 'ab'.repeat(32), sealedInputs: sealedPairs(4) });
const goodSession = () => ({ modelId: 'digits', params: { polyModulusDegree: 8192, coeffModulusBits: [60, 40, 60], scaleBits: 40 }, publicKey: sealObject(64), relinKeys: sealObject(64), galoisKeys: sealObject(64), galoisSteps: [1, 2] });
const goodHe = () => ({ modelId: 'digits', sessionId: 's1', ciphertext: sealObject(64) });
// Encoded width 1 + 1 + 2 (the categorical column is one-hot): 3 rows make 12 elements.
const goodDataset = () => ({
  name: 'records',
  uploadId: '0'.repeat(32),
  schema: { columns: [{ name: 'age', type: 'numeric', min: 0, max: 120 }, { name: 'sick', type: 'boolean' }, { name: 'sex', type: 'categorical', categories: ['f', 'm'] }] },
  rows: 3,
  sealedShares: sealedPairs(12),
});
const goodQueryDoc = () => ({ datasets: ['records'], filter: { column: 'age', op: '>=', value: 18 }, aggregates: [{ op: 'count' }, { op: 'mean', column: 'age' }] });
const goodQuery = (doc: Record<string, unknown> = {}) => ({ query: { ...goodQueryDoc(), ...doc }, clientPublicKey: 'ef'.repeat(32) });

interface Case {
  name: string;
  url: string;
  who: string;
  payload?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  problem: ProblemCode;
}

const MPC = '/v1/inference/mpc';
const cases: Case[] = [
  // Malformed JSON and content types.
  { name: 'truncated JSON', url: MPC, who: 'client', raw: '{"modelId": "digits",', problem: 'malformed-json' },
  { name: 'JSON with trailing garbage', url: '/v1/queries', who: 'analyst', raw: '{"datasets":["a"]}x', problem: 'malformed-json' },
  { name: 'empty JSON body', url: '/v1/datasets', who: 'hospital', raw: '', problem: 'malformed-json' },
  { name: 'form-encoded body', url: MPC, who: 'client', raw: 'modelId=digits', headers: { 'content-type': 'application/x-www-form-urlencoded' }, problem: 'unsupported-media-type' },
  // Wrong types.
  { name: 'shape as string', url: MPC, who: 'client', payload: { ...goodMpc(), shape: '1,4' }, problem: 'validation' },
  { name: 'shape entries as numeric strings', url: MPC, who: 'client', payload: { ...goodMpc(), shape: ['1', '4'] }, problem: 'validation' },
  { name: 'negative dimension', url: MPC, who: 'client', payload: { ...goodMpc(), shape: [1, -4] }, problem: 'validation' },
  { name: 'fractional dimension', url: MPC, who: 'client', payload: { ...goodMpc(), shape: [1, 4.5] }, problem: 'validation' },
  { name: 'two sealed inputs instead of three', url: MPC, who: 'client', payload: { ...goodMpc(), sealedInputs: sealedPairs(4).slice(0, 2) }, problem: 'validation' },
  { name: 'client key not hex', url: MPC, who: 'client', payload: { ...goodMpc(), clientPublicKey: 'zz'.repeat(32) }, problem: 'validation' },
  { name: 'model id with a NATS wildcard', url: MPC, who: 'client', payload: { ...goodMpc(), modelId: 'digits>' }, problem: 'validation' },
  { name: 'body is an array', url: '/v1/queries', who: 'analyst', payload: [1, 2], problem: 'validation' },
  { name: 'rows as string', url: '/v1/datasets', who: 'hospital', payload: { ...goodDataset(), rows: '3' }, problem: 'validation' },
  { name: 'unknown aggregate', url: '/v1/queries', who: 'analyst', payload: goodQuery({ aggregates: [{ op: 'median', column: 'age' }] }), problem: 'validation' },
  { name: 'query without the result key', url: '/v1/queries', who: 'analyst', payload: { query: goodQueryDoc() }, problem: 'validation' },
  { name: 'query document at the top level', url: '/v1/queries', who: 'analyst', payload: goodQueryDoc(), problem: 'validation' },
  { name: 'filter with an unknown operator', url: '/v1/queries', who: 'analyst', payload: goodQuery({ filter: { column: 'age', op: '!=', value: 1 } }), problem: 'validation' },
  { name: 'column of unknown type', url: '/v1/datasets', who: 'hospital', payload: { ...goodDataset(), schema: { columns: [{ name: 'age', type: 'text' }] } }, problem: 'validation' },
  { name: 'numeric column with min > max', url: '/v1/datasets', who: 'hospital', payload: { ...goodDataset(), schema: { columns: [{ name: 'age', type: 'numeric', min: 5, max: 1 }] } }, problem: 'validation' },
  { name: 'model mode unknown', url: '/v1/models', who: 'owner', payload: { name: 'm', version: '1', mode: 'fhe' }, problem: 'validation' },
  { name: 'mpc model without shares', url: '/v1/models', who: 'owner', payload: { name: 'm', version: '1', mode: 'mpc' }, problem: 'validation' },
  // Unknown fields.
  { name: 'unknown top-level field', url: MPC, who: 'client', payload: { ...goodMpc(), tenant: 'other' }, problem: 'validation' },
  { name: 'principal smuggled in the body', url: '/v1/inference/he', who: 'client', payload: { ...goodHe(), principal: { tenant: 'other', actor: 'x', roles: ['admin'] } }, problem: 'validation' },
  { name: 'unknown nested field', url: '/v1/queries', who: 'analyst', payload: goodQuery({ aggregates: [{ op: 'count', sql: 'drop table' }] }), problem: 'validation' },
  { name: '__proto__ key', url: '/v1/queries', who: 'analyst', raw: `{"query":{"datasets":["a"],"aggregates":[{"op":"count"}]},"clientPublicKey":"${'ef'.repeat(32)}","__proto__":{"admin":true}}`, problem: 'validation' },
  // Shares and ciphertexts of the wrong length or form.
  { name: 'sealed pair for 3 elements declared as 4', url: MPC, who: 'client', payload: { ...goodMpc(), sealedInputs: sealedPairs(3) }, problem: 'invalid-ciphertext' },
  { name: 'sealed pair for 5 elements declared as 4', url: MPC, who: 'client', payload: { ...goodMpc(), sealedInputs: [...sealedPairs(4).slice(0, 2), sealedPairs(5)[2]] }, problem: 'invalid-ciphertext' },
  { name: 'share not base64', url: MPC, who: 'client', payload: { ...goodMpc(), sealedInputs: ['!!!!', '....', '####'] }, problem: 'invalid-ciphertext' },
  { name: 'share base64 without padding', url: MPC, who: 'client', payload: { ...goodMpc(), sealedInputs: sealedPairs(4).map((s) => s.replace(/=+$/, '')) }, problem: 'invalid-ciphertext' },
  { name: 'HE ciphertext too short', url: '/v1/inference/he', who: 'client', payload: { ...goodHe(), ciphertext: 'AAAA' }, problem: 'invalid-ciphertext' },
  { name: 'HE ciphertext truncated (header says longer)', url: '/v1/inference/he', who: 'client', payload: { ...goodHe(), ciphertext: sealObject(64, 128) }, problem: 'invalid-ciphertext' },
  { name: 'HE ciphertext without SEAL magic', url: '/v1/inference/he', who: 'client', payload: { ...goodHe(), ciphertext: Buffer.alloc(64).toString('base64') }, problem: 'invalid-ciphertext' },
  { name: 'dataset shares for 2 rows declared as 3', url: '/v1/datasets', who: 'hospital', payload: { ...goodDataset(), sealedShares: sealedPairs(8) }, problem: 'invalid-ciphertext' },
  { name: 'dataset shares ignoring one-hot width', url: '/v1/datasets', who: 'hospital', payload: { ...goodDataset(), sealedShares: sealedPairs(9) }, problem: 'invalid-ciphertext' },
  { name: 'MPC model share boxes too short to hold a share package', url: '/v1/models', who: 'owner', payload: { name: 'm', version: '1', mode: 'mpc', sealedShares: ['AAAA', 'AAAA', 'AAAA'] }, problem: 'invalid-ciphertext' },
  { name: 'MPC model share not base64', url: '/v1/models', who: 'owner', payload: { name: 'm', version: '1', mode: 'mpc', sealedShares: [sealedPairs(1)[0], 'not base64!', sealedPairs(1)[2]] }, problem: 'invalid-ciphertext' },
  { name: 'HE model ONNX too short', url: '/v1/models', who: 'owner', payload: { name: 'm', version: '1', mode: 'he', onnx: 'AAAA' }, problem: 'invalid-ciphertext' },
  { name: 'MPC model with an HE batch', url: '/v1/models', who: 'owner', payload: { name: 'm', version: '1', mode: 'mpc', sealedShares: sealedPairs(1), heBatch: 4 }, problem: 'validation' },
  { name: 'MPC model precision without an input bound', url: '/v1/models', who: 'owner', payload: { name: 'm', version: '1', mode: 'mpc', sealedShares: sealedPairs(1), precision: { fractionBits: 16, errorBound: 5e-3, errorBoundSource: 'documented' } }, problem: 'validation' },
  { name: 'MPC model precision with a negative input bound', url: '/v1/models', who: 'owner', payload: { name: 'm', version: '1', mode: 'mpc', sealedShares: sealedPairs(1), precision: { fractionBits: 16, inputBound: -1, errorBound: 5e-3, errorBoundSource: 'documented' } }, problem: 'validation' },
  { name: 'HE model with a stated precision', url: '/v1/models', who: 'owner', payload: { name: 'm', version: '1', mode: 'he', onnx: Buffer.alloc(64).toString('base64'), precision: { fractionBits: 16, inputBound: 1, errorBound: 5e-3, errorBoundSource: 'documented' } }, problem: 'validation' },
  { name: 'HE batch of zero', url: '/v1/models', who: 'owner', payload: { name: 'm', version: '1', mode: 'he', onnx: Buffer.alloc(64).toString('base64'), heBatch: 0 }, problem: 'validation' },
  { name: 'HE model with shares as well', url: '/v1/models', who: 'owner', payload: { name: 'm', version: '1', mode: 'he', onnx: Buffer.alloc(64).toString('base64'), sealedShares: sealedPairs(1) }, problem: 'validation' },
  { name: 'HE keys not SEAL objects', url: '/v1/he/sessions', who: 'client', payload: { ...goodSession(), relinKeys: 'AAAA' }, problem: 'invalid-ciphertext' },
  { name: 'HE session with unsupported ring degree', url: '/v1/he/sessions', who: 'client', payload: { ...goodSession(), params: { polyModulusDegree: 1000, coeffModulusBits: [60, 40, 60], scaleBits: 40 } }, problem: 'validation' },
  { name: 'HE session carrying a secret key field', url: '/v1/he/sessions', who: 'client', payload: { ...goodSession(), secretKey: sealObject(64) }, problem: 'validation' },
  // Headers.
  { name: 'idempotency key with spaces', url: MPC, who: 'client', payload: goodMpc(), headers: { 'idempotency-key': 'two words' }, problem: 'invalid-idempotency-key' },
  { name: 'idempotency key too long', url: '/v1/inference/he', who: 'client', payload: goodHe(), headers: { 'idempotency-key': 'k'.repeat(129) }, problem: 'invalid-idempotency-key' },
  // Wrong credentials on a submission route.
  { name: 'wrong API key', url: MPC, who: 'nobody', payload: goodMpc(), problem: 'invalid-credentials' },
  { name: 'wrong role for the route', url: '/v1/datasets', who: 'analyst', payload: goodDataset(), problem: 'forbidden' },
];

describe('gateway bad input', () => {
  const nats = useNatsServer();
  let f: GatewayFixture;
  beforeAll(async () => {
    f = await startGateway(nats().url, { rateLimitMax: 10_000, bodyLimit: 64 * 1024, publishBodyLimit: 256 * 1024 });
  });
  afterAll(async () => f.close());
  afterEach(async () => {
    // After every bad request the gateway still serves, and nothing reached the coordinator's submit paths.
    expect((await f.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    for (const m of ['jobs.submit', 'models.publish', 'datasets.upload', 'analytics.query', 'he.registerKeys'] as const) expect(f.double.callsOf(m)).toHaveLength(0);
    expect(f.double.jobs.size).toBe(0);
  });

  it.each(cases)('$name -> $problem', async (c) => {
    const auth = c.who === 'nobody' ? { authorization: 'Bearer mpc_client.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } : bearer(f, c.who);
    const headers: Record<string, string> = { 'content-type': 'application/json', ...auth, ...c.headers };
    const payload = c.raw ?? JSON.stringify(c.payload);
    const r = await f.app.inject({ method: 'POST', url: c.url, headers, payload });
    const body = r.json();
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(body.type).toBe(problemType(c.problem));
    expect(r.statusCode).toBe(body.status);
    expect(r.statusCode).toBeGreaterThanOrEqual(400);
    expect(r.statusCode).toBeLessThan(500);
    expect(body.instance).toBe(c.url);
    expect(typeof body.detail).toBe('string');
  });

  it('rejects a body over the limit of a normal route (413) but accepts it on a publish route', async () => {
    const big = { ...goodMpc(), clientPublicKey: 'ab'.repeat(32), modelId: 'digits', sealedInputs: sealedPairs(2048) };
    const r = await f.app.inject({ method: 'POST', url: MPC, headers: { ...bearer(f, 'client'), 'content-type': 'application/json' }, payload: JSON.stringify(big) });
    expect(r.statusCode).toBe(413);
    expect(r.json().type).toBe(problemType('payload-too-large'));
    // The same size fits the publish limit; it is then refused for its content, not its size.
    const ds = { ...goodDataset(), sealedShares: sealedPairs(2048) };
    const p = await f.app.inject({ method: 'POST', url: '/v1/datasets', headers: { ...bearer(f, 'hospital'), 'content-type': 'application/json' }, payload: JSON.stringify(ds) });
    expect(p.json().type).toBe(problemType('invalid-ciphertext'));
    const huge = { ...goodDataset(), rows: 4096, sealedShares: sealedPairs(16384) };
    const h = await f.app.inject({ method: 'POST', url: '/v1/datasets', headers: { ...bearer(f, 'hospital'), 'content-type': 'application/json' }, payload: JSON.stringify(huge) });
    expect(h.statusCode).toBe(413);
  });

  it('rejects bad path parameters and query strings on read routes', async () => {
    const job = await f.app.inject({ method: 'GET', url: '/v1/jobs/a.b', headers: bearer(f, 'client') });
    expect(job.json().type).toBe(problemType('validation'));
    const q = await f.app.inject({ method: 'GET', url: '/v1/audit/entries?from=-1', headers: bearer(f, 'auditor') });
    expect(q.json().type).toBe(problemType('validation'));
    const extra = await f.app.inject({ method: 'GET', url: '/v1/audit/entries?from=0&evil=1', headers: bearer(f, 'auditor') });
    expect(extra.json().type).toBe(problemType('validation'));
    const limit = await f.app.inject({ method: 'GET', url: '/v1/audit/entries?limit=5000', headers: bearer(f, 'auditor') });
    expect(limit.json().type).toBe(problemType('validation'));
    const proof = await f.app.inject({ method: 'GET', url: '/v1/audit/proofs/5?treeSize=3', headers: bearer(f, 'auditor') });
    expect(proof.json().type).toBe(problemType('validation'));
    const unknown = await f.app.inject({ method: 'GET', url: '/v1/nothing', headers: bearer(f, 'client') });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().type).toBe(problemType('not-found'));
  });

  it('accepts the well-formed versions of the same requests (the table is not rejecting everything)', async () => {
    const h = (who: string) => ({ ...bearer(f, who), 'content-type': 'application/json' });
    const mpc = await f.app.inject({ method: 'POST', url: MPC, headers: h('client'), payload: JSON.stringify(goodMpc()) });
    const he = await f.app.inject({ method: 'POST', url: '/v1/inference/he', headers: h('client'), payload: JSON.stringify(goodHe()) });
    const ds = await f.app.inject({ method: 'POST', url: '/v1/datasets', headers: h('hospital'), payload: JSON.stringify(goodDataset()) });
    expect([mpc.statusCode, he.statusCode, ds.statusCode]).toEqual([201, 201, 201]);
    expect(f.double.callsOf('jobs.submit')).toHaveLength(2);
    // Reset for the afterEach invariant.
    f.double.calls.length = 0;
    f.double.jobs.clear();
  });
});
