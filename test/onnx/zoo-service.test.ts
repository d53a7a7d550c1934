/**
 * The zoo through the service, as a model owner and a client use it: a real nats-server, the
 * coordinator and three parties, the gateway, and the SDK (`publishModel` in MPC mode, then
 * `infer`). Every zoo model is published and run on 8 inputs of its test split; the opened
 * outputs are compared with onnxruntime-node on the same inputs (5e-3 absolute, same predicted
 * class, every job verified). The record states the precision: f = 16, the input bound and the
 * documented error bound.
 *
 * Three zoo models (ResNet, the square MLP, the operator mix) have a worst case beyond the safe
 * fixed-point range for every input up to the default bound 2^15, although their inputs are in
 * [0, 1] (digits scaled, the mix's random inputs): published with the default they are refused
 * by the SDK naming the layer and pointing at `inputBound`; published with `inputBound: 1` they
 * pass the range check, and the SDK then refuses an input beyond 1 (InputBoundError naming the
 * bound) before anything is sent (docs/protocols-inference.md, "Safe range").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNatsServer } from '../helpers/nats-server.js';
import { startRealGatewayCluster, type RealGatewayCluster } from '../helpers/real-gateway-cluster.js';
import { generateApiKey } from '../../services/gateway/api-key-store.js';
import { randomBytes } from 'node:crypto';
import { GatewayProblemError, InputBoundError, MpcClient } from '../../services/sdk/index.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { predictions, runOrt, splitRows, zooBytes, zooEntries } from './zoo-fixture.js';

const BOUND = 5e-3;
const INPUTS = 8;
/**
 * Worst case beyond 2^62 for inputs up to 2^15 (analyseModelRange at f = 16): ResNet 2^76.4,
 * square MLP 2^111.2, operator mix 2^65.8; for inputs up to 1: 2^61.6, 2^51.4, 2^46.1.
 */
const STATED_INPUT_BOUND: Record<string, number> = { zoo_resnet: 1, zoo_mlp_square: 1, zoo_ops: 1 };

describe('zoo models through the gateway, coordinator and parties (MPC)', () => {
  const nats = useNatsServer();
  let gw: RealGatewayCluster;
  const keys = { client: generateApiKey('client'), owner: generateApiKey('owner') };

  beforeAll(async () => {
    gw = await startRealGatewayCluster(nats().url, [
      { id: 'client', tenant: 'clinic', roles: ['client'], key: keys.client },
      { id: 'owner', tenant: 'clinic', roles: ['model-owner'], key: keys.owner },
    ]);
  }, 60_000);
  afterAll(async () => gw?.stop());

  it('the coordinator refuses a stated input bound beyond 2^(31 - f), naming the field', async () => {
    const owner = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.owner });
    const box = () => randomBytes(256).toString('base64');
    const err = await owner.http
      .json({ method: 'POST', path: '/v1/models', body: { name: 'too-wide', version: '1', mode: 'mpc', sealedShares: [box(), box(), box()], precision: { fractionBits: 16, inputBound: 2 ** 20, errorBound: 5e-3, errorBoundSource: 'documented' } }, headers: { 'idempotency-key': 'too-wide-1' } })
      .catch((x: unknown) => x);
    expect(err).toBeInstanceOf(GatewayProblemError);
    expect((err as GatewayProblemError).status).toBe(400);
    expect((err as Error).message).toMatch(/precision\.inputBound: expected a number in \(0, 2\^15\], got 1048576/);
  });

  for (const e of zooEntries()) {
    const inputBound = STATED_INPUT_BOUND[e.name];
    if (inputBound !== undefined) {
      it(`${e.name}: with the default input bound, refused at publish by the SDK's range check, naming the layer`, async () => {
        const owner = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.owner });
        const err = await owner.publishModel(zooBytes(e.name), { mode: 'mpc', name: e.name.replace(/_/g, '-'), version: 'default-bound' }).catch((x: unknown) => x);
        expect(err).toBeInstanceOf(InvalidArgumentError);
        expect((err as Error).message).toMatch(/^layers\[\d+\] \([^)]+\).*for inputs \|x\| <= 32768 is outside the safe fixed-point range 2\^62.*state their bound at publish \(opts\.inputBound\)/);
      });
    }
    it(`${e.name}: published and run on ${INPUTS} inputs, within ${BOUND} of ORT, same class, verified`, async () => {
      const bytes = zooBytes(e.name);
      const ir = importOnnx(bytes);
      const owner = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.owner });
      const model = await owner.publishModel(bytes, { mode: 'mpc', name: e.name.replace(/_/g, '-'), version: '1', ...(inputBound === undefined ? {} : { inputBound }) });
      expect(model.precision).toEqual({ fractionBits: 16, inputBound: inputBound ?? 32768, errorBound: BOUND, errorBoundSource: 'documented' });
      const split = splitRows(e.split, INPUTS);
      const ref = await runOrt(bytes, split.x, [split.count, ...ir.inputShape]);
      const sent: string[] = [];
      const fetchCounting = (async (input: string | URL | Request, init?: RequestInit) => {
        sent.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
        return fetch(input, init);
      }) as typeof fetch;
      const client = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.client, fetch: fetchCounting });
      const out = await client.infer(model.id, { shape: [split.count, ...ir.inputShape], data: Float64Array.from(split.x) }, { timeoutMs: 120_000 });
      expect(out.job.state).toBe('verified');
      expect(out.data.length).toBe(ref.length);
      const diff = Array.from(out.data).reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i]!)), 0);
      console.log(JSON.stringify({ model: e.name, inputs: split.count, maxAbsDiffVsOrt: diff, rounds: out.job.stats?.rounds }));
      expect(diff).toBeLessThanOrEqual(BOUND);
      expect(predictions(e.name, Float64Array.from(out.data), split.count)).toEqual(predictions(e.name, ref, split.count));
      if (inputBound !== undefined) {
        // Beyond the stated bound: refused by the SDK, naming it, before any job exists.
        sent.length = 0;
        const x = Float64Array.from(split.x.subarray(0, split.x.length / split.count));
        x[3] = inputBound * 1.5;
        const err = await client.infer(model.id, { shape: [1, ...ir.inputShape], data: x }).catch((z: unknown) => z);
        expect(err).toBeInstanceOf(InputBoundError);
        expect(err).toMatchObject({ modelId: model.id, bound: inputBound, index: 3 });
        expect((err as Error).message).toBe(`input.data[3]: ${inputBound * 1.5} is outside the input bound |v| <= ${inputBound} stated when model ${model.id} was published (precision.inputBound)`);
        // A client at another precision than the model's would encode inputs at the wrong scale.
        const f20 = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.client, fractionBits: 20, fetch: fetchCounting });
        await expect(f20.infer(model.id, { shape: [1, ...ir.inputShape], data: x.map((v) => Math.min(v, 1)) })).rejects.toThrow(`fractionBits: model ${model.id} was published at f=16, this client encodes at f=20`);
        expect(sent.filter((r) => r.startsWith('POST'))).toEqual([]);
      }
    }, 120_000);
  }
});
