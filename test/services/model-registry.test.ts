/** The model registry: immutability per (name, version), and persistence in JetStream KV across restarts. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { useNatsServer } from '../helpers/nats-server.js';
import { ModelRegistry } from '../../services/coordinator/models/model-registry.js';
import { ApiFailure } from '../../services/coordinator/errors.js';

const server = useNatsServer({ jetstream: true });
let nc: NatsConnection;
beforeAll(async () => {
  nc = await connect({ servers: server().url });
});
afterAll(async () => {
  await nc?.close();
});

const record = (id: string, name: string, version: string) => ({ id, name, version, mode: 'mpc' as const, inputShape: [64], createdAt: new Date().toISOString() });

describe('ModelRegistry', () => {
  it('returns the existing record for the same request and refuses other weights under the same version', () => {
    const reg = new ModelRegistry();
    const id = reg.newId();
    reg.add(record(id, 'digits', '1'), 'fp-a', [10]);
    expect(reg.existing('digits', '1', 'fp-a')?.id).toBe(id);
    expect(() => reg.existing('digits', '1', 'fp-b')).toThrow(ApiFailure);
    expect(reg.existing('digits', '2', 'fp-b')).toBeUndefined();
    expect(reg.list().map((m) => m.id)).toEqual([id]);
  });

  it('keeps published models in JetStream KV, so a restarted coordinator still knows them', async () => {
    const first = await ModelRegistry.withKv(nc.jetstream(), { bucket: 'test_models' });
    const id = first.newId();
    first.add(record(id, 'cnn', '3'), 'fp-cnn', [10]);
    // add() writes through asynchronously; a later reader must see it once it lands.
    let again: ModelRegistry | undefined;
    for (let i = 0; i < 50 && !again?.get(id); i++) {
      await new Promise((r) => setTimeout(r, 20));
      again = await ModelRegistry.withKv(nc.jetstream(), { bucket: 'test_models' });
    }
    expect(again!.get(id)).toMatchObject({ name: 'cnn', version: '3', inputShape: [64] });
    expect(again!.existing('cnn', '3', 'fp-cnn')?.id).toBe(id);
    expect(() => again!.existing('cnn', '3', 'other')).toThrow(/already published/);
  });
});
