/**
 * @module services/he-worker/worker-messages
 * Messages between the pool (main thread) and an HE worker thread. A worker handles one task
 * at a time; the pool sends a model's plan and a session's keys along with the first task that
 * needs them on that worker, and the worker keeps them until told to drop them (or evicts them
 * itself, least recently used, beyond its capacity).
 */
import type { EvalKeyBundle } from '../../crypto-core/he/ckks-keys.js';
import type { HePlan } from '../../protocols/he/he-plan.js';
import type { WireError } from './errors.js';

/** Test-only fault injection, counted over the evaluate tasks of one worker (1-based). */
export interface WorkerFaults {
  /** Exit the thread (as a crash would) on receiving this evaluate task. */
  readonly exitOnTask?: number;
  /** Raise an out-of-memory error inside this evaluate task (as a `bad_alloc` would). */
  readonly oomOnTask?: number;
  /** Spin forever in this evaluate task (as SEAL's `delete()` after a `bad_alloc` was seen to). */
  readonly hangOnTask?: number;
}

/** `workerData` of an HE worker thread. */
export interface WorkerInit {
  readonly workerId: number;
  /** Most sessions whose keys one worker keeps loaded. */
  readonly sessionCapacity: number;
  readonly faults?: WorkerFaults;
}

/** Pool -> worker. */
export type ToWorker =
  | { readonly type: 'load-session'; readonly taskId: number; readonly sessionId: string; readonly bundle: EvalKeyBundle }
  | {
      readonly type: 'evaluate';
      readonly taskId: number;
      readonly sessionId: string;
      readonly modelId: string;
      readonly ciphertext: Uint8Array;
      /** Present when this worker does not hold the model yet. */
      readonly plan?: HePlan;
      /** Present when this worker does not hold the session's keys yet. */
      readonly bundle?: EvalKeyBundle;
    }
  | { readonly type: 'drop-session'; readonly sessionId: string }
  | { readonly type: 'drop-model'; readonly modelId: string };

/**
 * Worker -> pool. `evicted`: the sessions whose keys the worker dropped while running the task
 * (least recently used, beyond its capacity), so the pool sends their keys again with their next
 * task on this worker instead of a task the worker cannot run.
 */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly taskId: number; readonly bytes?: Uint8Array; readonly sha256?: string; readonly ms: number; readonly evicted?: readonly string[] }
  /** `fatal`: the worker's SEAL instance is unusable and the thread exits right after. */
  | { readonly type: 'failed'; readonly taskId: number; readonly error: WireError; readonly fatal: boolean; readonly evicted?: readonly string[] };
