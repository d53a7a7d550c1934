/**
 * @module services/he-worker/tokens
 * Injection tokens of the HE worker service (tsyringe, always `@inject(TOKEN)`), wired in
 * composition-root.ts and nowhere else.
 */

/** {@link HeWorkerSettings}. */
export const HE_WORKER_SETTINGS = Symbol('HeWorkerSettings');
/** The worker service's ServiceIdentity. */
export const HE_WORKER_IDENTITY = Symbol('HeWorkerIdentity');
/** The {@link HeEvaluationPool} (the thread pool). */
export const HE_WORKER_POOL = Symbol('HeWorkerPool');
/** The ServiceLog. */
export const HE_WORKER_LOG = Symbol('HeWorkerLog');

/** Who this worker is and whom it obeys. */
export interface HeWorkerSettings {
  /** Service id (NATS subjects, announcements, the `to` of requests). */
  id: string;
  /** Ed25519 public key of the coordinator whose signed requests this worker runs. */
  coordinatorKey: Uint8Array;
  /** Requests older (or further in the future) than this are refused, ms. */
  maxRequestAgeMs: number;
}
