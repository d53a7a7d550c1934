/**
 * Model rollout through the coordinator over a real nats-server and real parties: the first
 * published version of a name is active; `models.activate` makes another published version
 * active and `models.rollback` returns to the one active before, each written to the audit log
 * (`model.activated`, `model.rolled-back`). Refusals: an unknown version (404), activating the
 * active version or rolling back with no earlier one (409), a principal without the model-owner
 * or admin role (403).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { connect, type NatsConnection } from 'nats';
import { bindPrincipalSigner } from '../../services/transport/connection-signer.js';
import { useNatsServer } from '../helpers/nats-server.js';
import { startInProcessCluster, type InProcessCluster } from '../../services/cluster/in-process-cluster.js';
import { callCoordinator, CoordinatorCallError } from '../../services/cluster/coordinator-caller.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { shareModel } from '../../protocols/nn/shared-model.js';
import { sealSignedModel } from '../../services/sdk/model-version-signer.js';
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';
import { fromHex } from '../../crypto-core/encoding.js';
import { Prg } from '../../crypto-core/prg.js';
import { MemoryAuditSink } from '../../services/coordinator/audit/audit-sink.js';
import type { CoordinatorMethods, Principal } from '../../services/wire/api.js';

const server = useNatsServer();
const audit = new MemoryAuditSink();
let cluster: InProcessCluster;
let client: NatsConnection;
const owner: Principal = { tenant: 'lab', actor: 'owner', roles: ['model-owner'] };
const user: Principal = { tenant: 'clinic', actor: 'app', roles: ['client'] };
const ownerKey = generateSigningKeyPair().secretKey;
const ir = importOnnx(new Uint8Array(readFileSync('test/fixtures/models/digits_mlp.onnx')));

beforeAll(async () => {
  cluster = await startInProcessCluster({ nats: { servers: server().url }, audit });
  client = bindPrincipalSigner(await connect({ servers: server().url }), cluster.gatewaySigner);
  await cluster.ready();
});
afterAll(async () => {
  await client?.close();
  await cluster?.stop();
});

async function call<M extends keyof CoordinatorMethods>(method: M, req: CoordinatorMethods[M]['req']): Promise<CoordinatorMethods[M]['res']> {
  return (await callCoordinator(client, method as never, req as never, 60_000)) as CoordinatorMethods[M]['res'];
}
async function failure(p: Promise<unknown>): Promise<CoordinatorCallError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(CoordinatorCallError);
  return e as CoordinatorCallError;
}
async function publish(version: string): Promise<string> {
  const keys = cluster.partyAgreementKeys.map((k) => fromHex(k, 'pk', 32));
  const signed = sealSignedModel(keys, shareModel(ir, Prg.random(), 16), ownerKey, { name: 'roll', version });
  return (await call('models.publish', { principal: owner, name: 'roll', version, mode: 'mpc', ...signed })).model.id;
}

describe('model rollout', () => {
  it('activates a later version, rolls back to the earlier one, and logs both', async () => {
    const v1 = await publish('1');
    const v2 = await publish('2');
    expect((await call('models.rollout', { principal: user, name: 'roll' })).rollout.active).toBe(v1);

    const act = await call('models.activate', { principal: owner, name: 'roll', version: '2' });
    expect(act.model.id).toBe(v2);
    expect(act.rollout).toMatchObject({ active: v2, previous: [v1] });
    expect((await failure(call('models.activate', { principal: owner, name: 'roll', version: '2' }))).code).toBe('model-rollout-conflict');

    const back = await call('models.rollback', { principal: owner, name: 'roll' });
    expect(back.model).toMatchObject({ id: v1, version: '1' });
    expect(back.rollout).toMatchObject({ active: v1, previous: [] });
    expect(back.rollout.history.map((h) => [h.action, h.version])).toEqual([
      ['published', '1'],
      ['activated', '2'],
      ['rolled-back', '1'],
    ]);
    expect((await failure(call('models.rollback', { principal: owner, name: 'roll' }))).code).toBe('model-rollout-conflict');

    const logged = audit.events.filter((e) => e.type === 'model.activated' || e.type === 'model.rolled-back');
    expect(logged.map((e) => [e.type, e.modelId, e.actor])).toEqual([
      ['model.activated', v2, 'owner'],
      ['model.rolled-back', v1, 'owner'],
    ]);
    expect(logged[1]!.reason).toBe('roll rolled back to 1 (was 2)');
  });

  it('refuses an unknown version or name (404) and a principal without the model-owner role (403)', async () => {
    expect((await failure(call('models.activate', { principal: owner, name: 'roll', version: '9' }))).code).toBe('unknown-model');
    expect((await failure(call('models.rollout', { principal: owner, name: 'nope' }))).code).toBe('unknown-model');
    expect((await failure(call('models.activate', { principal: user, name: 'roll', version: '2' }))).code).toBe('forbidden');
    expect(audit.events.filter((e) => e.type === 'model.activated')).toHaveLength(1);
  });
});
