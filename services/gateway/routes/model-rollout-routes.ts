/**
 * @module services/gateway/routes/model-rollout-routes
 * Model rollout (services/coordinator/models/model-rollout-methods): the active version of a
 * model name and its history, activation of a published version, rollback to the one active
 * before. Activation and rollback need the model-owner or admin role; the coordinator logs both.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../fastify-types.js';
import type { Principal } from '../../wire/api.js';
import { ProblemError } from '../problems.js';
import { activateModelBody, modelNameParams, modelRolloutChangeResponse, modelRolloutResponse, rollbackModelBody } from '../schemas.js';
import { problemResponses } from './problem-responses.js';

/** Registers the rollout routes (inside the /v1 scope). */
export function registerModelRolloutRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const principalOf = (request: { principal?: Principal }): Principal => {
    if (!request.principal) throw new ProblemError('unauthenticated', 'no authenticated identity on this request');
    return request.principal;
  };
  app.get<{ Params: { name: string } }>(
    '/models/by-name/:name/rollout',
    { schema: { tags: ['models'], summary: 'The active version of a model name and its rollout history', params: modelNameParams, response: { 200: modelRolloutResponse, ...problemResponses } } },
    async (request) => ctx.coordinator.call('models.rollout', { principal: principalOf(request), name: request.params.name }),
  );
  app.post<{ Params: { name: string }; Body: { version: string; approvals?: unknown[] } }>(
    '/models/by-name/:name/activation',
    {
      config: { roles: ['model-owner', 'admin'] },
      schema: { tags: ['models'], summary: 'Make a published version of a model name the active one (logged: model.activated)', params: modelNameParams, body: activateModelBody, response: { 200: modelRolloutChangeResponse, ...problemResponses } },
    },
    async (request) => ctx.coordinator.call('models.activate', { principal: principalOf(request), name: request.params.name, version: request.body.version, ...(request.body.approvals ? { approvals: request.body.approvals } : {}) }),
  );
  app.post<{ Params: { name: string }; Body: { approvals?: unknown[] } | undefined }>(
    '/models/by-name/:name/rollback',
    {
      config: { roles: ['model-owner', 'admin'] },
      // The body is optional (approvals only): a POST without one is an empty object.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: { tags: ['models'], summary: 'Return a model name to the version active before the current one (logged: model.rolled-back)', params: modelNameParams, body: rollbackModelBody, response: { 200: modelRolloutChangeResponse, ...problemResponses } },
    },
    async (request) => ctx.coordinator.call('models.rollback', { principal: principalOf(request), name: request.params.name, ...(request.body?.approvals ? { approvals: request.body.approvals } : {}) }),
  );
}
