/**
 * The client commands of the `mpc` CLI (infer, models publish, datasets upload, query) run
 * in-process against a real gateway on a socket, with the coordinator test double
 * (test/gateway/coordinator-double.ts) and stand-in parties that compute y = 2x on their shares
 * (a linear map, no interaction); plus the config resolution and the exit-code mapping.
 */
import { signStandInOutputs, standInSigners } from '../helpers/stand-in-party-signatures.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useNatsServer } from '../helpers/nats-server.js';
import { startGateway, type GatewayFixture } from '../gateway/gateway-fixture.js';
import { generateAgreementKeyPair } from '../../crypto-core/keys/agreement.js';
import { open as openBox, seal } from '../../crypto-core/sealed-box.js';
import { fromBase64, fromHex, toBase64, toHex } from '../../crypto-core/encoding.js';
import { tsRing } from '../../crypto-core/ring/index.js';
import { decodeSharePair, encodeSharePair, inferenceInputAad, inferenceOutputAad } from '../../services/wire/sealed-share-pair.js';
import { exitCodeFor, resolveClientConfig, ClientUsageError } from '../../services/cli/client-command.js';
import { GatewayProblemError } from '../../services/sdk/errors.js';
import { UsageError } from '../../services/cli/usage-error.js';
import { run as infer } from '../../services/cli/commands/infer.js';
import { run as publish } from '../../services/cli/commands/models-publish.js';
import { run as upload } from '../../services/cli/commands/datasets-upload.js';
import { run as query } from '../../services/cli/commands/query.js';

const PARTIES = [generateAgreementKeyPair(), generateAgreementKeyPair(), generateAgreementKeyPair()];
const SIGNERS = standInSigners();

describe('client commands', () => {
  const nats = useNatsServer();
  let f: GatewayFixture;
  let url: string;
  let dir: string;
  let out: string[];
  let err: string[];

  beforeAll(async () => {
    f = await startGateway(nats().url, { rateLimitMax: 10_000 });
    f.double.services = PARTIES.map((k, i) => ({ id: `party-${i}`, kind: 'party' as const, index: i, signingPublicKey: toHex(SIGNERS[i]!.publicKey), agreementPublicKey: toHex(k.publicKey), status: 'up' as const }));
    f.double.onSubmit = (id) => setTimeout(() => f.double.advance(id, 'verified', 1, { stats: { rounds: 1, bytesPerParty: 48, durationMs: 3 } }), 5);
    f.double.resultFor = (job) => {
      const p = job.payload as { modelId: string; shape: number[]; clientPublicKey: string; sealedInputs: string[] };
      const n = p.shape.reduce((a, b) => a * b, 1);
      const sealedOutputs = PARTIES.map((k, i) => {
        const [a, b] = decodeSharePair(openBox(k.secretKey, fromBase64(p.sealedInputs[i]!), inferenceInputAad(p.modelId, p.clientPublicKey, i)), n);
        return toBase64(seal(fromHex(p.clientPublicKey, 'k', 32), encodeSharePair(tsRing.scalarMul(a, 2n), tsRing.scalarMul(b, 2n)), inferenceOutputAad(p.modelId, p.clientPublicKey, i)));
      });
      return { shape: p.shape, sealedOutputs, outputSignatures: signStandInOutputs(SIGNERS, job.status.id, p, sealedOutputs) };
    };
    url = await f.app.listen({ port: 0, host: '127.0.0.1' });
    dir = await mkdtemp(join(tmpdir(), 'mpc-cli-'));
  });
  afterAll(async () => {
    await f.close();
    await rm(dir, { recursive: true, force: true });
  });
  const capture = () => {
    out = [];
    err = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  };
  afterEach(() => vi.restoreAllMocks());
  const common = (who = 'admin') => ['--gateway', url, '--api-key', f.keys[who]!];

  it('mpc infer prints the output in the input form (compared with 2x in the clear)', async () => {
    const input = join(dir, 'x.json');
    await writeFile(input, JSON.stringify({ shape: [1, 3], data: [0.5, -2.25, 10] }));
    capture();
    const code = await infer(['--model', 'double', '--input', input, ...common('client')]);
    vi.restoreAllMocks();
    expect(err.join('')).toBe('');
    expect(code).toBe(0);
    const printed = JSON.parse(out.join(''));
    expect(printed.shape).toEqual([1, 3]);
    [1, -4.5, 20].forEach((y, i) => expect(Math.abs(printed.data[i] - y)).toBeLessThanOrEqual(2 ** -15));
    capture();
    expect(await infer(['--model', 'double', '--input', input, '--json', ...common('client')])).toBe(0);
    vi.restoreAllMocks();
    expect(JSON.parse(out.join('')).job).toMatchObject({ state: 'verified', stats: { rounds: 1 } });
  });

  it('exit codes: 2 usage, 3 wrong key or role, 1 failed operation', async () => {
    await expect(infer(['--input', 'x.json'])).rejects.toBeInstanceOf(UsageError);
    await expect(infer(['--model', 'm', '--input', join(dir, 'missing.json')])).rejects.toBeInstanceOf(UsageError);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ shape: [2], data: [1] }));
    await expect(infer(['--model', 'm', '--input', bad, ...common()])).rejects.toThrow(/needs 2 numbers/);
    const input = join(dir, 'y.json');
    await writeFile(input, JSON.stringify({ shape: [1], data: [1] }));
    capture();
    expect(await infer(['--model', 'double', '--input', input, '--gateway', url, '--api-key', 'mpc_admin.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'])).toBe(3);
    expect(await infer(['--model', 'double', '--input', input, ...common('auditor')])).toBe(3);
    expect(await query(['--query', '{"datasets":["d"],"aggregates":[{"op":"count"}]}', ...common('analyst')])).toBe(1);
    vi.restoreAllMocks();
    expect(err.join('')).toMatch(/not-available/);
  });

  it('mpc models publish prints the id, or an object with id under --json', async () => {
    capture();
    expect(await publish(['test/fixtures/models/digits_mlp.onnx', '--mode', 'mpc', ...common('owner')])).toBe(0);
    expect(await publish(['test/fixtures/models/digits_mlp.onnx', '--mode', 'he', '--name', 'digits', '--version', '2', '--json', ...common('owner')])).toBe(0);
    vi.restoreAllMocks();
    expect(out[0]).toBe('digits_mlp-1\n');
    expect(JSON.parse(out[1]!)).toEqual({ id: 'digits-2', name: 'digits', version: '2', mode: 'he', created: true });
    await expect(publish(['test/fixtures/models/digits_mlp.onnx', ...common('owner')])).rejects.toThrow(/--mode mpc\|he is required/);
  });

  it('mpc models publish states an input bound (mpc) or a batch (he); wrong combinations are usage errors', async () => {
    capture();
    expect(await publish(['test/fixtures/models/digits_mlp.onnx', '--mode', 'mpc', '--version', 'b1', '--input-bound', '16', '--error-bound', '0.001', ...common('owner')])).toBe(0);
    expect(await publish(['test/fixtures/models/digits_mlp.onnx', '--mode', 'he', '--version', 'b2', '--he-batch', '16', ...common('owner')])).toBe(0);
    vi.restoreAllMocks();
    const [mpc, he] = f.double.callsOf('models.publish').slice(-2).map((c) => c.body as Record<string, unknown>);
    expect(mpc!.precision).toEqual({ fractionBits: 16, inputBound: 16, errorBound: 0.001, errorBoundSource: 'measured' });
    expect(he!.heBatch).toBe(16);
    expect(he!.precision).toBeUndefined();
    const file = 'test/fixtures/models/digits_mlp.onnx';
    await expect(publish([file, '--mode', 'he', '--input-bound', '1', ...common('owner')])).rejects.toThrow(/--input-bound, --error-bound: for --mode mpc only/);
    await expect(publish([file, '--mode', 'mpc', '--he-batch', '4', ...common('owner')])).rejects.toThrow(/--he-batch: for --mode he only/);
    await expect(publish([file, '--mode', 'mpc', '--input-bound', '0', ...common('owner')])).rejects.toThrow(/--input-bound: expected a positive number, got "0"/);
    await expect(publish([file, '--mode', 'he', '--he-batch', '2.5', ...common('owner')])).rejects.toThrow(/--he-batch: expected an integer/);
  });

  it('mpc datasets upload reads CSV against a schema and prints the id', async () => {
    const schema = join(dir, 'schema.json');
    await writeFile(schema, JSON.stringify({ columns: [{ name: 'age', type: 'numeric', min: 0, max: 120 }, { name: 'sick', type: 'boolean' }] }));
    const csv = join(dir, 'rows.csv');
    await writeFile(csv, 'age,sick\n30,true\n45.5,0\n');
    capture();
    expect(await upload([csv, '--name', 'ward', '--schema', schema, ...common('hospital')])).toBe(0);
    vi.restoreAllMocks();
    expect(out.join('')).toBe('ds-ward\n');
    expect(f.double.callsOf('datasets.upload').at(-1)!.body).toMatchObject({ name: 'ward', rows: 2 });
    await writeFile(csv, 'age,sick\nold,true\n');
    await expect(upload([csv, '--name', 'ward', '--schema', schema, ...common('hospital')])).rejects.toThrow(/column age: expected a number/);
  });

  it('resolves gateway and key from flags, env, then .mpc files', async () => {
    const cluster = join(dir, 'cluster');
    await expect(async () => resolveClientConfig({}, {}, cluster)).rejects.toBeInstanceOf(ClientUsageError);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(cluster, { recursive: true });
    await writeFile(join(cluster, 'cluster.json'), JSON.stringify({ gatewayUrl: 'http://127.0.0.1:1' }));
    await writeFile(join(cluster, 'demo-api-keys.json'), JSON.stringify({ default: 'demo-admin', keys: { 'demo-admin': 'mpc_demo-admin.x' } }));
    expect(resolveClientConfig({}, {}, cluster)).toEqual({ gatewayUrl: 'http://127.0.0.1:1', apiKey: 'mpc_demo-admin.x' });
    expect(resolveClientConfig({}, { MPC_GATEWAY: 'http://env', MPC_API_KEY: 'k' }, cluster)).toEqual({ gatewayUrl: 'http://env', apiKey: 'k' });
    expect(resolveClientConfig({ gateway: 'http://flag', 'api-key': 'f' }, { MPC_GATEWAY: 'http://env', MPC_API_KEY: 'k' }, cluster)).toEqual({ gatewayUrl: 'http://flag', apiKey: 'f' });
  });

  it('maps problems to exit codes by status', () => {
    const p = (status: number) => new GatewayProblemError(status, { type: 'https://mpc.example/problems/x', title: 't', detail: 'd' });
    expect(exitCodeFor(p(401)).code).toBe(3);
    expect(exitCodeFor(p(403)).code).toBe(3);
    expect(exitCodeFor(p(404)).code).toBe(4);
    expect(exitCodeFor(p(409)).code).toBe(1);
    expect(exitCodeFor(p(503)).code).toBe(1);
    expect(exitCodeFor(new ClientUsageError('u')).code).toBe(2);
  });
});
