/**
 * @module bench/throughput
 * Throughput of the services under concurrent clients (issue 18): a full local cluster from
 * dist/ (nats-server on a free loopback port, coordinator, three parties, two HE workers, the
 * gateway; services/cluster/full-cluster) and SDK clients ({@link MpcClient}) over HTTP.
 *
 * Published once: the batch-1 MLP 784-128-128-10 of the inference suite (seeded He-initialised
 * weights, MPC; shared, sealed and signed here as the SDK's `publishModel` does, from the model
 * IR since there is no ONNX file of it) and digits_square_mlp 64-32-10 as an HE model with one
 * query per ciphertext (the model of bench/he-service). For each model and 1, 4 and 16 clients
 * (batch-64 MPC: 1 and 4), every client is its own `MpcClient` that first runs one untimed
 * inference (HE: generates and registers its keys), then submits inferences back to back until
 * the case's window ends; jobs started in the window are waited for. One line per (model,
 * clients): jobs/s over the wall time from the first submission to the last result, median and
 * p90 latency per job, and `ratio` = jobs/s / jobs/s of 1 client of the same model in this run.
 *
 * Each line also says where the CPU went during the case: the share of one core each service
 * process used (`cpu_cores`, from /proc: 1.0 = one core busy all the time), the bench process
 * (the clients) included, and the sum over all. On the two-core project machine a sum near 2 means
 * the case is CPU-bound; a single process near 1.0 a single-threaded bottleneck. `cpu_ms_per_job`
 * is the same divided by jobs/s: CPU time per job, which other work on a shared machine disturbs
 * far less than wall time. Every output is
 * checked against the plaintext evaluation of the same input (argmax, largest error), after the
 * window so the check does not take CPU from the timed jobs.
 *
 * The gateway of this cluster allows far more requests per identity than its production default
 * (300 per minute, ~1.5 inferences/s per identity at 3 requests per inference): otherwise the
 * rate limit, not the services, would be measured. It also takes bodies up to 8 MiB instead of
 * 1 MiB, which refuses a batch-64 request of the 784-input MLP. Both values are in every line.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startFullCluster, type FullCluster } from '../services/cluster/full-cluster.js';
import { MpcClient, MPC_DOCUMENTED_ERROR_BOUND } from '../services/sdk/mpc-client.js';
import { sealSignedModel } from '../services/sdk/model-version-signer.js';
import { parseTrustBundle, TRUST_BUNDLE_FILE, type TrustBundle } from '../services/wire/trust-bundle.js';
import type { ModelRecord } from '../services/wire/api.js';
import { importOnnx } from '../protocols/onnx/import-onnx.js';
import { inferPlain } from '../protocols/he/plain-inference.js';
import type { ModelIR } from '../protocols/model/model-ir.js';
import { evaluatePlain } from '../protocols/model/plaintext-eval.js';
import { checkModelRange } from '../protocols/model/fixed-range.js';
import { shareModel } from '../protocols/nn/shared-model.js';
import { Prg } from '../crypto-core/prg.js';
import { median, type BenchCase, type BenchOptions, type BenchSuite } from './bench-case.js';
import { buildMlp } from './inference.js';

/** Fixed-point fractional bits (the SDK's and parties' default). */
const FRACTION_BITS = 16;
/** Requests per identity per minute the bench gateway allows (production default: 300). */
const BENCH_RATE_LIMIT = 1_000_000;
/**
 * Body limit of the bench gateway's routes (production default: 1 MiB). A batch-64 request of
 * the 784-input MLP is ~3.3 MB of sealed share pairs, which the default refuses (413).
 */
const BENCH_BODY_LIMIT = 8 << 20;
/** Concurrent clients of the batch-1 cases, and of the batch-64 case. */
const CLIENTS = [1, 4, 16];
const CLIENTS_BATCH64 = [1, 4];

/** Rows of a test split (raw float32, row-major). */
function loadRows(file: string, rowSize: number): { rows: number; rowSize: number; x: Float32Array } {
  const buf = readFileSync(join('test', 'fixtures', 'data', file));
  const x = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return { rows: x.length / rowSize, rowSize, x };
}

/** Rows `[k * batch, (k + 1) * batch)` of `split`, wrapping around. */
function batchAt(split: { rows: number; rowSize: number; x: Float32Array }, k: number, batch: number): Float64Array {
  const out = new Float64Array(batch * split.rowSize);
  for (let r = 0; r < batch; r++) {
    const row = (k * batch + r) % split.rows;
    out.set(split.x.subarray(row * split.rowSize, (row + 1) * split.rowSize), r * split.rowSize);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// CPU per process, from /proc (Linux)

/** USER_HZ: the unit of utime and stime in /proc/<pid>/stat (100 on every Linux the project runs on). */
const CLOCK_TICKS_PER_S = 100;

/** utime + stime of `pid` in ms, or undefined when it cannot be read. */
function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which is in parentheses and may hold spaces).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return undefined;
  }
}

/** The processes to watch: the cluster's services by name, nats-server, and this process (`clients`). */
function watchedProcesses(cluster: FullCluster): Map<string, number> {
  const out = new Map<string, number>([['clients', process.pid]]);
  for (const [name, ch] of cluster.processes) if (ch.pid !== undefined) out.set(name, ch.pid);
  try {
    for (const task of readdirSync(`/proc/${process.pid}/task`)) {
      for (const c of readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) {
        const pid = Number(c);
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'nats-server') out.set('nats-server', pid);
      }
    }
  } catch {
    // No /proc children file (not Linux, or an older kernel): the server goes unlisted.
  }
  return out;
}

/** Starts counting CPU; the returned function gives each process's busy cores since then. */
function cpuMeter(procs: ReadonlyMap<string, number>): () => Record<string, number> {
  const t0 = performance.now();
  const start = new Map([...procs].map(([name, pid]) => [name, cpuMsOf(pid)]));
  return () => {
    const wall = performance.now() - t0;
    const out: Record<string, number> = {};
    let total = 0;
    for (const [name, pid] of procs) {
      const a = start.get(name);
      const b = cpuMsOf(pid);
      if (a === undefined || b === undefined) continue;
      out[name] = round3((b - a) / wall);
      total += (b - a) / wall;
    }
    out.total = round3(total);
    return out;
  };
}

// ---------------------------------------------------------------------------------------------
// Concurrent clients

/** One timed inference: its latency and what is needed to check it afterwards. */
interface Sample {
  ms: number;
  k: number;
  output: Float64Array;
}

/** One model under load: how a client runs inference `k`, and how to check its output. */
interface Workload {
  caseName: string;
  mode: 'mpc' | 'he';
  batch: number;
  infer(client: MpcClient, k: number): Promise<Float64Array>;
  /** Largest |output - plaintext| and whether every row's argmax agrees. */
  check(k: number, output: Float64Array): { err: number; argmax: boolean };
}

/** Result of one (model, clients) run. */
interface RunResult {
  jobsPerS: number;
  latencies: number[];
  wallMs: number;
  cpu: Record<string, number>;
  maxAbsErr: number;
  argmaxAgree: boolean;
  failures: number;
  firstError?: string;
}

/**
 * `clients` SDK clients, each warmed up with one untimed inference, then submitting back to back
 * until `windowMs` has passed since the first timed submission.
 */
async function runClients(cluster: FullCluster, trust: TrustBundle, w: Workload, clients: number, windowMs: number, procs: ReadonlyMap<string, number>): Promise<RunResult> {
  const sdk = Array.from({ length: clients }, () => new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys['demo-client']!, trust, pollIntervalMs: 20 }));
  try {
    // Warm-up inputs from k values no timed inference draws (the timed ones count up from 0 across clients).
    await Promise.all(sdk.map((c, i) => w.infer(c, 1_000_000 + i)));
    const samples: Sample[] = [];
    let failures = 0;
    let firstError: string | undefined;
    let next = 0;
    const meter = cpuMeter(procs);
    const t0 = performance.now();
    const end = t0 + windowMs;
    await Promise.all(
      sdk.map(async (c) => {
        while (performance.now() < end) {
          const k = next++;
          const s0 = performance.now();
          try {
            const output = await w.infer(c, k);
            samples.push({ ms: performance.now() - s0, k, output });
          } catch (e) {
            failures++;
            firstError ??= e instanceof Error ? `${e.name}: ${e.message}` : String(e);
          }
        }
      }),
    );
    const wallMs = performance.now() - t0;
    const cpu = meter();
    let maxAbsErr = 0;
    let argmaxAgree = true;
    for (const s of samples) {
      const r = w.check(s.k, s.output);
      maxAbsErr = Math.max(maxAbsErr, r.err);
      argmaxAgree &&= r.argmax;
    }
    return { jobsPerS: samples.length / (wallMs / 1000), latencies: samples.map((s) => s.ms), wallMs, cpu, maxAbsErr, argmaxAgree, failures, ...(firstError === undefined ? {} : { firstError }) };
  } finally {
    await Promise.all(sdk.map((c) => c.close()));
  }
}

function argmaxRowsAgree(a: Float64Array, b: Float64Array, classes: number): boolean {
  for (let o = 0; o < a.length; o += classes) {
    let ia = 0;
    let ib = 0;
    for (let j = 1; j < classes; j++) {
      if (a[o + j]! > a[o + ia]!) ia = j;
      if (b[o + j]! > b[o + ib]!) ib = j;
    }
    if (ia !== ib) return false;
  }
  return true;
}

function compare(out: Float64Array, want: Float64Array, classes: number): { err: number; argmax: boolean } {
  let err = out.length === want.length ? 0 : Infinity;
  for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(out[i]! - want[i]!));
  return { err, argmax: argmaxRowsAgree(out, want, classes) };
}

// ---------------------------------------------------------------------------------------------
// Models

/**
 * Publishes `ir` as an MPC model the way `MpcClient.publishModel` publishes an ONNX file: range
 * check at the stated input bound, three views sealed to the parties under the owner's model key,
 * the signed version statement, the documented precision.
 */
async function publishMpcIr(owner: MpcClient, modelKey: Uint8Array, ir: ModelIR, name: string, inputBound: number): Promise<ModelRecord> {
  checkModelRange(ir, FRACTION_BITS, inputBound);
  const views = shareModel(ir, Prg.random(), FRACTION_BITS);
  const { sealedShares, statement } = sealSignedModel(await owner.partyKeys(), views, modelKey, { name, version: '1' });
  const body = { name, version: '1', mode: 'mpc', sealedShares, statement, precision: { fractionBits: FRACTION_BITS, inputBound, errorBound: MPC_DOCUMENTED_ERROR_BOUND, errorBoundSource: 'documented' } };
  const res = await owner.http.json<{ model: ModelRecord }>({ method: 'POST', path: '/v1/models', body, headers: { 'idempotency-key': randomBytes(16).toString('hex') } });
  return res.model;
}

async function workloads(owner: MpcClient, modelKey: Uint8Array): Promise<Workload[]> {
  const mlp = buildMlp([784, 128, 128, 10]);
  const digits28 = loadRows('digits28_test.f32', 784);
  const mlpModel = await publishMpcIr(owner, modelKey, mlp, 'bench-throughput-mlp', 1);
  const mpc = (batch: number): Workload => ({
    caseName: `mlp 784-128-128-10 relu batch${batch}`,
    mode: 'mpc',
    batch,
    infer: async (c, k) => (await c.infer(mlpModel.id, { shape: [batch, 784], data: batchAt(digits28, k, batch) }, { timeoutMs: 300_000 })).data,
    check: (k, out) => compare(out, evaluatePlain(mlp, batchAt(digits28, k, batch), batch).output, 10),
  });

  const onnx = new Uint8Array(readFileSync(join('test', 'fixtures', 'models', 'digits_square_mlp.onnx')));
  const heIr = importOnnx(onnx);
  const digits = loadRows('digits_test.f32', 64);
  const heModel = await owner.publishModel(onnx, { mode: 'he', name: 'bench-throughput-he', version: '1', heBatch: 1 });
  const he: Workload = {
    caseName: 'he digits_square_mlp 64-32-10 batch1',
    mode: 'he',
    batch: 1,
    infer: async (c, k) => (await c.infer(heModel.id, { shape: [1, 64], data: batchAt(digits, k, 1) }, { mode: 'he', timeoutMs: 300_000 })).data,
    check: (k, out) => compare(out, inferPlain(heIr, batchAt(digits, k, 1)), 10),
  };
  return [mpc(1), he, mpc(64)];
}

// ---------------------------------------------------------------------------------------------
// The suite

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
}

async function runSuite(opts: BenchOptions): Promise<void> {
  const windowMs = opts.quick ? 3000 : 15_000;
  const dir = mkdtempSync(join(tmpdir(), 'mpc-bench-throughput-'));
  const emit = (c: BenchCase): void => opts.emit({ ...c, load1: round3(loadavg()[0]!) });
  let cluster: FullCluster | undefined;
  try {
    cluster = await startFullCluster({ dir, heWorkers: 2, gatewayHttp: { rateLimitMax: BENCH_RATE_LIMIT, bodyLimit: BENCH_BODY_LIMIT } });
    const trust = parseTrustBundle(JSON.parse(readFileSync(join(dir, TRUST_BUNDLE_FILE), 'utf8')));
    const modelKey = new Uint8Array(randomBytes(32));
    const owner = new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys['demo-model-owner']!, trust, modelKey });
    const procs = watchedProcesses(cluster);
    for (const w of await workloads(owner, modelKey)) {
      let single: RunResult | undefined;
      for (const n of w.batch === 1 ? CLIENTS : CLIENTS_BATCH64) {
        const impl = `${w.mode}-sdk-${n}-clients`;
        const base = { suite: 'throughput', case: w.caseName, impl, baseline: `${w.mode}-sdk-1-clients`, clients: n, batch: w.batch, window_ms: windowMs, rate_limit_per_min: BENCH_RATE_LIMIT, body_limit_bytes: BENCH_BODY_LIMIT };
        try {
          const r = await runClients(cluster, trust, w, n, windowMs, procs);
          if (n === 1) single = r;
          if (r.latencies.length === 0) throw new Error(`no inference finished in the window (${r.failures} failed: ${r.firstError ?? 'no error'})`);
          const med = median(r.latencies);
          emit({
            ...base,
            median_ms: round3(med),
            ops_per_s: round3(r.jobsPerS * w.batch),
            ratio: single && single.jobsPerS > 0 ? round3(r.jobsPerS / single.jobsPerS) : null,
            jobs_per_s: round3(r.jobsPerS),
            rows_per_s: round3(r.jobsPerS * w.batch),
            p90_ms: round3(percentile(r.latencies, 0.9)),
            jobs: r.latencies.length,
            failures: r.failures,
            ...(r.firstError === undefined ? {} : { first_error: r.firstError }),
            wall_ms: round3(r.wallMs),
            cpu_cores: r.cpu,
            cpu_ms_per_job: Object.fromEntries(Object.entries(r.cpu).map(([k, v]) => [k, round3((v * 1000) / r.jobsPerS)])),
            argmax_agree: r.argmaxAgree,
            max_abs_err: r.maxAbsErr,
          });
        } catch (e) {
          emit({ ...base, median_ms: NaN, ops_per_s: 0, ratio: null, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
        }
      }
    }
    await owner.close();
  } finally {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The `throughput` suite (`mpc bench throughput [--json] [--quick]`); see the module comment. */
export const suite: BenchSuite = {
  name: 'throughput',
  description: 'jobs/s at 1, 4 and 16 concurrent SDK clients through the gateway (MPC MLP batch 1 and 64, HE 64-32-10), ratio to 1 client',
  run: runSuite,
};
