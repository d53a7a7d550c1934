/**
 * The HE path as services on a real nats-server with real node-seal: a coordinator (the
 * colleague's CoordinatorService, with the HE methods registered in its container) and two HE
 * worker services, each with its own identity and thread pool. The client side (protocols/he
 * HeClient) publishes digits_square_mlp, registers its evaluation keys (sent in chunks: the
 * server keeps the default 1 MiB max_payload), submits encrypted inputs, and decrypts results
 * that both workers computed; each is compared with float64 inference of the same model
 * (max abs difference <= 1e-4, same argmax). Then a worker that alters its results is caught
 * (failed-verification with both hashes in the audit log), and bad inputs (truncated bytes,
 * another parameter set, missing Galois keys, wrong parameters, forged or replayed requests)
 * each give a clear error while both workers stay up and keep answering correctly.
 * Keys are generated once for the file.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { bindPrincipalSigner } from '../../services/transport/connection-signer.js';
import { testGatewayKey } from '../helpers/gateway-key.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../crypto-core/encoding.js';
import { CkksContext } from '../../crypto-core/he/ckks-context.js';
import { CkksClientKeys } from '../../crypto-core/he/ckks-keys.js';
import type { CkksParams } from '../../crypto-core/he/ckks-params.js';
import { loadSeal, type SealModule } from '../../crypto-core/he/seal-loader.js';
import { generateIdentity, publicIdentity, type ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { HeClient } from '../../protocols/he/he-client.js';
import { inferPlain } from '../../protocols/he/plain-inference.js';
import { parsePublicPlan } from '../../protocols/he/public-plan.js';
import type { ModelIR } from '../../protocols/model/model-ir.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import type { JobStatus } from '../../services/wire/api.js';
import { MemoryAuditSink } from '../../services/coordinator/audit/audit-sink.js';
import { CoordinatorService } from '../../services/coordinator/coordinator-service.js';
import { ApiFailure } from '../../services/coordinator/errors.js';
import { registerHeMethods, type HeInferenceResult, type HeMethods } from '../../services/coordinator/he/he-methods.js';
import { NatsHeWorkerLink } from '../../services/coordinator/he/he-worker-link.js';
import type { TrustedService } from '../../services/coordinator/service-registry.js';
import type { HeReply, HeRequest } from '../../services/wire/he-messages.js';
import { digestView, signHeRequest, verifyHeReply } from '../../services/wire/he-signing.js';
import type { HeEvaluationPool } from '../../services/he-worker/he-request-handler.js';
import { HeWorkerService } from '../../services/he-worker/he-worker-service.js';
import { encodeEvalKeys } from '../../services/wire/he-codec.js';
import { fromLargeBase64 } from '../../services/wire/large-base64.js';
import { MemoryLog } from '../../services/transport/service-log.js';
import { NatsCoordinatorClient } from '../../services/gateway/coordinator-client.js';
import { useNatsServer } from '../helpers/nats-server.js';
import { signedHeModel } from '../helpers/signed-he-model.js';

const TOL = 1e-4;
const ONNX = readFileSync(new URL('../fixtures/models/digits_square_mlp.onnx', import.meta.url));
const principal = { tenant: 'acme', actor: 'client-1', roles: ['client' as const, 'model-owner' as const] };

function rows(count: number): Float64Array[] {
  const buf = readFileSync(new URL('../fixtures/data/digits_test.f32', import.meta.url));
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  return Array.from({ length: count }, (_, i) => Float64Array.from(all.subarray(i * 64, (i + 1) * 64)));
}

function argmax(v: Float64Array): number {
  return v.reduce((best, x, i) => (x > v[best]! ? i : best), 0);
}

/** A pool that, while `on`, flips one byte of every result and re-hashes it: a worker that lies consistently. */
class TamperingPool implements HeEvaluationPool {
  on = false;
  constructor(private readonly inner: HeEvaluationPool) {}
  registerModel(modelId: Parameters<HeEvaluationPool['registerModel']>[0], plan: Parameters<HeEvaluationPool['registerModel']>[1]): void {
    this.inner.registerModel(modelId, plan);
  }
  registerSession(...args: Parameters<HeEvaluationPool['registerSession']>): ReturnType<HeEvaluationPool['registerSession']> {
    return this.inner.registerSession(...args);
  }
  dropSession(sessionId: string): boolean {
    return this.inner.dropSession(sessionId);
  }
  stats(): { queued: number } {
    return this.inner.stats();
  }
  async evaluate(req: Parameters<HeEvaluationPool['evaluate']>[0]): ReturnType<HeEvaluationPool['evaluate']> {
    const r = await this.inner.evaluate(req);
    if (!this.on) return r;
    const bytes = Uint8Array.from(r.bytes);
    bytes[bytes.length - 1]! ^= 1;
    const { createHash } = await import('node:crypto');
    return { ...r, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
  }
}

describe('HE worker services with dual execution', () => {
  // 1 MiB max_payload (not the cluster's 32 MiB) so that the ~17 MB of keys must travel in pieces.
  const nats = useNatsServer({ maxPayload: 1 << 20 });
  const ids: Record<string, ServiceIdentity> = { coordinator: generateIdentity(), 'he-1': generateIdentity(), 'he-2': generateIdentity() };
  let seal: SealModule;
  let coordinator: CoordinatorService;
  let audit: MemoryAuditSink;
  let he: HeMethods;
  let gw: NatsCoordinatorClient;
  let gwNc: NatsConnection;
  let workers: HeWorkerService[] = [];
  let tamper: TamperingPool | undefined;
  let ir: ModelIR;
  let client: HeClient;
  let modelId: string;
  let sessionId: string;

  async function infer(x: Float64Array | Uint8Array): Promise<JobStatus> {
    const ciphertext = toBase64(x instanceof Uint8Array ? x : client.encrypt(x));
    // Over NATS as the gateway sends it: submit, then read the status once the job has ended.
    const { job } = await gw.call('jobs.submit', { principal, kind: 'he-inference', payload: { modelId, sessionId, ciphertext } });
    await he.idle();
    return (await gw.call('jobs.get', { principal, jobId: job.id })).job;
  }

  async function result(jobId: string): Promise<HeInferenceResult> {
    const r = await gw.call('jobs.result', { principal, jobId }, { chunked: true });
    return r.result as HeInferenceResult;
  }

  function api(method: string, req: unknown): Promise<unknown> {
    return coordinator.parts.api.call(method, req);
  }

  /** A signed request straight to a worker, as the coordinator (or `signer`) would send it. */
  async function ask(to: string, body: Record<string, unknown>, signer = ids.coordinator!): Promise<HeReply> {
    const req = { requestId: randomBytes(8).toString('hex'), to, issuedAt: Date.now(), ...body } as unknown as HeRequest;
    const out = await new NatsHeWorkerLink(coordinator.nc).request(to, signHeRequest(req, signer.signing), 30_000);
    expect('reply' in out).toBe(true);
    const reply = verifyHeReply((out as { reply: unknown }).reply, ids[to]!.signing.publicKey);
    expect(reply).toBeDefined();
    return reply!;
  }

  const logs: Record<string, MemoryLog> = {};

  function startWorker(id: string): Promise<HeWorkerService> {
    logs[id] = new MemoryLog();
    return HeWorkerService.start({
      nats: { servers: nats().url },
      id,
      identity: ids[id]!,
      coordinatorKey: ids.coordinator!.signing.publicKey,
      pool: { workers: 1 },
      log: logs[id],
      announceIntervalMs: 500,
      ...(id === 'he-2' ? { decoratePool: (p: HeEvaluationPool) => (tamper = new TamperingPool(p)) } : {}),
    });
  }

  beforeAll(async () => {
    seal = await loadSeal();
    audit = new MemoryAuditSink();
    const trusted: TrustedService[] = ['he-1', 'he-2'].map((id) => ({ id, kind: 'he-worker' as const, ...publicIdentity(ids[id]!) }));
    const gatewayKey = testGatewayKey();
    coordinator = await CoordinatorService.start({ nats: { servers: nats().url }, identity: ids.coordinator!, trusted, audit, log: new MemoryLog(), gateways: gatewayKey.gateways });
    // The coordinator service registers the HE methods itself and answers them through its API.
    he = coordinator.he;
    gwNc = bindPrincipalSigner(await connect({ servers: nats().url }), gatewayKey.signer);
    gw = new NatsCoordinatorClient(gwNc, 30_000);
    workers = await Promise.all(['he-1', 'he-2'].map((id) => startWorker(id)));
    for (let i = 0; i < 100 && coordinator.parts.registry.list().filter((s) => s.status === 'up').length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    ir = importOnnx(new Uint8Array(ONNX));
  }, 60_000);

  afterAll(async () => {
    client?.dispose();
    await gwNc?.close();
    await Promise.all(workers.map((w) => w.stop()));
    await coordinator?.stop();
  });

  it('both workers announce themselves and the registry lists them up', () => {
    const up = coordinator.parts.registry.list().filter((s) => s.kind === 'he-worker' && s.status === 'up');
    expect(up.map((s) => s.id).sort()).toEqual(['he-1', 'he-2']);
  });

  it('publishes the ONNX model on both workers and serves its public plan (no weights)', async () => {
    const res = (await api('models.publish', { principal, name: 'digits-square', version: '1', mode: 'he', ...signedHeModel(ONNX, 'digits-square', '1') })) as { model: { id: string; mode: string; inputShape: number[] }; created: boolean };
    expect(res.created).toBe(true);
    expect(res.model.mode).toBe('he');
    expect(res.model.inputShape).toEqual([64]);
    modelId = res.model.id;
    const again = (await api('models.publish', { principal, name: 'digits-square', version: '1', mode: 'he', ...signedHeModel(ONNX, 'digits-square', '1') })) as { model: { id: string }; created: boolean };
    expect(again).toMatchObject({ created: false, model: { id: modelId } });
    const published = audit.events.filter((e) => e.type === 'model.published' && e.modelId === modelId);
    expect(published).toHaveLength(1);
    expect(published[0]!.hashes?.plan).toMatch(/^[0-9a-f]{64}$/);
    const { plan } = (await gw.call('models.hePlan', { principal, modelId })) as unknown as { plan: Record<string, unknown> };
    expect(plan).not.toHaveProperty('steps');
    client = HeClient.create(seal, parsePublicPlan(JSON.parse(JSON.stringify(plan))));
  }, 60_000);

  it('registers the evaluation keys on two workers, in chunks over a 1 MiB max_payload', async () => {
    const wire = encodeEvalKeys(client.evalKeys);
    expect(wire.galoisKeys.length).toBeGreaterThan(coordinator.nc.info!.max_payload);
    const res = (await api('he.registerKeys', { principal, modelId, ...wire })) as { sessionId: string; expiresAt: string };
    sessionId = res.sessionId;
    expect(Date.parse(res.expiresAt)).toBeGreaterThan(Date.now());
    expect(workers.map((w) => w.pool.stats().sessions)).toEqual([1, 1]);
    expect(audit.events.some((e) => e.type === 'key.registered' && e.keyId === sessionId)).toBe(true);
  }, 60_000);

  it('evaluates on both workers, verifies equal hashes, and the client decrypts the plaintext answer (<= 1e-4)', async () => {
    for (const x of rows(3)) {
      const st = await infer(x);
      expect(st.state).toBe('verified');
      const r = await result(st.id);
      expect(r.verification.mode).toBe('dual');
      expect(new Set(r.verification.workers).size).toBe(2);
      expect(r.verification.hashes[0]).toBe(r.verification.hashes[1]);
      expect(r.sha256).toBe(r.verification.hashes[0]);
      const got = client.decrypt(fromLargeBase64(r.ciphertext));
      const want = inferPlain(ir, x);
      expect(got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i]!)), 0)).toBeLessThanOrEqual(TOL);
      expect(argmax(got)).toBe(argmax(want));
      // One verdict entry per job, and it carries the hashes.
      const verdict = audit.events.filter((e) => e.jobId === st.id && e.type === 'job.verified');
      expect(verdict).toHaveLength(1);
      expect(verdict[0]!.hashes).toMatchObject({ resultA: r.sha256, resultB: r.sha256 });
    }
  }, 60_000);

  it('a worker that alters its result is caught: failed-verification with both hashes, no result released', async () => {
    tamper!.on = true;
    try {
      const st = await infer(rows(1)[0]!);
      expect(st.state).toBe('failed-verification');
      expect(st.error?.code).toBe('he-result-mismatch');
      expect(st.error?.message).toMatch(/he-1 [0-9a-f]{16}\.\.\., he-2 [0-9a-f]{16}\.\.\./);
      await expect(coordinator.parts.api.call('jobs.result', { principal, jobId: st.id })).rejects.toMatchObject({ code: 'job-failed' });
      const evs = audit.events.filter((e) => e.jobId === st.id && e.type === 'job.failed-verification');
      expect(evs).toHaveLength(1);
      const ev = evs[0];
      expect(ev?.hashes?.resultA).toMatch(/^[0-9a-f]{64}$/);
      expect(ev?.hashes?.resultA).not.toBe(ev?.hashes?.resultB);
    } finally {
      tamper!.on = false;
    }
    expect((await infer(rows(1)[0]!)).state).toBe('verified');
  }, 60_000);

  it('bad ciphertexts fail the job with a named error and the workers stay up', async () => {
    const good = client.encrypt(rows(1)[0]!);
    const truncated = await infer(good.subarray(0, good.length >> 1));
    expect(truncated.state).toBe('failed');
    expect(truncated.error?.code).toMatch(/^he-/);
    expect(truncated.error?.message).toMatch(/ciphertext/);

    // A ciphertext of another parameter set (other primes): its parms_id is not in the model's chain.
    const other: CkksParams = { polyModulusDegree: 8192, coeffModulusBits: [45, 40, 40, 40, 45], scaleBits: 40 };
    const ctx = CkksContext.create(seal, other);
    const { keys } = CkksClientKeys.generate(ctx, []);
    const foreign = keys.encryptSlots(new Float64Array(ctx.slotCount).fill(0.5));
    keys.dispose();
    ctx.dispose();
    const mismatch = await infer(foreign);
    expect(mismatch.state).toBe('failed');
    expect(mismatch.error?.code).toBe('he-parameter-mismatch');

    const garbage = await infer(randomBytes(4096));
    expect(garbage.state).toBe('failed');
    expect(garbage.error?.code).toMatch(/^he-/);

    expect(workers.map((w) => w.pool.stats().restarts)).toEqual([0, 0]);
    const x = rows(2)[1]!;
    const st = await infer(x);
    expect(st.state).toBe('verified');
    const got = client.decrypt(fromLargeBase64((await result(st.id)).ciphertext));
    expect(got.reduce((m, v, i) => Math.max(m, Math.abs(v - inferPlain(ir, x)[i]!)), 0)).toBeLessThanOrEqual(TOL);
  }, 60_000);

  it('keys with missing Galois steps or other parameters are refused by the coordinator, and by a worker at evaluation', async () => {
    const wire = encodeEvalKeys(client.evalKeys);
    await expect(api('he.registerKeys', { principal, modelId, ...wire, galoisSteps: wire.galoisSteps.slice(1) })).rejects.toMatchObject({ code: 'he-missing-galois-keys', status: 400 });
    await expect(api('he.registerKeys', { principal, modelId, ...wire, params: { polyModulusDegree: 8192, coeffModulusBits: [45, 40, 40, 40, 45], scaleBits: 40 } })).rejects.toMatchObject({ code: 'he-parameter-mismatch' });
    await expect(api('he.registerKeys', { principal, modelId, ...wire, relinKeys: 'not base64!' })).rejects.toBeInstanceOf(ApiFailure);

    // Straight to a worker: a session whose keys lack the model's rotations fails at evaluation, by name.
    const noRotations = encodeEvalKeys(CkksClientKeys.generate(client.ctx, []).evalKeys);
    const reg = await ask('he-1', { type: 'register-session', sessionId: 'no-rotations', evalKeys: noRotations });
    expect(reg.ok).toBe(true);
    const ev = await ask('he-1', { type: 'evaluate', jobId: 'j1', sessionId: 'no-rotations', modelId, ciphertext: toBase64(client.encrypt(rows(1)[0]!)) });
    expect(ev).toMatchObject({ ok: false, error: { code: 'he-missing-galois-key' } });
    const unknown = await ask('he-1', { type: 'evaluate', jobId: 'j2', sessionId: 'never-registered', modelId, ciphertext: toBase64(client.encrypt(rows(1)[0]!)) });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'he-unknown-session' } });
    expect((await infer(rows(1)[0]!)).state).toBe('verified');
  }, 60_000);

  it('refuses requests signed by another key, addressed to another worker, or replayed', async () => {
    const body = { type: 'drop-session', sessionId: 'nothing' };
    expect(await ask('he-1', body, generateIdentity())).toMatchObject({ ok: false, error: { code: 'bad-signature' } });
    const misaddressed = { requestId: 'r-misaddressed', to: 'he-2', issuedAt: Date.now(), ...body } as unknown as HeRequest;
    const link = new NatsHeWorkerLink(coordinator.nc);
    const out = (await link.request('he-1', signHeRequest(misaddressed, ids.coordinator!.signing), 10_000)) as { reply: unknown };
    expect(verifyHeReply(out.reply, ids['he-1']!.signing.publicKey)).toMatchObject({ ok: false, error: { code: 'wrong-addressee' } });
    const once = signHeRequest({ requestId: 'r-once', to: 'he-1', issuedAt: Date.now(), ...body } as unknown as HeRequest, ids.coordinator!.signing);
    const first = (await link.request('he-1', once, 10_000)) as { reply: unknown };
    const second = (await link.request('he-1', once, 10_000)) as { reply: unknown };
    expect(verifyHeReply(first.reply, ids['he-1']!.signing.publicKey)).toMatchObject({ ok: true });
    expect(verifyHeReply(second.reply, ids['he-1']!.signing.publicKey)).toMatchObject({ ok: false, error: { code: 'replayed-request' } });
  }, 30_000);

  it('a signed request whose large field is swapped, or replaced by its digest placeholder, is refused', async () => {
    const link = new NatsHeWorkerLink(coordinator.nc);
    const ciphertext = toBase64(client.encrypt(rows(1)[0]!));
    const signed = signHeRequest({ type: 'evaluate', requestId: 'r-swap', to: 'he-1', issuedAt: Date.now(), jobId: 'j', sessionId, modelId, ciphertext }, ids.coordinator!.signing);
    const swapped = { ...signed, body: { ...signed.body, ciphertext: toBase64(client.encrypt(rows(2)[1]!)) } };
    const placeholder = { ...signed, body: { ...signed.body, ciphertext: digestView(ciphertext) } };
    for (const forged of [swapped, placeholder]) {
      const out = (await link.request('he-1', forged as typeof signed, 10_000)) as { reply: unknown };
      expect(verifyHeReply(out.reply, ids['he-1']!.signing.publicKey)).toMatchObject({ ok: false, error: { code: 'bad-signature' } });
    }
    const out = (await link.request('he-1', signed, 10_000)) as { reply: unknown };
    expect(verifyHeReply(out.reply, ids['he-1']!.signing.publicKey)).toMatchObject({ ok: true });
  }, 30_000);

  it('refuses inference on an unknown session, another tenant\'s session, or with a single worker by default', async () => {
    const ct = toBase64(client.encrypt(rows(1)[0]!));
    await expect(api('jobs.submit', { principal, kind: 'he-inference', payload: { modelId, sessionId: 'hs-nope', ciphertext: ct } })).rejects.toMatchObject({ code: 'he-unknown-session', status: 404 });
    const other = { ...principal, tenant: 'other' };
    await expect(api('jobs.submit', { principal: other, kind: 'he-inference', payload: { modelId, sessionId, ciphertext: ct } })).rejects.toMatchObject({ code: 'he-unknown-session' });
    coordinator.parts.registry.markDown('he-2');
    try {
      await expect(api('he.registerKeys', { principal, modelId, ...encodeEvalKeys(client.evalKeys) })).rejects.toMatchObject({ code: 'he-unverifiable', status: 503 });
    } finally {
      coordinator.parts.registry.markSeen('he-2');
    }
  }, 30_000);

  it('with singleWorker "repeat", a coordinator that restarted restores the model on re-publication and labels one-worker results', async () => {
    // A second HE part over the same book and catalogue, as after a coordinator restart.
    const repeat = registerHeMethods(coordinator.parts.container.createChildContainer(), { link: new NatsHeWorkerLink(coordinator.nc), settings: { singleWorker: 'repeat' } });
    await expect(repeat.call('models.hePlan', { principal, modelId })).rejects.toMatchObject({ code: 'unknown-model' });
    const again = (await repeat.call('models.publish', { principal, name: 'digits-square', version: '1', mode: 'he', ...signedHeModel(ONNX, 'digits-square', '1') })) as { model: { id: string }; created: boolean };
    expect(again).toMatchObject({ created: false, model: { id: modelId } });
    coordinator.parts.registry.markDown('he-2');
    let single: string;
    try {
      single = ((await repeat.call('he.registerKeys', { principal, modelId, ...encodeEvalKeys(client.evalKeys) })) as { sessionId: string }).sessionId;
    } finally {
      coordinator.parts.registry.markSeen('he-2');
    }
    const x = rows(3)[1]!;
    const { job } = (await repeat.call('jobs.submit', { principal, kind: 'he-inference', payload: { modelId, sessionId: single, ciphertext: toBase64(client.encrypt(x)) } })) as { job: JobStatus };
    await repeat.idle();
    expect(coordinator.parts.book.get(principal, job.id).status.state).toBe('verified');
    const r = await result(job.id);
    expect(r.verification).toMatchObject({ mode: 'repeated', workers: ['he-1', 'he-1'] });
    const got = client.decrypt(fromLargeBase64(r.ciphertext));
    expect(got.reduce((m, v, i) => Math.max(m, Math.abs(v - inferPlain(ir, x)[i]!)), 0)).toBeLessThanOrEqual(TOL);
    await expect(api('jobs.submit', { principal, kind: 'he-inference', payload: { modelId, sessionId, ciphertext: 'not base64!' } })).rejects.toMatchObject({ code: 'invalid-request' });
  }, 60_000);

  it('a restarted worker gets the model re-sent, has lost the keys (named error), and verifies again once the client re-registers', async () => {
    await workers[0]!.stop();
    workers[0] = await startWorker('he-1');
    const x = rows(3)[2]!;
    const stale = await infer(x);
    expect(stale.state).toBe('failed');
    expect(stale.error?.code).toBe('he-unknown-session');
    expect(stale.error?.message).toMatch(/^he-1: /);
    sessionId = ((await api('he.registerKeys', { principal, modelId, ...encodeEvalKeys(client.evalKeys) })) as { sessionId: string }).sessionId;
    // The first evaluation on the fresh worker found no model and re-sent it (once), then no keys.
    expect(logs['he-1']!.entries.filter((e) => e.event === 'he-model-registered' && e.fields.modelId === modelId)).toHaveLength(1);
    const st = await infer(x);
    expect(st.state).toBe('verified');
    const got = client.decrypt(fromLargeBase64((await result(st.id)).ciphertext));
    expect(got.reduce((m, v, i) => Math.max(m, Math.abs(v - inferPlain(ir, x)[i]!)), 0)).toBeLessThanOrEqual(TOL);
  }, 60_000);
});
