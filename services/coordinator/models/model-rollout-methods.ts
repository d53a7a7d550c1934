/**
 * @module services/coordinator/models/model-rollout-methods
 * The coordinator methods of model rollout: `models.activate` (make a published version of a
 * name the active one), `models.rollback` (back to the version active before) and
 * `models.rollout` (the name's active version and history). Activation and rollback are written
 * to the audit log (`model.activated`, `model.rolled-back`, subject the model id now active).
 * Only principals with the model-owner or admin role change a rollout. With
 * `governance.activationQuorum` k > 0, an activation (and a rollback, which activates the version
 * before) also needs `approvals`: operators' signed `model-activation` decisions of k
 * organisations, whose key ids the audit entry names (`signers`).
 */
import type { CoordinatorMethods } from '../../wire/api.js';
import type { AuditSink } from '../audit/audit-sink.js';
import { ApiFailure } from '../errors.js';
import { checkPrincipal } from '../principal-check.js';
import type { ApiExtension } from '../coordinator-api.js';
import type { ModelRegistry } from './model-registry.js';
import { rolloutOf } from './active-model.js';
import type { ModelRollout, RolloutState } from './model-rollout.js';
import type { ModelRecord } from '../../wire/api.js';
import { checkOperatorQuorum, isRecentDecision, type OperatorKey } from '../../wire/operator-decisions.js';
import { ACTIVATION_DOMAIN, type ActivationDecision } from '../../wire/party-governance.js';

/** Operators' approval of activations: `quorum` organisations (0: none needed). */
export interface ActivationApproval {
  operators: readonly OperatorKey[];
  quorum: number;
}

const METHODS = new Set(['models.activate', 'models.rollback', 'models.rollout']);
const NAME = /^[A-Za-z0-9_-]{1,128}$/;
const VERSION = /^[A-Za-z0-9._-]{1,64}$/;

/** `models.activate`, `models.rollback`, `models.rollout`. */
export class ModelRolloutMethods implements ApiExtension {
  constructor(
    private readonly models: ModelRegistry,
    private readonly rollout: ModelRollout,
    private readonly audit: AuditSink,
    private readonly approval: ActivationApproval = { operators: [], quorum: 0 },
  ) {}

  handles(method: string): boolean {
    return METHODS.has(method);
  }

  async call(method: string, req: unknown): Promise<unknown> {
    const r = (req ?? {}) as Record<string, unknown>;
    const principal = checkPrincipal(r.principal);
    const name = r.name;
    if (typeof name !== 'string' || !NAME.test(name)) throw new ApiFailure('invalid-request', 400, 'name: expected 1..128 characters of [A-Za-z0-9_-]');
    const state = this.#state(name);
    if (method === 'models.rollout') return { rollout: state } satisfies CoordinatorMethods['models.rollout']['res'];
    if (!principal.roles.some((x) => x === 'model-owner' || x === 'admin')) throw new ApiFailure('forbidden', 403, `${method} needs the model-owner or admin role`);
    if (method === 'models.activate') {
      const version = r.version;
      if (typeof version !== 'string' || !VERSION.test(version)) throw new ApiFailure('invalid-request', 400, 'version: expected 1..64 characters of [A-Za-z0-9._-]');
      const model = this.models.byVersion(name, version);
      if (!model) throw new ApiFailure('unknown-model', 404, `version: model ${name} has no published version ${JSON.stringify(version)}`);
      if (state.active === model.id) throw new ApiFailure('model-rollout-conflict', 409, `model ${name} version ${model.version} is already the active version`);
      const signers = this.#approve(model, r.approvals);
      const { state: next, from } = this.rollout.activate(model, principal.actor);
      await this.audit.append({ type: 'model.activated', actor: principal.actor, tenant: principal.tenant, modelId: model.id, reason: `${name} ${model.version} active (was ${this.#version(from)})`, ...(signers.length ? { signers } : {}) });
      return { rollout: next, model } satisfies CoordinatorMethods['models.activate']['res'];
    }
    // A rollback activates the version before: approved like an activation of it.
    const target = state.previous.at(-1);
    const signers = target !== undefined && this.models.get(target) ? this.#approve(this.models.get(target)!, r.approvals) : [];
    const { state: next, from } = this.rollout.rollback(name, principal.actor, (id) => this.#version(id));
    const model = this.models.get(next.active)!;
    await this.audit.append({ type: 'model.rolled-back', actor: principal.actor, tenant: principal.tenant, modelId: model.id, reason: `${name} rolled back to ${model.version} (was ${this.#version(from)})`, ...(signers.length ? { signers } : {}) });
    return { rollout: next, model } satisfies CoordinatorMethods['models.rollback']['res'];
  }

  /**
   * The operator key ids approving `model` as the active version, when approvals are required.
   * @throws ApiFailure `activation-refused` (403) saying which approvals failed.
   */
  #approve(model: ModelRecord, approvals: unknown, now = Date.now()): string[] {
    if (this.approval.quorum === 0) return [];
    const verdict = checkOperatorQuorum<ActivationDecision>(Array.isArray(approvals) ? approvals : [], {
      domain: ACTIVATION_DOMAIN,
      operators: this.approval.operators,
      quorum: this.approval.quorum,
      // Every organisation's operator may approve (an activation is about no one service).
      about: '',
      mismatch: (b) => {
        if (b.type !== 'model-activation' || b.name !== model.name || b.version !== model.version || b.modelId !== model.id) return ` signed another decision (not the activation of ${model.name} ${model.version}, model ${model.id})`;
        return isRecentDecision(b.issuedAt, now) ? undefined : "'s approval is not recent";
      },
    });
    if (!verdict.ok) throw new ApiFailure('activation-refused', 403, `activating ${model.name} ${model.version} needs the approval of operators of ${this.approval.quorum} organisations, got ${verdict.organisations}${verdict.refused.length ? `: ${verdict.refused.join('; ')}` : ''}`.slice(0, 1000));
    return verdict.signers;
  }

  /** The rollout of `name`: its stored state, else its first published version active. */
  #state(name: string): RolloutState {
    return rolloutOf(this.models, name);
  }

  #version(id: string): string {
    return this.models.get(id)?.version ?? id;
  }
}
