/**
 * @module services/gateway/routes/audit-routes
 * Read access to the audit log for auditors: the latest signed checkpoint, a page of entries,
 * inclusion and consistency proofs, and a full export for offline verification. Admins record
 * trust-bundle rotations here (the coordinator logs one once the parties signed it).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../../wire/api.js';
import type { RouteContext } from '../fastify-types.js';
import { ProblemError } from '../problems.js';
import {
  auditCheckpointResponse,
  auditEntriesQuery,
  auditEntriesResponse,
  auditExportResponse,
  auditProofParams,
  auditProofQuery,
  auditProofResponse,
  trustRotationBody,
  trustRotationResponse,
} from '../schemas.js';
import { problemResponses } from './problem-responses.js';

/** The audit service may be deployed apart from the coordinator: nobody answering is a 501, not a 503. */
const OPTIONAL = { unavailable: 'not-available' } as const;

/** Largest page of entries. */
export const MAX_AUDIT_PAGE = 1000;

function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ProblemError('unauthenticated', 'no authenticated identity on this request');
  return request.principal;
}

/** Registers the /audit routes (inside the /v1 scope). */
export function registerAuditRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const roles = { roles: ['auditor', 'admin'] as ('auditor' | 'admin')[] };
  const c = ctx.coordinator;

  app.get('/audit/checkpoint', { config: roles, schema: { tags: ['audit'], summary: 'Latest signed tree head', response: { 200: auditCheckpointResponse, ...problemResponses } } }, async (request) =>
    c.call('audit.checkpoint', { principal: principalOf(request) }, OPTIONAL),
  );

  app.get<{ Querystring: { from?: string; limit?: string; type?: string; jobId?: string; party?: string } }>(
    '/audit/entries',
    { config: roles, schema: { tags: ['audit'], summary: `Entries from index \`from\` (default 0), at most \`limit\` (default 100, max ${MAX_AUDIT_PAGE}); with \`type\`, \`jobId\` or \`party\` only matching ones, and \`next\` to scan on from`, querystring: auditEntriesQuery, response: { 200: auditEntriesResponse, ...problemResponses } } },
    async (request) => {
      const from = Number(request.query.from ?? '0');
      const limit = Number(request.query.limit ?? '100');
      if (limit < 1 || limit > MAX_AUDIT_PAGE) throw new ProblemError('validation', `limit: expected 1..${MAX_AUDIT_PAGE}, got ${limit}`);
      const { type, jobId, party } = request.query;
      const filter = { ...(type === undefined ? {} : { type }), ...(jobId === undefined ? {} : { jobId }), ...(party === undefined ? {} : { party }) };
      return c.call('audit.entries', { principal: principalOf(request), from, limit, ...filter }, OPTIONAL);
    },
  );

  app.get<{ Params: { index: string }; Querystring: { treeSize?: string; fromSize?: string } }>(
    '/audit/proofs/:index',
    {
      config: roles,
      schema: {
        tags: ['audit'],
        summary: 'Inclusion proof of entry `index` in the tree of `treeSize` (default: latest), and a consistency proof from `fromSize` when given',
        params: auditProofParams,
        querystring: auditProofQuery,
        response: { 200: auditProofResponse, ...problemResponses },
      },
    },
    async (request) => {
      const index = Number(request.params.index);
      const treeSize = request.query.treeSize === undefined ? undefined : Number(request.query.treeSize);
      const fromSize = request.query.fromSize === undefined ? undefined : Number(request.query.fromSize);
      if (treeSize !== undefined && index >= treeSize) throw new ProblemError('validation', `index: ${index} is not below treeSize ${treeSize}`);
      if (fromSize !== undefined && treeSize !== undefined && fromSize > treeSize) throw new ProblemError('validation', `fromSize: ${fromSize} exceeds treeSize ${treeSize}`);
      return c.call('audit.proof', {
        principal: principalOf(request),
        index,
        ...(treeSize === undefined ? {} : { treeSize }),
        ...(fromSize === undefined ? {} : { fromSize }),
      }, OPTIONAL);
    },
  );

  app.get('/audit/export', { config: roles, schema: { tags: ['audit'], summary: 'Checkpoint and all entries, for offline verification', response: { 200: auditExportResponse, ...problemResponses } } }, async (request) =>
    c.call('audit.export', { principal: principalOf(request) }, { ...OPTIONAL, timeoutMs: 60_000, chunked: true }),
  );

  app.post<{ Body: { current: unknown; next: unknown } }>(
    '/audit/trust-rotations',
    {
      config: { roles: ['admin'] },
      schema: { tags: ['audit'], summary: 'Record a trust bundle rotation signed by the parties (a key.rotated entry)', body: trustRotationBody, response: { 200: trustRotationResponse, ...problemResponses } },
    },
    async (request) => c.call('trust.rotate', { principal: principalOf(request), current: request.body.current, next: request.body.next }),
  );
}
