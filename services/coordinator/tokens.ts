/**
 * @module services/coordinator/tokens
 * Injection tokens of the coordinator (tsyringe, `@inject(TOKEN)` everywhere), wired in
 * composition-root.ts only.
 */

/** The coordinator's ServiceIdentity. */
export const COORDINATOR_IDENTITY = Symbol('CoordinatorIdentity');
/** {@link DispatchSettings}. */
export const DISPATCH_SETTINGS = Symbol('DispatchSettings');
/** The JobBook. */
export const JOB_BOOK = Symbol('JobBook');
/** The ServiceRegistry. */
export const SERVICE_REGISTRY = Symbol('ServiceRegistry');
/** A PartyLink. */
export const PARTY_LINK = Symbol('PartyLink');
/** An AuditSink. */
export const AUDIT_SINK = Symbol('AuditSink');
/** A ResultVerifier. */
export const RESULT_VERIFIER = Symbol('ResultVerifier');
/** JobPlan[]. */
export const JOB_PLANS = Symbol('JobPlans');
/** The ServiceLog. */
export const COORDINATOR_LOG = Symbol('CoordinatorLog');
/** The ModelRegistry. */
export const MODEL_REGISTRY = Symbol('ModelRegistry');
/** The DatasetCatalog (data sets and upload answers). */
export const DATASET_CATALOG = Symbol('DatasetCatalog');
/** The JobDispatcher. */
export const JOB_DISPATCHER = Symbol('JobDispatcher');

/** Timing of job dispatch. */
export interface DispatchSettings {
  /** Coordinator service id (actor in audit events). */
  id: string;
  /** Time a job may take from placement to the last report (ms). */
  jobTimeoutMs: number;
  /** Interval of health probes of the parties of a running job (ms). */
  probeIntervalMs: number;
  /** Consecutive probes finding nobody listening after which a party is declared gone. */
  missedProbes: number;
  /** Time a party may go without answering probes (busy, not gone) before it is declared gone (ms). */
  unresponsiveMs: number;
  /** Timeout of one dispatch request (ms). */
  dispatchTimeoutMs: number;
}
