/**
 * Inference by model name follows the rollout, on a real nats-server cluster behind the real
 * gateway (SDK over HTTP, coordinator, three parties): the owner publishes two versions of one
 * name (v1 digits_mlp, v2 digits_square_mlp: same input [64] and output [10], other weights), a
 * client infers by name and gets v1's logits; after `activate 2` the same call gets v2's; after
 * `rollback` v1's again. Each run is compared with ONNX Runtime on THAT version within the
 * documented error bound of the model record (and is outside the bound of the other version).
 *
 * "Bit for bit": the parties' probabilistic truncation makes two runs of one model differ in the
 * last fixed-point bits, so restoration is shown as strongly as the system allows: after the
 * rollback the job records v1's id and version and the same digests of the sealed model views
 * (the ones the parties checked against v1's owner-signed statement) as before the update, in its
 * status and in its `job.created` entry; its output is within v1's bound of ONNX Runtime, within
 * twice the bound of the pre-update run, with the same predicted classes.
 *
 * A v3 signed by another owner key is refused by the parties (422 model-version-refused), is not
 * listed and cannot be activated; activation, rollback and the refusal are in the audit log.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as inferCommand } from '../../services/cli/commands/infer.js';
import { useNatsServer } from '../helpers/nats-server.js';
import { startRealGatewayCluster, type RealGatewayCluster } from '../helpers/real-gateway-cluster.js';
import { generateApiKey } from '../../services/gateway/api-key-store.js';
import { GatewayProblemError, MpcClient, type InferenceResult } from '../../services/sdk/index.js';
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';
import { MemoryAuditSink } from '../../services/coordinator/audit/audit-sink.js';
import { loadModelBytes, loadSplit, argmaxRows } from '../onnx/load-fixture.js';
import { runOrt } from '../onnx/zoo-fixture.js';
import type { JobModel, ModelRecord } from '../../services/wire/api.js';

const NAME = 'digits-gov';
const V1 = loadModelBytes('digits_mlp');
const V2 = loadModelBytes('digits_square_mlp');
const BATCH = 6;
const split = loadSplit('digits_test');
const X = split.x.slice(0, BATCH * 64);

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('inference by model name follows activation and rollback', () => {
  const nats = useNatsServer();
  const audit = new MemoryAuditSink();
  const keys = { owner: generateApiKey('owner'), alice: generateApiKey('alice') };
  let gw: RealGatewayCluster;
  let owner: MpcClient;
  let alice: MpcClient;
  let v1: ModelRecord & { created: boolean };
  let v2: ModelRecord & { created: boolean };
  let ref1: Float64Array;
  let ref2: Float64Array;
  let before: InferenceResult;

  const infer = async (): Promise<InferenceResult> => await alice.infer({ name: NAME }, { shape: [BATCH, 64], data: X }, { timeoutMs: 90_000 });
  const createdEntry = (jobId: string) => audit.events.find((e) => e.type === 'job.created' && e.jobId === jobId);
  /** The run matches `ref` (ONNX Runtime of one version) within `bound`, with the same classes. */
  const expectMatches = (out: InferenceResult, ref: Float64Array, bound: number): void => {
    expect(out.shape).toEqual([BATCH, 10]);
    expect(maxDiff(out.data, ref)).toBeLessThan(bound);
    expect(argmaxRows(out.data, 10)).toEqual(argmaxRows(ref, 10));
  };

  beforeAll(async () => {
    gw = await startRealGatewayCluster(
      nats().url,
      [
        { id: 'owner', tenant: 'lab', roles: ['model-owner'], key: keys.owner },
        { id: 'alice', tenant: 'clinic', roles: ['client'], key: keys.alice },
      ],
      { audit },
    );
    owner = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.owner, modelKey: generateSigningKeyPair().secretKey });
    alice = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.alice });
    v1 = await owner.publishModel(V1, { mode: 'mpc', name: NAME, version: '1' });
    // x^2 layers: the range check needs the inputs' bound (digits pixels are 0..16).
    v2 = await owner.publishModel(V2, { mode: 'mpc', name: NAME, version: '2', inputBound: 16 });
    ref1 = await runOrt(V1, X, [BATCH, 64]);
    ref2 = await runOrt(V2, X, [BATCH, 64]);
  }, 120_000);
  afterAll(async () => {
    await alice?.close();
    await owner?.close();
    await gw?.stop();
  });

  it('runs the first published version by name, and says which version ran', async () => {
    const bound = v1.precision!.errorBound;
    expect(v1.precision).toMatchObject({ fractionBits: 16, errorBoundSource: 'documented' });
    // The two versions differ far beyond the bound: which one ran is visible in the output.
    expect(maxDiff(ref1, ref2)).toBeGreaterThan(100 * bound);
    before = await infer();
    expect(before.job.model).toMatchObject({ id: v1.id, name: NAME, version: '1' });
    expect(before.job.model!.boxSha256).toHaveLength(3);
    expectMatches(before, ref1, bound);
    expect(maxDiff(before.data, ref2)).toBeGreaterThan(bound);
    const created = createdEntry(before.job.id)!;
    expect(created).toMatchObject({ modelId: v1.id, reason: `model ${NAME} 1`, jobKind: 'mpc-inference' });
    const d = before.job.model!.boxSha256!;
    expect(created.hashes).toMatchObject({ modelBox0: d[0], modelBox1: d[1], modelBox2: d[2] });
  });

  it('runs v2 after activation and v1 again after rollback, on the same sealed views as before', async () => {
    expect((await owner.activateModel(NAME, '2')).rollout.active).toBe(v2.id);
    const after = await infer();
    expect(after.job.model).toMatchObject({ id: v2.id, version: '2' });
    expectMatches(after, ref2, v2.precision!.errorBound);
    expect(maxDiff(after.data, ref1)).toBeGreaterThan(v1.precision!.errorBound);
    // v2's views are other boxes than v1's.
    expect(after.job.model!.boxSha256).not.toEqual(before.job.model!.boxSha256);

    expect((await owner.rollbackModel(NAME)).rollout.active).toBe(v1.id);
    const restored = await infer();
    const bound = v1.precision!.errorBound;
    // The same version, the same views (digests the parties checked against v1's signed statement).
    expect(restored.job.model).toEqual(before.job.model);
    expect(createdEntry(restored.job.id)!.hashes).toMatchObject({ modelBox0: before.job.model!.boxSha256![0], modelBox1: before.job.model!.boxSha256![1], modelBox2: before.job.model!.boxSha256![2] });
    expect(createdEntry(restored.job.id)).toMatchObject({ modelId: v1.id, reason: `model ${NAME} 1` });
    expectMatches(restored, ref1, bound);
    // Not bit for bit (probabilistic truncation), but the two v1 runs agree within twice the bound, class for class.
    const runToRun = maxDiff(restored.data, before.data);
    expect(runToRun).toBeLessThan(2 * bound);
    expect(argmaxRows(restored.data, 10)).toEqual(argmaxRows(before.data, 10));
    console.log(`v1 run-to-run max |diff| ${runToRun.toExponential(2)}; v1 vs ORT ${maxDiff(before.data, ref1).toExponential(2)} / ${maxDiff(restored.data, ref1).toExponential(2)}; v2 vs ORT ${maxDiff(after.data, ref2).toExponential(2)}`);

    const logged = audit.events.filter((e) => e.type === 'model.activated' || e.type === 'model.rolled-back');
    expect(logged.map((e) => [e.type, e.modelId, e.actor])).toEqual([
      ['model.activated', v2.id, 'owner'],
      ['model.rolled-back', v1.id, 'owner'],
    ]);
  });

  it('refuses a v3 signed by another owner key (422): it never becomes active, and the refusal is logged', async () => {
    const intruder = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.owner, modelKey: generateSigningKeyPair().secretKey });
    const err = await intruder.publishModel(V1, { mode: 'mpc', name: NAME, version: '3' }).catch((e: unknown) => e);
    await intruder.close();
    expect(err).toBeInstanceOf(GatewayProblemError);
    expect(err).toMatchObject({ status: 422, problem: 'model-version-refused' });
    expect((await alice.models()).filter((m) => m.name === NAME).map((m) => m.version).sort()).toEqual(['1', '2']);
    await expect(owner.activateModel(NAME, '3')).rejects.toMatchObject({ status: 404 });
    expect((await alice.modelRollout(NAME)).active).toBe(v1.id);
    const refusal = audit.events.filter((e) => e.type === 'job.failed' && /model-version-owner-key/.test(e.reason ?? ''));
    expect(refusal).toHaveLength(1);
    // By name, the client still gets v1.
    const out = await infer();
    expect(out.job.model).toMatchObject({ id: v1.id, version: '1' });
    expectMatches(out, ref1, v1.precision!.errorBound);
  });

  it('mpc infer --model <name> runs the active version and names it under --json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mpc-infer-name-'));
    try {
      const input = join(dir, 'x.json');
      await writeFile(input, JSON.stringify({ shape: [BATCH, 64], data: Array.from(X) }));
      const out: string[] = [];
      const err: string[] = [];
      vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
      vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
      let code: number;
      try {
        code = await inferCommand(['--model', NAME, '--input', input, '--json', '--gateway', gw.url, '--api-key', keys.alice]);
      } finally {
        vi.restoreAllMocks();
      }
      expect(err.join('')).toBe('');
      expect(code).toBe(0);
      const printed = JSON.parse(out.join('')) as { shape: number[]; data: number[]; job: { model: JobModel } };
      expect(printed.job.model).toEqual({ id: v1.id, name: NAME, version: '1' });
      expect(maxDiff(printed.data, ref1)).toBeLessThan(v1.precision!.errorBound);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers an unknown name with 404 before any job exists, and keeps the id form working', async () => {
    const jobsBefore = audit.events.filter((e) => e.type === 'job.created').length;
    await expect(alice.infer({ name: 'no-such-model' }, { shape: [1, 64], data: X.slice(0, 64) })).rejects.toMatchObject({ status: 404, problem: 'not-found' });
    // Exactly one of modelId and model.
    const body = { shape: [1, 64], clientPublicKey: '00'.repeat(32), sealedInputs: ['AA', 'AA', 'AA'] };
    for (const which of [{ modelId: v1.id, model: NAME }, {}]) {
      const res = await fetch(`${gw.url}/v1/inference/mpc`, { method: 'POST', headers: { authorization: `Bearer ${keys.alice}`, 'content-type': 'application/json' }, body: JSON.stringify({ ...body, ...which }) });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ errors: expect.arrayContaining([{ path: 'body', message: 'must match exactly one schema in oneOf' }]) });
    }
    expect(audit.events.filter((e) => e.type === 'job.created')).toHaveLength(jobsBefore);
    const byId = await alice.infer(v2.id, { shape: [BATCH, 64], data: X }, { timeoutMs: 90_000 });
    expect(byId.job.model satisfies JobModel | undefined).toMatchObject({ id: v2.id, name: NAME, version: '2' });
    expectMatches(byId, ref2, v2.precision!.errorBound);
  });

  it('a retried submission by name returns the job it made, with the version it ran, after the active version changed', async () => {
    const first = await alice.submitMpcInference({ name: NAME }, { shape: [1, 64], data: X.slice(0, 64) }, { idempotencyKey: 'by-name-retry' });
    expect(first.modelId).toBe(v1.id);
    await owner.activateModel(NAME, '2');
    try {
      const again = await alice.resubmit(first);
      expect(again.created).toBe(false);
      expect(again.job.id).toBe(first.job.id);
      expect(again.job.model).toMatchObject({ id: v1.id, version: '1' });
    } finally {
      await owner.rollbackModel(NAME);
    }
  });
});
