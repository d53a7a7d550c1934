/**
 * An HE model that needs poly modulus N = 16384 (zoo_mlp_square: two squares, depth above 3)
 * through the whole product: a full local cluster as processes (nats-server, coordinator, three
 * parties, one HE worker, gateway) and the SDK. Its evaluation keys are ~80 MB as the JSON of
 * `POST /v1/he/sessions` (12 Galois keys, seeded and zstd-compressed), above the 32 MiB publish
 * limit: the session route has its own limit (heSessionBodyLimit, 128 MiB), the gateway sends
 * the request to the coordinator in pieces (wire/chunked-message) and the coordinator to the
 * worker. 40 queries take one inference request; every output is compared with onnxruntime.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFullCluster, type FullCluster } from '../../services/cluster/full-cluster.js';
import { MpcClient } from '../../services/sdk/index.js';
import { parseTrustBundle, TRUST_BUNDLE_FILE, type TrustBundle } from '../../services/wire/trust-bundle.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { runOrt, splitRows, zooBytes } from '../onnx/zoo-fixture.js';

const QUERIES = 40;

describe('HE inference at N = 16384 through the gateway', () => {
  let dir: string;
  let cluster: FullCluster;
  let trust: TrustBundle;
  const sessionBytes: number[] = [];
  const inferences: string[] = [];
  const countingFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const path = new URL(String(input)).pathname;
    if (init?.method === 'POST' && path === '/v1/he/sessions') sessionBytes.push((init.body as Uint8Array).length);
    if (init?.method === 'POST' && path === '/v1/inference/he') inferences.push(path);
    return fetch(input, init);
  }) as typeof fetch;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mpc-he-16384-'));
    cluster = await startFullCluster({ dir, heWorkers: 2 });
    trust = parseTrustBundle(JSON.parse(readFileSync(join(dir, TRUST_BUNDLE_FILE), 'utf8')));
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('zoo_mlp_square: ~80 MB of keys accepted, 40 queries in one request, within the stated bound of onnxruntime', async () => {
    const bytes = zooBytes('zoo_mlp_square');
    const ir = importOnnx(bytes);
    const owner = new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys['demo-model-owner']!, trust });
    const model = await owner.publishModel(bytes, { mode: 'he', name: 'zoo-mlp-square', version: '1' });
    await owner.close();
    expect(model.heBatch).toBe(128);
    const split = splitRows('digits_test', QUERIES);
    const want = await runOrt(bytes, split.x, [QUERIES, ...ir.inputShape]);
    const c = new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys['demo-client']!, trust, fetch: countingFetch, pollIntervalMs: 100 });
    try {
      const out = await c.infer(model.id, { shape: [QUERIES, ...ir.inputShape], data: Float64Array.from(split.x) }, { mode: 'he', timeoutMs: 240_000 });
      expect(sessionBytes).toHaveLength(1);
      // Above the 32 MiB publish limit (what used to cut the connection), within the session limit.
      expect(sessionBytes[0]).toBeGreaterThan(32 * 1024 * 1024);
      expect(sessionBytes[0]).toBeLessThan(128 * 1024 * 1024);
      expect(inferences).toHaveLength(1);
      expect(out.job.state).toBe('verified');
      expect(out.data.length).toBe(want.length);
      const maxDiff = Array.from(out.data).reduce((m, v, i) => Math.max(m, Math.abs(v - want[i]!)), 0);
      expect(maxDiff).toBeLessThanOrEqual(model.precision!.errorBound);
      console.log(JSON.stringify({ case: 'he-service zoo_mlp_square N=16384, 40 queries', sessionRequestBytes: sessionBytes[0], requests: inferences.length, maxAbsDiffVsOrt: maxDiff }));
    } finally {
      await c.close();
    }
  }, 300_000);
});
