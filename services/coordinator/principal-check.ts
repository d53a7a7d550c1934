/**
 * @module services/coordinator/principal-check
 * The one check of the `principal` field that every coordinator method taking one applies: the
 * gateway authenticated the caller and forwards who it is; the coordinator refuses a request
 * whose principal is missing or malformed, and a method's role rule reads only what this returns.
 */
import type { Principal, Role } from '../wire/api.js';
import { ApiFailure } from './errors.js';

const ROLES: ReadonlySet<string> = new Set<Role>(['hospital', 'analyst', 'client', 'model-owner', 'auditor', 'admin']);

/**
 * The principal of a request.
 * @throws ApiFailure `invalid-request` (400) unless `p` is `{ tenant, actor, roles }` with a
 *   non-empty tenant, an actor and known roles.
 */
export function checkPrincipal(p: unknown): Principal {
  const q = p as Principal;
  if (
    typeof q !== 'object' ||
    q === null ||
    typeof q.tenant !== 'string' ||
    q.tenant.length === 0 ||
    typeof q.actor !== 'string' ||
    !Array.isArray(q.roles) ||
    !q.roles.every((r) => typeof r === 'string' && ROLES.has(r))
  ) {
    throw new ApiFailure('invalid-request', 400, 'principal: expected { tenant, actor, roles }');
  }
  return q;
}

/**
 * Refuses unless the principal has `role` or is an admin.
 * @throws ApiFailure `permission-denied` (403) naming what needed the role.
 */
export function requireRole(p: Principal, role: Role, what: string): void {
  if (!p.roles.includes(role) && !p.roles.includes('admin')) throw new ApiFailure('permission-denied', 403, `${what} needs the '${role}' role`);
}
