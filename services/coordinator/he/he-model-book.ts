/**
 * @module services/coordinator/he/he-model-book
 * What the coordinator keeps of the HE path: per HE model, its plan (the coordinator planned it
 * from the published ONNX, so it can answer `models.hePlan` and re-register the model on a
 * worker that restarted), the serialized model it sends to workers and the plan digest every
 * worker must report; per key session, its tenant, model, the workers holding its keys and its
 * idle expiry. Keys themselves are not kept here: they live on the workers only.
 */
import type { HePlan } from '../../../protocols/he/he-plan.js';
import type { WireModel } from '../../wire/he-messages.js';

/** An HE model as the coordinator holds it. */
export interface HeModelEntry {
  modelId: string;
  plan: HePlan;
  wire: WireModel;
  /** plan-digest of `plan`; every worker must report the same. */
  planDigest: string;
  /** Workers known to hold the model. */
  workers: Set<string>;
}

/** A registered key session. */
export interface HeSessionEntry {
  sessionId: string;
  tenant: string;
  modelId: string;
  /** The workers holding the keys: two for a dual execution. */
  workers: string[];
  /** SHA-256 of the uploaded keys (audit). */
  keysDigest: string;
  /** Epoch ms after which the session is expired unless used. */
  expiresAt: number;
}

/** HE models and key sessions, in memory. */
export class HeModelBook {
  readonly #models = new Map<string, HeModelEntry>();
  readonly #sessions = new Map<string, HeSessionEntry>();

  /** Records a model. */
  addModel(entry: HeModelEntry): void {
    this.#models.set(entry.modelId, entry);
  }

  /** The model `modelId`, if it is an HE model. */
  model(modelId: string): HeModelEntry | undefined {
    return this.#models.get(modelId);
  }

  /** Records a session. */
  addSession(entry: HeSessionEntry): void {
    this.#sessions.set(entry.sessionId, entry);
  }

  /** The session `sessionId` (expired or not; see {@link HeSessionEntry.expiresAt}). */
  session(sessionId: string): HeSessionEntry | undefined {
    return this.#sessions.get(sessionId);
  }

  /** Forgets sessions expired before `now` for longer than `graceMs` (their ids then read as unknown). */
  purge(now: number, graceMs: number): void {
    for (const [id, s] of this.#sessions) if (now - s.expiresAt > graceMs) this.#sessions.delete(id);
  }
}
