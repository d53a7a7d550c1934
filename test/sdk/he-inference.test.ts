/**
 * HE inference through the SDK and a real gateway. The SDK fetches the public plan, makes CKKS
 * keys, registers the evaluation keys, encrypts, waits over SSE and decrypts; the coordinator
 * test double (test/gateway/coordinator-double.ts) stands in for the coordinator and the HE
 * worker by evaluating the real plan on the real ciphertext with protocols/he `evaluate` and
 * the uploaded evaluation keys. The decrypted output is compared with the same model evaluated
 * in the clear (protocols/he inferPlain) within 1e-4 on breast-cancer test rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readF32 } from '../helpers/read-f32.js';
import { readFileSync } from 'node:fs';
import { useNatsServer } from '../helpers/nats-server.js';
import { heDoubleWorkers, heJobResult } from '../helpers/he-double-evaluation.js';
import { startGateway, type GatewayFixture } from '../gateway/gateway-fixture.js';
import { MpcClient } from '../../services/sdk/index.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { planHeModel } from '../../protocols/he/he-plan.js';
import { inferPlain } from '../../protocols/he/plain-inference.js';
import { loadSeal, type SealModule } from '../../crypto-core/he/seal-loader.js';
import type { EvalKeyBundle } from '../../crypto-core/he/ckks-keys.js';
import { publicPlan } from '../../protocols/he/public-plan.js';
import { fromLargeBase64 as fromBase64 } from '../../services/wire/large-base64.js';
import type { CkksParams } from '../../crypto-core/he/ckks-params.js';

const TOL = 1e-4;

describe('MpcClient HE inference', () => {
  // HE evaluation keys are megabytes: the bus must carry them (see the report on max_payload).
  const nats = useNatsServer({ extraConfig: 'max_payload: 33554432' });
  let f: GatewayFixture;
  let url: string;
  let seal: SealModule;
  const ir = importOnnx(new Uint8Array(readFileSync('test/fixtures/models/breast_cancer_logreg.onnx')));
  const plan = planHeModel(ir);
  const bundles = new Map<string, EvalKeyBundle>();
  const rows = readF32('test/fixtures/data/breast_cancer_test.f32');

  beforeAll(async () => {
    seal = await loadSeal();
    // The stand-in evaluates CKKS inside its jobs.result handler: give it time on a loaded machine.
    f = await startGateway(nats().url, { rateLimitMax: 10_000 }, 30_000);
    f.double.handlers['models.hePlan'] = (b) => (b.modelId === 'bc' ? { plan: publicPlan(plan) } : { error: { status: 404, code: 'unknown-model', message: `no model ${String(b.modelId)}` } });
    f.double.handlers['he.registerKeys'] = (b) => {
      const id = `session-${bundles.size + 1}`;
      bundles.set(id, {
        params: b.params as CkksParams,
        publicKey: fromBase64(b.publicKey as string),
        relinKeys: fromBase64(b.relinKeys as string),
        galoisKeys: fromBase64(b.galoisKeys as string),
        galoisSteps: b.galoisSteps as number[],
      });
      return { sessionId: id, expiresAt: '2026-12-01T00:00:00.000Z' };
    };
    f.double.onSubmit = (id) => setTimeout(() => f.double.advance(id, 'verified', 1), 5);
    const workers = heDoubleWorkers();
    f.double.services.push(...workers.records);
    f.double.resultFor = heJobResult(seal, plan, (id) => bundles.get(id), workers);
    url = await f.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => f.close());

  it('encrypts, runs, decrypts and matches the plaintext model within 1e-4', async () => {
    const c = new MpcClient({ gatewayUrl: url, apiKey: f.keys.client! });
    try {
      for (const r of [0, 1, 2]) {
        const x = Float64Array.from(rows.subarray(r * 30, (r + 1) * 30));
        const out = await c.infer('bc', { shape: [1, 30], data: x }, { mode: 'he' });
        const want = inferPlain(ir, x);
        expect(out.shape).toEqual([1, want.length]);
        out.data.forEach((y, i) => expect(Math.abs(y - want[i]!)).toBeLessThan(TOL));
      }
      // One key registration for the three inferences, and the secret key never left the client.
      expect(f.double.callsOf('he.registerKeys')).toHaveLength(1);
      const reg = JSON.stringify(f.double.callsOf('he.registerKeys')[0]!.body);
      expect(reg).not.toMatch(/secret/i);
    } finally {
      await c.close();
    }
  });

  it('takes [N, ...] inputs: one request per ciphertext (batch-1 plan: per query), outputs in query order (issue 17)', async () => {
    const c = new MpcClient({ gatewayUrl: url, apiKey: f.keys.client! });
    try {
      const before = f.double.callsOf('jobs.submit').length;
      const x = Float64Array.from(rows.subarray(0, 3 * 30));
      const out = await c.infer('bc', { shape: [3, 30], data: x }, { mode: 'he' });
      expect(out.shape).toEqual([3, 1]);
      for (let r = 0; r < 3; r++) {
        const want = inferPlain(ir, x.subarray(r * 30, (r + 1) * 30));
        expect(Math.abs(out.data[r]! - want[0]!)).toBeLessThan(TOL);
      }
      expect(f.double.callsOf('jobs.submit').length - before).toBe(3);
    } finally {
      await c.close();
    }
  });

  it('refuses inputs of the wrong size before encrypting, and unknown models with 404', async () => {
    const c = new MpcClient({ gatewayUrl: url, apiKey: f.keys.client! });
    try {
      await expect(c.infer('bc', { shape: [1, 29], data: new Array(29).fill(0) }, { mode: 'he' })).rejects.toThrow(/takes 30 inputs/);
      await expect(c.infer('bc', { shape: [2, 29], data: new Array(58).fill(0) }, { mode: 'he' })).rejects.toThrow(/takes 30 inputs per query/);
      await expect(c.infer('nope', { shape: [1, 30], data: new Array(30).fill(0) }, { mode: 'he' })).rejects.toMatchObject({ status: 404, problem: 'not-found' });
    } finally {
      await c.close();
    }
  });
});
