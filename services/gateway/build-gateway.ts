/**
 * @module services/gateway/build-gateway
 * The gateway's fastify app, built from its dependencies so that tests can drive it with
 * `app.inject()` and the service can `listen()`. What it sets up, in order: strict JSON parsing
 * that keeps the raw body (request signatures cover it), the validator that rejects unknown
 * fields instead of stripping them, request ids, OpenAPI and `/docs`, authentication and role
 * checks on every `/v1` route (each denial reported to the audit sink), rate limits keyed by the
 * authenticated identity, problem+json errors, metrics, and the routes.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import type { ApiKeyStore } from './api-key-store.js';
import type { AuditSink } from './audit-sink.js';
import { authenticate, SignatureReplayCache } from './authenticator.js';
import { AuthFailureLimiter } from './auth-failure-limiter.js';
import type { CoordinatorClient } from './coordinator-client.js';
import { DEFAULT_HTTP_CONFIG, type GatewayHttpConfig } from './gateway-config.js';
import { GatewayMetrics } from './gateway-metrics.js';
import type { DenialEvent } from '../wire/api.js';
import { ProblemError, problemSchema } from './problems.js';
import { queryFilterSchema } from './schemas.js';
import { drainRejectedBody } from './drain-rejected-body.js';
import { sendProblem, toProblem } from './problem-reply.js';
import type { RouteContext } from './fastify-types.js';
import { registerSystemRoutes } from './routes/system-routes.js';
import { registerJobRoutes } from './routes/job-routes.js';
import { registerModelRoutes } from './routes/model-routes.js';
import { registerModelRolloutRoutes } from './routes/model-rollout-routes.js';
import { registerDataRoutes } from './routes/data-routes.js';
import { registerAuditRoutes } from './routes/audit-routes.js';
import { registerStorageRoutes } from './routes/storage-routes.js';
import { registerPartyRoutes } from './routes/party-routes.js';
import { registerConsoleRoutes } from './routes/console-routes.js';
import { registerCreditsRoutes } from './routes/credits-routes.js';
import { registerKpisRoutes } from './routes/kpis-routes.js';

/** What {@link buildGateway} needs. */
export interface GatewayDeps {
  coordinator: CoordinatorClient;
  keys: ApiKeyStore;
  /** Receives every denial; see services/gateway/audit-sink. */
  audit: AuditSink;
  /** Milliseconds since the epoch; injected so signature windows are testable. */
  clock?: () => number;
  config?: Partial<GatewayHttpConfig>;
  /** fastify logger option: false in tests, a pino config in the service. */
  logger?: FastifyServerOptions['logger'];
}

/** Version of the HTTP API (the `/v1` prefix). */
export const API_VERSION = '1.0.0';

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{8,128}$/;

/** Builds the gateway app (not listening). Await `app.ready()` or `inject()` to use it. */
export async function buildGateway(deps: GatewayDeps): Promise<FastifyInstance> {
  const config: GatewayHttpConfig = { ...DEFAULT_HTTP_CONFIG, ...deps.config };
  const clock = deps.clock ?? Date.now;
  const metrics = new GatewayMetrics();
  const replay = new SignatureReplayCache();
  const authFailures = new AuthFailureLimiter(config.authFailureMax, config.rateLimitWindowMs);
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: config.bodyLimit,
    requestTimeout: config.requestTimeoutMs,
    trustProxy: config.trustProxy,
    // A caller's request id is kept when it is safe to log; otherwise a fresh one.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomUUID();
    },
    ajv: {
      // Unknown fields are an error, not silently dropped; types are never coerced ("5" is not 5).
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false },
    },
  });

  // Strict JSON with the raw bytes kept: a request signature covers the body as sent. JSON is
  // the only body the API takes: every other content type (fastify's text/plain parser too) is
  // a 415 unsupported-media-type, never a validation error about the body's shape.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const raw = body as Buffer;
    req.rawBody = raw;
    if (raw.length === 0) {
      done(new ProblemError('malformed-json', 'the body is empty but the content type is application/json'), undefined);
      return;
    }
    try {
      done(null, JSON.parse(raw.toString('utf8')));
    } catch (cause) {
      done(new ProblemError('malformed-json', `the body is not valid JSON: ${(cause as Error).message}`, { cause }), undefined);
    }
  });

  app.addSchema(problemSchema);
  app.addSchema(queryFilterSchema);
  app.setErrorHandler(async (err, request, reply) => {
    const problem = toProblem(err);
    // A body refused by size is read to its end first, so the client can read the 413.
    if ((err as { code?: unknown }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') await drainRejectedBody(request);
    if (problem.status >= 500) request.log.error({ err }, 'request failed');
    return sendProblem(request, reply, problem);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, new ProblemError('not-found', `no route ${request.method} ${request.url.split('?')[0]}`)));

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  const deny = (request: import('fastify').FastifyRequest, reason: string, extra: Partial<DenialEvent> = {}): void => {
    metrics.denials.inc({ reason });
    const event: DenialEvent = {
      at: new Date(clock()).toISOString(),
      requestId: request.id,
      method: request.method,
      route: request.routeOptions.url ?? request.url.split('?')[0],
      reason,
      remoteAddress: request.ip,
      ...extra,
    };
    // Recording must not hold up or fail the reply; the sink logs its own failures.
    void Promise.resolve()
      .then(() => deps.audit(event))
      .catch((err: unknown) => request.log.error({ err }, 'audit sink failed'));
  };

  // Authentication and roles on every /v1 route; /healthz, /readyz, /metrics, /docs and the
  // console's static files (/console/) are public.
  app.addHook('preValidation', async (request) => {
    const url = request.routeOptions.url;
    if (url === undefined || !url.startsWith('/v1/')) return;
    const blocked = authFailures.blockedFor(request.ip, clock());
    if (blocked > 0) {
      throw new ProblemError('rate-limited', `too many failed authentications from this address; retry after ${blocked} s`, { headers: { 'retry-after': String(blocked) } });
    }
    let principal;
    try {
      principal = authenticate({ method: request.method, url: request.url, headers: request.headers, rawBody: request.rawBody ?? Buffer.alloc(0) }, deps.keys, clock(), config.signatureSkewMs, replay);
    } catch (err) {
      if (err instanceof ProblemError) {
        authFailures.fail(request.ip, clock());
        deny(request, err.problem);
      }
      throw err;
    }
    request.principal = principal;
    const roles = request.routeOptions.config.roles;
    if (roles && !roles.some((r) => principal.roles.includes(r))) {
      deny(request, 'forbidden', { tenant: principal.tenant, actor: principal.actor, requiredRoles: roles });
      throw new ProblemError('forbidden', `this route needs one of the roles ${roles.join(', ')}; identity '${principal.actor}' has ${principal.roles.join(', ')}`);
    }
  });

  await app.register(rateLimit, {
    global: true,
    max: config.rateLimitMax,
    timeWindow: config.rateLimitWindowMs,
    // After authentication, so the bucket is the identity, not a shared NAT address.
    hook: 'preHandler',
    keyGenerator: (req) => (req.principal ? `id:${req.principal.tenant}/${req.principal.actor}` : `ip:${req.ip}`),
    errorResponseBuilder: (_req, ctx) =>
      new ProblemError('rate-limited', `rate limit of ${ctx.max} requests per ${ctx.after} exceeded; retry after ${ctx.after}`, { headers: { 'retry-after': String(Math.ceil(ctx.ttl / 1000)) } }),
  });

  await app.register(swagger, {
    // Shared schemas keep their $id as component name (Problem, mpc-filter) instead of def-N.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'MPC service gateway',
        version: API_VERSION,
        description: 'Secure multi-party computation and homomorphic inference. Inputs travel as sealed secret shares or CKKS ciphertexts; errors are RFC 9457 problem+json (see docs/errors.md).',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'API key `mpc_<id>.<secret>`' },
          signedRequest: { type: 'apiKey', in: 'header', name: 'X-Mpc-Signature', description: 'Ed25519 signature with X-Mpc-Key-Id and X-Mpc-Timestamp (see docs/api.md)' },
        },
      },
      security: [{ apiKey: [] }, { signedRequest: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const ctx: RouteContext = { coordinator: deps.coordinator, metrics, config, audit: deps.audit, clock };
  await app.register(async (scope) => registerSystemRoutes(scope, ctx));
  await app.register(async (scope) => registerConsoleRoutes(scope));
  await app.register(async (scope) => {
    registerJobRoutes(scope, ctx, deny);
    registerModelRoutes(scope, ctx);
    registerModelRolloutRoutes(scope, ctx);
    registerDataRoutes(scope, ctx);
    registerAuditRoutes(scope, ctx);
    registerStorageRoutes(scope, ctx);
    registerPartyRoutes(scope, ctx);
    registerCreditsRoutes(scope, ctx);
    registerKpisRoutes(scope, ctx);
  }, { prefix: '/v1' });
  return app;
}
