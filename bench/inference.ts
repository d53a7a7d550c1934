/**
 * @module bench/inference
 * Secure inference end to end over a real nats-server, parties as separate processes.
 *
 * Cases: a 784-128-128-10 ReLU MLP (built here with seeded He-initialised weights) at batch 1
 * and batch 64 on the 28x28 digits split, the digits CNN fixture at batch 1 on the 8x8 digits
 * split, and two torch-exported zoo models (test/fixtures/zoo, issue 17) at batch 1 and 64:
 * LeNet-5 on the 28x28 digits and the ResNet block stack (residual adds, BatchNorm after an add)
 * on the 8x8 digits. Four implementations per case:
 *
 * - `mpc-nats`: the service path. A local cluster (nats-server, coordinator, three party
 *   processes) is started; the model is published once through `models.publish` (the owner
 *   shares the weights and seals each party's view; the parties store it encrypted at rest);
 *   then each timed inference is what a client does: fixed-point encode, share, seal each pair
 *   to its party, `jobs.submit` an `mpc-inference` job, wait for its `verified` event, fetch the
 *   result, open the three sealed output pairs, `openChecked`, decode. The breakdown of that time
 *   (client work, submit, wait, result, open) and the parties' own protocol time (read from
 *   their signed reports by an observer user) are reported with it.
 * - `mpc-nats-protocol`: the protocol alone. Three child processes (this module, started with
 *   {@link PROTOCOL_PARTY_FLAG}) each hold one party's view of the model, open a sealed
 *   {@link NatsChannel} per inference on the same nats-server and run `evaluateSecureModel`; the
 *   sample is the slowest party's evaluation time. No coordinator, no job messages, no sealing of
 *   inputs and outputs: the difference to `mpc-nats` is the service's overhead.
 * - `mpc-nats-protocol-stored`: the same, but each party first reads its view from an encrypted
 *   `FileShareStore` and decodes it at every inference, as the service's inference runner does;
 *   the sample is the slowest party's load plus evaluation. The difference to `mpc-nats-protocol`
 *   is what loading the model per job costs, including peers waiting for the slowest loader.
 * - `mpc-memory`: the three parties in this process over the in-memory channel: the arithmetic
 *   alone (the three parties' local work added up on one thread).
 *
 * A calibration line (`nats-3proc`) passes a 1 KiB token around the three protocol party
 * processes over sealed NATS frames: the per-hop latency, the floor of one protocol round.
 *
 * Every line also checks correctness, not just speed: the opened outputs are compared with the
 * plaintext float64 evaluation (`evaluatePlain`) of the same model on the same inputs, and the
 * line says whether every row's argmax agrees (`argmax_agree`), the largest absolute error, and
 * whether all outputs are within |secure - plain| <= 0.02 + 0.01 |plain| (16 fractional bits,
 * truncation by one unit per product, exact ReLU). Baseline: `evaluatePlain` in this process;
 * ratio = plaintext / secure. Every line also carries `onnxruntime_ms`, the median time of
 * onnxruntime-node (CPU) on the same batch of the ONNX file for the zoo models (the plaintext
 * time a model owner knows), and an `onnxruntime` line per zoo case states it with the largest
 * difference between ORT's output and `evaluatePlain`'s.
 *
 * A case that cannot run (a request beyond the broker's max_payload, a job that fails) is
 * reported as a line with `error` and `median_ms: null` instead of being left out.
 */
import { tracePoint } from '../services/transport/trace-point.js';
import type { SecurityMode } from '../protocols/rss/context.js';
import { verifyJob } from '../protocols/rss/malicious/verify-products.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash, randomBytes } from 'node:crypto';
import { connect, type NatsConnection, type Subscription } from 'nats';
import { connectionOptions, type NatsEndpoint } from '../services/transport/nats-connection.js';
import { bindPrincipalSigner } from '../services/transport/connection-signer.js';
import { boxDigest, securityClaim, signOutputStatement, verifyOutputStatement, type OutputStatement } from '../services/wire/output-statement.js';
import { signRequestEnvelope, verifyRequestEnvelope, type PrincipalSigner } from '../services/wire/principal-envelope.js';
import { generateIdentity } from '../crypto-core/keys/identity.js';
import { signingPublicKey } from '../crypto-core/keys/signing.js';
import type { BenchCase, BenchOptions, BenchSuite } from './bench-case.js';
import { median, timeMedian } from './bench-case.js';
import { Prg } from '../crypto-core/prg.js';
import { decodeFixed, encodeFixed } from '../crypto-core/ring/index.js';
import { fromBase64, fromHex, toBase64, toHex } from '../crypto-core/encoding.js';
import { open as openBox, seal } from '../crypto-core/sealed-box.js';
import { generateAgreementKeyPair, type AgreementKeyPair } from '../crypto-core/keys/agreement.js';
import type { PartyIndex } from '../protocols/channel/channel.js';
import type { DenseLayer, Layer, ModelIR } from '../protocols/model/model-ir.js';
import { evaluatePlain } from '../protocols/model/plaintext-eval.js';
import { importOnnx } from '../protocols/onnx/import-onnx.js';
import { shareModel, type SharedModel } from '../protocols/nn/shared-model.js';
import { evaluateSecureModel, type LayerCost } from '../protocols/nn/evaluate-secure-model.js';
import { makeShare, openChecked, shareSecret, type ReplicatedShare } from '../protocols/rss/replicated-share.js';
import { createProtocolContext } from '../protocols/rss/context.js';
import { createCorrelatedRandomness } from '../protocols/rss/correlated-randomness.js';
import { createLocalParties } from '../protocols/testing/local-parties.js';
import { startLocalCluster, type LocalCluster } from '../services/cluster/local-cluster.js';
import { callCoordinator } from '../services/cluster/coordinator-caller.js';
import { type CoordinatorMethods, type JobResults, type JobStatus, type Principal } from '../services/wire/api.js';
import type { PartyReport, Signed } from '../services/wire/job-messages.js';
import { FileShareStore } from '../services/party/share-store.js';
import { decodeSharedModel, encodeSharedModel } from '../services/wire/shared-model-codec.js';
import { sealSignedModel } from '../services/sdk/model-version-signer.js';
import { generateSigningKeyPair } from '../crypto-core/keys/signing.js';
import { decodeSharePair, encodeSharePair, inferenceInputAad, inferenceOutputAad } from '../services/wire/sealed-share-pair.js';
import { MessageAssembler } from '../services/wire/chunked-message.js';
import { NatsChannel } from '../services/transport/nats-channel.js';

/** Fixed-point fractional bits of weights, inputs and outputs (the parties' default). */
const FRACTION_BITS = 16;
/** The stated tolerance of one output: |secure - plain| <= ABS_TOL + REL_TOL * |plain|. */
const ABS_TOL = 0.02;
const REL_TOL = 0.01;
/** Seed of the MLP's weights, so every run benchmarks the same model. */
const MLP_SEED = 'mpc-bench-inference-mlp-784-128-128-10';
/** Argument that makes this module a protocol party (child process of `mpc-nats-protocol`). */
export const PROTOCOL_PARTY_FLAG = '--inference-protocol-party';

const dec = new TextDecoder();

// ---------------------------------------------------------------------------------------------
// Models and inputs

/** `n` standard normal samples from `prg` (Box-Muller on 53-bit uniforms). */
function gaussians(prg: Prg, n: number): Float64Array {
  const u = prg.u64(n + (n % 2));
  const out = new Float64Array(n);
  const unit = (w: bigint): number => (Number(w >> 11n) + 0.5) / 2 ** 53;
  for (let t = 0; t < n; t += 2) {
    const r = Math.sqrt(-2 * Math.log(unit(u[t]!)));
    const phi = 2 * Math.PI * unit(u[t + 1]!);
    out[t] = r * Math.cos(phi);
    if (t + 1 < n) out[t + 1] = r * Math.sin(phi);
  }
  return out;
}

/**
 * A dense ReLU MLP with He-initialised weights (N(0, 2 / fan_in)) and small biases
 * (N(0, 0.05^2)), seeded, so the weights have the scale of a trained network of that shape.
 * @param sizes - layer widths, input first, e.g. [784, 128, 128, 10].
 * @param seed - any string; its SHA-256 seeds the weights.
 */
export function buildMlp(sizes: readonly number[], seed: string = MLP_SEED): ModelIR {
  const prg = Prg.fromSeed(new Uint8Array(createHash('sha256').update(seed, 'utf8').digest()));
  const layers: Layer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inp = sizes[l]!;
    const out = sizes[l + 1]!;
    const w = gaussians(prg, out * inp).map((v) => v * Math.sqrt(2 / inp));
    const b = gaussians(prg, out).map((v) => v * 0.05);
    const dense: DenseLayer = { kind: 'dense', name: `fc${l + 1}`, weight: { shape: [out, inp], data: w }, bias: { shape: [out], data: b } };
    layers.push(dense);
    if (l + 2 < sizes.length) layers.push({ kind: 'relu', name: `relu${l + 1}` });
  }
  return { inputShape: [sizes[0]!], outputShape: [sizes[sizes.length - 1]!], layers };
}

/** test/fixtures in the nearest ancestor directory (this file runs from bench/ or dist/bench/). */
function fixturesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'test', 'fixtures');
    if (existsSync(join(candidate, 'models', 'digits_cnn.onnx'))) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error('test/fixtures/models/digits_cnn.onnx: not found in any ancestor directory');
    dir = up;
  }
}

/** A split of test/fixtures/data: raw float32 rows with a JSON description. */
function loadSplit(name: string): { rows: number; rowSize: number; x: Float32Array } {
  const dir = join(fixturesDir(), 'data');
  const meta = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as { shape: number[]; file: string };
  const buf = readFileSync(join(dir, meta.file));
  const x = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const [rows, ...rest] = meta.shape as [number, ...number[]];
  return { rows, rowSize: rest.reduce((a, b) => a * b, 1), x };
}

/** A model under test with its input rows. */
interface BenchModel {
  key: 'mlp' | 'cnn' | 'lenet5' | 'resnet';
  ir: ModelIR;
  /** The ONNX file, for the onnxruntime baseline (zoo models). */
  onnx?: Uint8Array;
  inputs: { rows: number; rowSize: number; x: Float32Array };
}

function loadModels(): BenchModel[] {
  const cnn = importOnnx(new Uint8Array(readFileSync(join(fixturesDir(), 'models', 'digits_cnn.onnx'))));
  const zoo = (name: string): Uint8Array => new Uint8Array(readFileSync(join(fixturesDir(), 'zoo', `${name}.onnx`)));
  const lenet = zoo('zoo_lenet5');
  const resnet = zoo('zoo_resnet');
  return [
    { key: 'mlp', ir: buildMlp([784, 128, 128, 10]), inputs: loadSplit('digits28_test') },
    { key: 'cnn', ir: cnn, inputs: loadSplit('digits_test') },
    { key: 'lenet5', ir: importOnnx(lenet), onnx: lenet, inputs: loadSplit('digits28_test') },
    { key: 'resnet', ir: importOnnx(resnet), onnx: resnet, inputs: loadSplit('digits_test') },
  ];
}

/** Rows `[start, start + batch)` of the split, wrapping around. */
function batchAt(m: BenchModel, rep: number, batch: number): Float64Array {
  const { rows, rowSize, x } = m.inputs;
  const out = new Float64Array(batch * rowSize);
  for (let r = 0; r < batch; r++) {
    const row = (rep * batch + r) % rows;
    out.set(x.subarray(row * rowSize, (row + 1) * rowSize), r * rowSize);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Correctness of one inference

/** How a secure output compares with the plaintext one. */
interface Agreement {
  argmaxAgree: boolean;
  maxAbsErr: number;
  withinTolerance: boolean;
  /** Smallest gap between the top two plaintext logits of a row: how close argmax was to a tie. */
  minTop2Gap: number;
}

function argmax(v: Float64Array, from: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (v[from + j]! > v[from + best]!) best = j;
  return best;
}

function compareOutputs(secure: Float64Array, plain: Float64Array, batch: number): Agreement {
  const classes = plain.length / batch;
  let argmaxAgree = true;
  let maxAbsErr = 0;
  let withinTolerance = secure.length === plain.length;
  let minTop2Gap = Infinity;
  for (let r = 0; r < batch; r++) {
    const o = r * classes;
    const top = argmax(plain, o, classes);
    if (argmax(secure, o, classes) !== top) argmaxAgree = false;
    for (let j = 0; j < classes; j++) {
      const err = Math.abs(secure[o + j]! - plain[o + j]!);
      maxAbsErr = Math.max(maxAbsErr, err);
      if (!(err <= ABS_TOL + REL_TOL * Math.abs(plain[o + j]!))) withinTolerance = false;
      if (j !== top) minTop2Gap = Math.min(minTop2Gap, plain[o + top]! - plain[o + j]!);
    }
  }
  return { argmaxAgree, maxAbsErr, withinTolerance, minTop2Gap };
}

function mergeAgreement(all: readonly Agreement[]): Agreement {
  return {
    argmaxAgree: all.every((a) => a.argmaxAgree),
    maxAbsErr: Math.max(...all.map((a) => a.maxAbsErr)),
    withinTolerance: all.every((a) => a.withinTolerance),
    minTop2Gap: Math.min(...all.map((a) => a.minTop2Gap)),
  };
}

// ---------------------------------------------------------------------------------------------
// Cases

interface Case {
  name: string;
  model: BenchModel['key'];
  batch: number;
  reps: number;
  quickReps: number;
  quick: boolean;
}

const CASES: Case[] = [
  { name: 'mlp 784-128-128-10 relu batch1', model: 'mlp', batch: 1, reps: 30, quickReps: 5, quick: true },
  { name: 'mlp 784-128-128-10 relu batch64', model: 'mlp', batch: 64, reps: 8, quickReps: 2, quick: false },
  { name: 'digits cnn batch1', model: 'cnn', batch: 1, reps: 30, quickReps: 5, quick: true },
  { name: 'zoo lenet5 28x28 batch1', model: 'lenet5', batch: 1, reps: 15, quickReps: 3, quick: true },
  { name: 'zoo lenet5 28x28 batch64', model: 'lenet5', batch: 64, reps: 5, quickReps: 1, quick: false },
  { name: 'zoo resnet blocks 8x8 batch1', model: 'resnet', batch: 1, reps: 15, quickReps: 3, quick: true },
  { name: 'zoo resnet blocks 8x8 batch64', model: 'resnet', batch: 64, reps: 5, quickReps: 1, quick: false },
];

/**
 * onnxruntime-node on the ONNX file: median time of one run on `x` [batch, ...inputShape] and its
 * output. Loaded on demand (a devDependency: a production install without it skips the field).
 */
async function onnxRuntimeBaseline(m: BenchModel, x: Float64Array, batch: number, reps: number): Promise<{ ms: number; output: Float64Array } | undefined> {
  if (m.onnx === undefined) return undefined;
  let ort: typeof import('onnxruntime-node');
  try {
    ort = await import('onnxruntime-node');
  } catch {
    return undefined;
  }
  const session = await ort.InferenceSession.create(m.onnx, { intraOpNumThreads: 1 });
  try {
    const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from(x), [batch, ...m.ir.inputShape]) };
    let out: Float64Array = new Float64Array(0);
    const ms = await timeMedian(async () => {
      const r = await session.run(feeds);
      out = Float64Array.from(r[session.outputNames[0]!]!.data as Float32Array);
    }, reps, 2);
    return { ms, output: out };
  } finally {
    await session.release();
  }
}

/** The protocol-only impls: the view held in memory, and loaded from the encrypted store at every job. */
const PROTOCOL_IMPLS = ['mpc-nats-protocol', 'mpc-nats-protocol-stored'] as const;

/** Untimed inferences before the timed ones (JIT, first-use allocations, NATS interest). */
const WARMUP = 2;

function errorLine(c: Case, impl: string, baselineMs: number, err: unknown): BenchCase {
  return {
    suite: 'inference',
    case: c.name,
    impl,
    median_ms: NaN,
    ops_per_s: 0,
    baseline: 'plaintext-float64',
    ratio: null,
    baseline_ms: baselineMs,
    batch: c.batch,
    error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
  };
}

// ---------------------------------------------------------------------------------------------
// mpc-nats: the job path

const PRINCIPAL: Principal = { tenant: 'bench', actor: 'bench', roles: ['client', 'model-owner'] };
const TERMINAL = new Set<JobStatus['state']>(['verified', 'failed', 'failed-verification']);

/** After this long without a terminal event, `jobs.get` is asked as well (core NATS may drop an event). */
const EVENT_FALLBACK_POLL_MS = 2000;

/**
 * Follows `mpc.coord.events.>` so a job's end is seen when the coordinator publishes it (polling
 * `jobs.get` would add half a polling interval to every sample). Events of a job can arrive
 * before `jobs.submit` answers with its id, so terminal states are kept until asked for.
 */
class JobEndWatcher {
  readonly #ended = new Map<string, JobStatus>();
  readonly #waiting = new Map<string, (s: JobStatus) => void>();
  readonly #sub: Subscription;

  constructor(nc: NatsConnection) {
    this.#sub = nc.subscribe('mpc.coord.events.>', {
      callback: (_err, msg) => {
        try {
          const s = JSON.parse(dec.decode(msg.data)) as JobStatus;
          if (!TERMINAL.has(s.state)) return;
          const w = this.#waiting.get(s.id);
          if (w) {
            this.#waiting.delete(s.id);
            w(s);
          } else this.#ended.set(s.id, s);
        } catch {
          // A malformed event is not ours to judge; the timeout below still ends the wait.
        }
      },
    });
  }

  /**
   * The terminal status of `jobId`, from its event or, when none has come for a while, from
   * `poll` (`jobs.get`); rejects after `timeoutMs`.
   */
  ended(jobId: string, timeoutMs: number, poll: () => Promise<JobStatus>): Promise<JobStatus> {
    const done = this.#ended.get(jobId);
    if (done) {
      this.#ended.delete(jobId);
      return Promise.resolve(done);
    }
    return new Promise((res, rej) => {
      let settled = false;
      const finish = (s: JobStatus | Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(t);
        clearInterval(p);
        this.#waiting.delete(jobId);
        if (s instanceof Error) rej(s);
        else res(s);
      };
      const t = setTimeout(() => finish(new Error(`job ${jobId}: not finished within ${timeoutMs} ms`)), timeoutMs);
      const p = setInterval(() => {
        poll().then(
          (s) => (TERMINAL.has(s.state) ? finish(s) : undefined),
          () => undefined, // a lost poll is retried at the next tick; the timeout bounds the wait
        );
      }, EVENT_FALLBACK_POLL_MS);
      this.#waiting.set(jobId, finish);
    });
  }

  close(): void {
    this.#sub.unsubscribe();
  }
}

/** The parties' own numbers for one job, from their reports. */
interface PartyTimes {
  /** Slowest party's evaluateSecureModel time (the runner's iterationMs). */
  protocolMs: number;
  /** Slowest party's whole run (load the model, open the input, evaluate, seal the output). */
  runMs: number;
  /** Largest run minus evaluation of one party: reading, decrypting and decoding its model view, opening the input, sealing the output. */
  overheadMs: number;
}

/**
 * Keeps the raw report messages the parties publish on `mpc.coord.report.>` (stats are public:
 * rounds, bytes, times; results there are sealed) and decodes them after the timed loop, so the
 * observer costs the timed path next to nothing.
 */
class ReportObserver {
  readonly #raw: Uint8Array[] = [];
  readonly #sub: Subscription;

  constructor(nc: NatsConnection) {
    this.#sub = nc.subscribe('mpc.coord.report.>', { callback: (_err, msg) => void this.#raw.push(Uint8Array.from(msg.data)) });
  }

  /** Times per job id (jobs with all three result reports). */
  times(): Map<string, PartyTimes> {
    const assembler = new MessageAssembler();
    const byJob = new Map<string, { protocol: number[]; run: number[] }>();
    for (const piece of this.#raw) {
      const whole = assembler.push(piece);
      if (!whole) continue;
      let r: PartyReport;
      try {
        r = (JSON.parse(dec.decode(whole)) as Signed<PartyReport>).body;
      } catch {
        continue;
      }
      if (r.type !== 'result') continue;
      const e = byJob.get(r.jobId) ?? { protocol: [], run: [] };
      e.protocol.push(r.stats.iterationMs?.[0] ?? NaN);
      e.run.push(r.stats.durationMs);
      byJob.set(r.jobId, e);
    }
    const out = new Map<string, PartyTimes>();
    for (const [id, e] of byJob) {
      if (e.run.length === 3) out.set(id, { protocolMs: Math.max(...e.protocol), runMs: Math.max(...e.run), overheadMs: Math.max(...e.run.map((r, i) => r - e.protocol[i]!)) });
    }
    return out;
  }

  close(): void {
    this.#sub.unsubscribe();
  }
}

/** One client-side inference through the coordinator, with its time split into steps. */
interface JobSample {
  output: Float64Array;
  job: JobStatus;
  totalMs: number;
  shareSealMs: number;
  submitMs: number;
  waitMs: number;
  resultMs: number;
  openMs: number;
  /** The client's check of the three parties' output signatures (part of openMs). */
  checkMs: number;
  /** The job's coordinator requests (submit, result; the event wait adds none), each gateway-signed. */
  signedRequests: number;
}

class JobPathClient {
  constructor(
    readonly nc: NatsConnection,
    readonly partyKeys: readonly [Uint8Array, Uint8Array, Uint8Array],
    /** The parties' Ed25519 keys (hex): the output statements are checked as the SDK checks them. */
    readonly partySigning: readonly [string, string, string],
    readonly events: JobEndWatcher,
  ) {}

  /** Publishes `ir` as `name` through `models.publish`; returns its id. */
  async publish(ir: ModelIR, name: string): Promise<string> {
    const views = shareModel(ir, Prg.random(), FRACTION_BITS);
    const { sealedShares, statement } = sealSignedModel(this.partyKeys, views, generateSigningKeyPair().secretKey, { name, version: '1' });
    const req: CoordinatorMethods['models.publish']['req'] = { principal: PRINCIPAL, name, version: '1', mode: 'mpc', sealedShares, statement };
    const res = (await callCoordinator(this.nc, 'models.publish' as never, req, 300_000)) as unknown as CoordinatorMethods['models.publish']['res'];
    return res.model.id;
  }

  /** Runs one inference the way the SDK does (services/sdk/mpc-client), over NATS instead of HTTP. */
  async infer(modelId: string, input: Float64Array, shape: number[], security: SecurityMode = 'semi-honest'): Promise<JobSample> {
    const t0 = performance.now();
    const clientKey: AgreementKeyPair = generateAgreementKeyPair();
    const requestId = toHex(clientKey.publicKey);
    const shares = shareSecret(encodeFixed(input, FRACTION_BITS), Prg.random(), shape);
    const sealedInputs = shares.map((s, i) => toBase64(seal(this.partyKeys[i]!, encodeSharePair(s.a, s.b), inferenceInputAad(modelId, requestId, i)))) as [string, string, string];
    const t1 = performance.now();
    tracePoint('K.submit');
    const { job } = await callCoordinator(this.nc, 'jobs.submit', { principal: PRINCIPAL, kind: 'mpc-inference', payload: { modelId, shape, clientPublicKey: requestId, sealedInputs, security } }, 60_000);
    const t2 = performance.now();
    tracePoint('K.submitted', job.id);
    const done = await this.events.ended(job.id, 300_000, async () => (await callCoordinator(this.nc, 'jobs.get', { principal: PRINCIPAL, jobId: job.id }, 5000)).job);
    if (done.state !== 'verified') throw new Error(`job ${job.id} ended ${done.state}: ${done.error?.code ?? ''} ${done.error?.message ?? ''}`);
    const t3 = performance.now();
    tracePoint('K.event', job.id);
    const { result } = await callCoordinator(this.nc, 'jobs.result', { principal: PRINCIPAL, jobId: job.id }, 60_000);
    const t4 = performance.now();
    tracePoint('K.result', job.id);
    const r = result as JobResults['mpc-inference'];
    const tc = performance.now();
    for (const i of [0, 1, 2]) {
      const statement: OutputStatement = { jobId: job.id, kind: 'mpc-inference', subject: modelId, party: i, inputDigest: boxDigest(sealedInputs[i]!), outputDigest: boxDigest(r.sealedOutputs[i]!), clientPublicKey: requestId, ...securityClaim(security) };
      if (!verifyOutputStatement(statement, r.outputSignatures[i], this.partySigning[i]!)) throw new Error(`job ${job.id}: party ${i}'s output signature does not verify`);
    }
    const checkMs = performance.now() - tc;
    const n = r.shape.reduce((a, b) => a * b, 1);
    const outShares = r.sealedOutputs.map((b64, i) => {
      const [a, b] = decodeSharePair(openBox(clientKey.secretKey, fromBase64(b64, `sealedOutputs[${i}]`), inferenceOutputAad(modelId, requestId, i)), n);
      return makeShare(a, b);
    });
    const output = decodeFixed(openChecked([outShares[0]!, outShares[1]!, outShares[2]!]), FRACTION_BITS);
    const t5 = performance.now();
    tracePoint('K.done', job.id);
    return { output, job: done, totalMs: t5 - t0, shareSealMs: t1 - t0, submitMs: t2 - t1, waitMs: t3 - t2, resultMs: t4 - t3, openMs: t5 - t4, checkMs, signedRequests: 2 };
  }
}

/**
 * What the trust checks cost on the job's critical path, measured in this process on this run's
 * machine: one party's Ed25519 signature of its output statement (the three sign in parallel;
 * digests of the boxes included) and one gateway envelope signature plus the coordinator's
 * verification of it (per coordinator request).
 */
async function measureCheckCosts(signer: PrincipalSigner): Promise<{ partySignMs: number; envelopeMs: number }> {
  const identity = generateIdentity();
  const box = toBase64(randomBytes(4096));
  const statement: OutputStatement = { jobId: 'job-bench', kind: 'mpc-inference', subject: 'model-bench', party: 0, inputDigest: boxDigest(box), outputDigest: boxDigest(box), clientPublicKey: toHex(randomBytes(32)) };
  const partySignMs = await timeMedian(() => signOutputStatement({ ...statement, inputDigest: boxDigest(box), outputDigest: boxDigest(box) }, identity.signing), 200, 20);
  const publicKey = signingPublicKey(signer.secretKey);
  const req = { principal: PRINCIPAL, kind: 'mpc-inference', payload: { modelId: 'model-bench', sealedInputs: [box, box, box] } };
  const envelopeMs = await timeMedian(() => {
    const s = signRequestEnvelope(signer, 'jobs.submit', req);
    if (!verifyRequestEnvelope(publicKey, 'jobs.submit', PRINCIPAL, s.signed, s.envelope)) throw new Error('envelope does not verify');
  }, 200, 20);
  return { partySignMs, envelopeMs };
}

/**
 * The checks' share of the end-to-end median: the client's signature check (timed inline), one
 * party's signing and the envelopes of the job's requests (timed by {@link measureCheckCosts}).
 * `checks_off_ms` is the median without them, `checks_overhead` the ratio with / without.
 */
function checkFields(totalMs: number, clientCheckMs: number, costs: { partySignMs: number; envelopeMs: number }, signedRequests: number): Record<string, number> {
  const checks = clientCheckMs + costs.partySignMs + signedRequests * costs.envelopeMs;
  return {
    client_check_ms: round3(clientCheckMs),
    party_sign_ms: round3(costs.partySignMs),
    envelope_ms: round3(costs.envelopeMs),
    checks_ms: round3(checks),
    checks_off_ms: round3(totalMs - checks),
    checks_overhead: round3(totalMs / (totalMs - checks)),
  };
}

async function runJobPath(
  client: JobPathClient,
  modelId: string,
  m: BenchModel,
  c: Case,
  reps: number,
  plain: (x: Float64Array) => Float64Array,
  security: SecurityMode = 'semi-honest',
): Promise<{ samples: JobSample[]; agreement: Agreement }> {
  const shape = [c.batch, ...m.ir.inputShape];
  const samples: JobSample[] = [];
  const agreements: Agreement[] = [];
  for (let k = 0; k < WARMUP + reps; k++) {
    const x = batchAt(m, k, c.batch);
    const s = await client.infer(modelId, x, shape, security);
    agreements.push(compareOutputs(s.output, plain(x), c.batch));
    if (k >= WARMUP) samples.push(s);
  }
  return { samples, agreement: mergeAgreement(agreements) };
}

/**
 * Throughput on the job path: `clients` concurrent clients, each running `jobsEach` inferences
 * back to back; jobs/s over the wall time of the whole run, and each job's latency.
 */
async function runConcurrentJobs(
  client: JobPathClient,
  modelId: string,
  m: BenchModel,
  c: Case,
  clients: number,
  jobsEach: number,
  plain: (x: Float64Array) => Float64Array,
): Promise<{ jobsPerS: number; latencies: number[]; agreement: Agreement }> {
  const shape = [c.batch, ...m.ir.inputShape];
  const latencies: number[] = [];
  const agreements: Agreement[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, k) => {
      for (let j = 0; j < jobsEach; j++) {
        const x = batchAt(m, k * jobsEach + j, c.batch);
        const s = await client.infer(modelId, x, shape);
        latencies.push(s.totalMs);
        agreements.push(compareOutputs(s.output, plain(x), c.batch));
      }
    }),
  );
  const wallMs = performance.now() - t0;
  return { jobsPerS: (clients * jobsEach) / (wallMs / 1000), latencies, agreement: mergeAgreement(agreements) };
}

/** Concurrent clients of the throughput lines (the quick run: 1 and 4). */
const CONCURRENCY = [1, 4, 16];

// ---------------------------------------------------------------------------------------------
// mpc-nats-protocol: evaluateSecureModel in three processes over NatsChannel

/**
 * Version of the parent <-> protocol party messages. The parties run from dist/ while a test may
 * run this file from source: a party built from another version says so instead of misbehaving.
 */
const PARTY_MESSAGES_VERSION = 4;

/** Parent -> protocol party messages. */
type ToParty =
  | { type: 'setup'; self: PartyIndex; nats: NatsEndpoint; secretKey: Uint8Array; peerKeys: Uint8Array[]; model: SharedModel; storeDir: string }
  | { type: 'prepare'; jobId: string; input?: { a: BigUint64Array; b: BigUint64Array }; shape?: number[]; batch?: number; fromStore?: boolean }
  | { type: 'start'; jobId: string }
  | { type: 'ring'; jobId: string; hops: number; bytes: number }
  | { type: 'exit' };

/** Protocol party -> parent messages. */
type FromParty =
  | { type: 'ready'; version: number }
  | { type: 'prepared'; jobId: string }
  | { type: 'done'; jobId: string; a: BigUint64Array; b: BigUint64Array; loadMs: number; protocolMs: number; cpuMs: number; rounds: number; bytesSent: number; costs: LayerCost[] }
  | { type: 'ringDone'; jobId: string; ms: number }
  | { type: 'error'; message: string };

/**
 * A token passed around the ring 0 -> 1 -> 2 -> 0 over sealed NATS frames, `hops` messages of
 * `bytes` each: message m goes from party m mod 3 to the next, after its sender received
 * message m - 1. The time per hop at party 0 is one protocol round's latency floor on this
 * machine (publish, broker, delivery, frame sealing and opening, a wake-up of the receiver).
 */
async function tokenRing(ch: NatsChannel, hops: number, bytes: number): Promise<number> {
  const self = ch.self;
  const next = ((self + 1) % 3) as PartyIndex;
  const prev = ((self + 2) % 3) as PartyIndex;
  const payload = new Uint8Array(bytes);
  const t0 = performance.now();
  for (let msg = self; msg < hops; msg += 3) {
    if (msg > 0) await ch.recv(prev, `ring#${msg - 1}`);
    await ch.send(next, `ring#${msg}`, payload);
  }
  // Party 0 also receives the last message, which closes the ring.
  if (self === 0 && hops % 3 === 0) await ch.recv(prev, `ring#${hops - 1}`);
  return performance.now() - t0;
}

/** The body of a protocol party process: set up once, then prepare and run inferences on command. */
async function protocolPartyMain(): Promise<void> {
  const send = (m: FromParty): void => void process.send!(m);
  let nc: NatsConnection | undefined;
  let setup: Extract<ToParty, { type: 'setup' }> | undefined;
  let store: FileShareStore | undefined;
  const prepared = new Map<string, { channel: NatsChannel; msg: Extract<ToParty, { type: 'prepare' }> }>();
  // The parent went away (crashed or was killed): nobody will ever send 'exit'.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (raw) => {
    const m = raw as ToParty;
    void (async () => {
      try {
        if (m.type === 'exit') {
          await nc?.close();
          process.exit(0);
        }
        if (m.type === 'setup') {
          setup = m;
          nc = await connect(connectionOptions(m.nats, `bench-protocol-party-${m.self}`));
          // The view also goes to an encrypted share store, as a service party keeps it, for
          // the variant that loads it at every job as services/party/inference-runner does.
          store = new FileShareStore(m.storeDir, new Uint8Array(randomBytes(32)));
          await store.put('model-bench', encodeSharedModel(m.model));
          return send({ type: 'ready', version: PARTY_MESSAGES_VERSION });
        }
        if (!setup || !nc) throw new Error('protocol party: not set up');
        const self = setup.self;
        if (m.type === 'prepare') {
          const peerAgreementKeys: Partial<Record<PartyIndex, Uint8Array>> = {};
          for (const p of [0, 1, 2] as const) if (p !== self) peerAgreementKeys[p] = setup.peerKeys[p]!;
          const channel = await NatsChannel.open({ nc, jobId: m.jobId, self, agreementSecretKey: setup.secretKey, peerAgreementKeys, deadline: Date.now() + 300_000 });
          prepared.set(m.jobId, { channel, msg: m });
          return send({ type: 'prepared', jobId: m.jobId });
        }
        const job = prepared.get(m.jobId);
        if (!job) throw new Error(`protocol party ${self}: start of unprepared job ${m.jobId}`);
        prepared.delete(m.jobId);
        if (m.type === 'ring') return send({ type: 'ringDone', jobId: m.jobId, ms: await tokenRing(job.channel, m.hops, m.bytes) });
        // Per-run PRF seeds from the channel's job nonces, as the party runtime takes them.
        const seeds = await job.channel.pairwiseSeeds();
        const { input, shape, batch, fromStore } = job.msg;
        const l0 = performance.now();
        let model = setup.model;
        if (fromStore) {
          const bytes = await store!.get('model-bench');
          if (!bytes) throw new Error(`protocol party ${self}: the stored view is missing`);
          model = decodeSharedModel(bytes);
        }
        const loadMs = performance.now() - l0;
        const ctx = createProtocolContext({ channel: job.channel, randomness: createCorrelatedRandomness(self, seeds), fractionBits: model.fractionBits });
        if (!input || !shape || batch === undefined) throw new Error(`protocol party ${self}: job ${m.jobId} was prepared without an input`);
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        const out = await evaluateSecureModel(ctx, model, makeShare(input.a, input.b, shape), batch);
        const protocolMs = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        const cpuMs = (cpu.user + cpu.system) / 1000;
        const s = job.channel.stats;
        job.channel.close();
        send({ type: 'done', jobId: m.jobId, a: out.output.a, b: out.output.b, loadMs, protocolMs, cpuMs, rounds: s.rounds, bytesSent: s.bytesSent, costs: [...out.costs] });
      } catch (e) {
        send({ type: 'error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
      }
    })();
  });
}

/** The file a protocol party process runs: this module compiled (dist), never the .ts source. */
function protocolPartyEntry(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return here;
  const built = join(resolve(dirname(here), '..'), 'dist', 'bench', 'inference.js');
  if (!existsSync(built)) throw new Error(`${built} not found: run 'npm run build' first (the protocol parties run from dist/)`);
  return built;
}

/** Three protocol party processes with a request/answer helper over their IPC channels. */
class ProtocolParties {
  readonly #children: ChildProcess[];
  readonly #pending: ((m: FromParty) => void)[][] = [[], [], []];

  private constructor(children: ChildProcess[]) {
    this.#children = children;
    children.forEach((ch, i) => {
      ch.on('message', (m) => this.#pending[i]!.shift()?.(m as FromParty));
      ch.on('exit', (code) => {
        for (const w of this.#pending[i]!.splice(0)) w({ type: 'error', message: `protocol party ${i} exited with code ${code}` });
      });
      // A send on a closed IPC channel is reported here; without a listener it would crash this process.
      ch.on('error', (err) => {
        for (const w of this.#pending[i]!.splice(0)) w({ type: 'error', message: `protocol party ${i}: ${err.message}` });
      });
    });
  }

  static async start(endpoints: readonly NatsEndpoint[], views: readonly SharedModel[], storeDir: string): Promise<ProtocolParties> {
    const entry = protocolPartyEntry();
    const children = [0, 1, 2].map(() => spawn(process.execPath, [entry, PROTOCOL_PARTY_FLAG], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' }));
    const parties = new ProtocolParties(children);
    const keys = [0, 1, 2].map(() => generateAgreementKeyPair());
    const peerKeys = keys.map((k) => k.publicKey);
    try {
      const ready = await parties.all(
        (i) => ({ type: 'setup', self: i as PartyIndex, nats: endpoints[i]!, secretKey: keys[i]!.secretKey, peerKeys, model: views[i]!, storeDir: join(storeDir, `party-${i}`) }),
        'ready',
      );
      const stale = ready.find((r) => r.version !== PARTY_MESSAGES_VERSION);
      if (stale) throw new Error(`${entry} speaks protocol party messages v${String(stale.version)}, this suite v${PARTY_MESSAGES_VERSION}: run 'npm run build'`);
    } catch (e) {
      await parties.stop();
      throw e;
    }
    return parties;
  }

  /** Sends each party its message and waits for the three answers of type `expect`. */
  async all<T extends FromParty['type']>(make: (i: number) => ToParty, expect: T): Promise<Extract<FromParty, { type: T }>[]> {
    const answers = await Promise.all(
      this.#children.map(
        (ch, i) =>
          new Promise<FromParty>((res) => {
            this.#pending[i]!.push(res);
            ch.send(make(i));
          }),
      ),
    );
    const bad = answers.find((a) => a.type !== expect);
    if (bad) throw new Error(bad.type === 'error' ? bad.message : `protocol party answered ${bad.type}, expected ${expect}`);
    return answers as Extract<FromParty, { type: T }>[];
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.#children.map(
        (ch) =>
          new Promise<void>((res) => {
            if (ch.exitCode !== null || ch.signalCode !== null) return res();
            const t = setTimeout(() => ch.kill('SIGKILL'), 5000);
            ch.once('exit', () => {
              clearTimeout(t);
              res();
            });
            if (ch.connected) ch.send({ type: 'exit' } satisfies ToParty);
            else ch.kill('SIGTERM');
          }),
      ),
    );
  }
}

interface ProtocolSample {
  output: Float64Array;
  /** Slowest party's evaluateSecureModel time. */
  protocolMs: number;
  /** Slowest party's load of its stored view (0 when it evaluates the view it holds in memory). */
  loadMs: number;
  /** Slowest party's load plus evaluation: the inference as a job sees it. */
  runMs: number;
  /** Largest CPU time (user + system) a party spent in it: the rest of protocolMs is waiting. */
  cpuMs: number;
  /** This process: start sent -> three outputs back. */
  wallMs: number;
  rounds: number;
  bytesPerParty: number;
  /** Rounds and bytes sent of each party (by index). */
  roundsByParty: number[];
  bytesByParty: number[];
  /** Each party's per-layer costs (by index): the comparison protocols are not symmetric. */
  costs: LayerCost[][];
}

async function runProtocolPath(
  parties: ProtocolParties,
  m: BenchModel,
  c: Case,
  reps: number,
  plain: (x: Float64Array) => Float64Array,
  fromStore: boolean,
): Promise<{ samples: ProtocolSample[]; agreement: Agreement }> {
  const shape = [c.batch, ...m.ir.inputShape];
  const samples: ProtocolSample[] = [];
  const agreements: Agreement[] = [];
  for (let k = 0; k < WARMUP + reps; k++) {
    const x = batchAt(m, k, c.batch);
    const shares = shareSecret(encodeFixed(x, FRACTION_BITS), Prg.random(), shape);
    const jobId = `bench-${randomBytes(8).toString('hex')}`;
    await parties.all((i) => ({ type: 'prepare', jobId, input: { a: shares[i]!.a, b: shares[i]!.b }, shape, batch: c.batch, fromStore }), 'prepared');
    const t0 = performance.now();
    const done = await parties.all(() => ({ type: 'start', jobId }), 'done');
    const wallMs = performance.now() - t0;
    const out = openChecked(done.map((d) => makeShare(d.a, d.b)) as [ReplicatedShare, ReplicatedShare, ReplicatedShare]);
    const output = decodeFixed(out, FRACTION_BITS);
    agreements.push(compareOutputs(output, plain(x), c.batch));
    if (k >= WARMUP) {
      samples.push({
        output,
        protocolMs: Math.max(...done.map((d) => d.protocolMs)),
        loadMs: Math.max(...done.map((d) => d.loadMs)),
        runMs: Math.max(...done.map((d) => d.loadMs + d.protocolMs)),
        cpuMs: Math.max(...done.map((d) => d.cpuMs)),
        wallMs,
        rounds: Math.max(...done.map((d) => d.rounds)),
        bytesPerParty: Math.max(...done.map((d) => d.bytesSent)),
        roundsByParty: done.map((d) => d.rounds),
        bytesByParty: done.map((d) => d.bytesSent),
        costs: done.map((d) => d.costs),
      });
    }
  }
  return { samples, agreement: mergeAgreement(agreements) };
}

/** Per-hop latency of the sealed NATS channel between the protocol party processes (median over runs). */
async function runTokenRing(parties: ProtocolParties, runs: number, hops: number, bytes: number): Promise<number> {
  const perHop: number[] = [];
  for (let r = 0; r < runs + 1; r++) {
    const jobId = `ring-${randomBytes(8).toString('hex')}`;
    await parties.all(() => ({ type: 'prepare', jobId }), 'prepared');
    const done = await parties.all(() => ({ type: 'ring', jobId, hops, bytes }), 'ringDone');
    if (r > 0) perHop.push(done[0]!.ms / hops);
  }
  return median(perHop);
}

/**
 * The arithmetic alone: the three parties in this process over the in-memory channel (no
 * network, no sealing), so the time is the sum of the three parties' local work on one thread.
 */
async function runMemoryPath(
  views: readonly SharedModel[],
  m: BenchModel,
  c: Case,
  reps: number,
  plain: (x: Float64Array) => Float64Array,
  security: SecurityMode = 'semi-honest',
): Promise<{ ms: number; depth: number; bytes: number; agreement: Agreement }> {
  const shape = [c.batch, ...m.ir.inputShape];
  const times: number[] = [];
  const agreements: Agreement[] = [];
  let depth = 0;
  let bytes = 0;
  for (let k = 0; k < WARMUP + reps; k++) {
    const x = batchAt(m, k, c.batch);
    const shares = shareSecret(encodeFixed(x, FRACTION_BITS), Prg.random(), shape);
    const parties = createLocalParties({ fractionBits: FRACTION_BITS, security });
    const t0 = performance.now();
    const outs = await parties.run(async (ctx, self) => {
      const out = await evaluateSecureModel(ctx, views[self]!, shares[self]!, c.batch);
      // Malicious mode: the batch check before the output leaves, as the party runner does.
      await verifyJob(ctx);
      return out;
    });
    const ms = performance.now() - t0;
    depth = parties.network.depth();
    bytes = Math.max(...parties.network.channels.map((ch) => ch.stats.bytesSent));
    const output = decodeFixed(openChecked(outs.map((o) => o.output) as [ReplicatedShare, ReplicatedShare, ReplicatedShare]), FRACTION_BITS);
    agreements.push(compareOutputs(output, plain(x), c.batch));
    if (k >= WARMUP) times.push(ms);
  }
  return { ms: median(times), depth, bytes, agreement: mergeAgreement(agreements) };
}

// ---------------------------------------------------------------------------------------------
// The suite

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

function agreementFields(a: Agreement): Record<string, unknown> {
  return { argmax_agree: a.argmaxAgree, max_abs_err: a.maxAbsErr, within_tolerance: a.withinTolerance, tolerance: `${ABS_TOL} + ${REL_TOL}|plain|`, min_top2_gap: a.minTop2Gap };
}

/** The extra NATS user of the benchmark: calls the API, follows job events, observes party reports. */
function benchUser(): { user: string; permissions: { publish: string[]; subscribe: string[] } } {
  return {
    user: 'bench',
    permissions: { publish: ['mpc.coord.api.>'], subscribe: ['mpc.coord.events.>', 'mpc.coord.report.>', '_INBOX.>'] },
  };
}

/** A protocol-party user per index: may send only as itself and read only frames to itself. */
function protocolUser(index: number): { user: string; permissions: { publish: string[]; subscribe: string[] } } {
  return {
    user: `bench-party-${index}`,
    // The same subject rule as a service party (services/cluster/nats-permissions partyPermissions).
    permissions: { publish: [`mpc.p2p.*.${index}.*`], subscribe: [`mpc.p2p.*.*.${index}`, '_INBOX.>'] },
  };
}

async function runSuite(opts: BenchOptions): Promise<void> {
  const models = loadModels();
  const dir = mkdtempSync(join(tmpdir(), 'mpc-bench-inference-'));
  const bench = benchUser();
  const protocolUsers = [0, 1, 2].map(protocolUser);
  let cluster: LocalCluster | undefined;
  let nc: NatsConnection | undefined;
  const cleanups: (() => Promise<void> | void)[] = [];
  // Every line carries the 1-minute load average: on a shared machine it explains outliers.
  const emit = (c: BenchCase): void => opts.emit({ ...c, load1: Math.round(loadavg()[0]! * 100) / 100 });
  let ringDone = false;
  /** The sealed NATS hop of this run (the 3-process token ring), for the floors. */
  let hopMs = NaN;
  /** The one-server `mpc-nats` median per case, the baseline of the three-server lines. */
  const oneServerMs = new Map<string, number>();
  try {
    // No HE workers: nothing here uses them. (Kept out of the literal so that the option, which
    // local-cluster is gaining, is ignored rather than refused by a checkout without it.)
    const clusterOptions = { ...clusterOptionsBase(dir), extraUsers: [bench, ...protocolUsers] };
    cluster = await startLocalCluster(clusterOptions);
    // Principals in envelopes signed by the cluster's gateway key, as the gateway sends them.
    nc = bindPrincipalSigner(await cluster.connect(bench.user, 'bench'), cluster.gatewaySigner);
    const events = new JobEndWatcher(nc);
    const reports = new ReportObserver(nc);
    cleanups.push(() => events.close(), () => reports.close());
    await nc.flush();
    const partyKeys = [0, 1, 2].map((i) => fromHex(cluster!.keys[`party-${i}`]!.agreementPublicKey, `party-${i} agreementPublicKey`, 32)) as [Uint8Array, Uint8Array, Uint8Array];
    const partySigning = [0, 1, 2].map((i) => cluster!.keys[`party-${i}`]!.signingPublicKey) as [string, string, string];
    const client = new JobPathClient(nc, partyKeys, partySigning, events);
    const checkCosts = await measureCheckCosts(cluster.gatewaySigner);

    for (const m of models) {
      const cases = CASES.filter((c) => c.model === m.key && (!opts.quick || c.quick));
      if (cases.length === 0) continue;
      const plain = (x: Float64Array): Float64Array => evaluatePlain(m.ir, x, x.length / m.inputs.rowSize).output;
      const baselines = new Map<Case, number>();
      const ortMs = new Map<Case, number>();
      for (const c of cases) {
        const x = batchAt(m, 0, c.batch);
        baselines.set(c, await timeMedian(() => plain(x), opts.quick ? 5 : 21));
        const ortRun = await onnxRuntimeBaseline(m, x, c.batch, opts.quick ? 5 : 21);
        if (ortRun !== undefined) {
          ortMs.set(c, ortRun.ms);
          const ref = plain(x);
          emit({
            suite: 'inference',
            case: c.name,
            impl: 'onnxruntime',
            median_ms: ortRun.ms,
            ops_per_s: c.batch / (ortRun.ms / 1000),
            baseline: 'plaintext-float64',
            ratio: baselines.get(c)! / ortRun.ms,
            baseline_ms: baselines.get(c)!,
            batch: c.batch,
            max_abs_diff_vs_float64: ortRun.output.reduce((mx, v, i) => Math.max(mx, Math.abs(v - ref[i]!)), 0),
          });
        }
      }
      // onnxruntime's time beside each secure line, and onnxruntime / secure (> 1: the secure path is faster).
      const ortField = (c: Case, ms: number): Record<string, number> => (ortMs.has(c) ? { onnxruntime_ms: round3(ortMs.get(c)!), ratio_onnxruntime: ortMs.get(c)! / ms } : {});

      // What a party does with its stored view at every inference job (after reading and
      // decrypting it): decode it. Measured here on one view, for the breakdown.
      const views = shareModel(m.ir, Prg.random(), FRACTION_BITS);
      const viewBytes = encodeSharedModel(views[0]);
      const viewDecodeMs = await timeMedian(() => decodeSharedModel(viewBytes), opts.quick ? 3 : 9);

      // mpc-nats: publish once, then time inferences through the coordinator.
      let modelId: string | undefined;
      let publishMs = NaN;
      let publishError: unknown;
      try {
        const t0 = performance.now();
        modelId = await client.publish(m.ir, `bench-${m.key}`);
        publishMs = performance.now() - t0;
      } catch (e) {
        publishError = new Error(`models.publish of ${m.key} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      // The mpc-nats lines wait for the hop and the in-memory time of this run: their floor.
      const natsLines = new Map<Case, BenchCase>();
      const memoryMs = new Map<Case, number>();
      for (const c of cases) {
        const base = baselines.get(c)!;
        if (!modelId) {
          emit(errorLine(c, 'mpc-nats', base, publishError));
          continue;
        }
        try {
          const reps = opts.quick ? c.quickReps : c.reps;
          const { samples, agreement } = await runJobPath(client, modelId, m, c, reps, plain);
          const party = reports.times();
          const ms = median(samples.map((s) => s.totalMs));
          oneServerMs.set(c.name, ms);
          const partyOf = (f: keyof PartyTimes): number => {
            const v = samples.map((s) => party.get(s.job.id)?.[f] ?? NaN).filter((t) => Number.isFinite(t));
            return v.length > 0 ? median(v) : NaN;
          };
          natsLines.set(c, {
            suite: 'inference',
            case: c.name,
            impl: 'mpc-nats',
            median_ms: ms,
            ops_per_s: c.batch / (ms / 1000),
            baseline: 'plaintext-float64',
            ratio: base / ms,
            baseline_ms: base,
            ...ortField(c, ms),
            batch: c.batch,
            rounds: median(samples.map((s) => s.job.stats?.rounds ?? NaN)),
            bytes_per_party: median(samples.map((s) => s.job.stats?.bytesPerParty ?? NaN)),
            ...agreementFields(agreement),
            reps: samples.length,
            p90_ms: round3([...samples.map((s) => s.totalMs)].sort((a, b) => a - b)[Math.min(samples.length - 1, Math.floor(samples.length * 0.9))]!),
            client_share_seal_ms: round3(median(samples.map((s) => s.shareSealMs))),
            submit_ms: round3(median(samples.map((s) => s.submitMs))),
            wait_ms: round3(median(samples.map((s) => s.waitMs))),
            result_ms: round3(median(samples.map((s) => s.resultMs))),
            client_open_ms: round3(median(samples.map((s) => s.openMs))),
            ...checkFields(ms, median(samples.map((s) => s.checkMs)), checkCosts, samples[0]!.signedRequests),
            coordinator_job_ms: round3(median(samples.map((s) => s.job.stats?.durationMs ?? NaN))),
            party_run_ms: round3(partyOf('runMs')),
            party_protocol_ms: round3(partyOf('protocolMs')),
            party_overhead_ms: round3(partyOf('overheadMs')),
            publish_ms: round3(publishMs),
            model_view_bytes: viewBytes.length,
            view_decode_ms: round3(viewDecodeMs),
          });
        } catch (e) {
          emit(errorLine(c, 'mpc-nats', base, e));
        }
        // Malicious with abort through the services, against the semi-honest line of this run.
        const semi = natsLines.get(c);
        if (c.batch === 1 && modelId && semi && (!opts.quick || c.model === 'mlp')) {
          try {
            const { samples, agreement } = await runJobPath(client, modelId, m, c, opts.quick ? 2 : Math.min(c.reps, 8), plain, 'malicious');
            const ms = median(samples.map((s) => s.totalMs));
            const bytes = median(samples.map((s) => s.job.stats?.bytesPerParty ?? NaN));
            emit({
              suite: 'inference',
              case: c.name,
              impl: 'mpc-nats-malicious',
              median_ms: ms,
              ops_per_s: c.batch / (ms / 1000),
              baseline: 'mpc-nats',
              ratio: semi.median_ms / ms,
              baseline_ms: semi.median_ms,
              batch: c.batch,
              rounds: median(samples.map((s) => s.job.stats?.rounds ?? NaN)),
              baseline_rounds: semi.rounds,
              bytes_per_party: bytes,
              baseline_bytes_per_party: semi.bytes_per_party,
              bytes_ratio: bytes / Number(semi.bytes_per_party),
              ...agreementFields(agreement),
              reps: samples.length,
            });
          } catch (e) {
            emit(errorLine(c, 'mpc-nats-malicious', semi.median_ms, e));
          }
        }
        // Throughput of the batch-1 MLP at 1, 4 and 16 concurrent clients; baseline: 1 client.
        if (c.model === 'mlp' && c.batch === 1 && modelId) {
          let single = NaN;
          let singleMs = NaN;
          for (const n of opts.quick ? CONCURRENCY.slice(0, 2) : CONCURRENCY) {
            const impl = `mpc-nats-concurrent-${n}`;
            try {
              const r = await runConcurrentJobs(client, modelId, m, c, n, opts.quick ? 3 : 8, plain);
              if (n === 1) [single, singleMs] = [r.jobsPerS, median(r.latencies)];
              const sorted = [...r.latencies].sort((a, b) => a - b);
              emit({
                suite: 'inference',
                case: c.name,
                impl,
                median_ms: median(r.latencies),
                ops_per_s: r.jobsPerS,
                baseline: 'mpc-nats-concurrent-1',
                ratio: r.jobsPerS / single,
                baseline_ms: singleMs,
                batch: c.batch,
                clients: n,
                jobs: r.latencies.length,
                jobs_per_s: round3(r.jobsPerS),
                p95_ms: round3(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]!),
                ...agreementFields(r.agreement),
              });
            } catch (e) {
              emit(errorLine(c, impl, base, e));
            }
          }
        }
      }

      // mpc-nats-protocol: the same model views in three processes over NatsChannel.
      let parties: ProtocolParties | undefined;
      try {
        parties = await ProtocolParties.start(protocolUsers.map((u) => cluster!.endpoint(u.user)), views, join(dir, `protocol-store-${m.key}`));
      } catch (e) {
        for (const c of cases) for (const impl of PROTOCOL_IMPLS) emit(errorLine(c, impl, baselines.get(c)!, e));
      }
      if (parties) {
        try {
          if (!ringDone) {
            ringDone = true;
            const hops = opts.quick ? 90 : 600;
            const bytes = 1024;
            const perHop = await runTokenRing(parties, opts.quick ? 2 : 5, hops, bytes);
            hopMs = perHop;
            emit({ suite: 'inference', case: 'nats sealed hop 1KiB (3-process ring)', impl: 'nats-3proc', median_ms: perHop, ops_per_s: 1000 / perHop, baseline: null, ratio: null, hops, bytes });
          }
          for (const c of cases) {
            const base = baselines.get(c)!;
            for (const impl of PROTOCOL_IMPLS) {
              try {
                const reps = opts.quick ? c.quickReps : c.reps;
                const fromStore = impl === 'mpc-nats-protocol-stored';
                const { samples, agreement } = await runProtocolPath(parties, m, c, reps, plain, fromStore);
                // The stored variant counts the load too: that is what a job waits for.
                const ms = median(samples.map((s) => (fromStore ? s.runMs : s.protocolMs)));
                emit({
                  suite: 'inference',
                  case: c.name,
                  impl,
                  median_ms: ms,
                  ops_per_s: c.batch / (ms / 1000),
                  baseline: 'plaintext-float64',
                  ratio: base / ms,
                  baseline_ms: base,
                  ...ortField(c, ms),
                  batch: c.batch,
                  rounds: median(samples.map((s) => s.rounds)),
                  bytes_per_party: median(samples.map((s) => s.bytesPerParty)),
                  ...agreementFields(agreement),
                  reps: samples.length,
                  party_protocol_ms: round3(median(samples.map((s) => s.protocolMs))),
                  ...(fromStore ? { party_load_ms: round3(median(samples.map((s) => s.loadMs))) } : {}),
                  party_cpu_ms: round3(median(samples.map((s) => s.cpuMs))),
                  wall_ms: round3(median(samples.map((s) => s.wallMs))),
                  rounds_by_party: samples[0]!.roundsByParty,
                  bytes_by_party: samples[0]!.bytesByParty,
                  layers: samples[0]!.costs[0]!.map((l, j) => ({ name: l.name, kind: l.kind, rounds: samples[0]!.costs.map((x) => x[j]!.rounds), bytes: samples[0]!.costs.map((x) => x[j]!.bytesSent) })),
                });
              } catch (e) {
                emit(errorLine(c, impl, base, e));
              }
            }
          }
        } finally {
          await parties.stop();
        }
      }

      // mpc-memory: the arithmetic alone, three parties on this thread.
      for (const c of cases) {
        const base = baselines.get(c)!;
        try {
          const { ms, depth, bytes, agreement } = await runMemoryPath(views, m, c, opts.quick ? c.quickReps : c.reps, plain);
          memoryMs.set(c, ms);
          emit({
            suite: 'inference',
            case: c.name,
            impl: 'mpc-memory',
            median_ms: ms,
            ops_per_s: c.batch / (ms / 1000),
            baseline: 'plaintext-float64',
            ratio: base / ms,
            baseline_ms: base,
            ...ortField(c, ms),
            batch: c.batch,
            latency_depth: depth,
            bytes_per_party: bytes,
            ...agreementFields(agreement),
          });
          // Malicious with abort against semi-honest, same run (batch 1; the quick run only the MLP).
          if (c.batch === 1 && (!opts.quick || c.model === 'mlp')) {
            const mal = await runMemoryPath(views, m, c, opts.quick ? 2 : Math.min(c.reps, 5), plain, 'malicious');
            emit({
              suite: 'inference',
              case: c.name,
              impl: 'mpc-memory-malicious',
              median_ms: mal.ms,
              ops_per_s: c.batch / (mal.ms / 1000),
              baseline: 'mpc-memory',
              ratio: ms / mal.ms,
              baseline_ms: ms,
              batch: c.batch,
              latency_depth: mal.depth,
              baseline_depth: depth,
              bytes_per_party: mal.bytes,
              baseline_bytes_per_party: bytes,
              bytes_ratio: mal.bytes / bytes,
              ...agreementFields(mal.agreement),
            });
          }
        } catch (e) {
          emit(errorLine(c, 'mpc-memory', base, e));
        }
      }
      for (const [c, l] of natsLines) emit({ ...l, ...floorFields(l, hopMs, memoryMs.get(c)) });
    }
    // The same service path on the three-server topology (mpc up --topology cluster), after the
    // one-server cluster is stopped so the two never compete for the cores.
    for (const f of cleanups.splice(0)) await f();
    await nc?.close();
    nc = undefined;
    await cluster?.stop();
    cluster = undefined;
    await runThreeServerCases(opts, models, emit, oneServerMs, { ...clusterOptionsBase(dir), extraUsers: [bench] }, bench.user);
  } finally {
    for (const f of cleanups) await f();
    await nc?.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The floor of an end-to-end line (issue #18): its rounds times the sealed NATS hop measured in
 * this run, plus the same job's arithmetic in memory in this run; and end-to-end / floor.
 */
function floorFields(l: BenchCase, hopMs: number, memoryMs: number | undefined): Record<string, number> {
  const rounds = l.rounds as number;
  if (!Number.isFinite(hopMs) || memoryMs === undefined || !Number.isFinite(rounds)) return {};
  const floor = rounds * hopMs + memoryMs;
  return { hop_ms: round3(hopMs), memory_ms: round3(memoryMs), floor_ms: round3(floor), e2e_over_floor: round3(l.median_ms / floor) };
}

/** Cluster options shared by the one- and three-server runs. */
function clusterOptionsBase(dir: string): { dir: string; jetstream: boolean; jobTimeoutMs: number; heWorkers: number } {
  return { dir, jetstream: false, jobTimeoutMs: 600_000, heWorkers: 0 };
}

/**
 * `mpc-nats-3srv`: the batch-1 cases of `mpc-nats` on three nats-servers joined by routes (TLS on
 * client and route connections), each party on its own server: every protocol frame between two
 * parties crosses a route. Baseline: the one-server `mpc-nats` median of the same run; `ratio` =
 * one-server / three-server (below 1 is the topology's cost), `cost_vs_one_server` its inverse
 * (the goal: at most 1.3 on the batch-1 MLP).
 */
async function runThreeServerCases(
  opts: BenchOptions,
  models: ReturnType<typeof loadModels>,
  emit: (c: BenchCase) => void,
  oneServerMs: ReadonlyMap<string, number>,
  clusterOptions: Parameters<typeof startLocalCluster>[0],
  user: string,
): Promise<void> {
  const cases = CASES.filter((c) => c.batch === 1 && (!opts.quick || c.quick) && oneServerMs.has(c.name));
  if (cases.length === 0) return;
  let cluster: LocalCluster | undefined;
  let nc: NatsConnection | undefined;
  let events: JobEndWatcher | undefined;
  try {
    cluster = await startLocalCluster({ ...clusterOptions, topology: 'cluster' });
    nc = bindPrincipalSigner(await cluster.connect(user, 'bench-3srv'), cluster.gatewaySigner);
    events = new JobEndWatcher(nc);
    await nc.flush();
    const partyKeys = [0, 1, 2].map((i) => fromHex(cluster!.keys[`party-${i}`]!.agreementPublicKey, `party-${i} agreementPublicKey`, 32)) as [Uint8Array, Uint8Array, Uint8Array];
    const partySigning = [0, 1, 2].map((i) => cluster!.keys[`party-${i}`]!.signingPublicKey) as [string, string, string];
    const client = new JobPathClient(nc, partyKeys, partySigning, events);
    for (const m of models) {
      const mine = cases.filter((c) => c.model === m.key);
      if (mine.length === 0) continue;
      const plain = (x: Float64Array): Float64Array => evaluatePlain(m.ir, x, x.length / m.inputs.rowSize).output;
      const modelId = await client.publish(m.ir, `bench-3srv-${m.key}`);
      for (const c of mine) {
        const one = oneServerMs.get(c.name)!;
        try {
          const { samples, agreement } = await runJobPath(client, modelId, m, c, opts.quick ? c.quickReps : c.reps, plain);
          const ms = median(samples.map((s) => s.totalMs));
          emit({
            suite: 'inference',
            case: c.name,
            impl: 'mpc-nats-3srv',
            median_ms: ms,
            ops_per_s: c.batch / (ms / 1000),
            baseline: 'mpc-nats',
            ratio: one / ms,
            baseline_ms: one,
            cost_vs_one_server: round3(ms / one),
            batch: c.batch,
            servers: 3,
            rounds: median(samples.map((s) => s.job.stats?.rounds ?? NaN)),
            ...agreementFields(agreement),
            reps: samples.length,
            wait_ms: round3(median(samples.map((s) => s.waitMs))),
          });
        } catch (e) {
          emit(errorLine(c, 'mpc-nats-3srv', one, e));
        }
      }
    }
  } catch (e) {
    for (const c of cases) emit(errorLine(c, 'mpc-nats-3srv', oneServerMs.get(c.name)!, e));
  } finally {
    events?.close();
    await nc?.close();
    await cluster?.stop();
  }
}

/** The `inference` suite (`mpc bench inference [--json] [--quick]`); see the module comment. */
export const suite: BenchSuite = {
  name: 'inference',
  description: 'secure inference end to end (client share -> three party processes over nats-server -> client open) vs plaintext float64',
  run: runSuite,
};

// Started as a protocol party by ProtocolParties.start: serve the parent over IPC.
if (process.argv[2] === PROTOCOL_PARTY_FLAG && typeof process.send === 'function') void protocolPartyMain();
