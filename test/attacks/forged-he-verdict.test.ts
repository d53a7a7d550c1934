/**
 * A forged HE verdict, played against a real cluster: `startFullCluster` runs nats-server, the
 * coordinator, three parties, two HE workers and the gateway as separate processes; the SDK
 * pins the trust bundle the cluster wrote. Whoever runs the gateway or coordinator controls the
 * `verification` field of an HE result ("dual execution agreed"), so the attack is played as a
 * `fetch` in front of the real gateway that rewrites the job result:
 *
 * 1. another input's answer: the genuine result ciphertext of the client's earlier job (which
 *    the client's key decrypts, to the wrong answer) served as this job's result, verdict and
 *    hashes claiming agreement: the workers' statements name the other job and input;
 * 2. one worker counted twice: a result only worker 1 vouches for, with the verdict naming it as
 *    both halves of the dual execution;
 * 3. the operator's own "worker": a result signed by a key the bundle does not pin;
 * 4. an altered ciphertext under the genuine signatures.
 *
 * For case 1 the test also opens the forged ciphertext with the client's key, to show what the
 * client would have believed (the earlier input's answer), so the attack is not vacuous. Each is
 * refused with ResultSignatureError before decryption; the honest result matches the model in
 * the clear within 1e-4.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readF32 } from '../helpers/read-f32.js';
import { startFullCluster, type FullCluster } from '../../services/cluster/full-cluster.js';
import { MpcClient, ResultSignatureError } from '../../services/sdk/index.js';
import { parseTrustBundle, TRUST_BUNDLE_FILE, type TrustBundle } from '../../services/wire/trust-bundle.js';
import type { JobResults } from '../../services/wire/api.js';
import { generateIdentity } from '../../crypto-core/keys/identity.js';
import { bytesDigest, signOutputStatement } from '../../services/wire/output-statement.js';
import { fromBase64, toBase64 } from '../../crypto-core/encoding.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { inferPlain } from '../../protocols/he/plain-inference.js';

const ONNX = new Uint8Array(readFileSync('test/fixtures/models/breast_cancer_logreg.onnx'));
const ROWS = readF32('test/fixtures/data/breast_cancer_test.f32');
const TOL = 1e-4;
const row = (r: number) => Float64Array.from(ROWS.subarray(r * 30, (r + 1) * 30));
const IR = importOnnx(ONNX);
/** The first rows the model puts in class 0 and in class 1, so that a swapped answer is visibly wrong. */
const rowsOfClass = (k: number) => Array.from({ length: ROWS.length / 30 }, (_, r) => r).filter((r) => (inferPlain(IR, row(r))[0]! > 0.5) === (k === 1));
const [NEG, POS] = [rowsOfClass(0)[0]!, rowsOfClass(1)[0]!];

type HeResult = JobResults['he-inference'];
type ResultBody = { jobId: string; kind: string; result: HeResult };
/** Rewrites the body of a job result answer; other answers pass. */
type Forge = (body: ResultBody) => ResultBody;

describe('attack: a forged HE verdict', () => {
  let dir: string;
  let cluster: FullCluster;
  let trust: TrustBundle;
  let modelId: string;
  let forge: Forge | undefined;
  /** The last genuine result body the gateway answered. */
  let lastGenuine: ResultBody | undefined;

  const operatorFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const res = await fetch(input, init);
    if (!/^\/v1\/jobs\/[^/]+\/result$/.test(new URL(String(input)).pathname) || res.status !== 200) return res;
    const body = (await res.json()) as ResultBody;
    if (body.kind === 'he-inference') lastGenuine = structuredClone(body);
    const out = forge && body.kind === 'he-inference' ? forge(body) : body;
    return new Response(JSON.stringify(out), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;

  const client = () => new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys['demo-client']!, trust, fetch: operatorFetch, pollIntervalMs: 100 });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mpc-he-verdict-'));
    cluster = await startFullCluster({ dir, heWorkers: 2 });
    trust = parseTrustBundle(JSON.parse(readFileSync(join(dir, TRUST_BUNDLE_FILE), 'utf8')));
    const owner = new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys['demo-model-owner']!, trust });
    modelId = (await owner.publishModel(ONNX, { mode: 'he', name: 'bc-verdict', version: '1' })).id;
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the honest result carries two pinned workers\' signatures and matches the model in the clear', async () => {
    forge = undefined;
    const c = client();
    try {
      const out = await c.infer(modelId, { shape: [1, 30], data: row(0) }, { mode: 'he' });
      const want = inferPlain(IR, row(0));
      out.data.forEach((y, i) => expect(Math.abs(y - want[i]!)).toBeLessThan(TOL));
      const v = lastGenuine!.result.verification!;
      expect(new Set(v.workers).size).toBe(2);
      expect(v.workers.every((w) => trust.heWorkers.some((p) => p.id === w))).toBe(true);
    } finally {
      await c.close();
    }
  }, 120_000);

  it('refuses another input\'s genuine answer served as this job\'s result (which the client would have decrypted)', async () => {
    const c = client();
    try {
      forge = undefined;
      await c.infer(modelId, { shape: [1, 30], data: row(NEG) }, { mode: 'he' });
      const earlier = lastGenuine!;
      forge = (body) => ({ ...body, result: earlier.result });
      const err = await c.infer(modelId, { shape: [1, 30], data: row(POS) }, { mode: 'he' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ResultSignatureError);
      expect(String((err as Error).message)).toMatch(/not signed by its pinned key for this job, input, result and key session/);
      // What the attack would have achieved: the forged ciphertext opens, to the class-0 row's answer
      // where the client asked about a class-1 row.
      const session = await c.heSession(modelId);
      const opened = session.client.decrypt(fromBase64(earlier.result.ciphertext));
      expect(Math.abs(opened[0]! - inferPlain(IR, row(NEG))[0]!)).toBeLessThan(TOL);
      expect(opened[0]!).toBeLessThan(0.5);
      expect(inferPlain(IR, row(POS))[0]!).toBeGreaterThan(0.5);
    } finally {
      forge = undefined;
      await c.close();
    }
  }, 120_000);

  it('refuses a verdict that counts one worker twice', async () => {
    forge = (body) => {
      const v = body.result.verification!;
      return { ...body, result: { ...body.result, verification: { ...v, mode: 'dual', workers: [v.workers[0], v.workers[0]], hashes: [v.hashes[0], v.hashes[0]], signatures: [v.signatures[0], v.signatures[0]] } } };
    };
    const c = client();
    try {
      await expect(c.infer(modelId, { shape: [1, 30], data: row(3) }, { mode: 'he' })).rejects.toThrow(/second, distinct HE worker/);
    } finally {
      forge = undefined;
      await c.close();
    }
  }, 120_000);

  it('refuses a result vouched for by a worker key the bundle does not pin', async () => {
    const rogue = generateIdentity();
    forge = (body) => {
      const v = body.result.verification!;
      // The operator's "worker" signs a true statement about the genuine ciphertext: the key is what is wrong.
      const statement = { jobId: body.jobId, kind: 'he-inference' as const, subject: modelId, party: 'he-worker-rogue', inputDigest: '', outputDigest: bytesDigest(fromBase64(body.result.ciphertext)), clientPublicKey: '' };
      return { ...body, result: { ...body.result, verification: { ...v, workers: [v.workers[0], 'he-worker-rogue'], signatures: [v.signatures[0], signOutputStatement(statement, rogue.signing)] } } };
    };
    const c = client();
    try {
      await expect(c.infer(modelId, { shape: [1, 30], data: row(4) }, { mode: 'he' })).rejects.toThrow(/he-worker-rogue's output comes from a worker that is not in the trust bundle/);
    } finally {
      forge = undefined;
      await c.close();
    }
  }, 120_000);

  it('refuses an altered ciphertext under the genuine signatures', async () => {
    forge = (body) => {
      const bytes = fromBase64(body.result.ciphertext);
      bytes[bytes.length - 1] ^= 1;
      return { ...body, result: { ...body.result, ciphertext: toBase64(bytes) } };
    };
    const c = client();
    try {
      await expect(c.infer(modelId, { shape: [1, 30], data: row(5) }, { mode: 'he' })).rejects.toBeInstanceOf(ResultSignatureError);
    } finally {
      forge = undefined;
      await c.close();
    }
  }, 120_000);
});
