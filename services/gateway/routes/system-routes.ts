/**
 * @module services/gateway/routes/system-routes
 * Public operational routes: liveness (`/healthz`), readiness (`/readyz`: NATS connected and the
 * coordinator reports its parties registered) and Prometheus metrics (`/metrics`).
 */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../fastify-types.js';
import { PROMETHEUS_CONTENT_TYPE } from '../metrics.js';
import { kpiExposition } from '../kpi-metrics.js';

/** Who the gateway names when it reads the KPIs for /metrics (aggregates over every tenant, no records). */
const METRICS_READER = { tenant: 'system', actor: 'gateway-metrics', roles: ['auditor'] } as const;

/** The coordinator's KPI gauges, or nothing when it has none (no Merkle log) or does not answer within 2 s. */
async function kpiLines(ctx: RouteContext): Promise<string> {
  try {
    return kpiExposition(await ctx.coordinator.call('kpis.get', { principal: { ...METRICS_READER, roles: [...METRICS_READER.roles] } }, { timeoutMs: 2_000 }));
  } catch {
    return '';
  }
}
import { healthResponse, readyResponse } from '../schemas.js';
import { ProblemError } from '../problems.js';

/** Registers /healthz, /readyz and /metrics (no authentication, no rate limit). */
export function registerSystemRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get('/healthz', { config: { rateLimit: false }, schema: { tags: ['system'], summary: 'Liveness: the process serves HTTP', response: { 200: healthResponse } } }, async () => ({ status: 'ok' as const }));

  app.get(
    '/readyz',
    { config: { rateLimit: false }, schema: { tags: ['system'], summary: 'Readiness: NATS reachable and parties registered', response: { 200: readyResponse, 503: readyResponse } } },
    async (_request, reply) => {
      const nats = ctx.coordinator.connected();
      if (!nats) return reply.code(503).send({ ready: false, nats, parties: 0, heWorkers: 0, reasons: ['no NATS connection'] });
      try {
        const r = await ctx.coordinator.call('health.ready', {}, { timeoutMs: 3_000 });
        return reply.code(r.ready ? 200 : 503).send({ ready: r.ready, nats, parties: r.parties, heWorkers: r.heWorkers, reasons: r.reasons });
      } catch (err) {
        const reason = err instanceof ProblemError ? err.message : 'coordinator health check failed';
        return reply.code(503).send({ ready: false, nats, parties: 0, heWorkers: 0, reasons: [reason] });
      }
    },
  );

  app.get('/metrics', { config: { rateLimit: false }, schema: { tags: ['system'], summary: 'Prometheus metrics', hide: false } }, async (_request, reply) => {
    return reply.type(PROMETHEUS_CONTENT_TYPE).send(ctx.metrics.registry.expose() + (await kpiLines(ctx)));
  });
}
