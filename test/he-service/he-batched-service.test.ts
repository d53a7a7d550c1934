/**
 * Batched HE queries through a real cluster: `startFullCluster` runs nats-server, the
 * coordinator, three parties, two HE workers and the gateway as separate processes, and the SDK
 * talks to the gateway. The model owner publishes digits_square_mlp (64 inputs) in HE mode; the
 * coordinator chooses the largest batch that fits (4096 slots / 64 inputs = 64 queries per
 * ciphertext), records it (`heBatch`, and the precision: CKKS scale and the documented error
 * bound) and has both workers plan it with the same digest. A client then sends 40 queries with
 * one `infer` call of shape [40, 64]: one POST /v1/inference/he carries all 40, and every output
 * is compared with onnxruntime-node on the same inputs within the bound the record states. A
 * second version published with `heBatch: 16` takes ceil(40 / 16) = 3 requests; a batch larger
 * than fits is refused naming the largest. The zoo's torch-exported logistic regression
 * (zoo_logreg, 30 features: batch 128) runs the same way against onnxruntime. After the coordinator restarts, the model is planned
 * again from the mpc_he_models bucket for the same batch and 40 queries still take one request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFullCluster, type FullCluster } from '../../services/cluster/full-cluster.js';
import { GatewayProblemError, MpcClient } from '../../services/sdk/index.js';
import { parseTrustBundle, TRUST_BUNDLE_FILE, type TrustBundle } from '../../services/wire/trust-bundle.js';
import type { ModelRecord } from '../../services/wire/api.js';
import { readF32 } from '../helpers/read-f32.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { runOrt, splitRows, zooBytes } from '../onnx/zoo-fixture.js';
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';

const ONNX = new Uint8Array(readFileSync('test/fixtures/models/digits_square_mlp.onnx'));
const QUERIES = 40;
const X = readF32('test/fixtures/data/digits_test.f32').slice(0, QUERIES * 64);

describe('batched HE queries through the gateway, coordinator and two HE workers', () => {
  let dir: string;
  let cluster: FullCluster;
  let trust: TrustBundle;
  let ref: Float64Array;
  /** Paths of the HTTP requests the client sent, in order. */
  const sent: string[] = [];
  const countingFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    sent.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
    return fetch(input, init);
  }) as typeof fetch;
  // One model key for every version of the name: the HE workers pin it at the first.
  const modelKey = generateSigningKeyPair().secretKey;
  const owner = () => new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys['demo-model-owner']!, trust, modelKey });
  const client = () => new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys['demo-client']!, trust, fetch: countingFetch, pollIntervalMs: 100 });
  const inferenceRequests = () => sent.filter((s) => s === 'POST /v1/inference/he').length;

  /** 40 queries in one infer call; every output within the record's bound of ORT. */
  async function run40(model: ModelRecord): Promise<{ requests: number; maxDiff: number; ms: number }> {
    const c = client();
    try {
      sent.length = 0;
      const t0 = performance.now();
      const out = await c.infer(model.id, { shape: [QUERIES, 64], data: Float64Array.from(X) }, { mode: 'he', timeoutMs: 120_000 });
      const ms = performance.now() - t0;
      expect(out.shape).toEqual([QUERIES, 10]);
      expect(out.job.state).toBe('verified');
      expect(out.verification?.mode).toBe('dual');
      const maxDiff = Array.from(out.data).reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i]!)), 0);
      expect(maxDiff).toBeLessThanOrEqual(model.precision!.errorBound);
      return { requests: inferenceRequests(), maxDiff, ms };
    } finally {
      await c.close();
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mpc-he-batch-'));
    cluster = await startFullCluster({ dir, heWorkers: 2 });
    trust = parseTrustBundle(JSON.parse(readFileSync(join(dir, TRUST_BUNDLE_FILE), 'utf8')));
    ref = await runOrt(ONNX, X, [QUERIES, 64]);
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let largest: ModelRecord;

  it('publish chooses the largest batch (64 queries per ciphertext) and states it with the precision', async () => {
    largest = await owner().publishModel(ONNX, { mode: 'he', name: 'digits-sq-batched', version: '1' });
    expect(largest.heBatch).toBe(64);
    expect(largest.precision).toEqual({ fractionBits: 40, errorBound: 1e-4, errorBoundSource: 'documented' });
    // The catalogue lists the same record, and the public plan the clients get carries the batch.
    expect((await owner().models()).find((m) => m.id === largest.id)).toMatchObject({ heBatch: 64, precision: largest.precision });
    const plan = await client().http.json<{ plan: { batch?: number; slotCount: number } }>({ method: 'GET', path: `/v1/models/${largest.id}/he-plan` });
    expect(plan.plan.batch).toBe(64);
  }, 60_000);

  it('40 queries go in one request, each output within the stated bound of onnxruntime', async () => {
    const r = await run40(largest);
    expect(r.requests).toBe(1);
    console.log(JSON.stringify({ case: 'he-service 40 queries, batch 64', requests: r.requests, maxAbsDiffVsOrt: r.maxDiff, ms: Math.round(r.ms) }));
  }, 120_000);

  it('a batch chosen at publish (16) takes ceil(40 / 16) = 3 requests; one larger than fits, or not a power of two, is refused by name', async () => {
    const sixteen = await owner().publishModel(ONNX, { mode: 'he', name: 'digits-sq-batched', version: '16', heBatch: 16 });
    expect(sixteen.heBatch).toBe(16);
    const r = await run40(sixteen);
    expect(r.requests).toBe(3);
    const err = await owner().publishModel(ONNX, { mode: 'he', name: 'digits-sq-batched', version: '128', heBatch: 128 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayProblemError);
    expect((err as GatewayProblemError).status).toBe(400);
    expect((err as Error).message).toMatch(/heBatch: 128 queries do not fit one ciphertext of this model; at most 64/);
    // Not a power of two: the schema takes any integer, the coordinator refuses it by name.
    const three = await owner()
      .http.json({ method: 'POST', path: '/v1/models', body: { name: 'digits-sq-batched', version: '3', mode: 'he', onnx: Buffer.from(ONNX).toString('base64'), heBatch: 3 }, headers: { 'idempotency-key': 'batch-three' } })
      .catch((e: unknown) => e);
    expect(three).toBeInstanceOf(GatewayProblemError);
    expect((three as GatewayProblemError).status).toBe(400);
    expect((three as Error).message).toMatch(/heBatch: expected a power of two >= 1, got 3/);
  }, 120_000);

  it('the zoo\'s torch-exported logistic regression: 40 queries in one request, within the bound of onnxruntime', async () => {
    const bytes = zooBytes('zoo_logreg');
    const ir = importOnnx(bytes);
    const model = await owner().publishModel(bytes, { mode: 'he', name: 'zoo-logreg', version: '1' });
    // 30 features: floor(4096 slots / 30) = 136, rounded down to a power of two: 128 queries per ciphertext.
    expect(model.heBatch).toBe(128);
    const split = splitRows('breast_cancer_test', QUERIES);
    const want = await runOrt(bytes, split.x, [QUERIES, ...ir.inputShape]);
    const c = client();
    try {
      sent.length = 0;
      const out = await c.infer(model.id, { shape: [QUERIES, ...ir.inputShape], data: Float64Array.from(split.x) }, { mode: 'he', timeoutMs: 120_000 });
      expect(inferenceRequests()).toBe(1);
      expect(out.data.length).toBe(want.length);
      const maxDiff = Array.from(out.data).reduce((m, v, i) => Math.max(m, Math.abs(v - want[i]!)), 0);
      expect(maxDiff).toBeLessThanOrEqual(model.precision!.errorBound);
      console.log(JSON.stringify({ case: 'he-service zoo_logreg 40 queries', requests: 1, maxAbsDiffVsOrt: maxDiff }));
    } finally {
      await c.close();
    }
  }, 120_000);

  it('after a coordinator restart the model is planned again from the bucket for the same batch', async () => {
    await cluster.kill('coordinator');
    await cluster.restart('coordinator');
    // Ready once the coordinator answers with both HE workers registered again.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await fetch(`${cluster.gatewayUrl}/readyz`).catch(() => undefined);
      const body = res?.ok ? ((await res.json()) as { heWorkers?: number }) : undefined;
      if ((body?.heWorkers ?? 0) >= 2) break;
      if (Date.now() > deadline) throw new Error('coordinator not ready with 2 HE workers after the restart');
      await new Promise((r) => setTimeout(r, 200));
    }
    const plan = await client().http.json<{ plan: { batch?: number } }>({ method: 'GET', path: `/v1/models/${largest.id}/he-plan` });
    expect(plan.plan.batch).toBe(64);
    // A fresh client registers keys (the restart forgot the sessions) and sends one request.
    const r = await run40(largest);
    expect(r.requests).toBe(1);
  }, 120_000);
});
