/**
 * @module bench/he-service
 * Batched HE queries through the services (issue 17): a full local cluster (nats-server, the
 * coordinator, three parties, two HE workers and the gateway as processes, from dist/) and the
 * SDK. digits_square_mlp (64-32-10) is published twice, with `heBatch: 1` and with the batch the
 * coordinator chooses (the largest that fits: 64); 40 queries are sent with one `infer` call of
 * shape [40, 64] to each, after one untimed call that registers the session's keys. Each line
 * gives the time from the call to the decrypted outputs (dual execution on both workers,
 * verification, result signatures), per query, the number of HTTP inference requests, and the
 * largest error of any output against float64.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFullCluster } from '../services/cluster/full-cluster.js';
import { MpcClient } from '../services/sdk/index.js';
import { parseTrustBundle, TRUST_BUNDLE_FILE } from '../services/wire/trust-bundle.js';
import { importOnnx } from '../protocols/onnx/import-onnx.js';
import { inferPlain } from '../protocols/he/plain-inference.js';
import { median, type BenchOptions } from './bench-case.js';

const QUERIES = 40;

/** The fixture model and the first 40 rows of its test split (bench runs from the repository root). */
function fixture(): { onnx: Uint8Array; xs: Float64Array } {
  const onnx = new Uint8Array(readFileSync('test/fixtures/models/digits_square_mlp.onnx'));
  const buf = readFileSync('test/fixtures/data/digits_test.f32');
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  return { onnx, xs: Float64Array.from(all.subarray(0, QUERIES * 64)) };
}

/** 40 queries through the services, batch 1 against the coordinator's batch. */
export async function serviceBatchCases(opts: BenchOptions): Promise<void> {
  const reps = opts.quick ? 1 : 3;
  const { onnx, xs } = fixture();
  const ir = importOnnx(onnx);
  const want = Array.from({ length: QUERIES }, (_, i) => inferPlain(ir, xs.subarray(i * 64, (i + 1) * 64)));
  const dir = mkdtempSync(join(tmpdir(), 'mpc-bench-he-service-'));
  const cluster = await startFullCluster({ dir, heWorkers: 2 });
  try {
    const trust = parseTrustBundle(JSON.parse(readFileSync(join(dir, TRUST_BUNDLE_FILE), 'utf8')));
    const owner = new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys['demo-model-owner']!, trust });
    let requests = 0;
    const counting = (async (input: string | URL | Request, init?: RequestInit) => {
      if (init?.method === 'POST' && new URL(String(input)).pathname === '/v1/inference/he') requests++;
      return fetch(input, init);
    }) as typeof fetch;
    const measure = async (heBatch: number | undefined): Promise<{ ms: number; requests: number; err: number; batch: number }> => {
      const model = await owner.publishModel(onnx, { mode: 'he', name: 'bench-he-batch', version: heBatch === undefined ? 'largest' : `b${heBatch}`, ...(heBatch === undefined ? {} : { heBatch }) });
      const client = new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys['demo-client']!, trust, fetch: counting, pollIntervalMs: 20 });
      try {
        await client.infer(model.id, { shape: [1, 64], data: xs.subarray(0, 64) }, { mode: 'he', timeoutMs: 120_000 }); // keys registered, untimed
        const samples: number[] = [];
        let err = 0;
        for (let r = 0; r < reps; r++) {
          requests = 0;
          const t0 = performance.now();
          const out = await client.infer(model.id, { shape: [QUERIES, 64], data: xs }, { mode: 'he', timeoutMs: 300_000 });
          samples.push(performance.now() - t0);
          want.forEach((y, i) => y.forEach((v, k) => (err = Math.max(err, Math.abs(out.data[i * 10 + k]! - v)))));
        }
        return { ms: median(samples), requests, err, batch: model.heBatch ?? 1 };
      } finally {
        await client.close();
      }
    };
    const one = await measure(1);
    const packed = await measure(undefined);
    const base = { suite: 'he', case: `service 64-32-10 ${QUERIES} queries` };
    opts.emit({ ...base, impl: 'service batch 1', median_ms: one.ms, ops_per_s: (QUERIES * 1000) / one.ms, baseline: null, ratio: null, per_query_ms: one.ms / QUERIES, requests: one.requests, max_abs_error: one.err, samples: reps });
    opts.emit({
      ...base,
      impl: `service batch ${packed.batch}`,
      median_ms: packed.ms,
      ops_per_s: (QUERIES * 1000) / packed.ms,
      baseline: 'service batch 1',
      ratio: one.ms / packed.ms,
      per_query_ms: packed.ms / QUERIES,
      per_query_saving: one.ms / packed.ms,
      batch: packed.batch,
      requests: packed.requests,
      max_abs_error: packed.err,
      samples: reps,
    });
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
