/**
 * The HE model book backed by a JetStream KV bucket on a real nats-server: a model added to one
 * book is planned again, with the same plan digest, by a book opened later on the bucket (what a
 * restarted coordinator does), a batched one for the same batch; the write lands only after the broker is back when it was away
 * (addModel resolves then); a stored record that no longer plans is reported and left out.
 */
import { readFileSync } from 'node:fs';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeModelBook, planStoredHeModel } from '../../services/coordinator/he/he-model-book.js';
import { toBase64 } from '../../crypto-core/encoding.js';
import { useNatsServer } from '../helpers/nats-server.js';

const server = useNatsServer({ jetstream: true });
const ONNX = toBase64(new Uint8Array(readFileSync(new URL('../fixtures/models/digits_square_mlp.onnx', import.meta.url))));
let nc: NatsConnection;

beforeAll(async () => {
  nc = await connect({ servers: server().url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
});
afterAll(async () => {
  await nc?.close();
});

describe('HeModelBook.withKv', () => {
  it('a model published before a restart is planned again by the next book, with the same plan digest', async () => {
    const first = await HeModelBook.withKv(nc.jetstream(), { bucket: 'he_books_1' });
    const entry = planStoredHeModel({ modelId: 'm-one', onnx: ONNX });
    await first.addModel(entry);
    first.close();
    const next = await HeModelBook.withKv(nc.jetstream(), { bucket: 'he_books_1' });
    const again = next.model('m-one');
    expect(again?.planDigest).toBe(entry.planDigest);
    expect(again?.wire).toEqual({ format: 'onnx', onnx: ONNX });
    // The workers are given it again on first use.
    expect(again?.workers.size).toBe(0);
    expect(next.model('m-other')).toBeUndefined();
    next.close();
  });

  it('a batched model (queries per ciphertext chosen at publish) is planned again for the same batch', async () => {
    const first = await HeModelBook.withKv(nc.jetstream(), { bucket: 'he_books_4' });
    const entry = planStoredHeModel({ modelId: 'm-batched', onnx: ONNX, batch: 64 });
    expect(entry.plan.batch).toBe(64);
    // Not the batch-1 plan: another plan digest, so a worker planning batch 1 would be caught.
    expect(entry.planDigest).not.toBe(planStoredHeModel({ modelId: 'm-batched', onnx: ONNX }).planDigest);
    await first.addModel(entry);
    first.close();
    const next = await HeModelBook.withKv(nc.jetstream(), { bucket: 'he_books_4' });
    expect(next.model('m-batched')?.batch).toBe(64);
    expect(next.model('m-batched')?.planDigest).toBe(entry.planDigest);
    next.close();
  });

  it('a model added while the broker is away is durable once addModel resolves (after the broker is back)', async () => {
    const book = await HeModelBook.withKv(nc.jetstream({ timeout: 500 }), { bucket: 'he_books_2', onPersistError: () => undefined });
    await server().stop();
    let done = false;
    const adding = book.addModel(planStoredHeModel({ modelId: 'm-two', onnx: ONNX })).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 600));
    expect(done).toBe(false);
    expect(book.model('m-two')).toBeDefined();
    await server().restart();
    await adding;
    book.close();
    const fresh = await connect({ servers: server().url });
    const next = await HeModelBook.withKv(fresh.jetstream(), { bucket: 'he_books_2' });
    expect(next.model('m-two')?.planDigest).toBe(book.model('m-two')!.planDigest);
    next.close();
    await fresh.close();
  });

  it('a stored record that does not plan is reported and left out; the others load', async () => {
    const kv = await nc.jetstream().views.kv('he_books_3');
    await kv.put('m-good', new TextEncoder().encode(JSON.stringify({ modelId: 'm-good', onnx: ONNX })));
    await kv.put('m-bad', new TextEncoder().encode(JSON.stringify({ modelId: 'm-bad', onnx: toBase64(new Uint8Array([1, 2, 3])) })));
    const errors: string[] = [];
    const book = await HeModelBook.withKv(nc.jetstream(), { bucket: 'he_books_3', onLoadError: (id) => errors.push(id) });
    expect(errors).toEqual(['m-bad']);
    expect(book.model('m-good')).toBeDefined();
    expect(book.model('m-bad')).toBeUndefined();
    book.close();
  });
});
