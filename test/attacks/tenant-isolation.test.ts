/**
 * Tenants crossing (issue 12, item 5), played route by route through the real fastify gateway
 * against the real coordinator and three real parties on a real nats-server
 * (test/helpers/real-gateway-cluster). Tenant `north` has a hospital, an analyst and an admin;
 * so has tenant `south`, the attacker, whose roles are the same as the victim's. North's
 * hospital uploads the data set `cohort` (policy: analysts and hospitals) and north's analyst
 * runs a query on it.
 *
 * Every route that names a north resource answers south exactly as it answers for a resource
 * that does not exist, so south cannot even learn that it exists:
 * - `GET /v1/datasets`: north's data set is not listed to south (any role, admin included);
 * - `POST /v1/queries` naming it (by id or by name): the problem of an unknown data set;
 * - `DELETE /v1/datasets/:id`: 404 `not-found`, as for an id that never existed, and nothing
 *   is erased;
 * - `POST /v1/datasets` with the same name: south gets a data set of its own, north's is not
 *   appended to (nor is south told the name is taken);
 * - `GET /v1/jobs/:id`, `/result`, `/events` of north's query job: 404 `not-found`, as for an
 *   unknown job id.
 * North itself still lists, queries and reads its results.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNatsServer } from '../helpers/nats-server.js';
import { startRealGatewayCluster, type RealGatewayCluster } from '../helpers/real-gateway-cluster.js';
import { generateApiKey } from '../../services/gateway/api-key-store.js';
import { MpcClient } from '../../services/sdk/index.js';
import { GatewayProblemError } from '../../services/sdk/errors.js';
import type { Role } from '../../services/wire/api.js';
import type { DatasetSchema } from '../../protocols/analytics/dataset-schema.js';

const SCHEMA: DatasetSchema = { columns: [{ name: 'age', type: 'numeric', min: 0, max: 120 }] };
const ROWS = Array.from({ length: 12 }, (_, i) => ({ age: 30 + i }));
const POLICY = { roles: ['analyst', 'hospital'] as Role[], minCellSize: 5 };
const IDS = ['hospital', 'analyst', 'admin'] as const;
const ROLES: Record<(typeof IDS)[number], Role[]> = { hospital: ['hospital'], analyst: ['analyst'], admin: ['admin', 'hospital', 'analyst'] };

/** What a problem tells a client: status, type and the request paths it names. */
async function problemOf(p: Promise<unknown>): Promise<{ status: number; problem: string; paths: string[] }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GatewayProblemError) return { status: e.status, problem: e.problem, paths: (e.errors ?? []).map((x) => x.path) };
    throw e;
  }
  throw new Error('expected a problem, but the call succeeded');
}

describe('another tenant is a stranger on every route', () => {
  const nats = useNatsServer();
  let gw: RealGatewayCluster;
  const keys: Record<string, string> = {};
  const sdk: Record<string, MpcClient> = {};
  let cohortId: string;
  let northJob: string;

  beforeAll(async () => {
    const identities = (['north', 'south'] as const).flatMap((tenant) => IDS.map((id) => ({ id: `${tenant}-${id}`, tenant, roles: ROLES[id], key: (keys[`${tenant}-${id}`] = generateApiKey(`${tenant}-${id}`)) })));
    gw = await startRealGatewayCluster(nats().url, identities);
    for (const i of identities) sdk[i.id] = new MpcClient({ gatewayUrl: gw.url, apiKey: i.key, trust: gw.cluster.trustBundle, pollIntervalMs: 50 });
    const up = await sdk['north-hospital']!.uploadDataset('cohort', SCHEMA, ROWS, { policy: POLICY });
    expect(up.created).toBe(true);
    cohortId = up.id;
    northJob = (await sdk['north-analyst']!.query({ datasets: [cohortId], aggregates: [{ op: 'count' }] })).jobId;
    expect((await sdk['north-analyst']!.waitForJob(northJob, { timeoutMs: 30_000 })).state).toBe('verified');
  }, 60_000);

  afterAll(async () => {
    await gw?.stop();
  });

  it('GET /v1/datasets lists only the caller tenant\'s data sets', async () => {
    expect((await sdk['north-analyst']!.listDatasets()).map((d) => d.id)).toEqual([cohortId]);
    for (const id of IDS) expect(await sdk[`south-${id}`]!.listDatasets()).toEqual([]);
  });

  it('POST /v1/queries naming another tenant\'s data set gets the answer of an unknown data set', async () => {
    const unknown = await problemOf(sdk['south-analyst']!.query({ datasets: ['ds-does-not-exist'], aggregates: [{ op: 'count' }] }));
    expect(unknown.status).toBeGreaterThanOrEqual(400);
    for (const who of ['south-analyst', 'south-admin']) {
      for (const name of [cohortId, 'cohort']) {
        expect(await problemOf(sdk[who]!.query({ datasets: [name], aggregates: [{ op: 'count' }] }))).toEqual(unknown);
      }
    }
  });

  it('DELETE /v1/datasets/:id of another tenant is 404 not-found, as for an id that never existed, and erases nothing', async () => {
    const never = await problemOf(sdk['south-hospital']!.deleteDataset('ds-never-was'));
    expect(never).toMatchObject({ status: 404, problem: 'not-found' });
    expect(await problemOf(sdk['south-hospital']!.deleteDataset(cohortId))).toEqual(never);
    expect(await problemOf(sdk['south-admin']!.deleteDataset(cohortId))).toEqual(never);
    expect((await sdk['north-analyst']!.listDatasets()).map((d) => [d.id, d.rows])).toEqual([[cohortId, ROWS.length]]);
  });

  it('POST /v1/datasets with another tenant\'s data set name makes a data set of the caller\'s own', async () => {
    const mine = await sdk['south-hospital']!.uploadDataset('cohort', SCHEMA, ROWS.slice(0, 3), { policy: POLICY });
    expect(mine.created).toBe(true);
    expect(mine.id).not.toBe(cohortId);
    expect(mine.rows).toBe(3);
    expect((await sdk['south-analyst']!.listDatasets()).map((d) => d.id)).toEqual([mine.id]);
    expect((await sdk['north-analyst']!.listDatasets()).map((d) => [d.id, d.rows])).toEqual([[cohortId, ROWS.length]]);
  });

  it('GET /v1/jobs/:id, /result and /events of another tenant\'s job are 404 not-found, as for an unknown job', async () => {
    for (const suffix of ['', '/result', '/events']) {
      const get = async (key: string, job: string) => {
        const r = await fetch(`${gw.url}/v1/jobs/${job}${suffix}`, { headers: { authorization: `Bearer ${key}` } });
        return { status: r.status, type: r.headers.get('content-type'), problem: ((await r.json()) as { type?: string }).type };
      };
      const unknown = await get(keys['south-analyst']!, 'job-does-not-exist');
      expect(unknown).toMatchObject({ status: 404, type: expect.stringMatching(/^application\/problem\+json/), problem: expect.stringMatching(/not-found$/) });
      for (const who of ['south-analyst', 'south-admin']) expect(await get(keys[who]!, northJob)).toEqual(unknown);
    }
    expect((await sdk['north-analyst']!.jobStatus(northJob)).state).toBe('verified');
  });
});
