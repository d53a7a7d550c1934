/**
 * A coordinator that lowers the minimum cell size (issue 12, item 3), played against the real
 * gateway, the real coordinator and three real parties on a real nats-server. The hospital
 * signs k = 10 into its manifest (services/wire/dataset-manifest). The coordinator, which signs
 * the parties' job orders, then:
 * - rewrites the upload order's policy to k = 1: the parties refuse the upload (the order's
 *   policy is not the signed one) and nothing is stored;
 * - replaces the manifest by one of its own with k = 1, or drops it: refused (the boxes are
 *   bound to the hospital's manifest key, and an upload needs a manifest);
 * - lets the upload through and rewrites the query order's k to 1: the parties apply the
 *   signed k, the 3 smokers stay suppressed, and the result equals the clear query at k = 10;
 * - appends under another manifest key (a new client of the same hospital account): refused.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useNatsServer } from '../helpers/nats-server.js';
import { analyticsQueryPlan, datasetUploadPlan } from '../../services/coordinator/analytics/analytics-job-plans.js';
import type { AnalyticsQueryPayload, DatasetUploadPartyPayload } from '../../services/wire/analytics-jobs.js';
import { DATASET_MANIFEST_DOMAIN, openDatasetManifest, signDatasetManifest, type SignedDatasetManifest } from '../../services/wire/dataset-manifest.js';
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';
import type { Query } from '../../protocols/analytics/query.js';
import { K, ROWS, SCHEMA, refusalOf, secureEqualsClear, startAttackCluster, type AttackCluster } from './analytics-attack-fixture.js';

const POLICY = { roles: ['analyst'] as 'analyst'[], minCellSize: K };
const BY_SMOKER: (id: string) => Query = (id) => ({ datasets: [id], groupBy: ['smoker'], aggregates: [{ op: 'count' }, { op: 'mean', column: 'age' }] });

describe('a coordinator lowering the minimum cell size', () => {
  const nats = useNatsServer();
  let c: AttackCluster;
  const honestUpload = datasetUploadPlan.partyPayload.bind(datasetUploadPlan);
  const honestQuery = analyticsQueryPlan.partyPayload.bind(analyticsQueryPlan);
  /** The coordinator's rewrite of each party's upload order. */
  const tamperUpload = (edit: (p: DatasetUploadPartyPayload) => DatasetUploadPartyPayload): void => {
    vi.spyOn(datasetUploadPlan, 'partyPayload').mockImplementation((payload, i) => edit(honestUpload(payload, i) as DatasetUploadPartyPayload));
  };

  beforeAll(async () => {
    c = await startAttackCluster(nats().url);
  }, 60_000);
  afterEach(() => vi.restoreAllMocks());
  afterAll(async () => {
    await c?.gw.stop();
  });

  it('rewriting the upload order to k = 1: the parties refuse, nothing is stored', async () => {
    tamperUpload((p) => ({ ...p, policy: { ...p.policy, minCellSize: 1 } }));
    const hospital = c.client('hospital');
    await refusalOf(hospital.uploadDataset('lowered', SCHEMA, ROWS, { policy: POLICY }));
    expect((await c.client('analyst').listDatasets()).map((d) => d.name)).not.toContain('lowered');
  }, 60_000);

  it('replacing the manifest by one the coordinator signs with k = 1, or dropping it: refused', async () => {
    const own = generateSigningKeyPair();
    tamperUpload((p) => {
      const body = openDatasetManifest(p.manifest)!;
      expect(body.format).toBe(DATASET_MANIFEST_DOMAIN);
      const forged: SignedDatasetManifest = signDatasetManifest({ ...body, policy: { ...body.policy, minCellSize: 1 } }, own.secretKey);
      return { ...p, policy: { ...p.policy, minCellSize: 1 }, manifest: forged };
    });
    await refusalOf(c.client('hospital').uploadDataset('resigned', SCHEMA, ROWS, { policy: POLICY }));
    vi.restoreAllMocks();
    tamperUpload((p) => {
      const { manifest: _dropped, ...rest } = p;
      return { ...rest, policy: { ...p.policy, minCellSize: 1 } };
    });
    await refusalOf(c.client('hospital').uploadDataset('unsigned', SCHEMA, ROWS, { policy: POLICY }));
    const names = (await c.client('analyst').listDatasets()).map((d) => d.name);
    expect(names).not.toContain('resigned');
    expect(names).not.toContain('unsigned');
  }, 60_000);

  it('rewriting the query order to k = 1: the parties apply the signed k (result equals the clear query at k = 10)', async () => {
    const up = await c.client('hospital').uploadDataset('signed', SCHEMA, ROWS, { policy: POLICY });
    vi.spyOn(analyticsQueryPlan, 'partyPayload').mockImplementation((payload, i) => ({ ...(honestQuery(payload, i) as AnalyticsQueryPayload), minCellSize: 1 }));
    const result = await secureEqualsClear(c.client('analyst'), BY_SMOKER(up.id), ROWS, K);
    expect(result.minCellSize).toBe(K);
    expect(result.groups.find((g) => g.key.smoker === true)!.suppressed).toBe(true);
  }, 60_000);

  it('appending under another manifest key than the one pinned at creation: refused', async () => {
    const key = generateSigningKeyPair().secretKey;
    const first = await c.client('hospital', key).uploadDataset('pinned', SCHEMA, ROWS.slice(0, 20), { policy: POLICY });
    await refusalOf(c.client('hospital').uploadDataset('pinned', SCHEMA, ROWS.slice(20), { policy: POLICY }));
    expect((await c.client('analyst').listDatasets()).find((d) => d.id === first.id)!.rows).toBe(20);
    const appended = await c.client('hospital', key).uploadDataset('pinned', SCHEMA, ROWS.slice(20), { policy: POLICY });
    expect([appended.id, appended.rows, appended.created]).toEqual([first.id, ROWS.length, false]);
    await secureEqualsClear(c.client('analyst'), BY_SMOKER(first.id), ROWS, K);
  }, 60_000);
});
