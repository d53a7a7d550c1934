/**
 * Bad client material gets a precise 4xx with the field in `errors[]`, through the real fastify
 * gateway against the real coordinator and three real parties on a real nats-server
 * (test/helpers/real-gateway-cluster). The SDK does the honest work; a fetch in between plays
 * the bad client (or a tampering network) by flipping one byte of one sealed box:
 * - a tampered model share: the party cannot open it; 400 `invalid-ciphertext` naming
 *   `body/sealedShares/<party>` (was 502 `coordinator-error`);
 * - a tampered data-set share: its digest differs from the signed manifest; the same 400 (was 502);
 * - a tampered inference input: the job fails with the stable code `invalid-sealed-input`
 *   naming the party;
 * - a box of the wrong length, bad base64: 400 `invalid-ciphertext` with the path;
 * - a body sent as text/plain: 415 `unsupported-media-type` (was 400);
 * - an analytics filter value or histogram edge outside the fixed-point range (1e300): 400
 *   `validation` naming the field and the bound 2^38 (was accepted); the SDK refuses it before
 *   sending.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { useNatsServer } from '../helpers/nats-server.js';
import { startRealGatewayCluster, type RealGatewayCluster } from '../helpers/real-gateway-cluster.js';
import { generateApiKey } from '../../services/gateway/api-key-store.js';
import { MpcClient, JobFailedError } from '../../services/sdk/index.js';
import { GatewayProblemError } from '../../services/sdk/errors.js';
import { fromBase64, toBase64 } from '../../crypto-core/encoding.js';
import type { Role } from '../../services/wire/api.js';
import type { DatasetSchema } from '../../protocols/analytics/dataset-schema.js';

const ONNX = new Uint8Array(readFileSync('test/fixtures/models/digits_mlp.onnx'));
const SCHEMA: DatasetSchema = { columns: [{ name: 'age', type: 'numeric', min: 0, max: 120 }] };
const ROWS = Array.from({ length: 12 }, (_, i) => ({ age: 30 + i }));
const ADMIN: Role[] = ['admin', 'hospital', 'analyst', 'client', 'model-owner'];

/** A problem body as the gateway sends it. */
interface Problem {
  type: string;
  detail: string;
  errors: { path: string; message: string }[];
}

/** What a problem tells a client: status, type and the request paths it names. */
async function problemOf(p: Promise<unknown>): Promise<{ status: number; problem: string; paths: string[]; detail: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GatewayProblemError) return { status: e.status, problem: e.problem, paths: (e.errors ?? []).map((x) => x.path), detail: e.message };
    throw e;
  }
  throw new Error('expected a problem, but the call succeeded');
}

/** Flips one bit in the middle of a base64 box. */
function flipByte(b64: string): string {
  const bytes = fromBase64(b64);
  bytes[bytes.length >> 1]! ^= 0x01;
  return toBase64(bytes);
}

describe('precise errors for bad client material (real gateway and cluster)', () => {
  const nats = useNatsServer();
  let gw: RealGatewayCluster;
  let key: string;
  /** Which field of which POST to tamper with: `[route, field, index]`. */
  let tamper: [string, string, number] | undefined;
  const tampering: typeof fetch = async (input, init) => {
    const url = String(input);
    if (tamper && init?.method === 'POST' && url.endsWith(tamper[0]) && typeof init.body !== 'string' && init.body) {
      const body = JSON.parse(new TextDecoder().decode(init.body as Uint8Array)) as Record<string, string[]>;
      body[tamper[1]]![tamper[2]] = flipByte(body[tamper[1]]![tamper[2]]!);
      return fetch(input, { ...init, body: new TextEncoder().encode(JSON.stringify(body)) });
    }
    return fetch(input, init);
  };
  // One model owner key for every client here: the parties pin it at the name's first version.
  const modelKey = randomBytes(32);
  const client = () => new MpcClient({ gatewayUrl: gw.url, apiKey: key, trust: gw.cluster.trustBundle, pollIntervalMs: 50, fetch: tampering, modelKey });
  const post = (path: string, body: string, contentType = 'application/json') =>
    fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, body });

  beforeAll(async () => {
    key = generateApiKey('admin');
    gw = await startRealGatewayCluster(nats().url, [{ id: 'admin', tenant: 't', roles: ADMIN, key }]);
  }, 60_000);
  afterAll(async () => gw?.stop());

  it('a tampered model share is 422 model-version-refused naming the party box (it differs from the owner-signed digest), not 502', async () => {
    tamper = ['/v1/models', 'sealedShares', 1];
    try {
      const p = await problemOf(client().publishModel(ONNX, { mode: 'mpc', name: 'digits', version: 'tampered' }));
      expect(p).toMatchObject({ status: 422, problem: 'model-version-refused' });
      expect(p.detail).toMatch(/party 1's box digest\): differs from the owner-signed statement/);
    } finally {
      tamper = undefined;
    }
    // The same model, untampered, publishes: the refusal was about the bytes, not the model.
    const ok = await client().publishModel(ONNX, { mode: 'mpc', name: 'digits', version: '1' });
    expect(ok.created).toBe(true);
  });

  it('a tampered data-set share is 400 invalid-ciphertext naming the party box, not 502', async () => {
    tamper = ['/v1/datasets', 'sealedShares', 2];
    try {
      const p = await problemOf(client().uploadDataset('cohort', SCHEMA, ROWS, { policy: { roles: ['analyst'], minCellSize: 5 } }));
      expect(p).toMatchObject({ status: 400, problem: 'invalid-ciphertext', paths: ['body/sealedShares/2'] });
    } finally {
      tamper = undefined;
    }
  });

  it('a tampered inference input fails the job with invalid-sealed-input naming the party', async () => {
    const model = await client().publishModel(ONNX, { mode: 'mpc', name: 'digits', version: 'infer' });
    tamper = ['/v1/inference/mpc', 'sealedInputs', 0];
    try {
      const err = await client().infer(model.id, { shape: [1, 64], data: new Array(64).fill(0.5) }, { timeoutMs: 30_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JobFailedError);
      expect((err as JobFailedError).failureCode).toBe('invalid-sealed-input');
      expect((err as JobFailedError).party).toBe(0);
    } finally {
      tamper = undefined;
    }
  });

  const mpcBody = (boxes: string[]) => JSON.stringify({ modelId: 'digits-1', shape: [1, 2], clientPublicKey: 'ab'.repeat(32), sealedInputs: boxes });
  const box = (n: number) => toBase64(new Uint8Array(n).fill(7));

  it('a box of the wrong length is 400 invalid-ciphertext with its path', async () => {
    // A pair of 2 elements is 16 * 2 + 61 = 93 bytes; box 1 is one byte short.
    const r = await post('/v1/inference/mpc', mpcBody([box(93), box(92), box(93)]));
    expect(r.status).toBe(400);
    const p = (await r.json()) as Problem;
    expect(p.type).toBe('https://mpc.example/problems/invalid-ciphertext');
    expect(p.errors).toEqual([{ path: 'body/sealedInputs/1', message: expect.stringMatching(/92 bytes.*93 bytes/) }]);
  });

  it('bad base64 is 400 invalid-ciphertext with its path', async () => {
    const r = await post('/v1/inference/mpc', mpcBody([box(93), box(93), 'not*base64']));
    expect(r.status).toBe(400);
    const p = (await r.json()) as Problem;
    expect(p.type).toBe('https://mpc.example/problems/invalid-ciphertext');
    expect(p.errors[0].path).toBe('body/sealedInputs/2');
  });

  it('a body sent as text/plain is 415 unsupported-media-type', async () => {
    const r = await post('/v1/inference/mpc', mpcBody([box(93), box(93), box(93)]), 'text/plain');
    expect(r.status).toBe(415);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await r.json()) as Problem).type).toBe('https://mpc.example/problems/unsupported-media-type');
  });

  it('a filter value or histogram edge outside the fixed-point range is 400 validation naming the field and the bound', async () => {
    const query = (filterValue: number, bins: number[]) =>
      JSON.stringify({ query: { datasets: ['cohort'], filter: { and: [{ column: 'age', op: '>=', value: 18 }, { column: 'age', op: '<', value: filterValue }] }, aggregates: [{ op: 'count' }, { op: 'histogram', column: 'age', bins }] }, clientPublicKey: 'ab'.repeat(32) });
    const r = await post('/v1/queries', query(1e300, [0, 50, -1e300]));
    expect(r.status).toBe(400);
    const p = (await r.json()) as Problem;
    expect(p.type).toBe('https://mpc.example/problems/validation');
    expect(p.errors.map((e) => e.path)).toEqual(['body/query/filter/and/1/value', 'body/query/aggregates/1/bins/2']);
    expect(p.errors[0].message).toMatch(/\|v\| <= 274877906944 \(2\^38\)/);
    // At the bound the gateway lets it through: the coordinator then judges the query (here:
    // the data set does not exist), and no field is refused for its range.
    const atBound = (await (await post('/v1/queries', query(2 ** 38, [0, 50, 100]))).json()) as Problem;
    expect(atBound.detail).toMatch(/unknown data set|cohort/);
    expect(atBound.detail).not.toMatch(/fixed-point range/);
  });

  it('the SDK refuses the same query before sending it, naming the field and the bound', async () => {
    const c = client();
    await expect(c.query({ datasets: ['cohort'], filter: { column: 'age', op: '<', value: 1e300 }, aggregates: [{ op: 'count' }] })).rejects.toThrow(
      /query\/filter\/value: 1e\+300 is outside the fixed-point range of query constants, \|v\| <= 274877906944 \(2\^38\)/,
    );
  });
});
