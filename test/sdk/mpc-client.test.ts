/**
 * The SDK end to end over HTTP: a real gateway listening on a socket, the coordinator test
 * double (test/gateway/coordinator-double.ts: a real NATS responder with an in-memory job table)
 * and three stand-in parties inside the double that hold real X25519 keys, open their sealed
 * input pairs, compute y = 3x + 1.5 locally on their replicated shares (a linear map needs no
 * interaction), and seal their output pairs to the client. The SDK's sharing, sealing, SSE
 * wait, opening and checked reconstruction are all real; the result is compared with the same
 * computation in the clear within 2^-14 (fixed point, f = 16, times the scalar 3).
 */
import { createHash } from 'node:crypto';
import { signStandInOutputs, standInSigners } from '../helpers/stand-in-party-signatures.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { useNatsServer } from '../helpers/nats-server.js';
import { startGateway, type GatewayFixture } from '../gateway/gateway-fixture.js';
import { MpcClient, GatewayProblemError, JobFailedError, verifyCheckpointConsistency, decodeSharedModel, modelShareAad, openModelVersion, signedModelShareAad, type SignedModelVersion, inferenceInputAad, inferenceOutputAad, encodeSharePair, decodeSharePair } from '../../services/sdk/index.js';
import { openDatasetManifest, signedDatasetUploadAad, type SignedDatasetManifest } from '../../services/wire/dataset-manifest.js';
import { generateAgreementKeyPair } from '../../crypto-core/keys/agreement.js';
import { open as openBox, seal } from '../../crypto-core/sealed-box.js';
import { fromBase64, fromHex, toBase64, toHex } from '../../crypto-core/encoding.js';
import { tsRing, encodeFixed } from '../../crypto-core/ring/index.js';
import { InconsistentShareError } from '../../protocols/rss/errors.js';
import { DecryptionError } from '../../crypto-core/errors.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { encodeRows } from '../../protocols/analytics/encode-rows.js';
import type { DatasetSchema } from '../../protocols/analytics/dataset-schema.js';

const PARTIES = [generateAgreementKeyPair(), generateAgreementKeyPair(), generateAgreementKeyPair()];
const SIGNERS = standInSigners();
const SCALE = 3n;
const OFFSET = 1.5;

/** What a stand-in party may do wrong, for the verification tests. */
type Fault = 'none' | 'alter-output-1' | 'swap-boxes';

describe('MpcClient against a gateway', () => {
  const nats = useNatsServer();
  let f: GatewayFixture;
  let url: string;
  let fault: Fault = 'none';
  let fail = false;

  beforeAll(async () => {
    f = await startGateway(nats().url, { rateLimitMax: 10_000 });
    f.double.services = PARTIES.map((k, i) => ({ id: `party-${i}`, kind: 'party' as const, index: i, signingPublicKey: toHex(SIGNERS[i]!.publicKey), agreementPublicKey: toHex(k.publicKey), status: 'up' as const }));
    // Drive each job: running, then verified (or failed) a moment later, but only once the
    // client's event stream has read the job (the gateway's jobs.get): on a loaded machine the
    // stream may open later than 15 ms, and would then never see 'running'.
    f.double.onSubmit = (id) => {
      setTimeout(() => f.double.advance(id, 'running', 0.5), 5);
      const end = (): void => {
        if (!f.double.callsOf('jobs.get').some((c) => c.body.jobId === id)) return void setTimeout(end, 5);
        if (fail) f.double.advance(id, 'failed', 1, { error: { code: 'party-timeout', message: 'party 2 did not answer', party: 2 } });
        else f.double.advance(id, 'verified', 1);
      };
      setTimeout(end, 15);
    };
    f.double.resultFor = (job) => {
      const p = job.payload as { modelId: string; shape: number[]; clientPublicKey: string; sealedInputs: string[] };
      const n = p.shape.reduce((a, b) => a * b, 1);
      const client = fromHex(p.clientPublicKey, 'clientPublicKey', 32);
      const offset = encodeFixed([OFFSET]);
      let outs = PARTIES.map((k, i) => {
        // Party i opens only its own box; the AAD pins model, request and slot.
        const [a, b] = decodeSharePair(openBox(k.secretKey, fromBase64(p.sealedInputs[i]!), inferenceInputAad(p.modelId, p.clientPublicKey, i)), n);
        const ya = tsRing.scalarMul(a, SCALE);
        const yb = tsRing.scalarMul(b, SCALE);
        // The public constant joins component 0, held as `a` by party 0 and as `b` by party 2.
        if (i === 0) ya.set(tsRing.add(ya, new BigUint64Array(n).fill(offset[0]!)));
        if (i === 2) yb.set(tsRing.add(yb, new BigUint64Array(n).fill(offset[0]!)));
        if (fault === 'alter-output-1' && i === 1) yb[0] = yb[0]! + 1n;
        return toBase64(seal(client, encodeSharePair(ya, yb), inferenceOutputAad(p.modelId, p.clientPublicKey, i)));
      });
      if (fault === 'swap-boxes') outs = [outs[1]!, outs[0]!, outs[2]!];
      return { shape: p.shape, sealedOutputs: outs, outputSignatures: signStandInOutputs(SIGNERS, job.status.id, p, outs) };
    };
    url = await f.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => f.close());

  const client = (who = 'client') => new MpcClient({ gatewayUrl: url, apiKey: f.keys[who]!, pollIntervalMs: 20 });

  it('infers: shares and seals the input, waits over SSE, opens and checks the output', async () => {
    const data = [0.25, -1.5, 3.125, 100.0078125, -0.0001, 7];
    const states: string[] = [];
    const out = await client().infer('affine', { shape: [2, 3], data }, { onProgress: (j) => states.push(j.state) });
    const expected = data.map((x) => 3 * x + OFFSET);
    expect(out.shape).toEqual([2, 3]);
    out.data.forEach((y, i) => expect(Math.abs(y - expected[i]!)).toBeLessThanOrEqual(2 ** -14));
    expect(states.at(-1)).toBe('verified');
    expect(states).toContain('running');
    // The gateway and coordinator saw only ciphertext: no input value appears in what was submitted.
    const submitted = JSON.stringify(f.double.callsOf('jobs.submit').at(-1)!.body);
    expect(submitted).not.toContain('3.125');
  });

  it('authenticates with an Ed25519 signing key instead of an API key', async () => {
    const c = new MpcClient({ gatewayUrl: url, signingKey: { keyId: f.signerId, secretKey: f.signer.secretKey } });
    f.now.ms = Date.now();
    const out = await c.infer('affine', { shape: [1, 2], data: [1, 2] });
    expect(Array.from(out.data)).toEqual([4.5, 7.5]);
  });

  it('catches a party that altered its output share (openChecked names the suspects)', async () => {
    fault = 'alter-output-1';
    try {
      const err = await client().infer('affine', { shape: [1, 1], data: [2] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InconsistentShareError);
      expect((err as InconsistentShareError).message).toMatch(/party 1/);
    } finally {
      fault = 'none';
    }
  });

  it('refuses output boxes moved to another slot (the AAD binds the party index)', async () => {
    fault = 'swap-boxes';
    try {
      await expect(client().infer('affine', { shape: [1, 1], data: [2] })).rejects.toBeInstanceOf(DecryptionError);
    } finally {
      fault = 'none';
    }
  });

  it('reports a failed job with its code and party', async () => {
    fail = true;
    try {
      const err = await client().infer('affine', { shape: [1, 1], data: [2] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JobFailedError);
      expect(err).toMatchObject({ state: 'failed', party: 2 });
    } finally {
      fail = false;
    }
  });

  it('surfaces gateway problems as GatewayProblemError with the stable type', async () => {
    const err = await client('intruder').jobStatus('job-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayProblemError);
    expect(err).toMatchObject({ status: 404, problem: 'not-found', type: 'https://mpc.example/problems/not-found' });
    const bad = new MpcClient({ gatewayUrl: url, apiKey: 'mpc_client.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    await expect(bad.registry()).rejects.toMatchObject({ status: 401, problem: 'invalid-credentials' });
    await expect(client('analyst').query({ datasets: ['d'], aggregates: [{ op: 'count' }] })).rejects.toMatchObject({ status: 501, problem: 'not-available' });
  });

  it('rejects bad arguments before any request, naming the parameter', async () => {
    const c = client();
    const before = f.double.calls.length;
    await expect(c.infer('affine', { shape: [2, 2], data: [1, 2, 3] })).rejects.toThrow(/input\.data: expected 4 numbers/);
    await expect(c.infer('a/b', { shape: [1], data: [1] })).rejects.toThrow(/modelId/);
    await expect(c.infer('affine', { shape: [0], data: [] })).rejects.toThrow(/input\.shape/);
    await expect(c.infer('affine', { shape: [1], data: [Number.NaN] })).rejects.toThrow();
    expect(() => new MpcClient({ gatewayUrl: 'ftp://x', apiKey: 'k' })).toThrow(/gatewayUrl/);
    expect(() => new MpcClient({ gatewayUrl: url })).toThrow(/exactly one of apiKey and signingKey/);
    expect(f.double.calls.length).toBe(before);
  });

  it('publishes an MPC model as three sealed views whose shares reconstruct the weights exactly', async () => {
    const onnx = new Uint8Array(await readFile('test/fixtures/models/digits_mlp.onnx'));
    const model = await client('owner').publishModel(onnx, { mode: 'mpc', name: 'digits', version: '1.0' });
    expect(model).toMatchObject({ id: 'digits-1.0', mode: 'mpc', created: true });
    const body = f.double.callsOf('models.publish').at(-1)!.body as { sealedShares: string[]; onnx?: string; statement: SignedModelVersion };
    expect(body.onnx).toBeUndefined();
    // The owner-signed statement names the three boxes' digests; the views open under its key only.
    const signed = openModelVersion(body.statement)!;
    expect(signed).toMatchObject({ name: 'digits', version: '1.0', mode: 'mpc' });
    expect(signed.boxSha256).toEqual(body.sealedShares.map((b) => createHash('sha256').update(fromBase64(b)).digest('hex')));
    expect(() => openBox(PARTIES[0]!.secretKey, fromBase64(body.sealedShares[0]!), modelShareAad('digits', '1.0', 0))).toThrow();
    const views = PARTIES.map((k, i) => decodeSharedModel(openBox(k.secretKey, fromBase64(body.sealedShares[i]!), signedModelShareAad('digits', '1.0', i, body.statement.publicKey))));
    const ir = importOnnx(onnx);
    const dense = ir.layers.find((l) => l.kind === 'dense')!;
    if (dense.kind !== 'dense') throw new Error('fixture has a dense layer');
    const [out, inp] = dense.weight.shape as [number, number];
    const layerIndex = ir.layers.indexOf(dense);
    const comps = views.map((v) => v.layers[layerIndex]!).map((l) => (l.kind === 'dense' ? l.weightT : undefined)!);
    // x = x0 + x1 + x2 where party i holds (x_i, x_{i+1}): a-components of the three views.
    const sum = tsRing.add(tsRing.add(comps[0]!.a, comps[1]!.a), comps[2]!.a);
    const wt = new Float64Array(inp * out);
    for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) wt[i * out + o] = dense.weight.data[o * inp + i]!;
    expect(sum).toEqual(encodeFixed(wt));
    // And each party's b is the next party's a (replicated).
    expect(comps[0]!.b).toEqual(comps[1]!.a);
  });

  it('uploads a dataset whose sealed shares reconstruct the encoded rows', async () => {
    const schema: DatasetSchema = { columns: [{ name: 'age', type: 'numeric', min: 0, max: 120 }, { name: 'sex', type: 'categorical', categories: ['f', 'm'] }, { name: 'sick', type: 'boolean' }] };
    const rows = [
      { age: 30.5, sex: 'f', sick: true },
      { age: 71, sex: 'm', sick: false },
    ];
    const ds = await client('hospital').uploadDataset('records', schema, rows);
    expect(ds).toMatchObject({ id: 'ds-records', rows: 2, created: true });
    const body = f.double.callsOf('datasets.upload').at(-1)!.body as { uploadId: string; sealedShares: string[]; manifest: SignedDatasetManifest };
    const expected = encodeRows(schema, rows).data;
    // The boxes are bound to the hospital's manifest key (issue 12 item 3), whose manifest signs them.
    expect(openDatasetManifest(body.manifest)).toMatchObject({ name: 'records', uploadId: body.uploadId, rows: 2 });
    const parts = PARTIES.map((k, i) => decodeSharePair(openBox(k.secretKey, fromBase64(body.sealedShares[i]!), signedDatasetUploadAad('records', body.uploadId, i, body.manifest.publicKey)), expected.length));
    expect(tsRing.add(tsRing.add(parts[0]![0], parts[1]![0]), parts[2]![0])).toEqual(expected);
  });

  it('reads the audit log and verifies entries and checkpoints against the log key', async () => {
    const log = f.double.audit;
    log.append({ type: 'model.published', actor: 'owner', modelId: 'digits-1.0', tenant: 'demo', hashes: { weights: 'ab'.repeat(32) } });
    log.append({ type: 'job.created', actor: 'client', jobId: 'job-9', tenant: 'demo' });
    const older = log.checkpoint(2);
    log.append({ type: 'job.verified', actor: 'coordinator', jobId: 'job-9', tenant: 'demo' });
    const c = client('auditor');
    const checkpoint = (await c.auditCheckpoint())!;
    expect(checkpoint).toMatch(/\n3\n/);
    for (const i of [0, 1, 2]) expect(await c.verifyAuditEntry(i, log.verifier)).toMatchObject({ ok: true, treeSize: 3, entry: { seq: i } });
    // The newer checkpoint extends the older one.
    const { consistency } = await c.auditProof(1, { treeSize: 3, fromSize: 2 });
    expect(verifyCheckpointConsistency(older, checkpoint, consistency!, log.verifier)).toEqual({ ok: true, treeSize: 3 });
    // A coordinator that rewrites an entry after signing is caught by the client.
    const saved = log.entries[1]!;
    log.entries[1] = { ...saved, actor: 'someone-else' };
    try {
      expect(await c.verifyAuditEntry(1, log.verifier)).toMatchObject({ ok: false });
    } finally {
      log.entries[1] = saved;
    }
    // And so is a checkpoint signed by another key.
    expect(await c.verifyAuditEntry(0, { ...log.verifier, publicKey: new Uint8Array(32).fill(9) })).toMatchObject({ ok: false });
    expect((await c.exportAudit()).entries).toHaveLength(3);
  });
});
