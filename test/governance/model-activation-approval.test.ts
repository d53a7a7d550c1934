/**
 * k-organisation approval of model activation (docs/governance.md "Model rollout"): with
 * `governance.activationQuorum` 2, `models.activate` and `models.rollback` need operators' signed
 * `model-activation` approvals of two organisations for exactly the version that becomes active.
 * Over a real nats-server and gateway: no approval, one organisation, the same one twice, a
 * forged signature, an approval of another version and a stale one are 403 `activation-refused`
 * and change nothing; two organisations through `mpc models activate --approve` activate v2, and
 * a rollback needs approvals of v1; the audit entries name the approving operators.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../crypto-core/encoding.js';
import { generateIdentity } from '../../crypto-core/keys/identity.js';
import { writeIdentityFile } from '../../crypto-core/keys/key-file.js';
import { run as activateCli } from '../../services/cli/commands/models-activate.js';
import { generateApiKey } from '../../services/gateway/api-key-store.js';
import { GatewayProblemError, MpcClient } from '../../services/sdk/index.js';
import { signMessage } from '../../services/wire/job-messages.js';
import { ACTIVATION_DOMAIN, type ActivationDecision } from '../../services/wire/party-governance.js';
import type { ModelRecord } from '../../services/wire/api.js';
import type { MemoryAuditSink } from '../../services/coordinator/audit/audit-sink.js';
import { useNatsServer } from '../helpers/nats-server.js';
import { startRealGatewayCluster, type RealGatewayCluster } from '../helpers/real-gateway-cluster.js';

const ONNX = new Uint8Array(readFileSync('test/fixtures/models/digits_mlp.onnx'));

describe('model activation needs the approval of operators of two organisations', () => {
  const nats = useNatsServer();
  let gw: RealGatewayCluster;
  let owner: MpcClient;
  let v1: ModelRecord;
  let v2: ModelRecord;
  const ops = ['a', 'b', 'c'].map(() => generateIdentity());
  const operators = ops.map((o, i) => ({ id: `op-${'abc'[i]!}`, organisation: `org-${'abc'[i]!}`, publicKey: toHex(o.signing.publicKey), runs: [`party-${i}`] }));
  const dir = mkdtempSync(join(tmpdir(), 'mpc-activation-'));
  const opFiles = ops.map((o, i) => {
    const f = join(dir, `op-${i}.identity.json`);
    writeIdentityFile(f, o);
    return f;
  });
  const key = generateApiKey('owner');

  beforeAll(async () => {
    gw = await startRealGatewayCluster(nats().url, [{ id: 'owner', tenant: 'lab', roles: ['model-owner'], key }], { coordinator: { governance: { operators, activationQuorum: 2 } } });
    owner = new MpcClient({ gatewayUrl: gw.url, apiKey: key, trust: gw.cluster.trustBundle });
    v1 = await owner.publishModel(ONNX, { mode: 'mpc', name: 'digits', version: '1' });
    v2 = await owner.publishModel(ONNX, { mode: 'mpc', name: 'digits', version: '2' });
  }, 60_000);
  afterAll(async () => {
    await gw?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const approve = (k: number, m: ModelRecord, over: Partial<ActivationDecision> = {}, signer = ops[k]!.signing): unknown =>
    signMessage<ActivationDecision>(ACTIVATION_DOMAIN, { type: 'model-activation', name: m.name, version: m.version, modelId: m.id, issuedAt: Date.now(), ...over }, signer);
  const refused = async (p: Promise<unknown>, why: RegExp): Promise<void> => {
    const e = await p.then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(GatewayProblemError);
    expect([(e as GatewayProblemError).status, (e as GatewayProblemError).type.split('/').at(-1)]).toEqual([403, 'activation-refused']);
    expect((e as GatewayProblemError).message).toMatch(why);
  };

  it('refuses activation without two organisations\' valid approvals of exactly this version, and changes nothing', async () => {
    await refused(owner.activateModel('digits', '2'), /needs the approval of operators of 2 organisations, got 0$/);
    await refused(owner.activateModel('digits', '2', { approvals: [approve(0, v2)] }), /got 1$/);
    await refused(owner.activateModel('digits', '2', { approvals: [approve(0, v2), approve(0, v2)] }), /got 1$/);
    const forged = { ...(approve(2, v2, {}, generateIdentity().signing) as object), signer: operators[2]!.publicKey };
    await refused(owner.activateModel('digits', '2', { approvals: [approve(0, v2), forged] }), /the signature of op-c does not verify/);
    await refused(owner.activateModel('digits', '2', { approvals: [approve(0, v2), approve(2, v1)] }), /op-c signed another decision \(not the activation of digits 2/);
    await refused(owner.activateModel('digits', '2', { approvals: [approve(0, v2), approve(2, v2, { issuedAt: Date.now() - 2 * 24 * 3600_000 })] }), /op-c's approval is not recent/);
    expect((await owner.modelRollout('digits')).active).toBe(v1.id);
  });

  it('two organisations approve through the CLI; a rollback needs approvals of the version before; the log names the signers', async () => {
    const cli = (args: string[]) => activateCli([...args, '--gateway', gw.url, '--api-key', key]);
    expect(await cli(['digits', '2', '--approve', opFiles[0]!])).toBe(3);
    expect(await cli(['digits', '2', '--approve', opFiles[0]!, '--approve', opFiles[1]!])).toBe(0);
    expect((await owner.modelRollout('digits')).active).toBe(v2.id);
    await refused(owner.rollbackModel('digits'), /activating digits 1 needs the approval/);
    await refused(owner.rollbackModel('digits', { approvals: [approve(0, v2), approve(1, v2)] }), /signed another decision \(not the activation of digits 1/);
    expect((await owner.rollbackModel('digits', { approvals: [approve(1, v1), approve(2, v1)] })).model.id).toBe(v1.id);
    const events = (gw.cluster.audit as MemoryAuditSink).events;
    expect(events.find((e) => e.type === 'model.activated')?.signers).toEqual(['op-a', 'op-b']);
    expect(events.find((e) => e.type === 'model.rolled-back')?.signers).toEqual(['op-b', 'op-c']);
  });
});
