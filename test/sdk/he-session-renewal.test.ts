/**
 * The SDK renews an HE key session the service has lost. Through a real gateway and the
 * coordinator test double (test/gateway/coordinator-double.ts) standing in for the coordinator
 * and the HE workers: the double evaluates the real plan on the real ciphertext with
 * protocols/he `evaluate` under the uploaded evaluation keys, and answers submissions that name a
 * session it does not hold exactly as services/coordinator/he-methods does
 * (`he-session-expired` 410, `he-unknown-session` 404). Every decrypted output is compared with
 * the same model evaluated in the clear (protocols/he inferPlain) within 1e-4.
 *
 * - refused at submission: the SDK registers new keys and submits once more (one retry only);
 * - concurrent inferences that find the session lost share one new registration;
 * - failed as a job: the SDK throws, and the next inference registers new keys;
 * - an unknown model (`not-found` without `body/sessionId`) is not retried.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readF32 } from '../helpers/read-f32.js';
import { readFileSync } from 'node:fs';
import { useNatsServer } from '../helpers/nats-server.js';
import { heDoubleWorkers, heJobResult } from '../helpers/he-double-evaluation.js';
import { startGateway, type GatewayFixture } from '../gateway/gateway-fixture.js';
import { GatewayProblemError, JobFailedError, MpcClient } from '../../services/sdk/index.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { planHeModel } from '../../protocols/he/he-plan.js';
import { inferPlain } from '../../protocols/he/plain-inference.js';
import { loadSeal, type SealModule } from '../../crypto-core/he/seal-loader.js';
import type { EvalKeyBundle } from '../../crypto-core/he/ckks-keys.js';
import { publicPlan } from '../../protocols/he/public-plan.js';
import { fromLargeBase64 as fromBase64 } from '../../services/wire/large-base64.js';
import type { CkksParams } from '../../crypto-core/he/ckks-params.js';
import type { Principal } from '../../services/wire/api.js';
import { ApiFailure } from '../../services/coordinator/errors.js';

const TOL = 1e-4;

describe('MpcClient HE session renewal', () => {
  const nats = useNatsServer({ extraConfig: 'max_payload: 33554432' });
  let f: GatewayFixture;
  let url: string;
  let seal: SealModule;
  const ir = importOnnx(new Uint8Array(readFileSync('test/fixtures/models/breast_cancer_logreg.onnx')));
  const plan = planHeModel(ir);
  const rows = readF32('test/fixtures/data/breast_cancer_test.f32');
  /** Sessions the stand-in coordinator holds, with their keys. */
  const held = new Map<string, EvalKeyBundle>();
  let registered = 0;
  /** How the stand-in refuses a session it does not hold at submission. */
  let refusal: 'expired' | 'unknown' = 'expired';
  /** When set, the next created job ends `failed` with this code instead of running. */
  let failNextJobWith: string | undefined;
  /** When set, every submission is refused with this failure (whatever the session). */
  let refuseAll: ApiFailure | undefined;
  const submittedSessions: string[] = [];

  const x = (r: number): Float64Array => Float64Array.from(rows.subarray(r * 30, (r + 1) * 30));

  function expectPlain(out: { shape: number[]; data: Float64Array }, input: Float64Array): void {
    const want = inferPlain(ir, input);
    expect(out.shape).toEqual([1, want.length]);
    out.data.forEach((y, i) => expect(Math.abs(y - want[i]!)).toBeLessThan(TOL));
  }

  beforeAll(async () => {
    seal = await loadSeal();
    // The stand-in evaluates CKKS inside its jobs.result handler: give it time on a loaded machine.
    f = await startGateway(nats().url, { rateLimitMax: 10_000 }, 30_000);
    f.double.handlers['models.hePlan'] = (b) =>
      b.modelId === 'bc' ? { plan: publicPlan(plan) } : new ApiFailure('unknown-model', 404, `modelId: no HE model ${JSON.stringify(b.modelId)}`).toApiError();
    f.double.handlers['he.registerKeys'] = (b) => {
      const id = `hs-${++registered}`;
      held.set(id, {
        params: b.params as CkksParams,
        publicKey: fromBase64(b.publicKey as string),
        relinKeys: fromBase64(b.relinKeys as string),
        galoisKeys: fromBase64(b.galoisKeys as string),
        galoisSteps: b.galoisSteps as number[],
      });
      return { sessionId: id, expiresAt: '2026-12-01T00:00:00.000Z' };
    };
    f.double.handlers['jobs.submit'] = (b) => {
      const p = b.payload as { modelId: string; sessionId: string };
      submittedSessions.push(p.sessionId);
      if (refuseAll) return refuseAll.toApiError();
      if (!held.has(p.sessionId)) {
        return (
          refusal === 'expired'
            ? new ApiFailure('he-session-expired', 410, `sessionId: session ${p.sessionId} expired; register the keys again`)
            : new ApiFailure('he-unknown-session', 404, `sessionId: no HE key session ${JSON.stringify(p.sessionId)} for this tenant; register the keys first`)
        ).toApiError();
      }
      const job = f.double.createJob(b.principal as Principal, 'he-inference', b.payload as Record<string, unknown>);
      const code = failNextJobWith;
      failNextJobWith = undefined;
      setTimeout(() => (code ? f.double.advance(job.id, 'failed', 1, { error: { code, message: `sessionId: session ${p.sessionId} is gone; register the keys again` } }) : f.double.advance(job.id, 'verified', 1)), 5);
      return { job, created: true };
    };
    const workers = heDoubleWorkers();
    f.double.services.push(...workers.records);
    f.double.resultFor = heJobResult(seal, plan, (id) => held.get(id), workers);
    url = await f.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => f.close());

  it('re-registers and resubmits once when the session expired (410) or is unknown (404) at submission', async () => {
    const c = new MpcClient({ gatewayUrl: url, apiKey: f.keys.client! });
    try {
      const before = registered;
      expectPlain(await c.infer('bc', { shape: [1, 30], data: x(0) }, { mode: 'he' }), x(0));
      expect(registered).toBe(before + 1);
      const first = `hs-${registered}`;

      for (const kind of ['expired', 'unknown'] as const) {
        // The service loses the session (idle expiry, or a coordinator restart).
        refusal = kind;
        held.clear();
        const lost = `hs-${registered}`;
        const lostSession = await c.heSession('bc');
        expect(lostSession.sessionId).toBe(lost);
        submittedSessions.length = 0;
        const out = await c.infer('bc', { shape: [1, 30], data: x(1) }, { mode: 'he' });
        expectPlain(out, x(1));
        const renewed = `hs-${registered}`;
        expect(renewed).not.toBe(lost);
        // The lost session's keys were freed and the cache holds the new one.
        expect(lostSession.retired).toBe(true);
        expect((await c.heSession('bc')).sessionId).toBe(renewed);
        // One refused submission with the lost session, one accepted with new keys.
        expect(submittedSessions).toEqual([lost, renewed]);
      }
      expect(first).toBe('hs-' + String(before + 1));
      // The renewed session is cached again: the next inference registers nothing.
      const count = registered;
      expectPlain(await c.infer('bc', { shape: [1, 30], data: x(2) }, { mode: 'he' }), x(2));
      expect(registered).toBe(count);
    } finally {
      await c.close();
    }
  });

  it('concurrent inferences that find the session lost register new keys once between them', async () => {
    const c = new MpcClient({ gatewayUrl: url, apiKey: f.keys.client! });
    try {
      expectPlain(await c.infer('bc', { shape: [1, 30], data: x(8) }, { mode: 'he' }), x(8));
      const old = await c.heSession('bc');
      const count = registered;
      refusal = 'expired';
      held.clear();
      const outs = await Promise.all([8, 9, 10].map((r) => c.infer('bc', { shape: [1, 30], data: x(r) }, { mode: 'he' })));
      outs.forEach((out, i) => expectPlain(out, x(8 + i)));
      expect(registered).toBe(count + 1);
      expect(old.retired).toBe(true);
    } finally {
      await c.close();
    }
  });

  it('retries only once: a session lost again right after renewal is the caller\'s error', async () => {
    const c = new MpcClient({ gatewayUrl: url, apiKey: f.keys.client! });
    try {
      expectPlain(await c.infer('bc', { shape: [1, 30], data: x(3) }, { mode: 'he' }), x(3));
      const count = registered;
      refusal = 'expired';
      refuseAll = new ApiFailure('he-session-expired', 410, 'sessionId: session expired; register the keys again');
      submittedSessions.length = 0;
      const err = await c.infer('bc', { shape: [1, 30], data: x(3) }, { mode: 'he' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GatewayProblemError);
      expect(err).toMatchObject({ status: 410, problem: 'session-expired' });
      expect(submittedSessions).toHaveLength(2);
      expect(registered).toBe(count + 1);
    } finally {
      refuseAll = undefined;
      await c.close();
    }
  });

  it('a job that fails because the workers lost the session throws, and the next inference registers new keys', async () => {
    const c = new MpcClient({ gatewayUrl: url, apiKey: f.keys.client! });
    try {
      expectPlain(await c.infer('bc', { shape: [1, 30], data: x(4) }, { mode: 'he' }), x(4));
      const count = registered;
      for (const code of ['he-unknown-session', 'he-session-expired']) {
        failNextJobWith = code;
        const err = await c.infer('bc', { shape: [1, 30], data: x(4) }, { mode: 'he' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(JobFailedError);
        expect((err as Error).message).toContain(code);
        const before = registered;
        expectPlain(await c.infer('bc', { shape: [1, 30], data: x(5) }, { mode: 'he' }), x(5));
        expect(registered).toBe(before + 1);
      }
      expect(registered).toBe(count + 2);
      // A job failing for another reason keeps the session.
      failNextJobWith = 'he-result-mismatch';
      await expect(c.infer('bc', { shape: [1, 30], data: x(4) }, { mode: 'he' })).rejects.toBeInstanceOf(JobFailedError);
      expectPlain(await c.infer('bc', { shape: [1, 30], data: x(6) }, { mode: 'he' }), x(6));
      expect(registered).toBe(count + 2);
    } finally {
      await c.close();
    }
  });

  it('an unknown model at submission (not-found without body/sessionId) is not retried', async () => {
    const c = new MpcClient({ gatewayUrl: url, apiKey: f.keys.client! });
    try {
      expectPlain(await c.infer('bc', { shape: [1, 30], data: x(7) }, { mode: 'he' }), x(7));
      const count = registered;
      refuseAll = new ApiFailure('unknown-model', 404, 'modelId: no HE model "bc"');
      submittedSessions.length = 0;
      await expect(c.infer('bc', { shape: [1, 30], data: x(7) }, { mode: 'he' })).rejects.toMatchObject({ status: 404, problem: 'not-found' });
      expect(submittedSessions).toHaveLength(1);
      expect(registered).toBe(count);
    } finally {
      refuseAll = undefined;
      await c.close();
    }
  });
});
