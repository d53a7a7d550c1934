/**
 * @module services/sdk/job-wait
 * How the SDK waits for a job's end. It follows the gateway's event stream, which starts with
 * the job's stored state and re-reads it when quiet; when the stream breaks (gateway restart,
 * proxy timeout) it reads the status and opens the stream again, and all along it re-reads the
 * status itself every `statusCheckMs`. So a job that ended while the broker, the coordinator or
 * the gateway was away reaches the caller as its terminal status soon after the service is
 * back, not as the caller's own timeout. A problem of the client's (4xx: not found, forbidden)
 * is final; a 5xx problem or a network error is waited out until the deadline.
 */
import type { JobStatus } from '../wire/api.js';
import { GatewayProblemError, JobFailedError, JobTimeoutError } from './errors.js';
import { readJobEvents } from './job-events.js';

const TERMINAL: ReadonlySet<JobStatus['state']> = new Set(['verified', 'failed', 'failed-verification']);

/** Default interval of the SDK's own status re-reads while a stream is open. */
export const DEFAULT_STATUS_CHECK_MS = 5000;

/** Where the wait reads from. */
export interface JobWaitSource {
  /** Opens the job's SSE stream (`GET /v1/jobs/:id/events`). */
  events(signal: AbortSignal): Promise<Response>;
  /** Reads the job's status (`GET /v1/jobs/:id`). */
  status(signal: AbortSignal): Promise<JobStatus>;
}

/** Options of {@link waitForTerminal}. */
export interface JobWaitOptions {
  timeoutMs: number;
  /** Pause before reopening a broken stream. */
  retryMs: number;
  /** Interval of the status re-reads while a stream is open (default {@link DEFAULT_STATUS_CHECK_MS}). */
  statusCheckMs?: number;
  onProgress?: (job: JobStatus) => void;
}

/** A problem of the client's own request: waiting longer cannot help. */
function isFinal(err: unknown): boolean {
  return err instanceof GatewayProblemError && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429;
}

/**
 * Resolves with the job's `verified` status.
 * @throws JobFailedError when it ends failed or failed-verification; JobTimeoutError after
 *   `timeoutMs`; GatewayProblemError for a 4xx problem (unknown job, another tenant's, ...).
 */
export async function waitForTerminal(jobId: string, src: JobWaitSource, opts: JobWaitOptions): Promise<JobStatus> {
  const ac = new AbortController();
  // A pause that ends early when the wait is over (the listener goes with it: a long wait must not pile them up).
  const sleep = (ms: number): Promise<void> =>
    new Promise((r) => {
      const done = (): void => {
        clearTimeout(t);
        ac.signal.removeEventListener('abort', done);
        r();
      };
      const t = setTimeout(done, ms);
      ac.signal.addEventListener('abort', done, { once: true });
    });
  let settle!: { resolve: (j: JobStatus) => void; reject: (e: unknown) => void };
  const outcome = new Promise<JobStatus>((resolve, reject) => (settle = { resolve, reject }));
  const seen = (job: JobStatus): void => {
    if (ac.signal.aborted) return;
    opts.onProgress?.(job);
    if (!TERMINAL.has(job.state)) return;
    ac.abort();
    if (job.state === 'verified') settle.resolve(job);
    else settle.reject(new JobFailedError(job.id, job.state, job.error));
  };
  const fail = (err: unknown): void => {
    if (ac.signal.aborted) return;
    ac.abort();
    settle.reject(err);
  };
  const timer = setTimeout(() => fail(new JobTimeoutError(jobId, opts.timeoutMs)), opts.timeoutMs);

  const follow = async (): Promise<void> => {
    while (!ac.signal.aborted) {
      try {
        const res = await src.events(ac.signal);
        if (res.body) for await (const job of readJobEvents(res.body)) seen(job);
      } catch (err) {
        if (isFinal(err)) return fail(err);
      }
      if (ac.signal.aborted) return;
      // The stream ended without a terminal state: read the status, then reopen.
      try {
        seen(await src.status(ac.signal));
      } catch (err) {
        if (isFinal(err)) return fail(err);
      }
      await sleep(opts.retryMs);
    }
  };
  const recheck = async (): Promise<void> => {
    const every = opts.statusCheckMs ?? DEFAULT_STATUS_CHECK_MS;
    while (!ac.signal.aborted) {
      await sleep(every);
      if (ac.signal.aborted) return;
      try {
        seen(await src.status(ac.signal));
      } catch (err) {
        if (isFinal(err)) return fail(err);
      }
    }
  };
  void follow();
  void recheck();
  try {
    return await outcome;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}
