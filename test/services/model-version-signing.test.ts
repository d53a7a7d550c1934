/**
 * Owner-signed model versions (services/wire/model-version) against a real cluster over a real
 * nats-server: the parties store a version only with its owner's signed statement, check their
 * box's digest against it, open the box only under the key it names, and pin that key at the
 * model name's first version. The coordinator is played by this test: what it sends to
 * `models.publish` is what reaches the parties (the coordinator forwards the statement untouched),
 * so each attack is a statement a coordinator could put in the job order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { connect, type NatsConnection } from 'nats';
import { bindPrincipalSigner } from '../../services/transport/connection-signer.js';
import { useNatsServer } from '../helpers/nats-server.js';
import { startInProcessCluster, type InProcessCluster } from '../../services/cluster/in-process-cluster.js';
import { callCoordinator } from '../../services/cluster/coordinator-caller.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { shareModel, type SharedModel } from '../../protocols/nn/shared-model.js';
import { sealSignedModel, signMpcModelVersion } from '../../services/sdk/model-version-signer.js';
import { openModelVersion, signModelVersion, type SignedModelVersion } from '../../services/wire/model-version.js';
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';
import { fromBase64, fromHex } from '../../crypto-core/encoding.js';
import { Prg } from '../../crypto-core/prg.js';
import type { CoordinatorMethods, Principal } from '../../services/wire/api.js';

const server = useNatsServer();
let cluster: InProcessCluster;
let client: NatsConnection;
let partyKeys: Uint8Array[];
const owner: Principal = { tenant: 'lab', actor: 'owner', roles: ['model-owner'] };
const ownerKey = generateSigningKeyPair().secretKey;
const coordinatorKey = generateSigningKeyPair().secretKey;
const ir = importOnnx(new Uint8Array(readFileSync('test/fixtures/models/digits_mlp.onnx')));
const views = (): SharedModel[] => shareModel(ir, Prg.random(), 16);

beforeAll(async () => {
  cluster = await startInProcessCluster({ nats: { servers: server().url } });
  client = bindPrincipalSigner(await connect({ servers: server().url }), cluster.gatewaySigner);
  await cluster.ready();
  partyKeys = cluster.partyAgreementKeys.map((k) => fromHex(k, 'pk', 32));
});
afterAll(async () => {
  await client?.close();
  await cluster?.stop();
});

type PublishReq = CoordinatorMethods['models.publish']['req'];
async function publish(req: Omit<PublishReq, 'principal' | 'mode'>): Promise<CoordinatorMethods['models.publish']['res']> {
  return (await callCoordinator(client, 'models.publish' as never, { principal: owner, mode: 'mpc', ...req } as never, 60_000)) as CoordinatorMethods['models.publish']['res'];
}
/** The failure message of a publication that must be refused. */
async function refused(req: Omit<PublishReq, 'principal' | 'mode'>): Promise<string> {
  const err = await publish(req).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(err, 'publication must be refused').toBeInstanceOf(Error);
  return err!.message;
}
/** `s` re-signed by `key` over the same body. */
function resign(s: SignedModelVersion, key: Uint8Array): SignedModelVersion {
  return signModelVersion(openModelVersion(s)!, key);
}

describe('signed model versions', () => {
  it('refuses an unsigned version and a statement whose signature does not verify; stores nothing', async () => {
    const { sealedShares, statement } = sealSignedModel(partyKeys, views(), ownerKey, { name: 'sig-a', version: '1' });
    expect(await refused({ name: 'sig-a', version: '1', sealedShares })).toMatch(/model-version-unsigned/);
    const flipped = { ...statement, signature: (statement.signature[0] === '0' ? '1' : '0') + statement.signature.slice(1) };
    expect(await refused({ name: 'sig-a', version: '1', sealedShares, statement: flipped })).toMatch(/model-version-bad-signature/);
    // A payload that is not the signed text (re-serialised with a field changed) does not verify either.
    const edited = { ...statement, payload: statement.payload.replace('"version":"1"', '"version":"2"') };
    expect(await refused({ name: 'sig-a', version: '1', sealedShares, statement: edited })).toMatch(/model-version-bad-signature/);
    const list = (await callCoordinator(client, 'models.list' as never, { principal: owner } as never, 10_000)) as CoordinatorMethods['models.list']['res'];
    expect(list.models.some((m) => m.name === 'sig-a')).toBe(false);
  });

  it('refuses a statement the coordinator swapped in from another publication, or re-signed under its own key at the first version', async () => {
    const honest = sealSignedModel(partyKeys, views(), ownerKey, { name: 'sig-b', version: '1' });
    const other = sealSignedModel(partyKeys, views(), ownerKey, { name: 'sig-b', version: '1' });
    // Validly signed by the owner, but over other boxes: every party's digest differs.
    expect(await refused({ name: 'sig-b', version: '1', sealedShares: honest.sealedShares, statement: other.statement })).toMatch(/model-version-mismatch/);
    // Re-signed by the coordinator: signature and digests check, no key is pinned yet, but the
    // boxes were sealed under the owner's key and do not open next to another.
    expect(await refused({ name: 'sig-b', version: '1', sealedShares: honest.sealedShares, statement: resign(honest.statement, coordinatorKey) })).toMatch(/sealed-input|does not open/);
    // A statement for another name or version than the order's.
    const renamed = signMpcModelVersion(ownerKey, { name: 'sig-other', version: '1', boxes: honest.sealedShares.map((b) => fromBase64(b)) });
    expect(await refused({ name: 'sig-b', version: '1', sealedShares: honest.sealedShares, statement: renamed })).toMatch(/model-version-mismatch/);
    // The honest pair is stored.
    expect((await publish({ name: 'sig-b', version: '1', sealedShares: honest.sealedShares, statement: honest.statement })).created).toBe(true);
  });

  it('pins the owner key at the first version: a later version signed by another key is refused, by the owner key accepted', async () => {
    const v1 = sealSignedModel(partyKeys, views(), ownerKey, { name: 'sig-c', version: '1' });
    expect((await publish({ name: 'sig-c', version: '1', ...v1 })).created).toBe(true);
    // A new version sealed and signed end to end by someone else's key (a coordinator or a tenant colleague).
    const intruder = sealSignedModel(partyKeys, views(), generateSigningKeyPair().secretKey, { name: 'sig-c', version: '2' });
    expect(await refused({ name: 'sig-c', version: '2', ...intruder })).toMatch(/model-version-owner-key/);
    // The owner's own v2, re-signed by the coordinator's key: refused by the pin before any box is opened.
    const v2 = sealSignedModel(partyKeys, views(), ownerKey, { name: 'sig-c', version: '2' });
    expect(await refused({ name: 'sig-c', version: '2', sealedShares: v2.sealedShares, statement: resign(v2.statement, coordinatorKey) })).toMatch(/model-version-owner-key/);
    expect((await publish({ name: 'sig-c', version: '2', ...v2 })).created).toBe(true);
  });
});
