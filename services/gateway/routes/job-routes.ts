/**
 * @module services/gateway/routes/job-routes
 * Inference submission (MPC: sealed share pairs; HE: a CKKS ciphertext), HE key sessions, job
 * status, job result (sealed to the requester) and job progress as Server-Sent Events, plus the
 * service registry clients need to seal to the parties. Tenant isolation is the coordinator's
 * (it receives the principal with every call); the gateway reports a not-found on a job route as
 * a denial, since it cannot tell a wrong id from another tenant's job, on purpose.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CoordinatorMethods, DenialEvent, JobStatus, Principal } from '../../wire/api.js';
import type { RouteContext } from '../fastify-types.js';
import { ProblemError } from '../problems.js';
import { checkedShapeSize, checkSealedSharePairs, checkSealObject } from '../payload-checks.js';
import {
  heInferenceBody,
  heSessionBody,
  heSessionResponse,
  jobParams,
  jobResponse,
  jobResultResponse,
  mpcInferenceBody,
  registryResponse,
  submitResponse,
} from '../schemas.js';
import { problemResponses } from './problem-responses.js';
import { idempotencyHeaderSchema, idempotencyKey } from './idempotency-key.js';
import { streamJobEvents } from './job-event-stream.js';
import { ConcurrencyLimit } from '../concurrency-limit.js';

/** How long the HE key registration route waits for the coordinator: a little beyond its 60 s for the workers. */
const HE_REGISTER_REPLY_MS = 65_000;

type Deny = (request: FastifyRequest, reason: string, extra?: Partial<DenialEvent>) => void;

function principalOf(request: FastifyRequest): Principal {
  // The authentication hook runs on every /v1 route before any handler.
  if (!request.principal) throw new ProblemError('unauthenticated', 'no authenticated identity on this request');
  return request.principal;
}

/** Registers the registry, inference, HE session and job routes (inside the /v1 scope). */
export function registerJobRoutes(app: FastifyInstance, ctx: RouteContext, deny: Deny): void {
  const c = ctx.coordinator;
  /** Evaluation keys are megabytes each: a few registrations at a time reach the coordinator. */
  const heRegistrations = new ConcurrencyLimit(ctx.config.heSessionConcurrency);

  /** A not-found from the coordinator on a job route is logged as an access denial. */
  const guarded = async <T>(request: FastifyRequest, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (err) {
      if (err instanceof ProblemError && (err.problem === 'not-found' || err.problem === 'forbidden')) {
        const p = request.principal;
        deny(request, err.problem, { tenant: p?.tenant, actor: p?.actor });
      }
      throw err;
    }
  };

  app.get('/registry', { schema: { tags: ['registry'], summary: 'Registered services and their public keys', response: { 200: registryResponse, ...problemResponses } } }, async () =>
    c.call('registry.list', {}),
  );

  app.post<{ Body: { modelId?: string; model?: string; shape: number[]; clientPublicKey: string; sealedInputs: [string, string, string]; security?: 'semi-honest' | 'malicious' } }>(
    '/inference/mpc',
    {
      config: { roles: ['client', 'hospital', 'admin'] },
      schema: {
        tags: ['inference'],
        summary: 'Submit an MPC inference: the input as three sealed replicated share pairs',
        headers: idempotencyHeaderSchema,
        body: mpcInferenceBody,
        response: { 200: submitResponse, 201: submitResponse, ...problemResponses },
      },
    },
    async (request, reply) => {
      const key = idempotencyKey(request);
      const body = request.body;
      const n = checkedShapeSize('shape', body.shape);
      checkSealedSharePairs('sealedInputs', body.sealedInputs, n);
      const res = await c.call('jobs.submit', {
        principal: principalOf(request),
        ...(key === undefined ? {} : { idempotencyKey: key }),
        kind: 'mpc-inference',
        payload: { ...(body.modelId === undefined ? {} : { modelId: body.modelId }), ...(body.model === undefined ? {} : { model: body.model }), shape: body.shape, clientPublicKey: body.clientPublicKey, sealedInputs: body.sealedInputs, ...(body.security === undefined ? {} : { security: body.security }) },
      });
      ctx.metrics.jobsSubmitted.inc({ kind: 'mpc-inference', created: String(res.created) });
      ctx.metrics.observeJob(res.job);
      return reply.code(res.created ? 201 : 200).header('location', `/v1/jobs/${res.job.id}`).send(res);
    },
  );

  app.post<{ Body: { modelId: string; sessionId: string; ciphertext: string } }>(
    '/inference/he',
    {
      config: { roles: ['client', 'hospital', 'admin'] },
      schema: {
        tags: ['inference'],
        summary: 'Submit an HE inference: a CKKS ciphertext under a registered key session',
        headers: idempotencyHeaderSchema,
        body: heInferenceBody,
        response: { 200: submitResponse, 201: submitResponse, ...problemResponses },
      },
    },
    async (request, reply) => {
      const key = idempotencyKey(request);
      checkSealObject('ciphertext', request.body.ciphertext);
      const res = await c.call('jobs.submit', {
        principal: principalOf(request),
        ...(key === undefined ? {} : { idempotencyKey: key }),
        kind: 'he-inference',
        payload: { modelId: request.body.modelId, sessionId: request.body.sessionId, ciphertext: request.body.ciphertext },
      });
      ctx.metrics.jobsSubmitted.inc({ kind: 'he-inference', created: String(res.created) });
      ctx.metrics.observeJob(res.job);
      return reply.code(res.created ? 201 : 200).header('location', `/v1/jobs/${res.job.id}`).send(res);
    },
  );

  app.post<{ Body: Omit<CoordinatorMethods['he.registerKeys']['req'], 'principal'> }>(
    '/he/sessions',
    {
      bodyLimit: ctx.config.heSessionBodyLimit,
      config: { roles: ['client', 'hospital', 'admin'] },
      schema: {
        tags: ['inference'],
        summary: 'Register CKKS public, relinearization and Galois keys for HE inference with one model (never the secret key)',
        body: heSessionBody,
        response: { 201: heSessionResponse, ...problemResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      for (const f of ['publicKey', 'relinKeys', 'galoisKeys'] as const) checkSealObject(f, b[f]);
      // The coordinator gives the HE workers up to 60 s (he-tokens registerTimeoutMs) to load the
      // keys: wait for its answer (or its he-register-failed), not a 504 while they still load.
      const principal = principalOf(request);
      const res = await heRegistrations.run(() => c.call('he.registerKeys', { principal, ...b }, { unavailable: 'not-available', timeoutMs: HE_REGISTER_REPLY_MS, requestPieces: true }));
      return reply.code(201).send(res);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/jobs/:id',
    { schema: { tags: ['jobs'], summary: 'Status and progress of a job of your tenant', params: jobParams, response: { 200: jobResponse, ...problemResponses } } },
    async (request) =>
      guarded(request, async () => {
        const res = await c.call('jobs.get', { principal: principalOf(request), jobId: request.params.id });
        ctx.metrics.observeJob(res.job);
        return res;
      }),
  );

  app.get<{ Params: { id: string } }>(
    '/jobs/:id/result',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Result of a finished job: output shares sealed to the requester\'s key, or the result ciphertext',
        params: jobParams,
        response: { 200: jobResultResponse, ...problemResponses },
      },
    },
    async (request) => guarded(request, () => c.call('jobs.result', { principal: principalOf(request), jobId: request.params.id }, { chunked: true })),
  );

  app.get<{ Params: { id: string } }>(
    '/jobs/:id/events',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Job progress as Server-Sent Events (event: status, data: the job status; the stored state is re-read when quiet); ends at a terminal state',
        params: jobParams,
        response: { 200: { description: 'text/event-stream', type: 'string' }, ...problemResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const jobId = request.params.id;
      // Subscribe before reading the status, so no change between the two is missed.
      const buffered: JobStatus[] = [];
      // Until the stream is open, events wait in `buffered`; then `stream.write` sends them.
      const stream: { write?: (job: JobStatus) => void } = {};
      const unsubscribe = c.subscribeJobEvents(jobId, (job) => (stream.write ? stream.write(job) : buffered.push(job)));
      let first: JobStatus;
      try {
        first = (await guarded(request, () => c.call('jobs.get', { principal, jobId }))).job;
      } catch (err) {
        unsubscribe();
        throw err;
      }
      const write = streamJobEvents(request, reply, ctx, {
        jobId,
        unsubscribe,
        buffered,
        first,
        read: async (timeoutMs) => (await c.call('jobs.get', { principal, jobId }, { timeoutMs })).job,
      });
      stream.write = write;
    },
  );
}
