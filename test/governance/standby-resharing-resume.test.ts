/**
 * Resharing to a promoted standby survives a kill mid-way (docs/governance.md "Standby
 * parties"), on a real nats-server with JetStream: the coordinator service keeps its
 * quarantines, promotion and resharing progress in a KV bucket and its data-set catalogue in
 * another; three parties and a standby for slot 1 are real PartyService instances with the
 * default runners. Each cluster catalogues three data sets (their shares written into the old
 * parties' encrypted stores), quarantines party 1 (three jobs fail `party-gone`) and promotes
 * the standby with two operators' decisions.
 *
 * (a) Party 2 is stopped in the middle of the second item's job, at a deterministic point: it
 *     has sent its deal and received party 0's, party 0 has already overwritten its shares of
 *     the item with the new sharing (keeping a copy of the old bytes), and party 2 has written
 *     nothing. The resharing pauses with that item failed; party 2 is started again on the same
 *     state and `parties.reshare` resumes: every item ends done, the new trio opens every value,
 *     old party 1's pair with a new share does not, the kept copies are erased. (Party 0's new
 *     shares with party 2's old ones open to garbage: only the kept copy makes the repeat right.)
 * (b) The coordinator is stopped while the second item's job runs (the standby holds its receive
 *     until the stop has begun, so the job cannot finish first); a new CoordinatorService on the
 *     same buckets continues by itself, once the parties announce, with the items not done: the
 *     first item keeps its one attempt and job, the others end done and every value opens.
 *
 * The hooks are the parties' protocol-channel tamper (services/party/tokens), used here only to
 * pause a receive and stop the party service at that point; the protocol runs unchanged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../crypto-core/encoding.js';
import { generateIdentity, publicIdentity } from '../../crypto-core/keys/identity.js';
import { generateStorageKey } from '../../crypto-core/keys/storage-key.js';
import { openChecked, shareSecret, type ReplicatedShare, type ShareTriple } from '../../protocols/rss/replicated-share.js';
import type { Channel } from '../../protocols/channel/channel.js';
import { DatasetCatalog } from '../../services/coordinator/analytics/dataset-catalog.js';
import { MemoryMerkleLog } from '../../services/coordinator/audit/audit-memory-log.js';
import { CoordinatorService } from '../../services/coordinator/coordinator-service.js';
import { openQuarantineStore, type OperatorKey } from '../../services/coordinator/governance/party-quarantine.js';
import type { TrustedService } from '../../services/coordinator/service-registry.js';
import { PartyService } from '../../services/party/party-service.js';
import { FileShareStore } from '../../services/party/share-store.js';
import type { ProtocolChannelTamper } from '../../services/party/tokens.js';
import { prepareComputeRequest } from '../../services/sdk/compute-client.js';
import { MemoryLog } from '../../services/transport/service-log.js';
import type { Principal } from '../../services/wire/api.js';
import type { JobOrder } from '../../services/wire/job-messages.js';
import { signMessage } from '../../services/wire/job-messages.js';
import { PROMOTION_DOMAIN, type PromotionDecision } from '../../services/wire/party-governance.js';
import { decodeSharePair, encodeSharePair } from '../../services/wire/sealed-share-pair.js';
import type { StandbyResharePayload } from '../../services/wire/standby-reshare.js';
import { useNatsServer } from '../helpers/nats-server.js';

const nats = useNatsServer({ jetstream: true });
const root = mkdtempSync(join(tmpdir(), 'standby-resume-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const N = 64;
const DATASETS = ['d1', 'd2', 'd3'];
const admin: Principal = { tenant: 't', actor: 'admin', roles: ['admin'] };
const names = ['party-0', 'party-1', 'party-2', 'standby-1'];
const M64 = 0xffffffffffffffffn;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** The reshare-standby job of data set `id` (a channel tamper acts only on it). */
function isItemJob(order: JobOrder, id: string): boolean {
  return order.kind === 'reshare-standby' && (order.payload as StandbyResharePayload).item?.id === id;
}

/** `channel` whose first receive runs `hook` once the frame is in, and resolves only if the hook says so. */
function holdRecv(channel: Channel, hook: () => Promise<'continue' | 'freeze'>): Channel {
  let fired = false;
  return new Proxy(channel, {
    get(target, key) {
      if (key === 'recv') {
        return async (from: 0 | 1 | 2, tag: string) => {
          if (fired) return target.recv(from, tag);
          fired = true;
          const frame = await target.recv(from, tag);
          // A killed process runs nothing further: its code stops here.
          if ((await hook()) === 'freeze') return new Promise<Uint8Array>(() => undefined);
          return frame;
        };
      }
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** One cluster: identities, stores, catalogued data sets, coordinator factory on its own KV buckets, parties. */
function makeCluster(tag: string) {
  const dir = join(root, tag);
  const coord = generateIdentity();
  const ids = names.map(() => generateIdentity());
  const trusted: TrustedService[] = ids.map((k, i) => ({ id: names[i]!, kind: 'party', index: i === 3 ? 1 : i, ...(i === 3 ? { standby: true } : {}), ...publicIdentity(k) }));
  const opKeys = [generateIdentity(), generateIdentity(), generateIdentity()];
  const operators: OperatorKey[] = ['a', 'b', 'c'].map((o, i) => ({ id: `op-${o}`, organisation: `org-${o}`, publicKey: toHex(opKeys[i]!.signing.publicKey), runs: [`party-${i}`] }));
  const storageKeys = ids.map(() => generateStorageKey());
  const store = (i: number): FileShareStore => new FileShareStore(join(dir, names[i]!, 'shares'), storageKeys[i]!);
  // The audit log outlives a coordinator (in production it is in JetStream).
  const audit = new MemoryMerkleLog({ origin: 'coordinator', secretKey: coord.signing.secretKey });
  const values = new Map(DATASETS.map((d, k) => [d, BigUint64Array.from({ length: N }, (_, e) => BigInt(e) * 7919n + BigInt(k) * 1_000_003n + 3n)]));
  const tampers: (ProtocolChannelTamper | undefined)[] = [undefined, undefined, undefined, undefined];
  const url = (): string => nats().url;
  const coordinator = (): Promise<CoordinatorService> =>
    CoordinatorService.start({
      nats: { servers: url() },
      identity: coord,
      trusted,
      audit,
      log: new MemoryLog(),
      governance: { operators },
      witnessCheckpoints: false,
      settings: { jobTimeoutMs: 8000 },
      quarantines: (nc) => openQuarantineStore(nc.jetstream(), { bucket: `quarantine_${tag}` }),
      datasets: (nc) => DatasetCatalog.withKv(nc.jetstream(), { bucket: `datasets_${tag}` }),
    });
  const logs = names.map(() => new MemoryLog());
  const pins = (except: number) => Object.fromEntries([0, 1, 2].filter((i) => i !== except).map((i) => [i, publicIdentity(ids[i]!)]));
  const party = (i: number): Promise<PartyService> =>
    PartyService.start({
      nats: { servers: url() },
      id: names[i]!,
      index: (i === 3 ? 1 : i) as 0 | 1 | 2,
      identity: ids[i]!,
      coordinatorKey: coord.signing.publicKey,
      stateDir: join(dir, names[i]!),
      storageKey: storageKeys[i]!,
      log: logs[i]!,
      pinnedPeers: pins(i === 3 ? 1 : i),
      governance: { operators, quorum: 2 },
      ...(i === 3 ? { standby: true } : {}),
      announceIntervalMs: 300,
      witness: false,
      tamper: (channel, order) => tampers[i]?.(channel, order) ?? channel,
    });
  /** Shares of every data set into the old trio's stores, and the catalogue entries. */
  const seed = async (c: CoordinatorService): Promise<void> => {
    for (const [d, v] of values) {
      const old = shareSecret(v);
      for (const i of [0, 1, 2]) {
        await store(i).put(`dataset-${d}.manifest`, new TextEncoder().encode(JSON.stringify({ datasetId: d })));
        await store(i).put(`dataset-${d}.part-u1`, encodeSharePair(old[i]!.a, old[i]!.b));
      }
      await c.parts.datasets.recordUpload({ datasetId: d, name: d, owner: { tenant: 't', actor: 'hospital' }, rows: N } as never, { dataset: { createdAt: new Date().toISOString() } } as never, undefined);
      await sleep(2); // distinct createdAt: the catalogue (and so the resharing) keeps d1, d2, d3 in order
    }
  };
  /** Party 1 fails three jobs `party-gone` and is quarantined; operators a and c promote the standby. */
  const quarantineAndPromote = async (c: CoordinatorService, parties: PartyService[]): Promise<void> => {
    const { registry, book, dispatcher, quarantine } = c.parts;
    const up = (id: string): boolean => registry.list().find((s) => s.id === id)!.status === 'up';
    await until(() => names.every(up), 'four parties up');
    const keys = [0, 1, 2].map((i) => trusted[i]!.agreementPublicKey) as [string, string, string];
    for (let k = 0; k < 3; k++) {
      if (k > 0) {
        parties[1] = await party(1);
        await until(() => up('party-1'), 'party 1 up');
      }
      await parties[1]!.stop();
      const { payload } = prepareComputeRequest('mul', [2], new BigUint64Array([1n, 2n]), new BigUint64Array([3n, 4n]), keys);
      const { record } = book.submit(admin, 'mpc-compute', payload);
      await dispatcher.run(record.status.id);
      expect(book.record(record.status.id)!.status.state).toBe('failed');
    }
    quarantine!.recompute(true);
    const rec = quarantine!.quarantined.find((q) => q.serviceId === 'party-1');
    expect(rec).toBeDefined();
    const decide = (k: number): unknown => signMessage<PromotionDecision>(PROMOTION_DOMAIN, { type: 'party-promotion', slot: 1, standbyId: 'standby-1', ...publicIdentity(ids[3]!), replaces: 'party-1', quarantine: rec!.id, issuedAt: Date.now() }, opKeys[k]!.signing);
    quarantine!.promote('party-1', 'standby-1', [decide(0), decide(2)]);
  };
  const pair = async (i: number, d: string): Promise<ReplicatedShare> => {
    const [a, b] = decodeSharePair((await store(i).get(`dataset-${d}.part-u1`))!, N);
    return { a, b };
  };
  /** Every data set opens from the new trio's stores; old party 1's pair with any new share does not; no kept copy is left. */
  const checkStores = async (): Promise<void> => {
    for (const [d, v] of values) {
      const fresh = [await pair(0, d), await pair(3, d), await pair(2, d)] as unknown as ShareTriple;
      expect(openChecked(fresh), d).toEqual(v);
      const old1 = await pair(1, d);
      for (const x of [fresh[1].a, fresh[1].b, fresh[0].a, fresh[2].b]) expect(old1.a.map((y, e) => (y + old1.b[e]! + x[e]!) & M64)).not.toEqual(v);
    }
    for (const i of [0, 2]) expect((await store(i).list()).some((id) => id.startsWith('reshare-'))).toBe(false);
  };
  return { coordinator, party, seed, quarantineAndPromote, tampers, logs, store, pair, values, checkStores };
}

describe('resharing to a standby survives a kill mid-way', () => {
  it('(a) a party stopped in the middle of an item: paused with that item failed, resumed from the kept copies after its restart', async () => {
    const cl = makeCluster('a');
    const coordinator = await cl.coordinator();
    await cl.seed(coordinator);
    const parties = await Promise.all([0, 1, 2, 3].map(cl.party));
    try {
      await cl.quarantineAndPromote(coordinator, parties);
      const { resharing, registry } = coordinator.parts;
      // Party 2 is killed once it has party 0's deal of d2 and party 0 has written its new shares of d2.
      const party0Reshared = (): boolean => cl.logs[0]!.entries.some((e) => e.event === 'reshared' && e.fields.item === 'dataset:d2');
      cl.tampers[2] = (channel, order) =>
        isItemJob(order, 'd2')
          ? holdRecv(channel, async () => {
              cl.tampers[2] = undefined;
              await until(party0Reshared, 'party 0 to write its new shares of d2');
              await parties[2]!.stop();
              return 'freeze';
            })
          : channel;
      resharing.reshare(admin, 'standby-1');
      const paused = await resharing.settled('standby-1');
      expect(paused).toMatchObject({
        state: 'paused',
        discarded: false,
        items: [
          { kind: 'dataset', id: 'd1', state: 'done', attempts: 1 },
          { kind: 'dataset', id: 'd2', state: 'failed', attempts: 1 },
          { kind: 'dataset', id: 'd3', state: 'pending', attempts: 0 },
        ],
      });
      expect(paused!.items[1]!.error).toMatch(/^party-gone: party 2 \(party-2\)/);
      // The stores are torn: party 0 holds the new sharing of d2 (and its old bytes kept), party 2 the old one and no copy.
      expect(await cl.store(0).get('reshare-standby-1.dataset-d2.part-u1')).toBeDefined();
      expect(await cl.store(2).get('reshare-standby-1.dataset-d2.part-u1')).toBeUndefined();
      const [new0, old2] = [await cl.pair(0, 'd2'), await cl.pair(2, 'd2')];
      expect(new0.a.map((x, e) => (x + new0.b[e]! + old2.a[e]!) & M64)).not.toEqual(cl.values.get('d2'));
      parties[2] = await cl.party(2);
      await until(() => registry.list().find((s) => s.id === 'party-2')!.status === 'up', 'party 2 up again');
      resharing.reshare(admin, 'standby-1');
      const done = await resharing.settled('standby-1');
      expect(done).toMatchObject({
        state: 'done',
        discarded: true,
        items: [
          { id: 'd1', state: 'done', attempts: 1, jobId: paused!.items[0]!.jobId },
          { id: 'd2', state: 'done', attempts: 2 },
          { id: 'd3', state: 'done', attempts: 1 },
        ],
      });
      await cl.checkStores();
    } finally {
      await Promise.all(parties.map((p) => p.stop()));
      await coordinator.stop();
    }
  }, 90_000);

  it('(b) a coordinator stopped mid-resharing: a new one on the same KV buckets continues with the items not done', async () => {
    const cl = makeCluster('b');
    const first = await cl.coordinator();
    await cl.seed(first);
    const parties = await Promise.all([0, 1, 2, 3].map(cl.party));
    let second: CoordinatorService | undefined;
    let stopping: Promise<void> | undefined;
    try {
      await cl.quarantineAndPromote(first, parties);
      // When d2's job runs, the coordinator is stopped; the standby's first receive of that job waits for the stop to begin.
      let stopBegun!: () => void;
      const begun = new Promise<void>((r) => (stopBegun = r));
      first.parts.book.onChange((rec) => {
        if (stopping || rec.kind !== 'reshare-standby' || (rec.payload as StandbyResharePayload).item?.id !== 'd2' || rec.status.state !== 'running') return;
        // After the dispatcher watches the job (the rest of this transition's turn).
        stopping = Promise.resolve().then(() => {
          const s = first.stop();
          stopBegun();
          return s;
        });
      });
      cl.tampers[3] = (channel, order) =>
        isItemJob(order, 'd2')
          ? holdRecv(channel, async () => {
              cl.tampers[3] = undefined;
              await begun;
              return 'continue';
            })
          : channel;
      first.parts.resharing.reshare(admin, 'standby-1');
      await until(() => stopping !== undefined, "d2's job running");
      await stopping;
      const left = first.parts.resharing.resharings[0]!;
      expect(left).toMatchObject({
        state: 'running',
        items: [
          { id: 'd1', state: 'done', attempts: 1 },
          { id: 'd2', state: 'pending', attempts: 0 },
          { id: 'd3', state: 'pending', attempts: 0 },
        ],
      });
      // A new coordinator on the same buckets (and audit log) reads the promotion and the progress and continues by itself.
      second = await cl.coordinator();
      expect(second.parts.registry.promotion('standby-1')).toBeDefined();
      await until(() => second!.parts.resharing.resharings[0]?.state !== 'running', 'the continued resharing to end', 30_000);
      const done = await second.parts.resharing.settled('standby-1');
      expect(done).toMatchObject({
        state: 'done',
        discarded: true,
        items: [
          { id: 'd1', state: 'done', attempts: 1, jobId: left.items[0]!.jobId },
          { id: 'd2', state: 'done', attempts: 1 },
          { id: 'd3', state: 'done', attempts: 1 },
        ],
      });
      // d2 and d3 ran on the new coordinator, d1 only on the first.
      for (const k of [1, 2]) expect(second.parts.book.record(done!.items[k]!.jobId!)?.status.state).toBe('verified');
      expect(second.parts.book.record(left.items[0]!.jobId!)).toBeUndefined();
      await cl.checkStores();
    } finally {
      await Promise.all(parties.map((p) => p.stop()));
      await second?.stop();
      if (!stopping) await first.stop();
    }
  }, 90_000);
});
