/**
 * @module services/gateway/routes/model-routes
 * Publishing and listing models. An MPC model arrives as three sealed share packages (one per
 * party, so no single party nor the gateway sees the weights); an HE model arrives as ONNX,
 * since HE workers evaluate on plaintext weights by design.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../fastify-types.js';
import type { ModelMode, ModelPrecision } from '../../wire/api.js';
import { ProblemError } from '../problems.js';
import { checkSealedBoxes, decodeBase64Field, invalidCiphertext } from '../payload-checks.js';
import { hePlanResponse, listModelsResponse, modelParams, publishModelBody, publishModelResponse } from '../schemas.js';
import { problemResponses } from './problem-responses.js';
import { withSealedInputFaults } from '../sealed-input-fault.js';
import { idempotencyHeaderSchema, idempotencyKey } from './idempotency-key.js';

/** ONNX files are protobuf ModelProto messages; field 1 (ir_version, varint) comes first in practice. */
const MIN_ONNX_BYTES = 16;

/** Registers POST /models and GET /models (inside the /v1 scope). */
export function registerModelRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post<{ Body: { name: string; version: string; mode: ModelMode; sealedShares?: [string, string, string]; onnx?: string; heBatch?: number; precision?: ModelPrecision } }>(
    '/models',
    {
      bodyLimit: ctx.config.publishBodyLimit,
      config: { roles: ['model-owner', 'admin'] },
      schema: {
        tags: ['models'],
        summary: 'Publish a model: MPC as sealed shares per party, HE as ONNX',
        headers: idempotencyHeaderSchema,
        body: publishModelBody,
        response: { 200: publishModelResponse, 201: publishModelResponse, ...problemResponses },
      },
    },
    async (request, reply) => {
      const key = idempotencyKey(request);
      const b = request.body;
      if (b.mode === 'mpc') {
        if (!b.sealedShares || b.onnx !== undefined) throw new ProblemError('validation', 'mode mpc: send sealedShares (one sealed share package per party) and no onnx');
        if (b.heBatch !== undefined) throw new ProblemError('validation', 'mode mpc: heBatch is for HE models only');
        checkSealedBoxes('sealedShares', b.sealedShares, 16);
      } else {
        if (!b.onnx || b.sealedShares !== undefined) throw new ProblemError('validation', 'mode he: send onnx (base64 model) and no sealedShares');
        if (b.precision !== undefined) throw new ProblemError('validation', 'mode he: precision is set by the service (CKKS scale), not sent');
        const onnx = decodeBase64Field('onnx', b.onnx);
        if (onnx.length < MIN_ONNX_BYTES) throw invalidCiphertext('onnx', `${onnx.length} bytes is too short to be an ONNX model`);
      }
      const principal = request.principal;
      if (!principal) throw new ProblemError('unauthenticated', 'no authenticated identity on this request');
      const res = await withSealedInputFaults(ctx.coordinator, principal, 'sealedShares', () =>
        ctx.coordinator.call('models.publish', { principal, ...(key === undefined ? {} : { idempotencyKey: key }), ...b }),
      );
      return reply.code(res.created ? 201 : 200).header('location', `/v1/models/${res.model.id}`).send(res);
    },
  );

  app.get('/models', { schema: { tags: ['models'], summary: 'Published models (metadata only)', response: { 200: listModelsResponse, ...problemResponses } } }, async (request) => {
    const principal = request.principal;
    if (!principal) throw new ProblemError('unauthenticated', 'no authenticated identity on this request');
    return ctx.coordinator.call('models.list', { principal });
  });

  app.get<{ Params: { id: string } }>(
    '/models/:id/he-plan',
    {
      schema: {
        tags: ['models'],
        summary: 'Public part of an HE model\'s plan: CKKS parameters, input/output layout, rotation steps (no weights)',
        params: modelParams,
        response: { 200: hePlanResponse, ...problemResponses },
      },
    },
    async (request) => {
      const principal = request.principal;
      if (!principal) throw new ProblemError('unauthenticated', 'no authenticated identity on this request');
      return ctx.coordinator.call('models.hePlan', { principal, modelId: request.params.id }, { unavailable: 'not-available' });
    },
  );
}
