/**
 * The fault matrix (issue 14) over one full cluster of real processes (needs `npm run build`):
 * nats-server with TLS and JetStream, coordinator, three parties, two HE workers and the
 * gateway, driven by the SDK over HTTP as clients are.
 *
 * Faults: kill -9 a party (started again after 2 s), SIGSTOP a party for 20 s, kill -9 and
 * restart the broker, the coordinator, the gateway. For each, the four kinds of work are
 * started together (MPC inference, analytics query, data-set upload, HE inference) and the
 * fault is injected as soon as the MPC and analytics jobs exist, so it lands while they (and
 * the upload request and the HE evaluation) are in flight. Each must end, within
 * {@link DEADLINE_MS} of the fault, with the right verified result (compared with the model or
 * the query computed in the clear) or a typed failure (JobFailedError with its code,
 * GatewayProblemError with its problem type, GatewayUnreachableError), never with the client's
 * own timeout ({@link CLIENT_TIMEOUT_MS}) or an untyped error. After recovery, every data set,
 * model and job record is still there and a later job of every kind is right. At the end the
 * parties' stores and the catalogues agree (storage reconciliation), the exported audit log
 * verifies offline, every job it records as created has a terminal entry, and every job the
 * clients saw is in it.
 *
 * One cluster serves all five faults (each fault's recovery is checked before the next). The
 * measured times go to `test-results/fault-matrix.json` (gitignored, with the services' logs
 * in `test-results/fault-matrix-logs/`) and are printed;
 * docs/operations.md quotes them. No timing is asserted beyond the generous deadline.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFullCluster, type FullCluster } from '../../services/cluster/full-cluster.js';
import { loadBreastCancer, loadDigits, loadModel } from '../../services/demo/demo-data.js';
import { GatewayProblemError, GatewayUnreachableError, JobFailedError, JobTimeoutError, MpcClient } from '../../services/sdk/index.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { evaluatePlain } from '../../protocols/model/plaintext-eval.js';
import { plaintextQuery } from '../../protocols/analytics/plaintext-query.js';
import type { Query } from '../../protocols/analytics/query.js';
import type { QueryResult } from '../../protocols/analytics/query-result.js';
import { encodeAuditEntry } from '../../services/wire/audit-entry.js';
import { verifyExport } from '../../services/audit/verify-export.js';
import { fromHex } from '../../crypto-core/encoding.js';

/** The SDK's own timeout on every call: an end that came from it would take this long. */
const CLIENT_TIMEOUT_MS = 120_000;
/** Documented deadline (docs/operations.md): every operation in flight ends this soon after the fault. */
const DEADLINE_MS = 45_000;
type Kind = 'mpc-inference' | 'analytics-query' | 'dataset-upload' | 'he-inference';

interface Outcome {
  kind: Kind;
  /** `verified`, or the typed failure: `job-failed:<code>`, `problem:<type>`, `gateway-unreachable`. */
  end: string;
  /** Milliseconds from the fault to the end. */
  afterFaultMs: number;
  jobId?: string;
}

interface FaultRecord {
  fault: string;
  outcomes: Outcome[];
  /** Fault to the first typed failure a client saw (none: every operation verified). */
  detectionMs?: number;
  /** Restart (or SIGCONT) to the gateway's /readyz answering 200 again. */
  readyAfterRecoveryMs: number;
  /** Restart (or SIGCONT) to a later job of every kind verified. */
  laterJobsRightAfterRecoveryMs: number;
}

let cluster: FullCluster;
let dir: string;
let client: MpcClient;
let hospital: MpcClient;
let analyst: MpcClient;
let admin: MpcClient;
let mlpId: string;
let heId: string;
const datasetIds: string[] = [];
const seenJobs = new Set<string>();
const records: FaultRecord[] = [];

const { schema, rows } = loadBreastCancer();
const digits = loadDigits(8);
const mlpBytes = loadModel('digits_mlp.onnx');
const heBytes = loadModel('digits_square_mlp.onnx');
/** 64 images (the 8 digits repeated): long enough an MPC job to be caught running. */
const BATCH = 64;
const batchInput = new Float64Array(BATCH * 64);
for (let i = 0; i < BATCH; i++) batchInput.set(digits.images[i % 8]!, i * 64);
const mlpClear = evaluatePlain(importOnnx(mlpBytes), batchInput, BATCH).output;
const heClear = evaluatePlain(importOnnx(heBytes), digits.images[0]!, 1).output;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const argmax = (xs: ArrayLike<number>, from: number, n: number): number => {
  let best = 0;
  for (let j = 1; j < n; j++) if (xs[from + j]! > xs[from + best]!) best = j;
  return best;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mpc-fault-matrix-'));
  cluster = await startFullCluster({ dir, heWorkers: 2 });
  const sdk = (id: string): MpcClient => new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys[id]! });
  client = sdk('demo-client');
  hospital = sdk('demo-hospital');
  analyst = sdk('demo-analyst');
  admin = sdk('demo-admin');
  const owner = sdk('demo-model-owner');
  mlpId = (await owner.publishModel(mlpBytes, { mode: 'mpc', name: 'matrix-mlp', version: '1' })).id;
  heId = (await owner.publishModel(heBytes, { mode: 'he', name: 'matrix-he', version: '1' })).id;
  for (const h of [0, 1, 2]) datasetIds.push((await hospital.uploadDataset(`matrix-base-${h}`, schema, rows.filter((_, i) => i % 3 === h), { policy: { roles: ['analyst'], minCellSize: 10 } })).id);
  // The HE keys are registered once (the clients' sessions), so the faults hit submission and evaluation.
  await heInference();
}, 240_000);

afterAll(async () => {
  const out = join(process.cwd(), 'test-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'fault-matrix.json'), JSON.stringify({ measuredAt: new Date().toISOString(), deadlineMs: DEADLINE_MS, clientTimeoutMs: CLIENT_TIMEOUT_MS, faults: records }, null, 2) + '\n');
  await client?.close();
  await cluster?.stop();
  // The services' logs of the run, for reading what each fault did.
  if (dir && existsSync(join(dir, 'logs'))) cpSync(join(dir, 'logs'), join(out, 'fault-matrix-logs'), { recursive: true });
  rmSync(dir, { recursive: true, force: true });
});

const QUERY: Query = { datasets: [], groupBy: ['diagnosis'], aggregates: [{ op: 'count' }, { op: 'mean', column: 'mean_radius' }] };

function checkQuery(secure: QueryResult): void {
  const clear = plaintextQuery(schema, rows, { ...QUERY, datasets: datasetIds.slice(0, 3) }, 10);
  expect(secure.groups.length).toBe(clear.groups.length);
  secure.groups.forEach((g, i) => {
    for (const [k, v] of Object.entries(g.values)) {
      const w = clear.groups[i]!.values[k];
      if (typeof v === 'number' && typeof w === 'number') expect(Math.abs(v - w) / Math.max(1e-9, Math.abs(w))).toBeLessThan(1e-3);
    }
  });
}

/** Each kind of work, started; `submitted` resolves once its job exists (MPC and analytics), or at once. */
function startWork(tag: string): { kind: Kind; submitted: Promise<unknown>; done: Promise<{ jobId?: string }> }[] {
  let mpcJob: (v: unknown) => void = () => undefined;
  let queryJob: (v: unknown) => void = () => undefined;
  const mpcSubmitted = new Promise((r) => (mpcJob = r));
  const querySubmitted = new Promise((r) => (queryJob = r));
  const mpc = (async () => {
    const pending = await client.submitMpcInference(mlpId, { shape: [BATCH, 64], data: batchInput }).finally(() => mpcJob(undefined));
    seenJobs.add(pending.job.id);
    await client.waitForJob(pending.job.id, { timeoutMs: CLIENT_TIMEOUT_MS });
    const { result } = await client.jobResult(pending.job.id);
    const out = client.openMpcResult(pending, result as Parameters<MpcClient['openMpcResult']>[1]);
    for (let i = 0; i < BATCH; i++) expect(argmax(out.data, i * 10, 10)).toBe(argmax(mlpClear, i * 10, 10));
    out.data.forEach((v, i) => expect(Math.abs(v - mlpClear[i]!)).toBeLessThan(1e-2));
    return { jobId: pending.job.id };
  })();
  const query = (async () => {
    const submitted = await analyst.query({ ...QUERY, datasets: datasetIds.slice(0, 3) }).finally(() => queryJob(undefined));
    seenJobs.add(submitted.jobId);
    checkQuery(await analyst.queryResult(submitted, schema, { timeoutMs: CLIENT_TIMEOUT_MS }));
    return { jobId: submitted.jobId };
  })();
  const upload = (async () => {
    const rec = await hospital.uploadDataset(`matrix-${tag}`, schema, rows.slice(0, 120), { policy: { roles: ['analyst'], minCellSize: 10 } });
    datasetIds.push(rec.id);
    return {};
  })();
  const he = (async () => ({ jobId: await heInference() }))();
  return [
    { kind: 'mpc-inference', submitted: mpcSubmitted, done: mpc },
    { kind: 'analytics-query', submitted: querySubmitted, done: query },
    { kind: 'dataset-upload', submitted: Promise.resolve(), done: upload },
    { kind: 'he-inference', submitted: Promise.resolve(), done: he },
  ];
}

async function heInference(): Promise<string> {
  const res = await client.infer(heId, { shape: [1, 64], data: digits.images[0]! }, { mode: 'he', timeoutMs: CLIENT_TIMEOUT_MS });
  seenJobs.add(res.job.id);
  expect(argmax(res.data, 0, res.data.length)).toBe(argmax(heClear, 0, heClear.length));
  res.data.forEach((v, i) => expect(Math.abs(v - heClear[i]!)).toBeLessThan(1e-3));
  return res.job.id;
}

/** The typed end of an operation, or a test failure for an untyped one or the client's own timeout. */
function typedEnd(err: unknown): string {
  if (err instanceof JobTimeoutError) throw new Error(`the client's own timeout ended the wait: ${err.message}`);
  if (err instanceof JobFailedError) {
    if (err.jobId) seenJobs.add(err.jobId);
    return `job-failed:${err.failureCode ?? err.state}`;
  }
  if (err instanceof GatewayProblemError) return `problem:${err.problem}`;
  if (err instanceof GatewayUnreachableError) return 'gateway-unreachable';
  throw new Error(`untyped failure: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, { cause: err });
}

/**
 * Resolves once `/readyz` answers 200 with both HE workers registered too (an HE job needs
 * them; readiness itself counts only the parties), and has done so for `stableMs` on end.
 */
async function readyAgain(stableMs = 0, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let since: number | undefined;
  while (Date.now() < end) {
    const r = await fetch(`${cluster.gatewayUrl}/readyz`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
    const body = r?.status === 200 ? ((await r.json()) as { heWorkers: number }) : undefined;
    if (body && body.heWorkers >= 2) {
      since ??= Date.now();
      if (Date.now() - since >= stableMs) return;
    } else since = undefined;
    await sleep(100);
  }
  throw new Error(`not ready ${timeoutMs} ms after recovery`);
}

/**
 * Runs the four kinds under `inject` (returns once the fault is in place) and `recover`;
 * `precise` lists, per kind, the failure codes the fault may cause (besides `verified`): a
 * broker outage must not be blamed on a party, a coordinator restart must say so.
 */
async function runFault(fault: string, inject: () => Promise<void>, recover: () => Promise<void>, precise: Partial<Record<Kind, string[]>> = {}, settleMs = 0): Promise<void> {
  const work = startWork(fault.replace(/[^a-z0-9]+/gi, '-'));
  let tFault = 0;
  // Outcomes are taken as they come (an operation may end while the fault is still being injected).
  const outcomes: Promise<Outcome>[] = work.map((w) =>
    w.done.then(
      (r) => ({ kind: w.kind, end: 'verified', afterFaultMs: Date.now() - tFault, ...(r.jobId ? { jobId: r.jobId } : {}) }),
      (e: unknown) => ({ kind: w.kind, end: typedEnd(e), afterFaultMs: Date.now() - tFault }),
    ),
  );
  await Promise.all(work.map((w) => w.submitted.catch(() => undefined)));
  tFault = Date.now();
  await inject();
  const recovered = recover().then(() => Date.now());
  const ended = await Promise.all(outcomes);
  const tRecover = await recovered;
  await readyAgain(settleMs);
  const tReady = Date.now() - settleMs;
  // Later jobs of every kind are right.
  await Promise.all(startWork(`${fault.replace(/[^a-z0-9]+/gi, '-')}-after`).map((w) => w.done));
  const tRight = Date.now();
  const failures = ended.filter((o) => o.end !== 'verified');
  const rec: FaultRecord = {
    fault,
    outcomes: ended,
    ...(failures.length ? { detectionMs: Math.min(...failures.map((o) => o.afterFaultMs)) } : {}),
    readyAfterRecoveryMs: tReady - tRecover,
    laterJobsRightAfterRecoveryMs: tRight - tRecover,
  };
  records.push(rec);
  process.stdout.write(`[fault-matrix] ${fault}: ${ended.map((o) => `${o.kind} ${o.end} +${o.afterFaultMs} ms`).join('; ')}; ready ${rec.readyAfterRecoveryMs} ms and later jobs right ${rec.laterJobsRightAfterRecoveryMs} ms after recovery\n`);
  for (const o of ended) expect(o.afterFaultMs, `${fault} / ${o.kind}`).toBeLessThan(DEADLINE_MS);
  for (const o of ended) if (precise[o.kind]) expect(['verified', ...precise[o.kind]!], `${fault} / ${o.kind}`).toContain(o.end);
  await storedStateIsThere();
}

/** Every data set and model is listed, and every job a client saw has its record. */
async function storedStateIsThere(): Promise<void> {
  const listed = new Set((await analyst.listDatasets()).map((d) => d.id));
  for (const id of datasetIds) expect(listed.has(id), `data set ${id}`).toBe(true);
  const models = new Set((await admin.models()).map((m) => m.id));
  expect(models.has(mlpId) && models.has(heId)).toBe(true);
  for (const id of seenJobs) {
    const who = [client, analyst];
    const found = await Promise.any(who.map((c) => c.jobStatus(id))).catch(() => undefined);
    expect(found?.id, `job ${id}`).toBe(id);
  }
}

describe('fault matrix (real processes, one cluster)', () => {
  it('kill -9 a party (back after 2 s)', async () => {
    await runFault(
      'kill -9 party-1',
      () => cluster.kill('party-1', 'SIGKILL'),
      async () => {
        await sleep(2000);
        await cluster.restart('party-1');
      },
      { 'mpc-inference': ['job-failed:party-gone'], 'analytics-query': ['job-failed:party-gone'], 'he-inference': [] },
    );
  }, 180_000);

  it('SIGSTOP a party for 20 s', async () => {
    const party = (): NonNullable<ReturnType<typeof cluster.processes.get>> => cluster.processes.get('party-2')!;
    await runFault(
      'SIGSTOP party-2 for 20 s',
      async () => void party().kill('SIGSTOP'),
      async () => {
        await sleep(20_000);
        party().kill('SIGCONT');
      },
      { 'mpc-inference': ['job-failed:party-gone'], 'analytics-query': ['job-failed:party-gone'], 'he-inference': [] },
      // A resumed party's NATS client may drop and redial once, about a second after SIGCONT
      // (seen in 1 of 6 runs): recovered means ready and still ready 4 s later.
      4000,
    );
  }, 180_000);

  it('kill -9 and restart the broker', async () => {
    await runFault(
      'kill -9 broker',
      () => cluster.nats.kill('SIGKILL'),
      async () => {
        await sleep(1500);
        await cluster.nats.start();
      },
      { 'mpc-inference': ['job-failed:broker-disconnected'], 'analytics-query': ['job-failed:broker-disconnected'], 'he-inference': ['job-failed:he-worker-unreachable'] },
    );
  }, 180_000);

  it('kill -9 and restart the coordinator', async () => {
    await runFault(
      'kill -9 coordinator',
      () => cluster.kill('coordinator', 'SIGKILL'),
      async () => {
        await sleep(1000);
        await cluster.restart('coordinator');
      },
      { 'mpc-inference': ['job-failed:coordinator-restarted'], 'analytics-query': ['job-failed:coordinator-restarted'], 'he-inference': ['job-failed:coordinator-restarted'] },
    );
  }, 180_000);

  it('kill -9 and restart the gateway', async () => {
    await runFault(
      'kill -9 gateway',
      () => cluster.kill('gateway', 'SIGKILL'),
      async () => {
        await sleep(1000);
        await cluster.restart('gateway');
      },
      { 'mpc-inference': [], 'analytics-query': [], 'he-inference': [] },
    );
  }, 180_000);

  it("the parties' stores and the catalogues agree after all of it (orphans an interrupted upload left are erased)", async () => {
    let report = await admin.storageReconciliation();
    const orphans = { datasets: report.orphans.datasets.map((o) => o.id), models: report.orphans.models.map((o) => o.id) };
    process.stdout.write(`[fault-matrix] reconciliation: ${orphans.datasets.length} orphaned data sets, ${orphans.models.length} orphaned models, ${report.missing.datasets.length + report.missing.models.length} missing\n`);
    // Nothing the catalogues name may be gone from a party.
    expect(report.missing).toEqual({ datasets: [], models: [] });
    if (orphans.datasets.length + orphans.models.length > 0) {
      // Named by a job of the last two minutes: not erasable yet, by design; wait that out only if needed.
      if ([...report.orphans.datasets, ...report.orphans.models].some((o) => o.inUse)) return;
      await admin.eraseOrphans(orphans);
      report = await admin.storageReconciliation();
    }
    expect(report).toMatchObject({ complete: true, orphans: { datasets: [], models: [] }, missing: { datasets: [], models: [] } });
  }, 60_000);

  it('the audit log verifies offline and holds a terminal entry for every job submitted', async () => {
    const auditor = new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys['demo-auditor']! });
    const terminal = new Set(['job.verified', 'job.failed', 'job.failed-verification']);
    const end = Date.now() + 30_000;
    let missing: string[] = [];
    let exp: Awaited<ReturnType<MpcClient['exportAudit']>>;
    for (;;) {
      exp = await auditor.exportAudit();
      const created = new Set(exp.entries.filter((e) => e.type === 'job.created').map((e) => e.jobId!));
      const ended = new Set(exp.entries.filter((e) => terminal.has(e.type)).map((e) => e.jobId!));
      missing = [...created].filter((j) => !ended.has(j)).concat([...seenJobs].filter((j) => !created.has(j)).map((j) => `${j} (not created)`));
      if (missing.length === 0 || Date.now() > end) break;
      await sleep(500);
    }
    expect(missing).toEqual([]);
    const bytes = new Uint8Array(Buffer.from(exp.entries.map((e) => Buffer.from(encodeAuditEntry(e)).toString('utf8') + '\n').join(''), 'utf8'));
    const verdict = verifyExport({ entries: bytes, checkpoint: exp.checkpoint!, key: fromHex(cluster.keys.coordinator!.signingPublicKey, 'key', 32) });
    expect(verdict).toMatchObject({ ok: true });
    process.stdout.write(`[fault-matrix] audit: ${exp.entries.length} entries verify; ${new Set(exp.entries.filter((e) => e.type === 'job.created').map((e) => e.jobId)).size} jobs created, each with a terminal entry\n`);
  }, 60_000);
});
