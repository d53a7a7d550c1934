/**
 * @module services/cluster/coordinator-caller
 * A small client of the coordinator's API over NATS for operator tools, tests and benchmarks:
 * call a method, and wait for a job to reach a terminal state (following its events, with
 * `jobs.get` as the source of truth). A call on a connection bound to a gateway key
 * (transport/connection-signer `bindPrincipalSigner`) goes in an envelope signed by it, as
 * the gateway's own calls do; without one only readiness and the registry answer.
 */
import { RequestStrategy, type NatsConnection } from 'nats';
import { MessageAssembler } from '../wire/chunked-message.js';
import { MpcError } from '../../crypto-core/errors.js';
import { subjects, type ApiError, type CoordinatorMethods, type JobStatus, type Principal } from '../wire/api.js';
import { signRequestEnvelope } from '../wire/principal-envelope.js';
import { principalSignerOf } from '../transport/connection-signer.js';

/** The coordinator answered with an `ApiError`. */
export class CoordinatorCallError extends MpcError {
  readonly status: number;
  constructor(code: string, status: number, message: string) {
    super(code, message);
    this.status = status;
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const TERMINAL = new Set(['verified', 'failed', 'failed-verification']);

/**
 * Calls `method`; resolves with the response or rejects with a {@link CoordinatorCallError}.
 * Replies larger than the server's max_payload arrive in pieces (the request says
 * `acceptChunks: true`, the coordinator ends them with an empty message).
 */
export async function callCoordinator<M extends keyof CoordinatorMethods>(nc: NatsConnection, method: M, req: unknown, timeoutMs = 10_000): Promise<CoordinatorMethods[M]['res']> {
  const signer = principalSignerOf(nc);
  const sent = signer ? signRequestEnvelope(signer, method, req as object, { acceptChunks: true }) : { ...(req as object), acceptChunks: true };
  const replies = await nc.requestMany(subjects.api(method), enc.encode(JSON.stringify(sent)), {
    strategy: RequestStrategy.SentinelMsg,
    maxWait: timeoutMs,
  });
  const assembler = new MessageAssembler();
  let whole: Uint8Array | undefined;
  for await (const m of replies) {
    if (m.data.length === 0) break;
    whole = assembler.push(m.data);
    if (whole) break;
  }
  if (!whole) throw new CoordinatorCallError('coordinator-timeout', 504, `no complete reply to ${method} within ${timeoutMs} ms`);
  const body = JSON.parse(dec.decode(whole)) as CoordinatorMethods[M]['res'] | ApiError;
  if (typeof body === 'object' && body !== null && 'error' in body && typeof (body as ApiError).error?.code === 'string') {
    const e = (body as ApiError).error;
    throw new CoordinatorCallError(e.code, e.status, e.message);
  }
  return body as CoordinatorMethods[M]['res'];
}

/**
 * Polls `jobs.get` (every `pollMs`) until the job is terminal or `timeoutMs` passes; returns the
 * last status. A poll that gets no answer (the broker is restarting) is retried, not fatal.
 */
export async function waitForJob(nc: NatsConnection, principal: Principal, jobId: string, timeoutMs = 60_000, pollMs = 20): Promise<JobStatus> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let job: JobStatus;
    try {
      ({ job } = await callCoordinator(nc, 'jobs.get', { principal, jobId }, 2000));
    } catch (e) {
      if (e instanceof CoordinatorCallError && e.code !== 'coordinator-timeout') throw e;
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, pollMs));
      continue;
    }
    if (TERMINAL.has(job.state) || Date.now() > end) return job;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
