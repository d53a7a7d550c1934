/**
 * @module bench/he
 * CKKS encrypted inference (node-seal, N = 8192, 128-bit security) of a 784-128-10 MLP with
 * x^2 activation and seeded random weights of Glorot scale: server latency per query (median),
 * client encrypt/decrypt, upload/download/key bytes, accuracy against float64, throughput of the
 * worker pool with one worker vs all cores, and the cost of dual execution.
 *
 * Batched queries (issue 17): 40 queries through a plan made with the largest batch that fits
 * (`largestHeBatch`: queries interleaved in one ciphertext), against 40 single queries, for the
 * 784-128-10 model (batch 4: 10 ciphertexts) and a 64-32-10 square MLP on 8x8 inputs (batch 64:
 * one ciphertext). Each line gives the server time of all 40, per query, and the ratio to 40
 * batch-1 queries (`per_query_saving`), with the largest error of any query against float64.
 * Then the same 40 queries through the services (bench/he-service: a full local cluster and the
 * SDK), batch 1 against the batch the coordinator chose at publish.
 * `--quick` runs few repetitions (about a minute with the cluster start).
 */
import { availableParallelism } from 'node:os';
import type { BenchSuite } from './bench-case.js';
import { median, timeMedian } from './bench-case.js';
import { CkksContext } from '../crypto-core/he/ckks-context.js';
import { CkksEvalKeys, evalKeyBundleBytes } from '../crypto-core/he/ckks-keys.js';
import { loadSeal } from '../crypto-core/he/seal-loader.js';
import { Prg } from '../crypto-core/prg.js';
import { HeClient } from '../protocols/he/he-client.js';
import { HeModelEvaluator } from '../protocols/he/he-evaluator.js';
import { largestHeBatch, planHeModel } from '../protocols/he/he-plan.js';
import type { SealModule } from '../crypto-core/he/seal-loader.js';
import { serviceBatchCases } from './he-service.js';
import type { BenchOptions } from './bench-case.js';
import { inferPlain } from '../protocols/he/plain-inference.js';
import type { DenseLayer, ModelIR } from '../protocols/model/model-ir.js';
import { HeWorkerPool } from '../services/he-worker/worker-pool.js';

function uniform(prg: Prg, n: number, scale: number): Float64Array {
  return Float64Array.from(prg.u64(n), (w) => (Number(w >> 11n) / 2 ** 52 - 1) * scale);
}

function dense(prg: Prg, name: string, out: number, inp: number): DenseLayer {
  return {
    kind: 'dense',
    name,
    weight: { shape: [out, inp], data: uniform(prg.fork(`${name}.w`), out * inp, Math.sqrt(6 / (inp + out))) },
    bias: { shape: [out], data: uniform(prg.fork(`${name}.b`), out, 0.1) },
  };
}

/** The benchmark model, from a fixed seed. */
export function benchModel(): ModelIR {
  const prg = Prg.fromSeed(new Uint8Array(32).fill(42));
  return {
    inputShape: [784],
    outputShape: [10],
    layers: [dense(prg, 'fc1', 128, 784), { kind: 'square', name: 'act' }, dense(prg, 'fc2', 10, 128)],
  };
}

/** A 64-32-10 square MLP (the size of the 8x8 digits models), from a fixed seed. */
export function smallBenchModel(): ModelIR {
  const prg = Prg.fromSeed(new Uint8Array(32).fill(43));
  return { inputShape: [64], outputShape: [10], layers: [dense(prg, 'fc1', 32, 64), { kind: 'square', name: 'act' }, dense(prg, 'fc2', 10, 32)] };
}

/** 40 queries: one at a time with the batch-1 plan, and packed with the largest batch. */
async function batchCases(seal: SealModule, ir: ModelIR, shape: string, opts: BenchOptions): Promise<void> {
  const queries = 40;
  const reps = opts.quick ? 2 : 7;
  const size = ir.inputShape.reduce((a, b) => a * b, 1);
  const prg = Prg.fromSeed(new Uint8Array(32).fill(5));
  const xs = Array.from({ length: queries }, (_, i) => uniform(prg.fork(`q${i}`), size, 0.5).map((v) => v + 0.5));
  const want = xs.map((x) => inferPlain(ir, x));
  const one = planHeModel(ir);
  const q = largestHeBatch(ir);
  const batched = planHeModel(ir, { params: one.params, batch: q });
  const run = async (plan: typeof one): Promise<{ ms: number; err: number; upload: number; download: number; cts: number }> => {
    const client = HeClient.create(seal, plan);
    const server = CkksContext.create(seal, plan.params);
    const keys = CkksEvalKeys.load(server, client.evalKeys);
    const evaluator = HeModelEvaluator.prepare(server, plan);
    try {
      const cts = client.encryptBatch(xs);
      let results: Uint8Array[] = [];
      const ms = await timeMedian(() => {
        results = cts.map((ct) => evaluator.evaluate(ct, keys));
      }, reps, 1);
      const got = client.decryptBatch(results, queries);
      const err = got.reduce((m, y, i) => y.reduce((mm, v, k) => Math.max(mm, Math.abs(v - want[i]![k]!)), m), 0);
      return { ms, err, upload: cts.reduce((a, c) => a + c.length, 0), download: results.reduce((a, c) => a + c.length, 0), cts: cts.length };
    } finally {
      evaluator.dispose();
      keys.dispose();
      server.dispose();
      client.dispose();
    }
  };
  const single = await run(one);
  const packed = await run(batched);
  const base = { suite: 'he', case: `${shape} ${queries} queries` };
  opts.emit({ ...base, impl: 'ckks server batch 1', median_ms: single.ms, ops_per_s: (queries * 1000) / single.ms, baseline: null, ratio: null, per_query_ms: single.ms / queries, ciphertexts: single.cts, upload_bytes: single.upload, download_bytes: single.download, max_abs_error: single.err });
  opts.emit({
    ...base,
    impl: `ckks server batch ${q}`,
    median_ms: packed.ms,
    ops_per_s: (queries * 1000) / packed.ms,
    baseline: 'ckks server batch 1',
    ratio: single.ms / packed.ms,
    per_query_ms: packed.ms / queries,
    per_query_saving: single.ms / packed.ms,
    batch: q,
    ciphertexts: packed.cts,
    upload_bytes: packed.upload,
    download_bytes: packed.download,
    galois_keys: batched.galoisSteps.length,
    max_abs_error: packed.err,
  });
}

export const suite: BenchSuite = {
  name: 'he',
  description: 'CKKS inference, 784-128-10 square MLP, N=8192 [49,40,40,40,49] 2^40 (128-bit)',
  async run(opts) {
    const reps = opts.quick ? 3 : 15;
    const ir = benchModel();
    const plan = planHeModel(ir);
    const seal = await loadSeal();
    const t0 = performance.now();
    const client = HeClient.create(seal, plan);
    const keygenMs = performance.now() - t0;
    const server = CkksContext.create(seal, plan.params);
    const keys = CkksEvalKeys.load(server, client.evalKeys);
    const evaluator = HeModelEvaluator.prepare(server, plan);
    const prg = Prg.fromSeed(new Uint8Array(32).fill(1));
    const inputs = Array.from({ length: 4 }, (_, i) => uniform(prg.fork(`x${i}`), 784, 0.5).map((v) => v + 0.5));
    const cts = inputs.map((x) => client.encrypt(x));
    const suite = 'he';
    const shape = '784-128-10 square';
    try {
      const plainMs = await timeMedian(() => inferPlain(ir, inputs[0]!), opts.quick ? 20 : 200, 5);
      opts.emit({ suite, case: `${shape} query`, impl: 'float64', median_ms: plainMs, ops_per_s: 1000 / plainMs, baseline: null, ratio: null });

      let maxErr = 0;
      const latencies: number[] = [];
      let result: Uint8Array = new Uint8Array(0);
      for (let r = 0; r < reps + 1; r++) {
        const i = r % cts.length;
        const t = performance.now();
        result = evaluator.evaluate(cts[i]!, keys);
        if (r > 0) latencies.push(performance.now() - t);
        const got = client.decrypt(result);
        const want = inferPlain(ir, inputs[i]!);
        for (let k = 0; k < want.length; k++) maxErr = Math.max(maxErr, Math.abs(got[k]! - want[k]!));
      }
      const serverMs = median(latencies);
      opts.emit({
        suite,
        case: `${shape} query`,
        impl: 'ckks server',
        median_ms: serverMs,
        ops_per_s: 1000 / serverMs,
        baseline: 'float64',
        ratio: plainMs / serverMs,
        rotations: plan.cost.rotations,
        plain_multiplies: plan.cost.plainMultiplies,
        galois_keys: plan.galoisSteps.length,
        upload_bytes: cts[0]!.length,
        download_bytes: result.length,
        eval_key_bytes: evalKeyBundleBytes(client.evalKeys),
        max_abs_error: maxErr,
      });

      await batchCases(seal, ir, shape, opts);
      await batchCases(seal, smallBenchModel(), '64-32-10 square', opts);

      const encMs = await timeMedian(() => client.encrypt(inputs[0]!), reps);
      opts.emit({ suite, case: 'client encrypt', impl: 'ckks', median_ms: encMs, ops_per_s: 1000 / encMs, baseline: null, ratio: null, upload_bytes: cts[0]!.length });
      const decMs = await timeMedian(() => client.decrypt(result), reps);
      opts.emit({ suite, case: 'client decrypt', impl: 'ckks', median_ms: decMs, ops_per_s: 1000 / decMs, baseline: null, ratio: null, download_bytes: result.length });
      opts.emit({ suite, case: 'client keygen', impl: 'ckks', median_ms: keygenMs, ops_per_s: 1000 / keygenMs, baseline: null, ratio: null, eval_key_bytes: evalKeyBundleBytes(client.evalKeys), samples: 1 });

      // Throughput of the pool: bursts of queries, 1 worker vs one per core. Rounds alternate
      // between the pools so that load from other processes hits both alike; medians of rounds.
      const burst = opts.quick ? 6 : 16;
      const rounds = opts.quick ? 2 : 5;
      const cores = availableParallelism();
      const sizes = cores > 1 ? [1, cores] : [1];
      const pools: { workers: number; pool: HeWorkerPool; session: string; perQuery: number[] }[] = [];
      try {
        for (const workers of sizes) {
          const pool = await HeWorkerPool.start({ workers });
          pools.push({ workers, pool, session: '', perQuery: [] });
          pool.registerModel('m', plan);
          const session = await pool.registerSession(client.evalKeys);
          pools[pools.length - 1]!.session = session;
          // Warm every worker: model encoding and key loading happen on first use.
          await Promise.all(Array.from({ length: workers }, (_, i) => pool.evaluate({ sessionId: session, modelId: 'm', ciphertext: cts[i % cts.length]! })));
        }
        for (let r = 0; r < rounds; r++) {
          for (const p of pools) {
            const t = performance.now();
            await Promise.all(Array.from({ length: burst }, (_, i) => p.pool.evaluate({ sessionId: p.session, modelId: 'm', ciphertext: cts[i % cts.length]! })));
            p.perQuery.push((performance.now() - t) / burst);
          }
        }
        const single = median(pools[0]!.perQuery);
        for (const p of pools) {
          const ms = median(p.perQuery);
          const one = p.workers === 1;
          opts.emit({ suite, case: `${shape} pool throughput`, impl: `${p.workers} worker${one ? '' : 's'}`, median_ms: ms, ops_per_s: 1000 / ms, baseline: one ? null : '1 worker', ratio: one ? null : single / ms, queries_per_round: burst, rounds });
        }
        const last = pools[pools.length - 1]!;
        if (last.workers > 1) {
          const dualMs: number[] = [];
          for (let r = 0; r < (opts.quick ? 2 : 6); r++) {
            const td = performance.now();
            const d = await last.pool.evaluateDual({ sessionId: last.session, modelId: 'm', ciphertext: cts[r % cts.length]! });
            dualMs.push(performance.now() - td);
            if (!d.verified) throw new Error('bench he: dual execution disagreed');
          }
          const dm = median(dualMs);
          // Two workers each run the full evaluation: the latency stays near one query's, the compute doubles.
          opts.emit({ suite, case: `${shape} dual execution`, impl: `${last.workers} workers`, median_ms: dm, ops_per_s: 1000 / dm, baseline: 'ckks server', ratio: serverMs / dm, compute_factor: 2 });
        }
      } finally {
        for (const p of pools) await p.pool.close();
      }
    } finally {
      evaluator.dispose();
      keys.dispose();
      server.dispose();
      client.dispose();
    }
    // The same 40 queries through the services, one request per ciphertext (bench/he-service).
    await serviceBatchCases(opts);
  },
};
