/**
 * Storage reconciliation on a full cluster of real processes (needs `npm run build`): a data
 * set and an MPC model are uploaded and published through the gateway; the coordinator then
 * loses the data set's catalogue record (killed, the record deleted from its KV bucket, started
 * again), so the parties hold shares no catalogue names. On start the coordinator logs the
 * orphan; an admin sees it in GET /v1/admin/storage, erases it, and the parties' share files are
 * gone while the catalogued model is untouched; the erasure is in the audit log. A party that
 * lost a model file shows as `missing`. Refusals: a catalogued data set (409 conflict), a
 * non-admin (403), a malformed id (400 validation), a forged erase request sent to a party
 * over the broker (refused, nothing erased), and an erase with a party down (503, nothing
 * erased; the report names the party).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run as storageCommand } from '../../services/cli/commands/storage.js';
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';
import { startFullCluster, type FullCluster } from '../../services/cluster/full-cluster.js';
import { loadBreastCancer, loadModel } from '../../services/demo/demo-data.js';
import { GatewayProblemError, MpcClient } from '../../services/sdk/index.js';
import { inventorySubject, signInventoryRequest, verifyInventoryReply } from '../../services/wire/storage-inventory.js';
import { fromHex } from '../../crypto-core/encoding.js';

let cluster: FullCluster;
let dir: string;
let admin: MpcClient;
let observer: NatsConnection;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mpc-reconcile-'));
  cluster = await startFullCluster({ dir, heWorkers: 0, extraUsers: [{ user: 'observer', permissions: { publish: ['>'], subscribe: ['>'] } }] });
  admin = new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys['demo-admin']! });
  observer = await cluster.connect('observer', 'reconcile-observer');
}, 120_000);
afterAll(async () => {
  await observer?.close();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Share files of `prefix` at party `i`. */
function partyFiles(i: number, prefix: string): string[] {
  const d = join(dir, 'state', `party-${i}`, 'shares');
  return existsSync(d) ? readdirSync(d).filter((f) => f.startsWith(prefix)) : [];
}

async function coordinatorReady(): Promise<void> {
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    const r = await fetch(`${cluster.gatewayUrl}/readyz`).catch(() => undefined);
    if (r?.status === 200) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('not ready again');
}

describe('storage reconciliation (real processes)', () => {
  let datasetId: string;
  let keptDataset: string;
  let modelId: string;

  it('reports a data set whose catalogue record was lost as an orphan, and an admin erases it at all three parties (audited)', async () => {
    const hospital = new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys['demo-hospital']! });
    const { schema, rows } = loadBreastCancer();
    datasetId = (await hospital.uploadDataset('lost-one', schema, rows.slice(0, 40))).id;
    keptDataset = (await hospital.uploadDataset('kept-one', schema, rows.slice(40, 80))).id;
    modelId = (await admin.publishModel(loadModel('digits_mlp.onnx'), { mode: 'mpc', name: 'reconcile-mlp', version: '1' })).id;
    for (const i of [0, 1, 2]) expect(partyFiles(i, `dataset-${datasetId}.`).length).toBeGreaterThan(0);

    // Catalogues and stores agree.
    const clean = await admin.storageReconciliation();
    expect(clean).toMatchObject({ complete: true, orphans: { datasets: [], models: [] }, missing: { datasets: [], models: [] } });
    expect(clean.parties.map((p) => [p.id, p.reachable, p.datasets, p.models])).toEqual([0, 1, 2].map((i) => [`party-${i}`, true, 2, 1]));

    // The coordinator loses the record of one data set (as one that kept its catalogue in memory did on every restart).
    await cluster.kill('coordinator', 'SIGKILL');
    const kv = await observer.jetstream().views.kv('mpc_datasets');
    await kv.delete(datasetId);
    await cluster.restart('coordinator');
    await coordinatorReady();

    const report = await admin.storageReconciliation();
    expect(report.complete).toBe(true);
    expect(report.orphans.models).toEqual([]);
    expect(report.orphans.datasets).toHaveLength(1);
    const orphan = report.orphans.datasets[0]!;
    expect(orphan).toMatchObject({ id: datasetId, parties: ['party-0', 'party-1', 'party-2'], inUse: false });
    expect(orphan.objects).toBe([0, 1, 2].reduce((n, i) => n + partyFiles(i, `dataset-${datasetId}.`).length, 0));
    expect(orphan.bytes).toBeGreaterThan(0);
    // The restarted coordinator found it by itself and logged it.
    const end = Date.now() + 20_000;
    let logged = '';
    while (Date.now() < end && !logged.includes(datasetId)) {
      logged = readFileSync(join(dir, 'logs', 'coordinator.log'), 'utf8').split('\n').filter((l) => l.includes('storage-reconciled')).pop() ?? '';
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(logged).toContain(`"orphanDatasets":"${datasetId}"`);

    const erased = await admin.eraseOrphans({ datasets: [datasetId] });
    expect(erased.erased).toEqual({ datasets: [datasetId], models: [] });
    expect(erased.objects).toBe(orphan.objects);
    for (const i of [0, 1, 2]) {
      expect(partyFiles(i, `dataset-${datasetId}.`)).toEqual([]);
      expect(partyFiles(i, `dataset-${keptDataset}.`).length).toBeGreaterThan(0);
      expect(partyFiles(i, `model-${modelId}`)).toHaveLength(1);
    }
    expect(await admin.storageReconciliation()).toMatchObject({ complete: true, orphans: { datasets: [], models: [] }, missing: { datasets: [], models: [] } });
    // The erasure is in the audit log.
    const auditor = new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys['demo-auditor']! });
    const deadline = Date.now() + 10_000;
    let entry: { type: string; datasetId?: string; reason?: string } | undefined;
    while (!entry && Date.now() < deadline) {
      const { entries } = await auditor.exportAudit();
      entry = entries.find((e) => e.type === 'dataset.deleted' && e.datasetId === datasetId);
      if (!entry) await new Promise((r) => setTimeout(r, 200));
    }
    expect(entry?.reason).toBe('orphan (no catalogue names it) erased at party-0, party-1, party-2');
    // The kept data set still answers a query.
    expect((await admin.listDatasets()).map((d) => d.id)).toContain(keptDataset);
  }, 180_000);

  it('reports a model file a party lost as missing there', async () => {
    unlinkSync(join(dir, 'state', 'party-1', 'shares', `model-${modelId}.share`));
    const report = await admin.storageReconciliation();
    expect(report.missing.models).toEqual([{ id: modelId, parties: ['party-1'] }]);
    expect(report.orphans).toEqual({ datasets: [], models: [] });
  }, 60_000);

  it('mpc storage reconcile prints the report and exits 1 while a party misses an object', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    let code: number;
    try {
      code = await storageCommand(['reconcile', '--erase', '--gateway', cluster.gatewayUrl, '--api-key', cluster.demoKeys['demo-admin']!]);
    } finally {
      spy.mockRestore();
    }
    expect(code).toBe(1);
    const text = out.join('');
    expect(text).toContain(`missing model ${modelId}\tat party-1\n`);
    expect(text).toMatch(/^party-0\t1 data sets, 1 models, 0 other objects$/m);
    expect(text).toMatch(/^party-1\t1 data sets, 0 models, 0 other objects$/m);
    expect(text).not.toContain('erased');
    expect(text.trim().split('\n').pop()).toBe('the parties and the catalogues differ');
  }, 60_000);

  it('refuses to erase a catalogued data set, a non-admin, and a malformed id, with typed problems', async () => {
    const refused = await admin.eraseOrphans({ datasets: [keptDataset] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GatewayProblemError);
    expect((refused as GatewayProblemError).problem).toBe('conflict');
    expect((refused as GatewayProblemError).message).toContain(`data set ${keptDataset} is in the catalogue`);
    const hospital = new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys['demo-hospital']! });
    expect(((await hospital.storageReconciliation().catch((e: unknown) => e)) as GatewayProblemError).problem).toBe('forbidden');
    const bad = (await admin.eraseOrphans({ datasets: ['../x'] }).catch((e: unknown) => e)) as GatewayProblemError;
    expect(bad.problem).toBe('validation');
    expect(bad.errors?.[0]?.path).toContain('datasets');
    for (const i of [0, 1, 2]) expect(partyFiles(i, `dataset-${keptDataset}.`).length).toBeGreaterThan(0);
  }, 60_000);

  it('a party refuses an erase request not signed by its coordinator, and erases nothing', async () => {
    const forger = generateSigningKeyPair();
    const nonce = randomBytes(16).toString('hex');
    const req = signInventoryRequest({ op: 'erase', datasets: [keptDataset], models: [], nonce, issuedAt: new Date().toISOString(), party: 'party-0' }, forger);
    const m = await observer.request(inventorySubject('party-0'), new TextEncoder().encode(JSON.stringify(req)), { timeout: 5000 });
    const reply = verifyInventoryReply(JSON.parse(new TextDecoder().decode(m.data)), fromHex(cluster.keys['party-0']!.signingPublicKey, 'key', 32));
    expect(reply).toEqual({ op: 'refused', nonce, party: 'party-0', reason: 'request: not signed by the coordinator this party trusts' });
    expect(partyFiles(0, `dataset-${keptDataset}.`).length).toBeGreaterThan(0);
  }, 30_000);

  it('with a party down the report says which and is not complete, and nothing is erased (503 service-unavailable)', async () => {
    const kept = partyFiles(0, `dataset-${keptDataset}.`);
    await cluster.kill('party-2', 'SIGKILL');
    const report = await admin.storageReconciliation();
    expect(report.complete).toBe(false);
    expect(report.parties.find((p) => p.id === 'party-2')).toMatchObject({ reachable: false });
    expect(report.parties.find((p) => p.id === 'party-2')?.error).toMatch(/^no answer: /);
    const refused = (await admin.eraseOrphans({ datasets: ['ds-never-catalogued'] }).catch((e: unknown) => e)) as GatewayProblemError;
    expect(refused).toBeInstanceOf(GatewayProblemError);
    expect(refused.problem).toBe('service-unavailable');
    expect(refused.message).toContain('erasing needs all three parties; party-2: no answer');
    expect(partyFiles(0, `dataset-${keptDataset}.`)).toEqual(kept);
  }, 60_000);
});
