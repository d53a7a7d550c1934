/**
 * @module services/gateway/routes/kpis-routes
 * `GET /v1/kpis`: the network's KPIs computed by the coordinator from its audit log
 * (services/audit/kpis, docs/governance.md "KPIs"); needs the `auditor` role (403 otherwise).
 * The same numbers are appended to /metrics as `mpc_kpi_*` gauges (services/gateway/kpi-metrics).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../../wire/api.js';
import type { RouteContext } from '../fastify-types.js';
import { ProblemError } from '../problems.js';
import { kpisResponse } from '../schemas.js';
import { problemResponses } from './problem-responses.js';

function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ProblemError('unauthenticated', 'no authenticated identity on this request');
  return request.principal;
}

/** Registers `/kpis` (inside the /v1 scope). */
export function registerKpisRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get(
    '/kpis',
    { schema: { tags: ['governance'], summary: 'KPIs from the audit log: latency p50/p95 and error rate per job kind, cost per request, verification failures, quarantines', response: { 200: kpisResponse, ...problemResponses } } },
    async (request) => ctx.coordinator.call('kpis.get', { principal: principalOf(request) }),
  );
}
