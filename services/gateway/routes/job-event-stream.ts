/**
 * @module services/gateway/routes/job-event-stream
 * The body of `GET /v1/jobs/:id/events`: a Server-Sent Events stream of a job's status. Live
 * events come from the coordinator's job-event subject, but those are fire-and-forget: an
 * event published while the broker was down, or never published because the coordinator died
 * and failed the job on its restart, is gone. So the stream also re-reads the job's stored
 * state (`jobs.get`) whenever it has been quiet for `sseStatusCheckMs`: a job that ended while
 * the broker or the coordinator was away still reaches the client, within about one interval
 * of the service coming back, as its terminal status (and the stream ends), never as silence
 * until the client's own timeout. A job the coordinator no longer knows ends the stream with
 * one `event: problem` (the `not-found` problem body).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JobStatus } from '../../wire/api.js';
import type { RouteContext } from '../fastify-types.js';
import { ProblemError, problemBody } from '../problems.js';

/** Job states after which no further event comes. */
const TERMINAL: ReadonlySet<JobStatus['state']> = new Set(['verified', 'failed', 'failed-verification']);

/** Pause before the next re-read after one failed (broker or coordinator away). */
const RETRY_MS = 250;

/** What the stream needs: the job, its first status, where live events come from, how to re-read it. */
export interface JobEventSource {
  jobId: string;
  /** Subscribes to live events; returns the unsubscribe function. Called before `first` was read. */
  unsubscribe: () => void;
  /** Live events that arrived before the stream opened. */
  buffered: JobStatus[];
  /** The status read when the request came in. */
  first: JobStatus;
  /** Re-reads the stored status (`jobs.get`); rejects with a {@link ProblemError}. */
  read: (timeoutMs: number) => Promise<JobStatus>;
}

/** Only what the status schema allows, as the JSON routes send. */
function safeStatus(job: JobStatus): JobStatus {
  const safe: JobStatus = { id: job.id, kind: job.kind, state: job.state, progress: job.progress, createdAt: job.createdAt, updatedAt: job.updatedAt };
  if (job.error) safe.error = { code: job.error.code, message: job.error.message, ...(job.error.party === undefined ? {} : { party: job.error.party }) };
  if (job.stats) safe.stats = { rounds: job.stats.rounds, bytesPerParty: job.stats.bytesPerParty, durationMs: job.stats.durationMs };
  if (job.security === 'semi-honest' || job.security === 'malicious') safe.security = job.security;
  if (job.model) safe.model = { id: job.model.id, name: job.model.name, version: job.model.version, ...(job.model.boxSha256 ? { boxSha256: [...job.model.boxSha256] } : {}) };
  return safe;
}

/**
 * Takes over the reply and streams the job until a terminal state or the client leaves.
 * @returns the function that live events are to be passed to from now on.
 */
export function streamJobEvents(request: FastifyRequest, reply: FastifyReply, ctx: RouteContext, src: JobEventSource): (job: JobStatus) => void {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-request-id': request.id });
  let closed = false;
  let lastWriteAt = Date.now();
  const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), ctx.config.sseHeartbeatMs);
  heartbeat.unref();
  const checkMs = ctx.config.sseStatusCheckMs;
  let recheck: NodeJS.Timeout | undefined;
  const close = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    clearTimeout(recheck);
    src.unsubscribe();
    raw.end();
  };
  let lastUpdate = '';
  let newest = '';
  const write = (job: JobStatus): void => {
    if (closed || job.id !== src.jobId) return;
    const safe = safeStatus(job);
    // An event older than one already sent would step the stream backwards.
    if (safe.updatedAt < newest) return;
    newest = safe.updatedAt;
    const stamp = `${safe.state}|${safe.progress}|${safe.updatedAt}`;
    if (stamp !== lastUpdate) {
      lastUpdate = stamp;
      lastWriteAt = Date.now();
      ctx.metrics.observeJob(safe);
      raw.write(`event: status\nid: ${safe.updatedAt}\ndata: ${JSON.stringify(safe)}\n\n`);
    }
    if (TERMINAL.has(safe.state)) close();
  };
  /**
   * Re-reads the stored state once no change was sent for an interval. While the broker or
   * the coordinator is away a read fails; the next follows sooner ({@link RETRY_MS}), so the
   * state is picked up within a fraction of a second of the service answering again.
   */
  const reread = async (): Promise<void> => {
    const quiet = Date.now() - lastWriteAt;
    let next = quiet >= checkMs ? checkMs : checkMs - quiet;
    if (quiet >= checkMs) {
      try {
        write(await src.read(Math.max(1000, checkMs)));
      } catch (err) {
        // A job the coordinator no longer knows will never end: say so, typed, and end the stream.
        if (err instanceof ProblemError && err.problem === 'not-found' && !closed) {
          raw.write(`event: problem\ndata: ${JSON.stringify(problemBody(err, request.url.split('?')[0], request.id))}\n\n`);
          close();
        }
        next = Math.min(checkMs, RETRY_MS);
      }
    }
    if (!closed) schedule(next);
  };
  const schedule = (ms: number): void => {
    recheck = setTimeout(() => void reread(), ms);
    recheck.unref();
  };
  schedule(checkMs);
  request.raw.on('close', close);
  write(src.first);
  for (const job of src.buffered) write(job);
  return write;
}
