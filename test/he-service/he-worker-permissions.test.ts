/**
 * The HE path under the cluster's generated NATS permissions (services/cluster authorizationBlock
 * with coordinatorPermissions and heWorkerPermissions), on a real nats-server with a 1 MiB
 * max_payload: a dual-executed inference still runs end to end (chunked keys in, multi-message
 * replies out) and decrypts to the float64 answer within 1e-4, while a worker can neither
 * read another worker's requests nor speak on the coordinator's API or report subjects.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../crypto-core/encoding.js';
import { loadSeal } from '../../crypto-core/he/seal-loader.js';
import { generateIdentity, publicIdentity, type ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { HeClient } from '../../protocols/he/he-client.js';
import { inferPlain } from '../../protocols/he/plain-inference.js';
import { parsePublicPlan } from '../../protocols/he/public-plan.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { authorizationBlock, coordinatorPermissions, type NatsUser } from '../../services/cluster/nats-permissions.js';
import type { JobStatus } from '../../services/wire/api.js';
import { CoordinatorService } from '../../services/coordinator/coordinator-service.js';
import type { HeInferenceResult, HeMethods } from '../../services/coordinator/he/he-methods.js';
import { heWorkerPermissions } from '../../services/cluster/he-worker-cluster.js';
import { HeWorkerService } from '../../services/he-worker/he-worker-service.js';
import { encodeEvalKeys } from '../../services/wire/he-codec.js';
import { NatsServerProcess } from '../../services/cluster/nats-server-process.js';
import { fromLargeBase64 } from '../../services/wire/large-base64.js';
import { MemoryLog } from '../../services/transport/service-log.js';
import { signedHeModel } from '../helpers/signed-he-model.js';

const TOL = 1e-4;
const ONNX = readFileSync(new URL('../fixtures/models/digits_square_mlp.onnx', import.meta.url));
const principal = { tenant: 't1', actor: 'owner', roles: ['model-owner' as const, 'client' as const] };
const users: NatsUser[] = [
  { user: 'coordinator', password: 'c-secret', permissions: coordinatorPermissions() },
  { user: 'he-1', password: 'h1-secret', permissions: heWorkerPermissions('he-1') },
  { user: 'he-2', password: 'h2-secret', permissions: heWorkerPermissions('he-2') },
  { user: 'watch', password: 'w-secret', permissions: { publish: ['>'], subscribe: ['>'] } },
];

describe('HE workers under the generated NATS permissions', () => {
  const ids: Record<string, ServiceIdentity> = { coordinator: generateIdentity(), 'he-1': generateIdentity(), 'he-2': generateIdentity() };
  let server: NatsServerProcess;
  let coordinator: CoordinatorService;
  let he: HeMethods;
  let workers: HeWorkerService[] = [];
  let watch: NatsConnection;
  let spy: NatsConnection;
  let client: HeClient | undefined;

  beforeAll(async () => {
    server = await NatsServerProcess.start({ maxPayload: 1 << 20, extraConfig: authorizationBlock(users) });
    const trusted = ['he-1', 'he-2'].map((id) => ({ id, kind: 'he-worker' as const, ...publicIdentity(ids[id]!) }));
    coordinator = await CoordinatorService.start({ nats: { servers: server.url, user: 'coordinator', pass: 'c-secret' }, identity: ids.coordinator!, trusted, log: new MemoryLog() });
    he = coordinator.he;
    workers = await Promise.all(
      ['he-1', 'he-2'].map((id, i) =>
        HeWorkerService.start({
          nats: { servers: server.url, user: id, pass: users[i + 1]!.password },
          id,
          identity: ids[id]!,
          coordinatorKey: ids.coordinator!.signing.publicKey,
          pool: { workers: 1 },
          log: new MemoryLog(),
          announceIntervalMs: 500,
        }),
      ),
    );
    watch = await connect({ servers: server.url, user: 'watch', pass: 'w-secret' });
    spy = await connect({ servers: server.url, user: 'he-1', pass: 'h1-secret' });
    for (let i = 0; i < 100 && coordinator.parts.registry.list().filter((s) => s.status === 'up').length < 2; i++) await new Promise((r) => setTimeout(r, 50));
  }, 60_000);

  afterAll(async () => {
    client?.dispose();
    await spy?.close();
    await watch?.close();
    await Promise.all(workers.map((w) => w.stop()));
    await coordinator?.stop();
    await server?.stop();
  });

  it('runs a dual-executed inference end to end and the client decrypts the float64 answer (<= 1e-4)', async () => {
    const { model } = (await he.call('models.publish', { principal, name: 'digits', version: '1', mode: 'he', ...signedHeModel(ONNX, 'digits', '1') })) as { model: { id: string } };
    const { plan } = (await he.call('models.hePlan', { principal, modelId: model.id })) as { plan: unknown };
    client = HeClient.create(await loadSeal(), parsePublicPlan(JSON.parse(JSON.stringify(plan))));
    const { sessionId } = (await he.call('he.registerKeys', { principal, modelId: model.id, ...encodeEvalKeys(client.evalKeys) })) as { sessionId: string };
    const buf = readFileSync(new URL('../fixtures/data/digits_test.f32', import.meta.url));
    const x = Float64Array.from(new Float32Array(buf.buffer, buf.byteOffset, 64));
    const { job } = (await he.call('jobs.submit', { principal, kind: 'he-inference', payload: { modelId: model.id, sessionId, ciphertext: toBase64(client.encrypt(x)) } })) as { job: JobStatus };
    await he.idle();
    expect(coordinator.parts.book.get(principal, job.id).status.state).toBe('verified');
    const { result } = (await coordinator.parts.api.call('jobs.result', { principal, jobId: job.id })) as { result: HeInferenceResult };
    const got = client.decrypt(fromLargeBase64(result.ciphertext));
    const want = inferPlain(importOnnx(new Uint8Array(ONNX)), x);
    expect(got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i]!)), 0)).toBeLessThanOrEqual(TOL);
  }, 60_000);

  it('a worker cannot read another worker\'s requests or publish on coordinator subjects', async () => {
    const denied: string[] = [];
    spy.subscribe('mpc.svc.he-2.job', { callback: (err) => err && denied.push(err.message) });
    await spy.flush().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 150));
    expect(denied.join(' ')).toMatch(/Permissions Violation for Subscription to "mpc.svc.he-2.job"/);
    for (const subject of ['mpc.coord.api.jobs.submit', 'mpc.svc.he-2.job', 'mpc.coord.report.job-1', 'mpc.p2p.job-1.0.1']) {
      const got: string[] = [];
      const sub = watch.subscribe(subject, { callback: (_e, m) => got.push(m.subject) });
      await watch.flush();
      spy.publish(subject, new Uint8Array([1]));
      await spy.flush().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
      sub.unsubscribe();
      expect(got, subject).toEqual([]);
    }
  });
});
