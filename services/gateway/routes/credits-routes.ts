/**
 * @module services/gateway/routes/credits-routes
 * `GET /v1/credits[?tenant=<id>]`: the caller's tenant's usage and balance (coordinator
 * governance/tenant-budgets, docs/governance.md "Credits"), computed from the signed job costs
 * in the audit log; an admin may name another tenant (otherwise 403 `forbidden`).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../../wire/api.js';
import type { RouteContext } from '../fastify-types.js';
import { ProblemError } from '../problems.js';
import { creditsQuery, creditsResponse } from '../schemas.js';
import { problemResponses } from './problem-responses.js';

function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ProblemError('unauthenticated', 'no authenticated identity on this request');
  return request.principal;
}

/** Registers `/credits` (inside the /v1 scope). */
export function registerCreditsRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Querystring: { tenant?: string } }>(
    '/credits',
    { schema: { tags: ['credits'], summary: "A tenant's credit usage and balance, from the signed job costs in the audit log", querystring: creditsQuery, response: { 200: creditsResponse, ...problemResponses } } },
    async (request) => ctx.coordinator.call('credits.get', { principal: principalOf(request), ...(request.query.tenant === undefined ? {} : { tenant: request.query.tenant }) }),
  );
}
