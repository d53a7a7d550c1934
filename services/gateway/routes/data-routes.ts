/**
 * @module services/gateway/routes/data-routes
 * Dataset upload (a table as sealed replicated share pairs per party) and analytics queries.
 * Analytics is optional in a deployment: when no service answers `analytics.query` the client
 * gets a 501 `not-available` problem, not a gateway failure.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../fastify-types.js';
import { ProblemError } from '../problems.js';
import { checkSealedSharePairs } from '../payload-checks.js';
import { queryBody, queryResponse, uploadDatasetBody, uploadDatasetResponse } from '../schemas.js';
import { problemResponses } from './problem-responses.js';
import { idempotencyHeaderSchema, idempotencyKey } from './idempotency-key.js';
import type { GatewayExtraMethods } from '../gateway-methods.js';
import { checkSchema, encodedWidth } from '../../../protocols/analytics/dataset-schema.js';
import type { Query } from '../../../protocols/analytics/query.js';

type UploadBody = Omit<GatewayExtraMethods['datasets.upload']['req'], 'principal' | 'idempotencyKey'>;

/** Registers POST /datasets and POST /queries (inside the /v1 scope). */
export function registerDataRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post<{ Body: UploadBody }>(
    '/datasets',
    {
      bodyLimit: ctx.config.publishBodyLimit,
      config: { roles: ['hospital', 'admin'] },
      schema: {
        tags: ['datasets'],
        summary: 'Upload a table as sealed replicated share pairs (rows x encoded width elements per pair, column-major)',
        headers: idempotencyHeaderSchema,
        body: uploadDatasetBody,
        response: { 200: uploadDatasetResponse, 201: uploadDatasetResponse, ...problemResponses },
      },
    },
    async (request, reply) => {
      const key = idempotencyKey(request);
      const b = request.body;
      try {
        checkSchema(b.schema);
      } catch (cause) {
        throw new ProblemError('validation', (cause as Error).message, { cause });
      }
      // encodeRows layout: rows x encodedWidth elements (a categorical column is one-hot).
      checkSealedSharePairs('sealedShares', b.sealedShares, b.rows * encodedWidth(b.schema));
      const principal = request.principal;
      if (!principal) throw new ProblemError('unauthenticated', 'no authenticated identity on this request');
      const res = await ctx.coordinator.call('datasets.upload', { principal, ...(key === undefined ? {} : { idempotencyKey: key }), ...b }, { unavailable: 'not-available' });
      return reply.code(res.created ? 201 : 200).send(res);
    },
  );

  app.post<{ Body: { query: Query; clientPublicKey: string } }>(
    '/queries',
    {
      config: { roles: ['analyst', 'hospital', 'admin'] },
      schema: {
        tags: ['analytics'],
        summary: 'Submit an analytics query over uploaded datasets, with the key its result is sealed to; cells below the minimum size are suppressed',
        headers: idempotencyHeaderSchema,
        body: queryBody,
        response: { 200: queryResponse, 202: queryResponse, ...problemResponses },
      },
    },
    async (request, reply) => {
      const key = idempotencyKey(request);
      const principal = request.principal;
      if (!principal) throw new ProblemError('unauthenticated', 'no authenticated identity on this request');
      const res = await ctx.coordinator.call(
        'analytics.query',
        { principal, ...(key === undefined ? {} : { idempotencyKey: key }), query: request.body.query, clientPublicKey: request.body.clientPublicKey },
        { unavailable: 'not-available' },
      );
      return reply.code(res.created ? 202 : 200).header('location', `/v1/jobs/${res.jobId}`).send(res);
    },
  );
}
