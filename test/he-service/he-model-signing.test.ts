/**
 * Signed HE model versions (docs/governance.md "Model rollout"): the owner signs name, version
 * and the SHA-256 of the ONNX file; the HE workers verify the statement, check the ONNX they are
 * given against it and pin the owner's key per model name. Over a real nats-server with the
 * coordinator service and two HE workers: unsigned, forged and mismatched publications are 422
 * `model-version-refused`; a second version of the name under another key is refused by the
 * workers themselves (the coordinator does not pin); and a coordinator that bypasses its own check
 * (a register-model request signed with the coordinator's key, sent straight to a worker) is
 * refused for no statement, for a statement of other ONNX bytes and for a foreign key.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64, fromHex } from '../../crypto-core/encoding.js';
import { generateIdentity, publicIdentity, type ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';
import { CoordinatorService } from '../../services/coordinator/coordinator-service.js';
import { NatsHeWorkerLink } from '../../services/coordinator/he/he-worker-link.js';
import { ApiFailure } from '../../services/coordinator/errors.js';
import { HeWorkerService } from '../../services/he-worker/he-worker-service.js';
import { MemoryLog } from '../../services/transport/service-log.js';
import type { HeRequest } from '../../services/wire/he-messages.js';
import { signHeRequest, verifyHeReply } from '../../services/wire/he-signing.js';
import { signHeModelVersion } from '../../services/sdk/model-version-signer.js';
import { useNatsServer } from '../helpers/nats-server.js';

const ONNX = new Uint8Array(readFileSync(new URL('../fixtures/models/digits_square_mlp.onnx', import.meta.url)));
const OTHER = new Uint8Array(readFileSync(new URL('../fixtures/models/breast_cancer_logreg.onnx', import.meta.url)));
const principal = { tenant: 't1', actor: 'owner', roles: ['model-owner' as const] };

describe('HE model versions are signed by their owner and checked by the HE workers', () => {
  const nats = useNatsServer();
  const ids: Record<string, ServiceIdentity> = { coordinator: generateIdentity(), 'he-1': generateIdentity(), 'he-2': generateIdentity() };
  const owner = generateSigningKeyPair().secretKey;
  const mallory = generateSigningKeyPair().secretKey;
  let coordinator: CoordinatorService;
  let workers: HeWorkerService[] = [];
  let nc: NatsConnection;

  beforeAll(async () => {
    const trusted = ['he-1', 'he-2'].map((id) => ({ id, kind: 'he-worker' as const, ...publicIdentity(ids[id]!) }));
    coordinator = await CoordinatorService.start({ nats: { servers: nats().url }, identity: ids.coordinator!, trusted, log: new MemoryLog() });
    workers = await Promise.all(
      ['he-1', 'he-2'].map((id) => HeWorkerService.start({ nats: { servers: nats().url }, id, identity: ids[id]!, coordinatorKey: ids.coordinator!.signing.publicKey, pool: { workers: 1 }, log: new MemoryLog(), announceIntervalMs: 500 })),
    );
    nc = await connect({ servers: nats().url });
    for (let i = 0; i < 100 && coordinator.parts.registry.list().filter((s) => s.status === 'up').length < 2; i++) await new Promise((r) => setTimeout(r, 50));
  }, 60_000);
  afterAll(async () => {
    await nc?.close();
    await Promise.all(workers.map((w) => w.stop()));
    await coordinator?.stop();
  });

  const publish = (req: Record<string, unknown>) => coordinator.he.call('models.publish', { principal, mode: 'he', ...req });
  const refused = async (req: Record<string, unknown>, why: RegExp): Promise<void> => {
    const e = await publish(req).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(ApiFailure);
    expect([(e as ApiFailure).code, (e as ApiFailure).status]).toEqual(['model-version-refused', 422]);
    expect((e as ApiFailure).message).toMatch(why);
  };

  it('refuses an unsigned version, a forged signature and a statement of other bytes or another name', async () => {
    await refused({ name: 'sq', version: '1', onnx: toBase64(ONNX) }, /^model-version-unsigned: /);
    const good = signHeModelVersion(owner, { name: 'sq', version: '1', onnx: ONNX });
    const flipped = { ...good, signature: (good.signature[0] === '0' ? '1' : '0') + good.signature.slice(1) };
    await refused({ name: 'sq', version: '1', onnx: toBase64(ONNX), statement: flipped }, /^model-version-bad-signature: /);
    await refused({ name: 'sq', version: '1', onnx: toBase64(ONNX), statement: signHeModelVersion(owner, { name: 'sq', version: '1', onnx: OTHER }) }, /^model-version-mismatch: /);
    await refused({ name: 'sq', version: '1', onnx: toBase64(ONNX), statement: signHeModelVersion(owner, { name: 'other', version: '1', onnx: ONNX }) }, /^model-version-mismatch: /);
    expect(((await coordinator.parts.api.call('models.list', { principal })) as { models: unknown[] }).models).toEqual([]);
  });

  it('a signed version is registered on both workers; a second version under another key is refused by the workers', async () => {
    const v1 = (await publish({ name: 'sq', version: '1', onnx: toBase64(ONNX), statement: signHeModelVersion(owner, { name: 'sq', version: '1', onnx: ONNX }) })) as { created: boolean };
    expect(v1.created).toBe(true);
    // The coordinator checks the statement but pins nothing: the workers do.
    await refused({ name: 'sq', version: '2', onnx: toBase64(ONNX), statement: signHeModelVersion(mallory, { name: 'sq', version: '2', onnx: ONNX }) }, /^model-version-owner-key: .*he-1: model-version-owner-key: .*pinned at the name's first version/);
    const v2 = (await publish({ name: 'sq', version: '2', onnx: toBase64(ONNX), statement: signHeModelVersion(owner, { name: 'sq', version: '2', onnx: ONNX }) })) as { created: boolean };
    expect(v2.created).toBe(true);
  });

  it('a coordinator that bypasses its own check is refused by the worker: no statement, other ONNX bytes, a foreign key', async () => {
    const link = new NatsHeWorkerLink(nc);
    const ask = async (extra: Partial<Extract<HeRequest, { type: 'register-model' }>>, onnx = ONNX): Promise<{ ok: boolean; code?: string }> => {
      const req = { type: 'register-model', modelId: `m-${randomBytes(4).toString('hex')}`, model: { format: 'onnx', onnx: toBase64(onnx) }, requestId: randomBytes(12).toString('base64url'), to: 'he-1', issuedAt: Date.now(), ...extra } as HeRequest;
      const out = await link.request('he-1', signHeRequest(req, ids.coordinator!.signing), 20_000);
      if ('unreachable' in out) throw new Error(out.unreachable);
      const reply = verifyHeReply(out.reply, fromHex(publicIdentity(ids['he-1']!).signingPublicKey, 'key', 32))!;
      return reply.ok ? { ok: true } : { ok: false, code: String(reply.error?.code) };
    };
    expect(await ask({})).toEqual({ ok: false, code: 'model-version-unsigned' });
    expect(await ask({ statement: signHeModelVersion(owner, { name: 'sq', version: '3', onnx: ONNX }) }, OTHER)).toEqual({ ok: false, code: 'model-version-mismatch' });
    expect(await ask({ statement: signHeModelVersion(mallory, { name: 'sq', version: '3', onnx: ONNX }) })).toEqual({ ok: false, code: 'model-version-owner-key' });
    // IR instead of ONNX: nothing the owner signed.
    expect(await ask({ statement: signHeModelVersion(owner, { name: 'sq', version: '3', onnx: ONNX }), model: { format: 'ir', ir: { inputShape: [64], outputShape: [10], layers: [] } } })).toEqual({ ok: false, code: 'model-version-mismatch' });
    expect(await ask({ statement: signHeModelVersion(owner, { name: 'sq', version: '3', onnx: ONNX }) })).toEqual({ ok: true });
  });
});
