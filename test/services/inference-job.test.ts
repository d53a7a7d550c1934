/**
 * Model publication and MPC inference through the coordinator over a real nats-server: the
 * owner's shared model views are stored by the parties encrypted at rest, the client's input is
 * shared and sealed per party, the parties evaluate the model together, and the client's
 * checked open of the sealed outputs matches the plaintext evaluation of the same ONNX model
 * within |secure - plain| <= 0.02 + 0.01 |plain| (16 fractional bits, truncation of one unit per
 * product, ReLU by exact comparison).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readF32 } from '../helpers/read-f32.js';
import { readFileSync } from 'node:fs';
import { connect, type NatsConnection } from 'nats';
import { bindPrincipalSigner } from '../../services/transport/connection-signer.js';
import { useNatsServer } from '../helpers/nats-server.js';
import { startInProcessCluster, type InProcessCluster } from '../../services/cluster/in-process-cluster.js';
import { callCoordinator, CoordinatorCallError, waitForJob } from '../../services/cluster/coordinator-caller.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { shareModel } from '../../protocols/nn/shared-model.js';
import { evaluatePlain } from '../../protocols/model/plaintext-eval.js';
import { sealSignedModel } from '../../services/sdk/model-version-signer.js';
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';
import { decodeSharePair, encodeSharePair, inferenceInputAad, inferenceOutputAad } from '../../services/wire/sealed-share-pair.js';
import { makeShare, openChecked, shareSecret } from '../../protocols/rss/replicated-share.js';
import { seal, open as openBox } from '../../crypto-core/sealed-box.js';
import { fromBase64, fromHex, toBase64, toHex } from '../../crypto-core/encoding.js';
import { generateAgreementKeyPair } from '../../crypto-core/keys/agreement.js';
import { decodeFixed, encodeFixed } from '../../crypto-core/ring/index.js';
import { Prg } from '../../crypto-core/prg.js';
import type { CoordinatorMethods, Principal } from '../../services/wire/api.js';

const server = useNatsServer();
let cluster: InProcessCluster;
let client: NatsConnection;
const owner: Principal = { tenant: 'lab', actor: 'owner', roles: ['model-owner'] };
const user: Principal = { tenant: 'clinic', actor: 'app', roles: ['client'] };

beforeAll(async () => {
  cluster = await startInProcessCluster({ nats: { servers: server().url } });
  client = bindPrincipalSigner(await connect({ servers: server().url }), cluster.gatewaySigner);
  await cluster.ready();
});
afterAll(async () => {
  await client?.close();
  await cluster?.stop();
});

async function call<M extends keyof CoordinatorMethods>(method: M, req: CoordinatorMethods[M]['req']): Promise<CoordinatorMethods[M]['res']> {
  return (await callCoordinator(client, method as never, req, 30_000)) as CoordinatorMethods[M]['res'];
}

describe('model publication and MPC inference', () => {
  it('publishes a model to the three parties and infers two digits within the stated tolerance', async () => {
    const ir = importOnnx(new Uint8Array(readFileSync('test/fixtures/models/digits_mlp.onnx')));
    const views = shareModel(ir, Prg.random(), 16);
    const { sealedShares, statement } = sealSignedModel(cluster.partyAgreementKeys.map((k) => fromHex(k, 'pk', 32)), views, generateSigningKeyPair().secretKey, { name: 'digits', version: '1' });
    const published = await call('models.publish', { principal: owner, name: 'digits', version: '1', mode: 'mpc', sealedShares, statement });
    expect(published.created).toBe(true);
    expect(published.model.inputShape).toEqual([64]);
    expect((await call('models.list', { principal: user })).models.map((m) => m.id)).toContain(published.model.id);
    expect((await call('models.publish', { principal: owner, name: 'digits', version: '1', mode: 'mpc', sealedShares, statement })).created).toBe(false);
    for (const p of cluster.parties) expect(p.runtime.kinds).toContain('mpc-inference');

    const all = readF32('test/fixtures/data/digits_test.f32');
    const batch = 2;
    const input = Float64Array.from(all.subarray(0, batch * 64));
    const modelId = published.model.id;
    const clientKey = generateAgreementKeyPair();
    const requestId = toHex(clientKey.publicKey);
    const shares = shareSecret(encodeFixed(input, 16));
    const sealedInputs = [0, 1, 2].map((i) =>
      toBase64(seal(fromHex(cluster.partyAgreementKeys[i]!, 'pk', 32), encodeSharePair(shares[i]!.a, shares[i]!.b), inferenceInputAad(modelId, requestId, i))),
    ) as [string, string, string];
    const { job } = await callCoordinator(client, 'jobs.submit', { principal: user, kind: 'mpc-inference', payload: { modelId, shape: [batch, 64], clientPublicKey: requestId, sealedInputs } });
    const done = await waitForJob(client, user, job.id);
    expect(done.error).toBeUndefined();
    expect(done.state).toBe('verified');
    const { result } = await callCoordinator(client, 'jobs.result', { principal: user, jobId: job.id });
    const r = result as { shape: number[]; sealedOutputs: [string, string, string] };
    expect(r.shape).toEqual([batch, 10]);
    const n = batch * 10;
    const outShares = [0, 1, 2].map((i) => {
      const [a, b] = decodeSharePair(openBox(clientKey.secretKey, fromBase64(r.sealedOutputs[i]!), inferenceOutputAad(modelId, requestId, i)), n);
      return makeShare(a, b);
    });
    const secure = decodeFixed(openChecked(outShares as never), 16);
    const plain = evaluatePlain(ir, input, batch).output;
    for (let t = 0; t < n; t++) expect(Math.abs(secure[t]! - plain[t]!)).toBeLessThanOrEqual(0.02 + 0.01 * Math.abs(plain[t]!));
  });

  it('refuses inference on an unknown model and a wrong input shape', async () => {
    const k = toHex(generateAgreementKeyPair().publicKey);
    const err = await callCoordinator(client, 'jobs.submit', { principal: user, kind: 'mpc-inference', payload: { modelId: 'm-none', shape: [1, 64], clientPublicKey: k, sealedInputs: ['a', 'b', 'c'] } }).catch((e: unknown) => e);
    expect((err as CoordinatorCallError).code).toBe('unknown-model');
    const id = (await call('models.list', { principal: user })).models[0]!.id;
    const err2 = await callCoordinator(client, 'jobs.submit', { principal: user, kind: 'mpc-inference', payload: { modelId: id, shape: [1, 63], clientPublicKey: k, sealedInputs: ['a', 'b', 'c'] } }).catch((e: unknown) => e);
    expect((err2 as CoordinatorCallError).message).toMatch(/shape/);
  });
});
