/**
 * Attacks by whoever runs the gateway (or the coordinator behind it), played against a real
 * cluster: three real parties and a real coordinator on a real nats-server, the real fastify
 * gateway, the real SDK. The operator controls every HTTP answer the SDK gets, so it is played
 * as a `fetch` in front of the real gateway that rewrites answers.
 *
 * 1. Key substitution: the registry lists the operator's three key pairs, so that it can open
 *    every sealed share pair. Without a trust bundle the attack reads the client's input (shown,
 *    so that the unpinned mode's weakness is a tested fact); with the bundle the SDK seals only
 *    to the pinned keys, never asks the registry, and the operator's keys open nothing.
 * 2. Forged result: the operator (who sees the client's public key in the request) shares a value
 *    of its choosing, seals the three pairs to the client with the right associated data and
 *    returns them as the job's result. The boxes open, but no party signed them: the SDK refuses
 *    with ResultSignatureError before opening. Genuine signatures and boxes of another job of the
 *    same client are refused too (the statement names the job and the input boxes).
 * Every honest result is compared with the model evaluated in the clear.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readF32 } from '../helpers/read-f32.js';
import { readFileSync } from 'node:fs';
import { useNatsServer } from '../helpers/nats-server.js';
import type { InProcessCluster } from '../../services/cluster/in-process-cluster.js';
import { startRealGatewayCluster, type RealGatewayCluster } from '../helpers/real-gateway-cluster.js';
import { generateApiKey } from '../../services/gateway/api-key-store.js';
import { MpcClient, ResultSignatureError, decodeSharePair, encodeSharePair, inferenceInputAad, inferenceOutputAad, trustBundleFingerprint } from '../../services/sdk/index.js';
import type { JobResults } from '../../services/wire/api.js';
import { generateIdentity, publicIdentity } from '../../crypto-core/keys/identity.js';
import { open as openBox, seal } from '../../crypto-core/sealed-box.js';
import { fromBase64, fromHex, toBase64 } from '../../crypto-core/encoding.js';
import { DecryptionError } from '../../crypto-core/errors.js';
import { Prg } from '../../crypto-core/prg.js';
import { decodeFixed, encodeFixed } from '../../crypto-core/ring/index.js';
import { shareSecret } from '../../protocols/rss/replicated-share.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { evaluatePlain } from '../../protocols/model/plaintext-eval.js';

const ONNX = new Uint8Array(readFileSync('test/fixtures/models/digits_mlp.onnx'));
const ROWS = readF32('test/fixtures/data/digits_test.f32');
const TOL = 0.01;

/** A gateway operator: a fetch in front of the real gateway that may rewrite any answer. */
type Rewrite = (path: string, init: RequestInit | undefined, real: () => Promise<Response>) => Promise<Response>;
const operator = (rewrite: Rewrite): typeof fetch => (async (input: string | URL | Request, init?: RequestInit) => rewrite(new URL(String(input)).pathname, init, () => fetch(input, init))) as typeof fetch;
const json = (body: unknown): Response => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

describe('attacks by the gateway operator', () => {
  const nats = useNatsServer();
  let cluster: InProcessCluster;
  let gw: RealGatewayCluster;
  let url: string;
  let modelId: string;
  const keys = { alice: generateApiKey('alice'), owner: generateApiKey('owner') };
  // The operator's own three identities, listed in place of the parties'.
  const fake = [generateIdentity(), generateIdentity(), generateIdentity()];
  const row = Array.from(ROWS.subarray(0, 64));
  const plain = () => evaluatePlain(importOnnx(ONNX), Float64Array.from(row), 1).output;

  beforeAll(async () => {
    gw = await startRealGatewayCluster(nats().url, [
      { id: 'alice', tenant: 'clinic-a', roles: ['client'], key: keys.alice },
      { id: 'owner', tenant: 'lab', roles: ['model-owner'], key: keys.owner },
    ]);
    ({ cluster, url } = gw);
    const owner = new MpcClient({ gatewayUrl: url, apiKey: keys.owner, trust: cluster.trustBundle });
    modelId = (await owner.publishModel(ONNX, { mode: 'mpc', name: 'digits', version: '1.0' })).id;
  });
  afterAll(async () => gw?.stop());

  /** Answers the registry with the operator's keys; records every inference submission. */
  function substituting(seen: { paths: string[]; submissions: { sealedInputs: string[]; clientPublicKey: string }[] }): typeof fetch {
    return operator(async (path, init, real) => {
      seen.paths.push(path);
      if (path === '/v1/registry') {
        return json({ services: fake.map((f, i) => ({ id: `party-${i}`, kind: 'party', index: i, status: 'up', ...publicIdentity(f) })) });
      }
      if (path === '/v1/inference/mpc') seen.submissions.push(JSON.parse(new TextDecoder().decode(init!.body as Uint8Array)));
      return real();
    });
  }

  it('key substitution: without a trust bundle the operator reads the input (the unpinned mode is unsafe)', async () => {
    const seen = { paths: [] as string[], submissions: [] as { sealedInputs: string[]; clientPublicKey: string }[] };
    const alice = new MpcClient({ gatewayUrl: url, apiKey: keys.alice, fetch: substituting(seen) });
    // The parties cannot open boxes sealed to the operator's keys, so the job itself fails.
    await alice.submitMpcInference(modelId, { shape: [1, 64], data: row }).catch(() => undefined);
    const sub = seen.submissions[0]!;
    const [a0] = decodeSharePair(openBox(fake[0]!.agreement.secretKey, fromBase64(sub.sealedInputs[0]!), inferenceInputAad(modelId, sub.clientPublicKey, 0)), 64);
    const [a1] = decodeSharePair(openBox(fake[1]!.agreement.secretKey, fromBase64(sub.sealedInputs[1]!), inferenceInputAad(modelId, sub.clientPublicKey, 1)), 64);
    const [a2] = decodeSharePair(openBox(fake[2]!.agreement.secretKey, fromBase64(sub.sealedInputs[2]!), inferenceInputAad(modelId, sub.clientPublicKey, 2)), 64);
    const x = new BigUint64Array(64).map((_, k) => BigInt.asUintN(64, a0[k]! + a1[k]! + a2[k]!));
    decodeFixed(x, alice.fractionBits).forEach((v, k) => expect(Math.abs(v - row[k]!)).toBeLessThan(1e-4));
  });

  it('key substitution: with the pinned bundle the SDK never asks the registry and the operator opens nothing', async () => {
    const seen = { paths: [] as string[], submissions: [] as { sealedInputs: string[]; clientPublicKey: string }[] };
    const alice = new MpcClient({ gatewayUrl: url, apiKey: keys.alice, fetch: substituting(seen), trust: cluster.trustBundle });
    expect(trustBundleFingerprint(cluster.trustBundle)).toMatch(/^[0-9a-f]{64}$/);
    const out = await alice.infer(modelId, { shape: [1, 64], data: row }, { timeoutMs: 30_000 });
    expect(seen.paths).not.toContain('/v1/registry');
    const want = plain();
    out.data.forEach((v, k) => expect(Math.abs(v - want[k]!)).toBeLessThan(TOL));
    const sub = seen.submissions[0]!;
    for (const i of [0, 1, 2]) {
      expect(() => openBox(fake[i]!.agreement.secretKey, fromBase64(sub.sealedInputs[i]!), inferenceInputAad(modelId, sub.clientPublicKey, i))).toThrow(DecryptionError);
    }
  });

  it('a malformed trust bundle is refused when the client is made', () => {
    const bad = { ...cluster.trustBundle, parties: cluster.trustBundle.parties.slice(0, 2) };
    expect(() => new MpcClient({ gatewayUrl: url, apiKey: keys.alice, trust: bad as never })).toThrow(/trust bundle: parties/);
  });

  it('forged result: boxes the operator sealed to the client are refused unopened (ResultSignatureError)', async () => {
    const chosen = 42;
    const jobClientKey = new Map<string, { key: string; modelId: string }>();
    const forge = operator(async (path, _init, real) => {
      const res = await real();
      if (!/^\/v1\/jobs\/[^/]+\/result$/.test(path)) return res;
      const body = (await res.json()) as { jobId: string; kind: string; result: JobResults['mpc-inference'] };
      const client = jobClientKey.get(body.jobId)!;
      const shares = shareSecret(encodeFixed(new Float64Array(10).fill(chosen)), Prg.random(), [1, 10]);
      const sealedOutputs = shares.map((s, i) => toBase64(seal(fromHex(client.key, 'k', 32), encodeSharePair(s.a, s.b), inferenceOutputAad(client.modelId, client.key, i))));
      return json({ ...body, result: { ...body.result, sealedOutputs } });
    });
    const alice = new MpcClient({ gatewayUrl: url, apiKey: keys.alice, fetch: forge, trust: cluster.trustBundle });
    const pending = await alice.submitMpcInference(modelId, { shape: [1, 64], data: row });
    jobClientKey.set(pending.job.id, { key: pending.requestId, modelId });
    const job = await alice.waitForJob(pending.job.id, { timeoutMs: 30_000 });
    const forged = (await alice.jobResult(job.id)).result as JobResults['mpc-inference'];
    // The forgery is well made: the client's key opens every box ...
    forged.sealedOutputs.forEach((b, i) => expect(() => openBox(pending.clientKey.secretKey, fromBase64(b), inferenceOutputAad(modelId, pending.requestId, i))).not.toThrow());
    // ... yet no party signed it.
    const err = (() => {
      try {
        alice.openMpcResult(pending, forged);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ResultSignatureError);
    expect((err as ResultSignatureError).code).toBe('result-signature');
  });

  it('a genuine result of another job of the same client is refused for this one', async () => {
    const alice = new MpcClient({ gatewayUrl: url, apiKey: keys.alice, trust: cluster.trustBundle });
    const first = await alice.submitMpcInference(modelId, { shape: [1, 64], data: row });
    const second = await alice.submitMpcInference(modelId, { shape: [1, 64], data: Array.from(ROWS.subarray(64, 128)) });
    await alice.waitForJob(first.job.id, { timeoutMs: 30_000 });
    await alice.waitForJob(second.job.id, { timeoutMs: 30_000 });
    const r1 = (await alice.jobResult(first.job.id)).result as JobResults['mpc-inference'];
    const want = plain();
    alice.openMpcResult(first, r1).data.forEach((v, k) => expect(Math.abs(v - want[k]!)).toBeLessThan(TOL));
    // The first job's signed boxes, served as the second job's result (the client key even matches
    // if the operator also replays the first submission's key: here it is a different one).
    expect(() => alice.openMpcResult(second, r1)).toThrow(ResultSignatureError);
    expect(() => alice.openMpcResult({ ...second, clientKey: first.clientKey, requestId: first.requestId }, r1)).toThrow(ResultSignatureError);
  });
});
