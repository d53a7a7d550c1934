/**
 * @module services/coordinator/jobs/job-state
 * The job state machine of api.ts `JobState`, as a table: created -> placed -> running ->
 * finished -> verified, with `failed` from any state before a verdict and `failed-verification`
 * from finished (the output check) or from running (a party's malicious-mode check failed). Terminal states have no way out, so a late report cannot revive a job.
 */
import type { JobState } from '../../wire/api.js';

const NEXT: Record<JobState, readonly JobState[]> = {
  created: ['placed', 'failed'],
  placed: ['running', 'failed'],
  running: ['finished', 'failed', 'failed-verification'],
  finished: ['verified', 'failed-verification', 'failed'],
  verified: [],
  failed: [],
  'failed-verification': [],
};

/** Whether a job may move from `from` to `to`. */
export function canTransition(from: JobState, to: JobState): boolean {
  return NEXT[from].includes(to);
}

/** Whether `s` is terminal. */
export function isTerminal(s: JobState): boolean {
  return NEXT[s].length === 0;
}

/** Progress reported for a state (0..1). */
export function progressOf(s: JobState): number {
  return { created: 0, placed: 0.1, running: 0.5, finished: 0.9, verified: 1, failed: 1, 'failed-verification': 1 }[s];
}
