/**
 * @module services/coordinator/he/he-tokens
 * Injection tokens of the coordinator's HE part (registered by `registerHeMethods` in the
 * coordinator's container, beside the tokens of tokens.ts).
 */

/** An {@link HeWorkerLink}. */
export const HE_WORKER_LINK = Symbol('HeWorkerLink');
/** {@link HeSettings}. */
export const HE_SETTINGS = Symbol('HeSettings');
/** The HeModelBook. */
export const HE_MODEL_BOOK = Symbol('HeModelBook');

/** Timing and policy of the HE path. */
export interface HeSettings {
  /** Coordinator service id (actor of audit events). */
  id: string;
  /** Timeout of one evaluate request to a worker (ms). */
  evaluateTimeoutMs: number;
  /** Timeout of a model or session registration on a worker (ms; keys are ~19 MB). */
  registerTimeoutMs: number;
  /** Idle lifetime of a key session (ms); every inference extends it. Match the workers' TTL. */
  sessionTtlMs: number;
  /**
   * What an inference does when only one HE worker holds the session (the other is down or
   * none was available at registration): `fail` (default) ends the job `failed` with code
   * `he-unverifiable`, since one worker cannot be checked against another; `repeat` evaluates
   * twice on that one worker and labels the result `verification.mode: 'repeated'`: this
   * catches non-determinism and faults, not a worker that lies consistently.
   */
  singleWorker: 'fail' | 'repeat';
}

/** Defaults: 30 s per evaluation, 60 s per registration, 30 minutes idle, no single-worker verdicts. */
export const DEFAULT_HE_SETTINGS: HeSettings = { id: 'coordinator', evaluateTimeoutMs: 30_000, registerTimeoutMs: 60_000, sessionTtlMs: 30 * 60_000, singleWorker: 'fail' };
