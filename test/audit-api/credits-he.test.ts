/**
 * HE milliseconds in credits, end to end: a coordinator with a signing Merkle log and a credit
 * budget, two real HE worker services (node-seal, thread pools) on a real nats-server. The test
 * publishes digits_square_mlp, registers a session's evaluation keys, and runs encrypted
 * inferences; it listens to the workers' replies itself (every reply crosses the broker on an
 * inbox subject) and keeps the evaluate replies that verify under each worker's Ed25519 key.
 * Every HE job's `job.finished` cost must be exactly what the two workers signed (`heMs`, in
 * the order of the result's `verification.workers`, rounded; the MPC numbers zero), `credits.get`
 * must charge the tenant those milliseconds at msPerCredit and equal computeCredits over the log,
 * the KPIs' cost per request must price them too, and once the budget is used the next HE
 * submission is refused `credits-exhausted` before a job exists. A worker whose signed reply
 * states no usable milliseconds (its pool, wrapped for the test, reports -5 ms, which it signs)
 * fails the job `he-bad-reply`, unpriced: no `job.finished`, nothing charged.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../crypto-core/encoding.js';
import { loadSeal } from '../../crypto-core/he/seal-loader.js';
import { generateIdentity, publicIdentity, type ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { HeClient } from '../../protocols/he/he-client.js';
import { parsePublicPlan } from '../../protocols/he/public-plan.js';
import { computeCredits } from '../../services/audit/credits.js';
import { computeKpis } from '../../services/audit/kpis.js';
import { MemoryMerkleLog } from '../../services/coordinator/audit/audit-memory-log.js';
import { CoordinatorService } from '../../services/coordinator/coordinator-service.js';
import type { HeInferenceResult } from '../../services/coordinator/he/he-methods.js';
import type { TrustedService } from '../../services/coordinator/service-registry.js';
import { HeWorkerService } from '../../services/he-worker/he-worker-service.js';
import { MemoryLog } from '../../services/transport/service-log.js';
import type { JobStatus } from '../../services/wire/api.js';
import { MessageAssembler } from '../../services/wire/chunked-message.js';
import { encodeEvalKeys } from '../../services/wire/he-codec.js';
import type { HeReplyResults } from '../../services/wire/he-messages.js';
import type { HeEvaluationPool } from '../../services/he-worker/he-request-handler.js';
import { verifyHeReply } from '../../services/wire/he-signing.js';
import { useNatsServer } from '../helpers/nats-server.js';
import { signedHeModel } from '../helpers/signed-he-model.js';

const ONNX = new Uint8Array(readFileSync(new URL('../fixtures/models/digits_square_mlp.onnx', import.meta.url)));
const principal = { tenant: 'acme', actor: 'client-1', roles: ['client' as const, 'model-owner' as const] };
/** Credits of tenant acme: 2 worker-seconds, about two inferences of ~0.6 s on each of two workers here; used up by the last. */
const BUDGET_CREDITS = 2;

function rows(count: number): Float64Array[] {
  const buf = readFileSync(new URL('../fixtures/data/digits_test.f32', import.meta.url));
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  return Array.from({ length: count }, (_, i) => Float64Array.from(all.subarray(i * 64, (i + 1) * 64)));
}

describe('HE inference cost in the log and in credits', () => {
  const nats = useNatsServer();
  const ids: Record<string, ServiceIdentity> = { coordinator: generateIdentity(), 'he-1': generateIdentity(), 'he-2': generateIdentity() };
  let coordinator: CoordinatorService;
  let audit: MemoryMerkleLog;
  let workers: HeWorkerService[] = [];
  let client: HeClient;
  let listener: NatsConnection;
  let modelId: string;
  let sessionId: string;
  /** Evaluate replies as the workers signed them, in arrival order. */
  const signedEvaluations: { from: string; ms: number }[] = [];
  /** Per HE job: its status and result, and the signed evaluations that arrived while it ran. */
  const jobs: { status: JobStatus; result: HeInferenceResult; signed: { from: string; ms: number }[] }[] = [];
  /** While set, he-2's pool reports -5 milliseconds. */
  let unpriced = false;
  let unpricedJob: JobStatus | undefined;
  const withoutMs = (pool: HeEvaluationPool): HeEvaluationPool =>
    new Proxy(pool, {
      get(target, key) {
        if (key === 'evaluate') return async (req: Parameters<HeEvaluationPool['evaluate']>[0]) => ({ ...(await target.evaluate(req)), ...(unpriced ? { ms: -5 } : {}) });
        const v = Reflect.get(target, key, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  const submit = async (x: Float64Array): Promise<JobStatus> => {
    const { job } = (await api('jobs.submit', { principal, kind: 'he-inference', payload: { modelId, sessionId, ciphertext: toBase64(client.encrypt(x)) } })) as { job: JobStatus };
    await coordinator.he.idle();
    return ((await api('jobs.get', { principal, jobId: job.id })) as { job: JobStatus }).job;
  };

  const api = (method: string, req: unknown): Promise<unknown> => coordinator.parts.api.call(method, req);

  beforeAll(async () => {
    const seal = await loadSeal();
    audit = new MemoryMerkleLog({ origin: 'coordinator', secretKey: ids.coordinator!.signing.secretKey });
    const trusted: TrustedService[] = ['he-1', 'he-2'].map((id) => ({ id, kind: 'he-worker' as const, ...publicIdentity(ids[id]!) }));
    coordinator = await CoordinatorService.start({ nats: { servers: nats().url }, identity: ids.coordinator!, trusted, audit, log: new MemoryLog(), witnessCheckpoints: false, credits: { budgets: { acme: BUDGET_CREDITS } } });
    // Every reply to a request crosses the broker on an inbox subject: read the workers' own signed replies there.
    listener = await connect({ servers: nats().url });
    const assemblers = new Map<string, MessageAssembler>();
    listener.subscribe('_INBOX.>', {
      callback: (_e, msg) => {
        if (msg.data.length === 0) return assemblers.delete(msg.subject);
        const a = assemblers.get(msg.subject) ?? new MessageAssembler(64 << 20);
        assemblers.set(msg.subject, a);
        const whole = a.push(msg.data);
        if (!whole) return;
        assemblers.delete(msg.subject);
        let raw: unknown;
        try {
          raw = JSON.parse(new TextDecoder().decode(whole));
        } catch {
          return;
        }
        for (const w of ['he-1', 'he-2']) {
          const reply = verifyHeReply(raw, ids[w]!.signing.publicKey);
          if (reply?.ok && reply.from === w && typeof (reply.result as HeReplyResults['evaluate']).statementSignature === 'string') signedEvaluations.push({ from: w, ms: (reply.result as HeReplyResults['evaluate']).ms });
        }
      },
    });
    await listener.flush();
    workers = await Promise.all(['he-1', 'he-2'].map((id) => HeWorkerService.start({ nats: { servers: nats().url }, id, identity: ids[id]!, coordinatorKey: ids.coordinator!.signing.publicKey, pool: { workers: 1 }, log: new MemoryLog(), announceIntervalMs: 500, ...(id === 'he-2' ? { decoratePool: withoutMs } : {}) })));
    for (let i = 0; i < 100 && coordinator.parts.registry.list().filter((s) => s.status === 'up').length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    const published = (await api('models.publish', { principal, name: 'digits-square', version: '1', mode: 'he', ...signedHeModel(ONNX, 'digits-square', '1') })) as { model: { id: string } };
    modelId = published.model.id;
    const { plan } = (await api('models.hePlan', { principal, modelId })) as { plan: unknown };
    client = HeClient.create(seal, parsePublicPlan(JSON.parse(JSON.stringify(plan))));
    sessionId = ((await api('he.registerKeys', { principal, modelId, ...encodeEvalKeys(client.evalKeys) })) as { sessionId: string }).sessionId;
    // First a job whose he-2 reply states no milliseconds (it costs nothing), then inferences until the budget is used.
    unpriced = true;
    unpricedJob = await submit(rows(1)[0]!);
    unpriced = false;
    await listener.flush();
    signedEvaluations.length = 0;
    for (const x of rows(8)) {
      const balance = ((await api('credits.get', { principal })) as { credits: { balanceMillicredits: number } }).credits.balanceMillicredits;
      if (balance <= 0) break;
      const before = signedEvaluations.length;
      const status = await submit(x);
      const result = ((await api('jobs.result', { principal, jobId: status.id })) as { result: HeInferenceResult }).result;
      await listener.flush();
      jobs.push({ status, result, signed: signedEvaluations.slice(before) });
    }
  }, 120_000);

  afterAll(async () => {
    client?.dispose();
    await listener?.close();
    await Promise.all(workers.map((w) => w.stop()));
    await coordinator?.stop();
  });

  it("logs each HE job's cost as the two workers' signed evaluation milliseconds", () => {
    expect(jobs.length).toBeGreaterThanOrEqual(1);
    const entries = audit.entries({ from: 0 });
    for (const j of jobs) {
      expect(j.status.state).toBe('verified');
      expect(j.result.verification.mode).toBe('dual');
      // The two evaluate replies of this job, signed by the two workers of its verification.
      expect(j.signed.map((s) => s.from).sort()).toEqual([...j.result.verification.workers].sort());
      const heMs = j.result.verification.workers.map((w) => Math.round(j.signed.find((s) => s.from === w)!.ms));
      expect(heMs.every((ms) => ms > 0)).toBe(true);
      const finished = entries.filter((e) => e.type === 'job.finished' && e.jobId === j.status.id);
      expect(finished).toHaveLength(1);
      expect(finished[0]!.tenant).toBe('acme');
      expect(finished[0]!.cost).toEqual({ computeMs: [0, 0, 0], bytesSent: [0, 0, 0], heMs });
    }
  });

  it('charges the tenant those milliseconds at msPerCredit, as computeCredits over the log does', async () => {
    const entries = audit.entries({ from: 0 });
    const heMs = jobs.reduce((s, j) => s + j.signed.reduce((t, x) => t + Math.round(x.ms), 0), 0);
    const { credits, pricing } = (await api('credits.get', { principal })) as { credits: Record<string, number>; pricing: { msPerCredit: number } };
    expect(pricing.msPerCredit).toBe(1000);
    // One credit per worker-second: 1 millicredit per ms, a job's ceiling of an integer is itself.
    expect(credits).toEqual({ tenant: 'acme', jobs: jobs.length, computeMs: 0, bytesSent: 0, heMs, usedMillicredits: heMs, budgetMillicredits: BUDGET_CREDITS * 1000, balanceMillicredits: BUDGET_CREDITS * 1000 - heMs });
    expect(computeCredits(entries, {}, { acme: BUDGET_CREDITS }).tenants).toEqual([credits]);
    // KPIs round the mean to 3 decimals.
    const kpi = computeKpis(entries).costPerRequest;
    expect(kpi.jobs).toBe(jobs.length);
    expect(kpi.meanMillicredits).toBeCloseTo(heMs / jobs.length, 2);
  });

  it('a worker reply without its milliseconds fails the job he-bad-reply, unpriced', () => {
    expect(unpricedJob).toMatchObject({ state: 'failed', error: { code: 'he-bad-reply', message: 'he-2: its reply states no valid evaluation milliseconds (-5)' } });
    const entries = audit.entries({ from: 0 }).filter((e) => e.jobId === unpricedJob!.id);
    expect(entries.map((e) => e.type)).not.toContain('job.finished');
    expect(entries.at(-1)).toMatchObject({ type: 'job.failed', reason: 'he-bad-reply: he-2: its reply states no valid evaluation milliseconds (-5)' });
  });

  it('once the HE jobs have used the budget, the next HE submission is refused before a job exists', async () => {
    expect(((await api('credits.get', { principal })) as { credits: { balanceMillicredits: number } }).credits.balanceMillicredits).toBeLessThanOrEqual(0);
    const before = audit.entries({ from: 0 }).filter((e) => e.type === 'job.created').length;
    await expect(api('jobs.submit', { principal, kind: 'he-inference', payload: { modelId, sessionId, ciphertext: toBase64(client.encrypt(rows(1)[0]!)) } })).rejects.toMatchObject({ code: 'credits-exhausted', status: 402 });
    expect(audit.entries({ from: 0 }).filter((e) => e.type === 'job.created').length).toBe(before);
  });
});
