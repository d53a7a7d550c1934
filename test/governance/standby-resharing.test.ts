/**
 * The `reshare-standby` runner at the three parties of the new trio (party 0, standby S in slot 1,
 * party 2) over real encrypted share stores (FileShareStore) and an in-memory channel: a data set
 * (parts, validity, ledger selections, public manifest and ledger) and a model (JSON view with
 * share leaves) are reshared; read back from the stores the new trio opens to the old values,
 * while the old party 1's stored shares with any one new party's do not; an attempt that fails
 * after the remaining parties wrote (the standby's store fails) is repeated from the kept copies
 * and still opens; the final job erases the copies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateIdentity, publicIdentity } from '../../crypto-core/keys/identity.js';
import { generateStorageKey } from '../../crypto-core/keys/storage-key.js';
import { Prg } from '../../crypto-core/prg.js';
import type { PartyIndex } from '../../protocols/channel/channel.js';
import { openChecked, shareSecret, type ReplicatedShare, type ShareTriple } from '../../protocols/rss/replicated-share.js';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { bytesToU64, u64ToBytes } from '../../protocols/wire.js';
import { StandbyReshareRunner } from '../../services/party/runners/standby-reshare-runner.js';
import { FileShareStore, type ShareStore } from '../../services/party/share-store.js';
import { MemoryLog } from '../../services/transport/service-log.js';
import { decodeSharePair, encodeSharePair } from '../../services/wire/sealed-share-pair.js';
import type { JobOrder } from '../../services/wire/job-messages.js';
import type { StandbyResharePayload } from '../../services/wire/standby-reshare.js';

const root = mkdtempSync(join(tmpdir(), 'standby-reshare-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const store = (name: string): FileShareStore => new FileShareStore(join(root, name), generateStorageKey());
const rng = Prg.fromSeed(new Uint8Array(32).fill(7));
const values = (n: number): BigUint64Array => BigUint64Array.from({ length: n }, (_, k) => BigInt(k * 1000 + 17) ** 3n);
const PART = values(300);
const VALID = values(30);
const SEL = values(40);
const W = values(12);
const B = values(3);

const wire = (s: ReplicatedShare): { a: string; b: string } => ({ a: Buffer.from(u64ToBytes(s.a)).toString('base64'), b: Buffer.from(u64ToBytes(s.b)).toString('base64') });
const unwire = (w: { a: string; b: string }): ReplicatedShare => ({ a: bytesToU64(new Uint8Array(Buffer.from(w.a, 'base64'))), b: bytesToU64(new Uint8Array(Buffer.from(w.b, 'base64'))) });

/** Old trio: party-0, party-1 (to be replaced), party-2, each holding its shares of everything. */
async function seed(stores: ShareStore[]): Promise<void> {
  const part = shareSecret(PART, rng);
  const valid = shareSecret(VALID, rng);
  const sel = shareSecret(SEL, rng);
  const w = shareSecret(W, rng, [3, 4]);
  const b = shareSecret(B, rng);
  const enc = new TextEncoder();
  for (const i of [0, 1, 2]) {
    const s = stores[i]!;
    await s.put('dataset-d1.manifest', enc.encode(JSON.stringify({ datasetId: 'd1', parts: [{ uploadId: 'u1', rows: 30 }] })));
    await s.put('dataset-d1.part-u1', encodeSharePair(part[i]!.a, part[i]!.b));
    await s.put('dataset-d1.part-u1.valid', encodeSharePair(valid[i]!.a, valid[i]!.b));
    await s.put('dataset-d1.ledger', enc.encode('{"count":1}'));
    await s.put('dataset-d1.sel-0', encodeSharePair(sel[i]!.a, sel[i]!.b));
    const model = { format: 'mpc-shared-model/v1', fractionBits: 16, inputShape: [4], outputShape: [3], layers: [{ kind: 'dense', name: 'fc', inFeatures: 4, outFeatures: 3, weightT: { ...wire(w[i]!), shape: [3, 4] }, bias: wire(b[i]!) }, { kind: 'relu', name: 'r' }] };
    await s.put('model-m1', enc.encode(JSON.stringify(model)));
  }
}

async function pair(s: ShareStore, id: string, n: number): Promise<ReplicatedShare> {
  const [a, b] = decodeSharePair((await s.get(id))!, n);
  return { a, b };
}
async function leaf(s: ShareStore, field: 'weightT' | 'bias'): Promise<ReplicatedShare> {
  const m = JSON.parse(new TextDecoder().decode((await s.get('model-m1'))!)) as { layers: Record<string, { a: string; b: string }>[] };
  return unwire(m.layers[0]![field]!);
}
/** Every vector of the store trio, read back. */
async function vectors(trio: ShareStore[]): Promise<[string, BigUint64Array, ShareTriple][]> {
  const out: [string, BigUint64Array, ShareTriple][] = [];
  for (const [id, v] of [['dataset-d1.part-u1', PART], ['dataset-d1.part-u1.valid', VALID], ['dataset-d1.sel-0', SEL]] as const) out.push([id, v, (await Promise.all(trio.map((s) => pair(s, id, v.length)))) as unknown as ShareTriple]);
  for (const [f, v] of [['weightT', W], ['bias', B]] as const) out.push([f, v, (await Promise.all(trio.map((s) => leaf(s, f)))) as unknown as ShareTriple]);
  return out;
}

const keys = [0, 1, 2, 3].map(() => generateIdentity());
const refs = (['party-0', 'standby-1', 'party-2'] as const).map((id, i) => ({ id, index: i as PartyIndex, ...publicIdentity(keys[i === 1 ? 3 : i]!) })) as JobOrder['parties'];

async function job(stores: ShareStore[], payload: StandbyResharePayload): Promise<PromiseSettledResult<unknown>[]> {
  const trio = createLocalParties({ recvTimeoutMs: 2000 });
  const runner = new StandbyReshareRunner();
  const order = (i: number): JobOrder => ({ jobId: 'j', kind: 'reshare-standby', to: refs[i as PartyIndex].id, parties: refs, issuedAt: 0, deadline: 1, payload });
  return await Promise.allSettled(trio.contexts.map((protocol, i) => runner.run({ order: order(i), protocol, identity: keys[i]!, shares: stores[i]!, log: new MemoryLog() })));
}

describe('reshare-standby runner over the parties\' stores', () => {
  const p0 = store('p0');
  const old1 = store('old1');
  const p2 = store('p2');
  const standby = store('s1');

  it('reshares every vector of a data set and a model; the new trio opens, old party 1 with any new party does not', async () => {
    await seed([p0, old1, p2]);
    const before = await vectors([p0, old1, p2]);
    for (const [, v, t] of before) expect(openChecked(t)).toEqual(v);
    const oldShares = await vectors([p0, old1, p2]);
    // First attempt at the data set fails after the remaining parties wrote: the standby's store refuses.
    const failing: ShareStore = { ...standby, get: (id) => standby.get(id), list: () => standby.list(), delete: (id) => standby.delete(id), put: () => Promise.reject(new Error('disk full')) };
    const first = await job([p0, failing, p2], { standbyId: 'standby-1', slot: 1, item: { kind: 'dataset', id: 'd1' } });
    expect(first.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await p0.list()).filter((id) => id.startsWith('reshare-standby-1.')).length).toBe(5);
    // The repeat starts from the kept copies (the old sharing), not from the half-written new one.
    for (const item of [{ kind: 'dataset', id: 'd1' }, { kind: 'model', id: 'm1' }] as const) {
      const r = await job([p0, standby, p2], { standbyId: 'standby-1', slot: 1, item });
      expect(r.map((x) => x.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    }
    expect(await standby.get('dataset-d1.manifest')).toEqual(await p0.get('dataset-d1.manifest'));
    expect(await standby.get('dataset-d1.ledger')).toEqual(await p0.get('dataset-d1.ledger'));
    const after = await vectors([p0, standby, p2]);
    for (const [k, [id, v, t]] of after.entries()) {
      expect(openChecked(t), id).toEqual(v);
      const o = oldShares[k]![2];
      // Fresh randomness: every new share differs from the old one in the same slot.
      for (const i of [0, 1, 2]) expect(Buffer.from(u64ToBytes(t[i]!.a)).equals(Buffer.from(u64ToBytes(o[i]!.a))), `${id} slot ${i}`).toBe(false);
      // Old party 1 holds (x1, x2); with new party 0 (x0', x1'), new party 2 (x2', x0') or the standby (x1', x2'), no sum opens.
      const sum = (...xs: BigUint64Array[]): BigUint64Array => xs.reduce((acc, x) => acc.map((y, e) => (y + x[e]!) & 0xffffffffffffffffn));
      const attempts = [sum(o[1]!.a, o[1]!.b, t[0]!.a), sum(o[1]!.a, o[1]!.b, t[2]!.b), sum(t[0]!.a, o[1]!.a, o[1]!.b), sum(o[1]!.a, o[1]!.b, t[1]!.a), sum(o[1]!.a, o[1]!.b, t[1]!.b)];
      for (const guess of attempts) expect(Buffer.from(u64ToBytes(guess)).equals(Buffer.from(u64ToBytes(v)))).toBe(false);
    }
    // The final job erases the kept copies of the old shares.
    const fin = await job([p0, standby, p2], { standbyId: 'standby-1', slot: 1, discard: true });
    expect(fin.map((x) => (x as PromiseFulfilledResult<{ result: { discarded: number } }>).value.result.discarded)).toEqual([6, 0, 6]);
    for (const s of [p0, p2]) expect((await s.list()).some((id) => id.startsWith('reshare-'))).toBe(false);
  });

  it('refuses an order whose slot is not the standby named, and a standby given different layouts', async () => {
    const r = await job([p0, standby, p2], { standbyId: 'standby-9', slot: 1, item: { kind: 'model', id: 'm1' } });
    for (const x of r) expect((x as PromiseRejectedResult).reason).toMatchObject({ message: expect.stringMatching(/slot 1 of this job is standby-1, not standby-9/) as unknown });
    await p2.put('model-m1', new TextEncoder().encode(JSON.stringify({ layers: [{ kind: 'dense', name: 'other', weightT: wire(shareSecret(W, rng)[2]!) }] })));
    await p2.delete('reshare-standby-1.model-m1');
    const bad = await job([p0, standby, p2], { standbyId: 'standby-1', slot: 1, item: { kind: 'model', id: 'm1' } });
    expect((bad[1] as PromiseRejectedResult).reason).toMatchObject({ message: expect.stringMatching(/the two remaining parties sent different layouts/) as unknown });
  });
});
