/**
 * The gateway and the SDK against the real coordinator and three real parties (in-process
 * cluster on a real nats-server: signed dispatch, job book with idempotency and tenant
 * isolation, the parties' model-publish and inference runners over NATS peer channels, output
 * commitments). Nothing here is a stand-in: the model owner publishes digits_mlp.onnx through
 * the SDK (weights shared and sealed per party), a client infers on digits test rows, and the
 * logits opened by the SDK are compared with the same model evaluated in the clear within 0.01
 * (fixed point f = 16; docs/protocols-inference.md measures 2.4e-4 for this model), with the same
 * predicted class.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readF32 } from '../helpers/read-f32.js';
import { useNatsServer } from '../helpers/nats-server.js';
import type { InProcessCluster } from '../../services/cluster/in-process-cluster.js';
import { startRealGatewayCluster, type RealGatewayCluster } from '../helpers/real-gateway-cluster.js';
import { generateApiKey } from '../../services/gateway/api-key-store.js';
import { MpcClient } from '../../services/sdk/index.js';
import { GatewayProblemError } from '../../services/sdk/errors.js';
import type { JobResults } from '../../services/wire/api.js';
import { readFileSync } from 'node:fs';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { evaluatePlain } from '../../protocols/model/plaintext-eval.js';

const ONNX = new Uint8Array(readFileSync('test/fixtures/models/digits_mlp.onnx'));
const ROWS = readF32('test/fixtures/data/digits_test.f32');
const TOL = 0.01;
const argmax = (v: ArrayLike<number>): number => Array.from(v).reduce((best, x, i, a) => (x > a[best]! ? i : best), 0);

describe('gateway + SDK with the real coordinator and parties', () => {
  const nats = useNatsServer();
  let cluster: InProcessCluster;
  let gw: RealGatewayCluster;
  let url: string;
  const keys = { alice: generateApiKey('alice'), mallory: generateApiKey('mallory'), owner: generateApiKey('owner') };
  let modelId: string;

  beforeAll(async () => {
    gw = await startRealGatewayCluster(nats().url, [
      { id: 'alice', tenant: 'clinic-a', roles: ['client'], key: keys.alice },
      { id: 'owner', tenant: 'lab', roles: ['model-owner'], key: keys.owner },
      { id: 'mallory', tenant: 'clinic-b', roles: ['client'], key: keys.mallory },
    ]);
    ({ cluster, url } = gw);
  });
  afterAll(async () => gw?.stop());

  it('is ready and lists the parties with their keys', async () => {
    const ready = await (await fetch(`${url}/readyz`)).json();
    expect(ready).toMatchObject({ ready: true, nats: true, parties: 3 });
    const alice = new MpcClient({ gatewayUrl: url, apiKey: keys.alice });
    const partyKeys = await alice.partyKeys();
    expect(partyKeys.map((k) => Buffer.from(k).toString('hex'))).toEqual(cluster.partyAgreementKeys);
  });

  it('publishes an MPC model and runs inferences that match the plaintext model', async () => {
    const owner = new MpcClient({ gatewayUrl: url, apiKey: keys.owner });
    const model = await owner.publishModel(ONNX, { mode: 'mpc', name: 'digits', version: '1.0' });
    expect(model).toMatchObject({ name: 'digits', version: '1.0', mode: 'mpc', created: true, inputShape: [64] });
    modelId = model.id;
    const ir = importOnnx(ONNX);
    const alice = new MpcClient({ gatewayUrl: url, apiKey: keys.alice });
    const batch = 4;
    const x = Float64Array.from(ROWS.subarray(0, batch * 64));
    const states: string[] = [];
    const out = await alice.infer(modelId, { shape: [batch, 64], data: x }, { timeoutMs: 60_000, onProgress: (j) => states.push(j.state) });
    const want = evaluatePlain(ir, x, batch);
    expect(out.shape).toEqual([batch, 10]);
    let maxErr = 0;
    out.data.forEach((y, i) => (maxErr = Math.max(maxErr, Math.abs(y - want.output[i]!))));
    expect(maxErr).toBeLessThan(TOL);
    for (let b = 0; b < batch; b++) expect(argmax(out.data.subarray(b * 10, b * 10 + 10))).toBe(argmax(want.output.subarray(b * 10, b * 10 + 10)));
    expect(out.job.state).toBe('verified');
    expect(states.at(-1)).toBe('verified');
    expect(out.job.stats?.rounds).toBeGreaterThan(0);
  });

  it('keeps tenants apart and honours idempotency keys in the real job book', async () => {
    const alice = new MpcClient({ gatewayUrl: url, apiKey: keys.alice });
    const row = Array.from(ROWS.subarray(64, 128));
    const first = await alice.submitMpcInference(modelId, { shape: [1, 64], data: row }, { idempotencyKey: 'retry-7' });
    const again = await alice.resubmit(first);
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.job.id).toBe(first.job.id);
    // The same key with a different request (a fresh sharing of the same input) is refused.
    await expect(alice.submitMpcInference(modelId, { shape: [1, 64], data: row }, { idempotencyKey: 'retry-7' })).rejects.toMatchObject({ status: 409, problem: 'conflict' });
    const mallory = new MpcClient({ gatewayUrl: url, apiKey: keys.mallory });
    const err = await mallory.jobStatus(first.job.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayProblemError);
    expect(err).toMatchObject({ status: 404, problem: 'not-found' });
    await expect(mallory.jobResult(first.job.id)).rejects.toMatchObject({ status: 404 });
    // The owner still gets its result: the first submission's key opens it.
    const job = await alice.waitForJob(first.job.id, { timeoutMs: 30_000 });
    const res = await alice.jobResult(job.id);
    const y = alice.openMpcResult(first, res.result as JobResults['mpc-inference']);
    const want = evaluatePlain(importOnnx(ONNX), Float64Array.from(row), 1).output;
    y.data.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(TOL));
  });
});
