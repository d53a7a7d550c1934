/**
 * HE key registrations reach the coordinator a few at a time (gateway config
 * `heSessionConcurrency`, services/gateway/concurrency-limit): with sixteen sent at once, at most
 * the configured number are in flight at the coordinator (the test double, over a real
 * nats-server), the others wait in the gateway and are all answered; a refused registration frees
 * its slot like an answered one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CKKS_PARAMS } from '../../crypto-core/he/ckks-params.js';
import { toBase64 } from '../../crypto-core/encoding.js';
import { ApiFailure } from '../../services/coordinator/errors.js';
import { ConcurrencyLimit } from '../../services/gateway/concurrency-limit.js';
import { resolveServiceConfig } from '../../services/gateway/gateway-config.js';
import { useNatsServer } from '../helpers/nats-server.js';
import { bearer, startGateway, type GatewayFixture } from './gateway-fixture.js';

/** A syntactically valid SEAL object (16-byte header: magic, header size, declared length). */
function fakeSealObject(size = 64): string {
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  v.setUint16(0, 0xa15e, true);
  b[2] = 16;
  v.setBigUint64(8, BigInt(size), true);
  return toBase64(b);
}

const BODY = { modelId: 'm1', params: DEFAULT_CKKS_PARAMS, publicKey: fakeSealObject(), relinKeys: fakeSealObject(), galoisKeys: fakeSealObject(), galoisSteps: [1, 2] };

describe('HE key registrations through the gateway, a few at a time', () => {
  const nats = useNatsServer();
  let f: GatewayFixture;
  let inFlight = 0;
  let most = 0;
  let calls = 0;
  /** Calls held at the coordinator: let go together once three are held (or the last has come). */
  const held: (() => void)[] = [];

  beforeAll(async () => {
    f = await startGateway(nats().url, { rateLimitMax: 10_000, heSessionConcurrency: 3 }, 10_000);
    f.double.handlers['he.registerKeys'] = async () => {
      const n = ++calls;
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise<void>((r) => {
        held.push(r);
        // A short grace before letting go, in which a fourth call (a broken limit) would arrive.
        if (held.length === 3 || calls === 16) setTimeout(() => held.splice(0).forEach((f) => f()), 30);
      });
      inFlight--;
      return n % 5 === 0 ? new ApiFailure('he-register-failed', 502, 'keys: he-2 refused them').toApiError() : { sessionId: `session-${n}`, expiresAt: '2026-01-02T00:00:00.000Z' };
    };
  });
  afterAll(async () => f.close());

  it('sixteen at once: at most three at the coordinator, every one answered', async () => {
    const res = await Promise.all(Array.from({ length: 16 }, () => f.app.inject({ method: 'POST', url: '/v1/he/sessions', headers: bearer(f, 'client'), payload: BODY })));
    expect(calls).toBe(16);
    expect(most).toBe(3);
    const codes = res.map((r) => r.statusCode).sort();
    expect(codes.filter((c) => c === 201)).toHaveLength(13);
    expect(codes.filter((c) => c === 502)).toHaveLength(3);
    expect(inFlight).toBe(0);
  });

  it('the config field is a positive integer, default 2', () => {
    expect(resolveServiceConfig({ apiKeysFile: 'k.json' }).heSessionConcurrency).toBe(2);
    expect(resolveServiceConfig({ apiKeysFile: 'k.json', heSessionConcurrency: 5 }).heSessionConcurrency).toBe(5);
    expect(() => resolveServiceConfig({ apiKeysFile: 'k.json', heSessionConcurrency: 0 })).toThrow(/heSessionConcurrency/);
  });
});

describe('ConcurrencyLimit', () => {
  it('hands slots out in arrival order and frees them on rejection', async () => {
    const limit = new ConcurrencyLimit(1);
    const order: number[] = [];
    let release!: () => void;
    const first = limit.run(() => new Promise<void>((r) => (release = r)).then(() => order.push(1)));
    const second = limit.run(async () => {
      order.push(2);
      throw new Error('refused');
    });
    const third = limit.run(async () => order.push(3));
    expect(limit.active).toBe(1);
    expect(limit.waiting).toBe(2);
    release();
    await first;
    await expect(second).rejects.toThrow('refused');
    await third;
    expect(order).toEqual([1, 2, 3]);
    expect(limit.active).toBe(0);
    expect(limit.waiting).toBe(0);
  });
  it('refuses a limit below one', () => {
    expect(() => new ConcurrencyLimit(0)).toThrow(RangeError);
  });
});
