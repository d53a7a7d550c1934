/**
 * The zoo through the service, as a model owner and a client use it: a real nats-server, the
 * coordinator and three parties, the gateway, and the SDK (`publishModel` in MPC mode, then
 * `infer`). Each zoo model the SDK accepts is published and run on 8 inputs of its test split;
 * the opened outputs are compared with onnxruntime-node on the same inputs (5e-3 absolute, same
 * predicted class, every job verified). The three zoo models whose worst case over every input
 * the SDK accepts (|x| <= 2^15 at f = 16) leaves the safe fixed-point range are refused at
 * publish, before anything is sent, naming the layer: that is the documented limit of the
 * publish-time check (docs/protocols-inference.md, "Limits").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNatsServer } from '../helpers/nats-server.js';
import { startRealGatewayCluster, type RealGatewayCluster } from '../helpers/real-gateway-cluster.js';
import { generateApiKey } from '../../services/gateway/api-key-store.js';
import { MpcClient } from '../../services/sdk/index.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { predictions, runOrt, splitRows, zooBytes, zooEntries } from './zoo-fixture.js';

const BOUND = 5e-3;
const INPUTS = 8;
/** Worst case beyond 2^62 for inputs up to 2^15 (analyseModelRange): ResNet 2^76, square MLP 2^111, operator mix 2^62.0. */
const REFUSED_AT_PUBLISH = new Set(['zoo_resnet', 'zoo_mlp_square', 'zoo_ops']);

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

  for (const e of zooEntries()) {
    if (REFUSED_AT_PUBLISH.has(e.name)) {
      it(`${e.name}: refused at publish by the SDK's range check, naming the layer`, async () => {
        const owner = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.owner });
        const err = await owner.publishModel(zooBytes(e.name), { mode: 'mpc', name: e.name.replace(/_/g, '-'), version: '1' }).catch((x: unknown) => x);
        expect(err).toBeInstanceOf(InvalidArgumentError);
        expect((err as Error).message).toMatch(/^layers\[\d+\] \([^)]+\).*outside the safe fixed-point range 2\^62/);
      });
      continue;
    }
    it(`${e.name}: published and run on ${INPUTS} inputs, within ${BOUND} of ORT, same class, verified`, async () => {
      const bytes = zooBytes(e.name);
      const ir = importOnnx(bytes);
      const owner = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.owner });
      const model = await owner.publishModel(bytes, { mode: 'mpc', name: e.name.replace(/_/g, '-'), version: '1' });
      const split = splitRows(e.split, INPUTS);
      const ref = await runOrt(bytes, split.x, [split.count, ...ir.inputShape]);
      const client = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.client });
      const out = await client.infer(model.id, { shape: [split.count, ...ir.inputShape], data: Float64Array.from(split.x) }, { timeoutMs: 120_000 });
      expect(out.job.state).toBe('verified');
      expect(out.data.length).toBe(ref.length);
      const diff = Array.from(out.data).reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i]!)), 0);
      console.log(JSON.stringify({ model: e.name, inputs: split.count, maxAbsDiffVsOrt: diff, rounds: out.job.stats?.rounds }));
      expect(diff).toBeLessThanOrEqual(BOUND);
      expect(predictions(e.name, Float64Array.from(out.data), split.count)).toEqual(predictions(e.name, ref, split.count));
    }, 120_000);
  }
});
