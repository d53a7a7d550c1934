/**
 * Promotion and resharing at service level: a real nats-server, the coordinator service with a
 * Merkle audit log and operator keys, three parties that pin their peers' keys and a standby
 * for slot 1, all real PartyService processes in this test process with the default runners.
 * Party 1 is stopped three times (restarted in between, so the coordinator counts it up); the
 * jobs placed on it fail `party-gone` and it is quarantined by the
 * coordinator's own recomputation; operators a and c sign the promotion; the same product job
 * then verifies on party 0, the standby and party 2 (every party checked the promotion in the
 * orders against its own operator keys); the resharing of the catalogued data set pauses while
 * the standby is down, resumes once it is back, and the stores of the new trio open to the
 * values while old party 1's do not with the standby's; the kept copies are erased.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../crypto-core/encoding.js';
import { generateIdentity, publicIdentity } from '../../crypto-core/keys/identity.js';
import { generateStorageKey } from '../../crypto-core/keys/storage-key.js';
import { MemoryMerkleLog } from '../../services/coordinator/audit/audit-memory-log.js';
import { CoordinatorService } from '../../services/coordinator/coordinator-service.js';
import type { OperatorKey } from '../../services/coordinator/governance/party-quarantine.js';
import type { TrustedService } from '../../services/coordinator/service-registry.js';
import { PartyService } from '../../services/party/party-service.js';
import { FileShareStore } from '../../services/party/share-store.js';
import { decodeSharePair, encodeSharePair } from '../../services/wire/sealed-share-pair.js';
import { openChecked, shareSecret, type ReplicatedShare, type ShareTriple } from '../../protocols/rss/replicated-share.js';
import { prepareComputeRequest } from '../../services/sdk/compute-client.js';
import { MemoryLog } from '../../services/transport/service-log.js';
import type { Principal } from '../../services/wire/api.js';
import { signMessage } from '../../services/wire/job-messages.js';
import { PROMOTION_DOMAIN, type PromotionDecision } from '../../services/wire/party-governance.js';
import { useNatsServer } from '../helpers/nats-server.js';

const nats = useNatsServer();
const root = mkdtempSync(join(tmpdir(), 'standby-cluster-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const coord = generateIdentity();
const ids = [generateIdentity(), generateIdentity(), generateIdentity(), generateIdentity()];
const names = ['party-0', 'party-1', 'party-2', 'standby-1'];
const trusted: TrustedService[] = ids.map((k, i) => ({ id: names[i]!, kind: 'party', index: i === 3 ? 1 : i, ...(i === 3 ? { standby: true } : {}), ...publicIdentity(k) }));
const opKeys = [generateIdentity(), generateIdentity(), generateIdentity()];
const operators: OperatorKey[] = ['a', 'b', 'c'].map((o, i) => ({ id: `op-${o}`, organisation: `org-${o}`, publicKey: toHex(opKeys[i]!.signing.publicKey), runs: [`party-${i}`] }));
const admin: Principal = { tenant: 't', actor: 'admin', roles: ['admin'] };

describe('standby promotion and resharing on a running cluster', () => {
  it('quarantine -> signed promotion -> jobs on the standby -> resharing done', async () => {
    const url = nats().url;
    const audit = new MemoryMerkleLog({ origin: 'coordinator', secretKey: coord.signing.secretKey });
    const coordinator = await CoordinatorService.start({ nats: { servers: url }, identity: coord, trusted, audit, log: new MemoryLog(), governance: { operators }, witnessCheckpoints: false, settings: { jobTimeoutMs: 8000 } });
    const pins = (except: number) => Object.fromEntries([0, 1, 2].filter((i) => i !== except).map((i) => [i, publicIdentity(ids[i]!)]));
    const storageKeys = ids.map(() => generateStorageKey());
    const shareStore = (i: number): FileShareStore => new FileShareStore(join(root, names[i]!, 'shares'), storageKeys[i]!);
    // A data set the old trio holds (its shares written to the parties' own encrypted stores) and the coordinator catalogues.
    const values = BigUint64Array.from({ length: 64 }, (_, k) => BigInt(k) * 7919n + 3n);
    const old = shareSecret(values);
    for (const i of [0, 1, 2]) {
      await shareStore(i).put('dataset-d1.manifest', new TextEncoder().encode('{"datasetId":"d1"}'));
      await shareStore(i).put('dataset-d1.part-u1', encodeSharePair(old[i]!.a, old[i]!.b));
    }
    const owner = { tenant: 't', actor: 'hospital' };
    await coordinator.parts.datasets.recordUpload({ datasetId: 'd1', name: 'd1', owner, rows: 64 } as never, { dataset: { createdAt: new Date().toISOString() } } as never, undefined);
    const start = (i: number): Promise<PartyService> =>
      PartyService.start({ nats: { servers: url }, id: names[i]!, index: (i === 3 ? 1 : i) as 0 | 1 | 2, identity: ids[i]!, coordinatorKey: coord.signing.publicKey, stateDir: join(root, names[i]!), storageKey: storageKeys[i]!, log: new MemoryLog(), pinnedPeers: pins(i === 3 ? 1 : i), governance: { operators, quorum: 2 }, ...(i === 3 ? { standby: true } : {}), announceIntervalMs: 500, witness: false });
    const parties = await Promise.all([0, 1, 2, 3].map(start));
    try {
      const { registry, book, dispatcher, quarantine, resharing } = coordinator.parts;
      const until = async (cond: () => boolean): Promise<void> => {
        for (let k = 0; k < 200 && !cond(); k++) await new Promise((r) => setTimeout(r, 25));
      };
      await until(() => registry.list().filter((s) => s.status === 'up').length === 4);
      const product = async (): Promise<{ state: string; parties: string[] }> => {
        const slot1 = registry.promotion('standby-1') ? trusted[3]! : trusted[1]!;
        const keys = [trusted[0]!, slot1, trusted[2]!].map((t) => t.agreementPublicKey) as [string, string, string];
        const { payload } = prepareComputeRequest('mul', [4], new BigUint64Array([1n, 2n, 3n, 4n]), new BigUint64Array([5n, 6n, 7n, 8n]), keys);
        const { record } = book.submit(admin, 'mpc-compute', payload);
        await dispatcher.run(record.status.id);
        const placed = audit.entries({ from: 0 }).filter((e) => e.type === 'job.placed' && e.jobId === record.status.id).flatMap((e) => e.parties ?? []);
        return { state: book.record(record.status.id)!.status.state, parties: placed };
      };
      expect(await product()).toMatchObject({ state: 'verified', parties: ['party-0', 'party-1', 'party-2'] });
      // Party 1 disappears; three jobs fail party-gone and the coordinator quarantines it.
      for (let k = 0; k < 3; k++) {
        if (k > 0) {
          parties[1] = await start(1);
          await until(() => registry.list().find((s) => s.id === 'party-1')!.status === 'up');
        }
        await parties[1]!.stop();
        expect((await product()).state).toBe('failed');
      }
      quarantine!.recompute(true);
      const rec = quarantine!.quarantined.find((q) => q.serviceId === 'party-1')!;
      expect(rec, JSON.stringify(audit.entries({ from: 0 }).filter((e) => e.type === 'job.failed').map((e) => e.reason))).toBeDefined();
      // Quarantined and not yet replaced: the standby is not used, the job fails at once naming the quarantine.
      expect(await product()).toMatchObject({ state: 'failed', parties: [] });
      expect(audit.entries({ from: 0 }).filter((e) => e.type === 'job.failed').at(-1)!.reason).toMatch(/^party-quarantined: party 1 \(party-1\) is quarantined/);
      const decide = (k: number): unknown => signMessage<PromotionDecision>(PROMOTION_DOMAIN, { type: 'party-promotion', slot: 1, standbyId: 'standby-1', ...publicIdentity(ids[3]!), replaces: 'party-1', quarantine: rec.id, issuedAt: Date.now() }, opKeys[k]!.signing);
      expect(quarantine!.promote('party-1', 'standby-1', [decide(0), decide(2)]).signers).toEqual(['op-a', 'op-c']);
      // The same product now runs on the new trio; the two remaining parties and the standby accepted the orders.
      expect(await product()).toMatchObject({ state: 'verified', parties: ['party-0', 'standby-1', 'party-2'] });
      expect(audit.entries({ from: 0 }).filter((e) => e.type === 'party.promoted')).toHaveLength(1);
      // The standby is down: the item's job fails and the resharing pauses with the error.
      await parties[3]!.stop();
      resharing.reshare(admin, 'standby-1');
      const paused = await resharing.settled('standby-1');
      expect(paused).toMatchObject({ state: 'paused', items: [{ kind: 'dataset', id: 'd1', state: 'failed', attempts: 1 }] });
      parties[3] = await start(3);
      await until(() => registry.list().find((s) => s.id === 'standby-1')!.status === 'up');
      resharing.reshare(admin, 'standby-1');
      const done = await resharing.settled('standby-1');
      expect(done).toMatchObject({ state: 'done', discarded: true, items: [{ kind: 'dataset', id: 'd1', state: 'done', attempts: 2 }] });
      // Read from the stores: the new trio opens the values; old party 1's pair with the standby's does not.
      const pair = async (i: number): Promise<ReplicatedShare> => {
        const [a, b] = decodeSharePair((await shareStore(i).get('dataset-d1.part-u1'))!, 64);
        return { a, b };
      };
      const fresh = [await pair(0), await pair(3), await pair(2)] as unknown as ShareTriple;
      expect(openChecked(fresh)).toEqual(values);
      const old1 = await pair(1);
      for (const x of [fresh[1].a, fresh[1].b, fresh[0].a, fresh[2].b]) expect(old1.a.map((v, e) => (v + old1.b[e]! + x[e]!) & 0xffffffffffffffffn)).not.toEqual(values);
      for (const i of [0, 2]) expect((await shareStore(i).list()).some((id) => id.startsWith('reshare-'))).toBe(false);
    } finally {
      await Promise.all(parties.map((p) => p.stop()));
      await coordinator.stop();
    }
  }, 60_000);
});
