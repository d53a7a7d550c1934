/**
 * @module services/gateway/routes/storage-routes
 * Operators' view of the parties' stores against the catalogues (coordinator
 * storage-reconciliation): `GET /v1/admin/storage` reports orphans (objects no catalogue names)
 * and missing objects; `POST /v1/admin/storage/orphan-erasures` erases named orphans at all
 * three parties, each recorded in the audit log. Admin only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../../wire/api.js';
import type { RouteContext } from '../fastify-types.js';
import { ProblemError } from '../problems.js';
import { orphanErasureBody, orphanErasureResponse, storageReconciliationResponse } from '../schemas.js';
import { problemResponses } from './problem-responses.js';

function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ProblemError('unauthenticated', 'no authenticated identity on this request');
  return request.principal;
}

/** Registers the /admin/storage routes (inside the /v1 scope). */
export function registerStorageRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const c = ctx.coordinator;
  const config = { roles: ['admin'] as 'admin'[] };
  // Each party lists its store directory: allow more than the default call timeout.
  app.get('/admin/storage', { config, schema: { tags: ['admin'], summary: "The parties' stores against the catalogues: orphans and missing objects", response: { 200: storageReconciliationResponse, ...problemResponses } } }, async (request) =>
    c.call('storage.reconcile', { principal: principalOf(request) }, { timeoutMs: 30_000 }),
  );
  app.post<{ Body: { datasets?: string[]; models?: string[] } }>(
    '/admin/storage/orphan-erasures',
    { config, schema: { tags: ['admin'], summary: 'Erase orphaned data sets and models at all three parties (audited)', body: orphanErasureBody, response: { 200: orphanErasureResponse, ...problemResponses } } },
    async (request) => c.call('storage.eraseOrphans', { principal: principalOf(request), ...request.body }, { timeoutMs: 60_000 }),
  );
}
