/**
 * @module services/gateway/routes/data-routes
 * Dataset upload (a table as sealed replicated share pairs per party), listing (what the
 * caller's roles may query: metadata, never values), deletion (the owner, or an admin of its
 * tenant, erases the data set at every party) and analytics queries. Who may see, query or
 * delete a data set is decided by the coordinator's catalogue; the route roles here only keep
 * out identities that can never qualify (a client-only key). Analytics is optional in a deployment: when no service answers `analytics.query` the client
 * gets a 501 `not-available` problem, not a gateway failure.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../fastify-types.js';
import { ProblemError } from '../problems.js';
import { checkManifestDigests, checkSealedSharePairs } from '../payload-checks.js';
import { datasetParams, deleteDatasetResponse, listDatasetsResponse, queryBody, queryResponse, uploadDatasetBody, uploadDatasetResponse } from '../schemas.js';
import { problemResponses } from './problem-responses.js';
import { withSealedInputFaults } from '../sealed-input-fault.js';
import { queryConstantErrors } from '../../wire/query-constants.js';
import { idempotencyHeaderSchema, idempotencyKey } from './idempotency-key.js';
import type { CoordinatorMethods } from '../../wire/api.js';
import { checkSchema, encodedWidth } from '../../../protocols/analytics/dataset-schema.js';
import type { Query } from '../../../protocols/analytics/query.js';

type UploadBody = Omit<CoordinatorMethods['datasets.upload']['req'], 'principal' | 'idempotencyKey'>;

/** Registers POST/GET /datasets, DELETE /datasets/:id and POST /queries (inside the /v1 scope). */
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
      if (b.manifest) checkManifestDigests('sealedShares', b.sealedShares, b.manifest);
      const principal = request.principal;
      if (!principal) throw new ProblemError('unauthenticated', 'no authenticated identity on this request');
      const res = await withSealedInputFaults(ctx.coordinator, principal, 'sealedShares', () =>
        ctx.coordinator.call('datasets.upload', { principal, ...(key === undefined ? {} : { idempotencyKey: key }), ...b }, { unavailable: 'not-available' }),
      );
      return reply.code(res.created ? 201 : 200).send(res);
    },
  );

  app.get(
    '/datasets',
    {
      config: { roles: ['analyst', 'hospital', 'admin'] },
      schema: {
        tags: ['datasets'],
        summary: "Data sets the caller's roles may query (id, name, row count, schema; never values)",
        response: { 200: listDatasetsResponse, ...problemResponses },
      },
    },
    async (request) => {
      const principal = request.principal;
      if (!principal) throw new ProblemError('unauthenticated', 'no authenticated identity on this request');
      return ctx.coordinator.call('datasets.list', { principal }, { unavailable: 'not-available' });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/datasets/:id',
    {
      config: { roles: ['hospital', 'admin'] },
      schema: {
        tags: ['datasets'],
        summary: 'Erase a data set at every party (its owner, or an admin of the same tenant); later queries on it fail',
        params: datasetParams,
        response: { 200: deleteDatasetResponse, ...problemResponses },
      },
    },
    async (request) => {
      const principal = request.principal;
      if (!principal) throw new ProblemError('unauthenticated', 'no authenticated identity on this request');
      return ctx.coordinator.call('datasets.delete', { principal, datasetId: request.params.id }, { unavailable: 'not-available' });
    },
  );

  app.post<{ Body: { query: Query; clientPublicKey: string; security?: 'semi-honest' | 'malicious' } }>(
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
      // Filter values and bin edges outside the fixed-point range (wire/query-constants).
      const outside = queryConstantErrors(request.body.query).map((e) => ({ path: `body/query${e.path}`, message: e.message }));
      if (outside.length > 0) throw new ProblemError('validation', outside.map((e) => `${e.path}: ${e.message}`).join('; '), { errors: outside });
      const principal = request.principal;
      if (!principal) throw new ProblemError('unauthenticated', 'no authenticated identity on this request');
      const res = await ctx.coordinator.call(
        'analytics.query',
        {
          principal,
          ...(key === undefined ? {} : { idempotencyKey: key }),
          query: request.body.query,
          clientPublicKey: request.body.clientPublicKey,
          ...(request.body.security === undefined ? {} : { security: request.body.security }),
        },
        { unavailable: 'not-available' },
      );
      return reply.code(res.created ? 202 : 200).header('location', `/v1/jobs/${res.jobId}`).send(res);
    },
  );
}
