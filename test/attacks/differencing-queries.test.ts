/**
 * An adversarial analyst against the disclosure rules (issue 12, item 8), played through the
 * real gateway, coordinator and three parties on a real nats-server. The clinic table has 40
 * patients; the target is the oldest (97). Every answered query is compared with the same
 * query in the clear (plaintextQuery at k = 10). Each case uses its own data set, so the
 * parties' query ledgers of one case do not refuse another's queries.
 * - Differencing: "age >= 40" (30 patients) then "age >= 40 and age < 90" (29): both above k,
 *   their difference is the target (sum of ages minus sum of ages = 97). The second is refused.
 * - Complement: "age < 90" selects all but one patient: refused; fewer than k: refused.
 * - Extremes: max(age) over 40 patients is the target's exact age: refused unless the
 *   hospital's signed policy sets releaseExtremes, and then released like the clear query.
 * - Budget: a data set signed with queryBudget 2 answers two queries, then refuses.
 * - The excluded-row count (0 here, below k) is suppressed like any small count.
 * Every refusal is an `access.denied` entry in the coordinator's audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNatsServer } from '../helpers/nats-server.js';
import { JobFailedError } from '../../services/sdk/errors.js';
import type { MemoryAuditSink } from '../../services/coordinator/audit/audit-sink.js';
import type { DisclosurePolicy } from '../../protocols/analytics/dataset-schema.js';
import type { Filter, Query } from '../../protocols/analytics/query.js';
import { K, ROWS, SCHEMA, refusalOf, secureEqualsClear, startAttackCluster, type AttackCluster } from './analytics-attack-fixture.js';

const POLICY: DisclosurePolicy = { roles: ['analyst'], minCellSize: K };
const ageSum = (datasets: string[], filter?: Filter): Query => ({ datasets, ...(filter ? { filter } : {}), aggregates: [{ op: 'count' }, { op: 'sum', column: 'age' }] });

describe('an analyst differencing, complementing and probing extremes', () => {
  const nats = useNatsServer();
  let c: AttackCluster;
  const upload = async (name: string, policy: DisclosurePolicy = POLICY): Promise<string> => (await c.client('hospital').uploadDataset(name, SCHEMA, ROWS, { policy })).id;
  /** The refusal of `query`: a failed job with code disclosure-refused, and its access.denied audit entry. */
  const expectRefused = async (query: Query): Promise<void> => {
    const analyst = c.client('analyst');
    const submitted = await analyst.query(query);
    const err = await refusalOf(analyst.queryResult(submitted, SCHEMA, { timeoutMs: 60_000 }));
    expect(err).toBeInstanceOf(JobFailedError);
    expect(`${(err as JobFailedError).failureCode} ${err.message}`).toMatch(/disclosure-refused/);
    await expect.poll(() => (c.gw.cluster.audit as MemoryAuditSink).events.some((e) => e.type === 'access.denied' && e.jobId === submitted.jobId)).toBe(true);
  };

  beforeAll(async () => {
    c = await startAttackCluster(nats().url);
  }, 60_000);
  afterAll(async () => {
    await c?.gw.stop();
  });

  it('two queries whose row sets differ by one record: the second is refused', async () => {
    const id = await upload('differencing');
    const wide = await secureEqualsClear(c.client('analyst'), ageSum([id], { column: 'age', op: '>=', value: 40 }), ROWS);
    expect(wide.groups[0]!.values.count).toBe(30);
    expect(wide.excludedOutOfRange).toBeNull();
    await expectRefused(ageSum([id], { and: [{ column: 'age', op: '>=', value: 40 }, { column: 'age', op: '<', value: 90 }] }));
    // A query far from the first (ages 30..49 vs 40..97: 30 records apart) is still answered.
    await secureEqualsClear(c.client('analyst'), ageSum([id], { column: 'age', op: '<', value: 50 }), ROWS);
  }, 60_000);

  it('a filter selecting all but fewer than k records, or fewer than k: refused', async () => {
    const id = await upload('complement');
    await expectRefused(ageSum([id], { column: 'age', op: '<', value: 90 }));
    await expectRefused(ageSum([id], { column: 'age', op: '>', value: 60 }));
    // The unfiltered total is answered (its complement is empty by construction, not by data).
    await secureEqualsClear(c.client('analyst'), ageSum([id]), ROWS);
  }, 60_000);

  it('min/max reveal one record: refused unless the signed policy releases extremes', async () => {
    const closed = await upload('extremes-closed');
    await expectRefused({ datasets: [closed], aggregates: [{ op: 'count' }, { op: 'max', column: 'age' }] });
    const open = await upload('extremes-open', { ...POLICY, releaseExtremes: true });
    const r = await secureEqualsClear(c.client('analyst'), { datasets: [open], aggregates: [{ op: 'count' }, { op: 'max', column: 'age' }] }, ROWS);
    expect(r.groups[0]!.values['max(age)']).toBe(97);
  }, 60_000);

  it('a data set signed with a budget of 2 queries refuses the third', async () => {
    const id = await upload('budget', { ...POLICY, queryBudget: 2 });
    await secureEqualsClear(c.client('analyst'), ageSum([id]), ROWS);
    await secureEqualsClear(c.client('analyst'), { datasets: [id], groupBy: ['smoker'], aggregates: [{ op: 'count' }] }, ROWS);
    await expectRefused(ageSum([id], { column: 'age', op: '<', value: 50 }));
  }, 60_000);
});
