/**
 * The gateway and the SDK against the real coordinator and three real parties (in-process
 * cluster on a real nats-server: signed dispatch, job book with idempotency and tenant
 * isolation, NATS peer channels, output commitments). The parties run a stand-in runner for
 * `mpc-inference` written for this test, since model evaluation is not part of the gateway: it
 * opens the sealed input pair, computes y = x * x with the real one-round RSS multiplication and
 * share truncation (protocols/rss `mulFixed`) over the parties' NATS channels, and seals its
 * output pair to the client. The SDK's checked opening is compared with x^2 in the clear within
 * 2^-14 (truncation error of one unit in the last place of f = 16, plus rounding).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNatsServer } from '../helpers/nats-server.js';
import { startInProcessCluster, type InProcessCluster } from '../../services/cluster/in-process-cluster.js';
import { buildGateway } from '../../services/gateway/build-gateway.js';
import { NatsCoordinatorClient } from '../../services/gateway/coordinator-client.js';
import { ApiKeyStore, generateApiKey, hashApiKey } from '../../services/gateway/api-key-store.js';
import { MpcClient } from '../../services/sdk/index.js';
import { GatewayProblemError } from '../../services/sdk/errors.js';
import { decodeSharePair, encodeSharePair, inferenceInputAad, inferenceOutputAad, shapeSize } from '../../services/sdk/sealed-share-pair.js';
import type { JobRunContext, JobRunner, JobRunOutcome } from '../../services/party/job-runner.js';
import { open as openBox, seal } from '../../crypto-core/sealed-box.js';
import { fromBase64, fromHex, toBase64 } from '../../crypto-core/encoding.js';
import { makeShare } from '../../protocols/rss/replicated-share.js';
import { mulFixed } from '../../protocols/rss/truncate.js';
import { connect, type NatsConnection } from 'nats';
import type { FastifyInstance } from 'fastify';

/** Test runner for `mpc-inference`: the "model" is y = x^2, computed with the real RSS protocol. */
class SquareRunner implements JobRunner {
  readonly kind = 'mpc-inference';
  async run(ctx: JobRunContext): Promise<JobRunOutcome> {
    const p = ctx.order.payload as { modelId: string; shape: number[]; clientPublicKey: string; sealedInput: string };
    const self = ctx.protocol.self;
    const n = shapeSize(p.shape);
    const [a, b] = decodeSharePair(openBox(ctx.identity.agreement.secretKey, fromBase64(p.sealedInput), inferenceInputAad(p.modelId, p.clientPublicKey, self)), n);
    const x = makeShare(a, b, p.shape);
    const y = await mulFixed(ctx.protocol, x, x);
    const sealedOutput = toBase64(seal(fromHex(p.clientPublicKey, 'clientPublicKey', 32), encodeSharePair(y.a, y.b), inferenceOutputAad(p.modelId, p.clientPublicKey, self)));
    return { result: { shape: p.shape, sealedOutput }, output: y };
  }
}

describe('gateway + SDK with the real coordinator and parties', () => {
  const nats = useNatsServer();
  let cluster: InProcessCluster;
  let nc: NatsConnection;
  let app: FastifyInstance;
  let url: string;
  const keys = { alice: generateApiKey('alice'), mallory: generateApiKey('mallory') };

  beforeAll(async () => {
    cluster = await startInProcessCluster({ nats: { servers: nats().url }, runners: () => [new SquareRunner()] });
    await cluster.ready();
    nc = await connect({ servers: nats().url });
    app = await buildGateway({
      coordinator: new NatsCoordinatorClient(nc, 10_000),
      keys: new ApiKeyStore({
        version: 1,
        keys: [
          { id: 'alice', tenant: 'clinic-a', roles: ['client'], hash: hashApiKey(keys.alice) },
          { id: 'mallory', tenant: 'clinic-b', roles: ['client'], hash: hashApiKey(keys.mallory) },
        ],
      }),
      audit: () => undefined,
    });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await nc?.drain();
    await cluster?.stop();
  });

  it('is ready and lists the parties with their keys', async () => {
    const ready = await (await fetch(`${url}/readyz`)).json();
    expect(ready).toMatchObject({ ready: true, nats: true, parties: 3 });
    const alice = new MpcClient({ gatewayUrl: url, apiKey: keys.alice });
    const partyKeys = await alice.partyKeys();
    expect(partyKeys.map((k) => Buffer.from(k).toString('hex'))).toEqual(cluster.partyAgreementKeys);
  });

  it('runs an inference end to end and matches the plaintext within 2^-14', async () => {
    const alice = new MpcClient({ gatewayUrl: url, apiKey: keys.alice });
    const data = [1.5, -2.25, 0.125, 3, -0.5, 10];
    const states: string[] = [];
    const out = await alice.infer('square-1.0', { shape: [2, 3], data }, { timeoutMs: 30_000, onProgress: (j) => states.push(j.state) });
    expect(out.shape).toEqual([2, 3]);
    out.data.forEach((y, i) => expect(Math.abs(y - data[i]! * data[i]!)).toBeLessThanOrEqual(2 ** -14));
    expect(out.job.state).toBe('verified');
    expect(states.at(-1)).toBe('verified');
  });

  it('keeps tenants apart and honours idempotency keys in the real job book', async () => {
    const alice = new MpcClient({ gatewayUrl: url, apiKey: keys.alice });
    const first = await alice.submitMpcInference('square-1.0', { shape: [1, 1], data: [2] }, { idempotencyKey: 'retry-7' });
    const again = await alice.resubmit(first);
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.job.id).toBe(first.job.id);
    // The same key with a different request (a fresh sharing of the same input) is refused.
    await expect(alice.submitMpcInference('square-1.0', { shape: [1, 1], data: [2] }, { idempotencyKey: 'retry-7' })).rejects.toMatchObject({ status: 409, problem: 'conflict' });
    const mallory = new MpcClient({ gatewayUrl: url, apiKey: keys.mallory });
    const err = await mallory.jobStatus(first.job.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayProblemError);
    expect(err).toMatchObject({ status: 404, problem: 'not-found' });
    await expect(mallory.jobResult(first.job.id)).rejects.toMatchObject({ status: 404 });
    // The owner still gets its result: the first submission's key opens it.
    const job = await alice.waitForJob(first.job.id, { timeoutMs: 30_000 });
    const res = await alice.jobResult(job.id);
    const y = alice.openMpcResult(first, res.result as { shape: number[]; sealedOutputs: [string, string, string] });
    expect(Math.abs(y.data[0]! - 4)).toBeLessThanOrEqual(2 ** -14);
  });
});
