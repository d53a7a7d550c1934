/**
 * @module services/gateway/routes/idempotency-key
 * The `Idempotency-Key` header of submissions. The gateway does not store it: it forwards it
 * to the coordinator, which returns the existing job for a repeated key (`created: false`), so
 * a retried POST never creates a second job even across gateway instances.
 */
import type { FastifyRequest } from 'fastify';
import { ProblemError } from '../problems.js';
import { IDEMPOTENCY_KEY_PATTERN } from '../schemas.js';

/** The header's value, or undefined when absent; an `invalid-idempotency-key` problem when malformed. */
export function idempotencyKey(request: FastifyRequest): string | undefined {
  const v = request.headers['idempotency-key'];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(v)) {
    throw new ProblemError('invalid-idempotency-key', 'Idempotency-Key: expected 1-128 characters of [A-Za-z0-9._:-]');
  }
  return v;
}

/** The OpenAPI description of the header. */
export const idempotencyHeaderSchema = {
  type: 'object',
  properties: { 'idempotency-key': { type: 'string', description: 'Retry key: a repeated key returns the same job instead of creating another' } },
} as const;
