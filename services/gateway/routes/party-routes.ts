/**
 * @module services/gateway/routes/party-routes
 * Governance of the parties (coordinator governance/party-quarantine, docs/governance.md):
 * `GET /v1/admin/parties/reputation` (auditor or admin) answers every party's reputation as the
 * canonical JSON the coordinator computed from the audit log, and the quarantines in force;
 * `POST /v1/admin/parties/{id}/reinstatement` (admin) lifts a quarantine given operators' signed
 * decisions (a quorum of other organisations; refused 403 `forbidden`, upstream code
 * `reinstatement-refused`, otherwise); `POST /v1/admin/parties/{id}/promotion` (admin) puts a
 * registered standby into the quarantined party's slot given operators' signed promotion
 * decisions (403 upstream `promotion-refused`, 409 `not-quarantined` / `not-a-standby`);
 * `POST /v1/admin/parties/{standby}/resharing` (admin) starts or resumes the resharing of every
 * stored item to a promoted standby, `GET /v1/admin/parties/resharing` (auditor, admin) shows
 * the progress.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../../wire/api.js';
import type { RouteContext } from '../fastify-types.js';
import { ProblemError } from '../problems.js';
import { resharingListResponse, resharingResponse, partyPromotionBody, partyPromotionResponse, partyReinstatementBody, partyReinstatementResponse, partyReputationResponse, serviceIdParams } from '../schemas.js';
import { problemResponses } from './problem-responses.js';

function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ProblemError('unauthenticated', 'no authenticated identity on this request');
  return request.principal;
}

/** Registers the /admin/parties routes (inside the /v1 scope). */
export function registerPartyRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const c = ctx.coordinator;
  app.get(
    '/admin/parties/reputation',
    { config: { roles: ['auditor', 'admin'] as ('auditor' | 'admin')[] }, schema: { tags: ['admin'], summary: "Every party's reputation from the audit log, and the quarantines in force", response: { 200: partyReputationResponse, ...problemResponses } } },
    async (request) => c.call('parties.reputation', { principal: principalOf(request) }, { timeoutMs: 30_000 }),
  );
  app.post<{ Params: { id: string }; Body: { decisions: unknown[] } }>(
    '/admin/parties/:id/reinstatement',
    { config: { roles: ['admin'] as 'admin'[] }, schema: { tags: ['admin'], summary: 'Reinstate a quarantined party (signed decisions of a quorum of operators of other organisations)', params: serviceIdParams, body: partyReinstatementBody, response: { 200: partyReinstatementResponse, ...problemResponses } } },
    async (request) => c.call('parties.reinstate', { principal: principalOf(request), serviceId: request.params.id, decisions: request.body.decisions }),
  );
  app.post<{ Params: { id: string }; Body: { standbyId: string; decisions: unknown[] } }>(
    '/admin/parties/:id/promotion',
    { config: { roles: ['admin'] as 'admin'[] }, schema: { tags: ['admin'], summary: "Promote a registered standby into a quarantined party's slot (signed decisions of a quorum of operators of other organisations)", params: serviceIdParams, body: partyPromotionBody, response: { 200: partyPromotionResponse, ...problemResponses } } },
    async (request) => c.call('parties.promote', { principal: principalOf(request), serviceId: request.params.id, standbyId: request.body.standbyId, decisions: request.body.decisions }),
  );
  app.get(
    '/admin/parties/resharing',
    { config: { roles: ['auditor', 'admin'] as ('auditor' | 'admin')[] }, schema: { tags: ['admin'], summary: 'Progress of the resharings to promoted standbys, and the promotions in force', response: { 200: resharingListResponse, ...problemResponses } } },
    async (request) => c.call('parties.resharing', { principal: principalOf(request) }),
  );
  app.post<{ Params: { id: string } }>(
    '/admin/parties/:id/resharing',
    { config: { roles: ['admin'] as 'admin'[] }, schema: { tags: ['admin'], summary: 'Start or resume resharing every stored data set and model to a promoted standby', params: serviceIdParams, response: { 200: resharingResponse, ...problemResponses } } },
    async (request) => c.call('parties.reshare', { principal: principalOf(request), standbyId: request.params.id }),
  );
}
