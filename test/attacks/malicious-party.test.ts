/**
 * A cheating party (issue 13), played against a real cluster: three real parties and a
 * coordinator on a real nats-server, the real gateway and the real SDK. Party 1 runs honestly
 * except that it adds 2^36 (2^20 in fixed point) to one component of the first matrix product's
 * reshare, the message it alone computes.
 *
 * - Semi-honest mode (the attack succeeding): every check passes, the three parties sign their
 *   boxes, the SDK opens them and returns a result that is not the model's output.
 * - Malicious mode: the batch check fails before any output share leaves; the job ends
 *   `failed-verification` with code `verification-failed` (JobFailedError at the SDK), and the
 *   audit log holds `verification.failed` entries whose accused set contains party 1.
 * Honest runs in both modes are compared with the model evaluated in the clear.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readF32 } from '../helpers/read-f32.js';
import { useNatsServer } from '../helpers/nats-server.js';
import { startRealGatewayCluster, type RealGatewayCluster } from '../helpers/real-gateway-cluster.js';
import { generateApiKey } from '../../services/gateway/api-key-store.js';
import { GatewayProblemError, JobFailedError, MpcClient } from '../../services/sdk/index.js';
import { shareModel } from '../../protocols/nn/shared-model.js';
import { sealSignedModel } from '../../services/sdk/model-version-signer.js';
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';
import { fromHex } from '../../crypto-core/encoding.js';
import { Prg } from '../../crypto-core/prg.js';
import { MemoryAuditSink } from '../../services/coordinator/audit/audit-sink.js';
import { PerturbingChannel, type Perturbation } from '../../protocols/testing/perturbing-channel.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { evaluatePlain } from '../../protocols/model/plaintext-eval.js';

const ONNX = new Uint8Array(readFileSync('test/fixtures/models/digits_mlp.onnx'));
const ROWS = readF32('test/fixtures/data/digits_test.f32');
const TOL = 0.01;

describe('a cheating party', () => {
  const nats = useNatsServer();
  const audit = new MemoryAuditSink();
  let gw: RealGatewayCluster;
  let alice: MpcClient;
  let owner: MpcClient;
  let modelId: string;
  /** What party 1 alters in the next jobs (none: honest). */
  let cheat: Perturbation[] = [];
  const keys = { alice: generateApiKey('alice'), owner: generateApiKey('owner') };
  const row = Array.from(ROWS.subarray(64, 128));
  const want = evaluatePlain(importOnnx(ONNX), Float64Array.from(row), 1).output;
  const maxError = (got: Float64Array): number => Math.max(...Array.from(got, (v, k) => Math.abs(v - want[k]!)));

  beforeAll(async () => {
    gw = await startRealGatewayCluster(
      nats().url,
      [
        { id: 'alice', tenant: 'clinic-a', roles: ['client'], key: keys.alice },
        { id: 'owner', tenant: 'lab', roles: ['model-owner'], key: keys.owner },
      ],
      { audit, tamper: (i) => (i === 1 ? (channel) => new PerturbingChannel(channel, cheat) : undefined) },
    );
    owner = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.owner, trust: gw.cluster.trustBundle });
    modelId = (await owner.publishModel(ONNX, { mode: 'mpc', name: 'digits', version: '1.0' })).id;
    alice = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.alice, trust: gw.cluster.trustBundle });
  });
  afterAll(async () => gw?.stop());

  const input = { shape: [1, 64], data: row };
  // Party 1's first message of the first dense layer: its reshare of the matrix product
  // (malicious mode) or its additive part of the product's truncation (semi-honest mode).
  const FIRST_MATMUL: Perturbation[] = [{ tag: /dense#\d+\//, occurrence: 0, index: 3, delta: 1n << 36n }];

  it('honest runs agree with the clear model in both modes, and the result says which mode ran', async () => {
    cheat = [];
    const semi = await alice.infer(modelId, input, { timeoutMs: 60_000 });
    const mal = await alice.infer(modelId, input, { timeoutMs: 120_000, security: 'malicious' });
    expect(maxError(semi.data)).toBeLessThan(TOL);
    expect(maxError(mal.data)).toBeLessThan(TOL);
    expect(semi.security).toBe('semi-honest');
    expect(mal.security).toBe('malicious');
    // The mode is in the job's status and in its audit entries from placement on.
    expect(mal.job.security).toBe('malicious');
    expect(audit.eventsOf(mal.job.id).find((e) => e.type === 'job.placed')?.security).toBe('malicious');
    expect(audit.eventsOf(semi.job.id).find((e) => e.type === 'job.placed')?.security).toBe('semi-honest');
  });

  it('semi-honest mode: the altered reshare gives a wrong result that every check accepts (the attack works)', async () => {
    cheat = FIRST_MATMUL;
    const out = await alice.infer(modelId, input, { timeoutMs: 60_000 });
    expect(out.job.state).toBe('verified');
    expect(maxError(out.data)).toBeGreaterThan(1);
  });

  it('malicious mode: the job aborts before any output, with verification-failed and the accusation in the audit log', async () => {
    cheat = FIRST_MATMUL;
    const err = await alice.infer(modelId, input, { timeoutMs: 20_000, security: 'malicious' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(JobFailedError);
    const failed = err as JobFailedError;
    expect(failed.failureCode).toBe('verification-failed');
    expect(failed.state).toBe('failed-verification');
    // No party released an output: the job has no result (409 conflict, job-failed).
    await expect(alice.jobResult(failed.jobId)).rejects.toMatchObject({ status: 409 });
    const entries = audit.eventsOf(failed.jobId);
    // Every honest party's accusation names a pair containing the cheater (the cheater's own,
    // when it files one, names the other two: a pair is all one party's view can prove).
    const accusations = entries.filter((e) => e.type === 'verification.failed');
    const honest = accusations.filter((a) => a.party !== 1);
    expect(honest.length).toBeGreaterThan(0);
    for (const a of accusations) expect(a.hashes?.report).toMatch(/^[0-9a-f]{64}$/);
    for (const a of honest) expect(a.accused).toContain(1);
    expect(entries.some((e) => e.type === 'job.failed-verification')).toBe(true);
  });

  it('a model owner that deals inconsistent shares is refused at publication (400 invalid-ciphertext), nothing stored', async () => {
    const ir = importOnnx(ONNX);
    const views = shareModel(ir, Prg.random(), owner.fractionBits);
    // Party 1's copy of component 2 of the first weight differs from party 2's.
    const w = (views[1]!.layers.find((l) => l.kind === 'dense') as { weightT: { b: BigUint64Array } }).weightT;
    w.b[0] = w.b[0]! + 1n;
    const keys = gw.cluster.partyAgreementKeys.map((k) => fromHex(k, 'key', 32));
    const { sealedShares, statement } = sealSignedModel(keys, views, generateSigningKeyPair().secretKey, { name: 'skewed', version: '1.0' });
    const err = await owner.http.json({ method: 'POST', path: '/v1/models', body: { name: 'skewed', version: '1.0', mode: 'mpc', sealedShares, statement }, headers: { 'idempotency-key': 'skewed-1' } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GatewayProblemError);
    expect((err as GatewayProblemError).problem).toBe('invalid-ciphertext');
    expect((err as GatewayProblemError).status).toBe(400);
    expect((await owner.models()).some((m) => m.name === 'skewed')).toBe(false);
  });

  it('a coordinator that downgrades a malicious request to semi-honest is caught by the SDK', async () => {
    cheat = [];
    // The gateway passes the request on; the operator strips the field on the way.
    const downgrading = (async (input2: string | URL | Request, init?: RequestInit) => {
      if (new URL(String(input2)).pathname === '/v1/inference/mpc' && init?.body !== undefined) {
        const body = JSON.parse(new TextDecoder().decode(init.body as Uint8Array)) as Record<string, unknown>;
        delete body.security;
        init = { ...init, body: new TextEncoder().encode(JSON.stringify(body)) };
      }
      return fetch(input2, init);
    }) as typeof fetch;
    const bob = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.alice, trust: gw.cluster.trustBundle, fetch: downgrading });
    await expect(bob.infer(modelId, input, { timeoutMs: 60_000, security: 'malicious' })).rejects.toThrow(/not signed by party 0/);
  });
});
