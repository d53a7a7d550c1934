/**
 * @module services/sdk/job-events
 * Reads a job's Server-Sent Events stream (`GET /v1/jobs/:id/events`) from a fetch response
 * body: `event: status` blocks whose `data` is the job status JSON, and at most one
 * `event: problem` (a problem+json body: the job is no longer known) that ends it.
 */
import type { JobStatus } from '../wire/api.js';
import { GatewayProblemError } from './errors.js';

/**
 * Yields each status event of an SSE body until the stream ends.
 * @throws GatewayProblemError when the stream ends with a problem.
 */
export async function* readJobEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<JobStatus> {
  const decoder = new TextDecoder();
  let buf = '';
  const reader = body.getReader();
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          // Lines starting with ':' are keep-alive comments.
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        }
        if (event === 'status' && data.length > 0) yield JSON.parse(data.join('\n')) as JobStatus;
        if (event === 'problem' && data.length > 0) {
          const problem = JSON.parse(data.join('\n')) as ConstructorParameters<typeof GatewayProblemError>[1] & { status?: number };
          throw new GatewayProblemError(typeof problem.status === 'number' ? problem.status : 500, problem);
        }
      }
    }
  } finally {
    reader.releaseLock();
    await body.cancel().catch(() => undefined);
  }
}
