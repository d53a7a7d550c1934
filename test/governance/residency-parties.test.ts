/**
 * Residency enforced by the parties themselves (docs/governance.md "Residency"): each party has
 * a region in its own configuration and refuses to store shares whose owner-signed statement (a
 * data set's upload manifest, a model's version statement) binds them elsewhere. Played as the
 * attack it stops, over a real nats-server behind the real gateway: the coordinator's configuration
 * wrongly puts party 2 in eu, so it places an eu-bound data set on a trio with a us party; the us party
 * refuses, the upload vote stores nothing anywhere, and the hospital gets 409 `residency-refused`
 * naming the party and both regions. The same for a model version signed for eu. Without a
 * residency, or with one every party is in, uploads are stored as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { generateApiKey } from '../../services/gateway/api-key-store.js';
import { GatewayProblemError, MpcClient } from '../../services/sdk/index.js';
import type { DatasetSchema } from '../../protocols/analytics/dataset-schema.js';
import { useNatsServer } from '../helpers/nats-server.js';
import { startRealGatewayCluster, type RealGatewayCluster } from '../helpers/real-gateway-cluster.js';

const schema: DatasetSchema = { columns: [{ name: 'age', type: 'numeric', min: 0, max: 120 }] };
const rows = Array.from({ length: 20 }, (_, i) => ({ age: 20 + i }));
const ONNX = new Uint8Array(readFileSync('test/fixtures/models/digits_mlp.onnx'));

describe('parties refuse shares bound to another region than their own', () => {
  const nats = useNatsServer();
  let gw: RealGatewayCluster;
  const keys = { hospital: generateApiKey('hospital'), owner: generateApiKey('owner'), admin: generateApiKey('admin') };
  let hospital: MpcClient;
  let owner: MpcClient;
  let admin: MpcClient;

  beforeAll(async () => {
    gw = await startRealGatewayCluster(
      nats().url,
      [
        { id: 'hospital', tenant: 'hospital-a', roles: ['hospital'], key: keys.hospital },
        { id: 'owner', tenant: 'lab', roles: ['model-owner'], key: keys.owner },
        { id: 'admin', tenant: 'ops', roles: ['admin'], key: keys.admin },
      ],
      // The coordinator's configuration says all three are in eu (wrong, or a coordinator that
      // ignores the rule); party 2's own configuration says us.
      { registryRegions: { 'party-0': 'eu', 'party-1': 'eu', 'party-2': 'eu' }, partyRegions: { 'party-0': 'eu', 'party-1': 'eu', 'party-2': 'us' } },
    );
    hospital = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.hospital, trust: gw.cluster.trustBundle });
    owner = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.owner, trust: gw.cluster.trustBundle });
    admin = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.admin, trust: gw.cluster.trustBundle });
  }, 60_000);
  afterAll(async () => {
    await gw?.stop();
  });

  const problem = async (p: Promise<unknown>): Promise<GatewayProblemError> => {
    const e = await p.then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(GatewayProblemError);
    return e as GatewayProblemError;
  };

  it('an eu-bound data set placed on a trio with a us party: 409 residency-refused naming party 2, nothing stored anywhere', async () => {
    const e = await problem(hospital.uploadDataset('ages-eu', schema, rows, { residency: 'eu' }));
    expect(e.status, e.message).toBe(409);
    expect(e.type).toMatch(/\/residency-refused$/);
    expect(e.message).toMatch(/data set ages-eu must stay in region "eu" \(owner-signed\); party 2 is in region "us"/);
    // No party kept anything: not in the catalogue, and no orphan in any party's store.
    expect((await hospital.listDatasets()).map((d) => d.name)).not.toContain('ages-eu');
    const report = await admin.storageReconciliation();
    expect(report.orphans.datasets).toEqual([]);
  });

  it('a us-bound data set is unplaceable by the coordinator\'s own configuration; one without residency is stored', async () => {
    const e = await problem(hospital.uploadDataset('ages-us', schema, rows, { residency: 'us' }));
    expect([e.status, e.type.split('/').at(-1)]).toEqual([409, 'residency-unplaceable']);
    const stored = await hospital.uploadDataset('ages-anywhere', schema, rows);
    expect(stored.rows).toBe(rows.length);
    expect((await admin.storageReconciliation()).orphans.datasets).toEqual([]);
  });

  it('a model version signed for eu is refused by the us party (409), one without residency is stored', async () => {
    const e = await problem(owner.publishModel(ONNX, { mode: 'mpc', name: 'digits-eu', version: '1', residency: 'eu' }));
    expect([e.status, e.type.split('/').at(-1)]).toEqual([409, 'residency-refused']);
    expect(e.message).toMatch(/model digits-eu 1 must stay in region "eu" \(owner-signed\); party 2 is in region "us"/);
    expect((await admin.storageReconciliation()).orphans.models).toEqual([]);
    expect((await owner.publishModel(ONNX, { mode: 'mpc', name: 'digits-anywhere', version: '1' })).created).toBe(true);
  });
});
