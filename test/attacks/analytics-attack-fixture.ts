/**
 * @module test/attacks/analytics-attack-fixture
 * What the analytics attack tests share: a small clinic table (40 patients, 3 smokers, one
 * patient aged 97), the identities of a hospital and an analyst of one tenant, a real cluster
 * behind the real gateway (test/helpers/real-gateway-cluster) and SDK clients pinned to its
 * trust bundle, and a way to run every secure query next to the same query in the clear.
 */
import { expect } from 'vitest';
import { startRealGatewayCluster, type RealGatewayCluster } from '../helpers/real-gateway-cluster.js';
import { generateApiKey } from '../../services/gateway/api-key-store.js';
import { MpcClient } from '../../services/sdk/index.js';
import { GatewayProblemError, JobFailedError } from '../../services/sdk/errors.js';
import { plaintextQuery } from '../../protocols/analytics/plaintext-query.js';
import type { DatasetSchema } from '../../protocols/analytics/dataset-schema.js';
import type { Row } from '../../protocols/analytics/encode-rows.js';
import type { Query } from '../../protocols/analytics/query.js';
import type { QueryResult } from '../../protocols/analytics/query-result.js';
import type { Role } from '../../services/wire/api.js';
import { expectMatches } from '../analytics/compare-results.js';

/** The clinic's columns. */
export const SCHEMA: DatasetSchema = {
  columns: [
    { name: 'age', type: 'numeric', min: 0, max: 120, fractionBits: 0 },
    { name: 'smoker', type: 'boolean' },
  ],
};

/** 40 patients: ages 30..68 and one of 97 (the oldest, the target of the extreme attack); patients 5, 17, 29 smoke. */
export const ROWS: Row[] = Array.from({ length: 40 }, (_, i) => ({ age: i === 39 ? 97 : 30 + i, smoker: i % 12 === 5 }));

/** The k every data set of these tests is signed with. */
export const K = 10;

/** A running cluster with one hospital and one analyst of tenant `clinic`. */
export interface AttackCluster {
  gw: RealGatewayCluster;
  keys: { hospital: string; analyst: string };
  /** A fresh SDK client (a new manifest key each time, unless one is given). */
  client(who: 'hospital' | 'analyst', manifestKey?: Uint8Array): MpcClient;
}

/** Starts the cluster on the given nats-server. */
export async function startAttackCluster(natsUrl: string): Promise<AttackCluster> {
  const keys = { hospital: generateApiKey('clinic-hospital'), analyst: generateApiKey('clinic-analyst') };
  const roles: Record<string, Role[]> = { hospital: ['hospital'], analyst: ['analyst'] };
  const gw = await startRealGatewayCluster(
    natsUrl,
    (['hospital', 'analyst'] as const).map((who) => ({ id: `clinic-${who}`, tenant: 'clinic', roles: roles[who]!, key: keys[who] })),
  );
  return {
    gw,
    keys,
    client: (who, manifestKey) => new MpcClient({ gatewayUrl: gw.url, apiKey: keys[who], trust: gw.cluster.trustBundle, pollIntervalMs: 50, ...(manifestKey ? { manifestKey } : {}) }),
  };
}

/** Runs `query` through the analyst's SDK and compares it with `plaintextQuery` on `rows` at `k`. */
export async function secureEqualsClear(analyst: MpcClient, query: Query, rows: readonly Row[], k = K): Promise<QueryResult> {
  const secure = await analyst.queryResult(await analyst.query(query), SCHEMA, { timeoutMs: 60_000 });
  expectMatches(secure, plaintextQuery(SCHEMA, rows, query, k), query);
  return secure;
}

/** The error a call fails with: a gateway problem or a failed job (and fails the test when it succeeds). */
export async function refusalOf(p: Promise<unknown>): Promise<GatewayProblemError | JobFailedError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GatewayProblemError || e instanceof JobFailedError) return e;
    throw e;
  }
  expect.fail('expected the call to be refused, but it succeeded');
}
