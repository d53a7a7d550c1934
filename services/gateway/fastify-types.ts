/**
 * @module services/gateway/fastify-types
 * What the gateway adds to fastify's request and route config types, and the context its
 * route modules receive.
 */
import type { Principal, Role } from '../wire/api.js';
import type { AuditSink } from './audit-sink.js';
import type { CoordinatorClient } from './coordinator-client.js';
import type { GatewayHttpConfig } from './gateway-config.js';
import type { GatewayMetrics } from './gateway-metrics.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook on every `/v1` route. */
    principal?: Principal;
    /** The body bytes as received, for request signatures. */
    rawBody?: Buffer;
  }
  interface FastifyContextConfig {
    /** Roles allowed on the route; any authenticated identity when absent. */
    roles?: Role[];
  }
}

/** Everything a route module needs. */
export interface RouteContext {
  coordinator: CoordinatorClient;
  metrics: GatewayMetrics;
  config: GatewayHttpConfig;
  audit: AuditSink;
  clock: () => number;
}
