/**
 * @module services/transport/trace-point
 * A diagnostic timeline of jobs across processes: with `MPC_TRACE_FILE` set (inherited by the
 * processes a local cluster starts), every trace point appends one JSON line
 * `{ t, pid, e, job }` to that file, `t` being milliseconds since the epoch at sub-millisecond
 * resolution (the processes share this machine's clock). `node scripts/trace-timeline.mjs FILE`
 * prints the median time of each point from the job's submission. Unset, a trace point costs one
 * comparison. It writes synchronously: meant for finding where a job's time goes, not for
 * production.
 */
import { appendFileSync } from 'node:fs';

const file = process.env.MPC_TRACE_FILE;

/** Records `event` (e.g. `P.run`) of `jobId` when tracing is on. */
export function tracePoint(event: string, jobId?: string): void {
  if (!file) return;
  appendFileSync(file, JSON.stringify({ t: performance.timeOrigin + performance.now(), pid: process.pid, e: event, job: jobId }) + '\n');
}
