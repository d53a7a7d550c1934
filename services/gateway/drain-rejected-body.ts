/**
 * @module services/gateway/drain-rejected-body
 * A body refused for its size before it was read (fastify checks Content-Length against the
 * route's bodyLimit and answers 413 at once) is still on its way: closing the socket then
 * resets it while the client writes (EPIPE / ECONNRESET), and the client never reads the
 * 413. So the gateway reads the rest and throws it away before it answers, up to
 * {@link MAX_DRAINED_BODY_BYTES}; a body declared larger than that (or one that sends more)
 * gets its connection closed, as before. The request timeout (requestTimeoutMs) bounds the
 * time a slow sender can hold the connection either way.
 */
import type { FastifyRequest } from 'fastify';

/** Largest refused body the gateway reads to the end so that its 413 reaches the client. */
export const MAX_DRAINED_BODY_BYTES = 512 * 1024 * 1024;

/**
 * Reads and discards what is left of `request`'s body. Resolves true once the body ended
 * (the reply can be read by the client), false when it is, or turns out, larger than
 * `maxBytes`, or the connection failed.
 */
export function drainRejectedBody(request: FastifyRequest, maxBytes = MAX_DRAINED_BODY_BYTES): Promise<boolean> {
  const raw = request.raw;
  if (raw.complete || raw.readableEnded) return Promise.resolve(true);
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve(false);
  return new Promise((resolve) => {
    let seen = 0;
    const finish = (ended: boolean): void => {
      raw.off('data', onData);
      raw.off('end', onEnd);
      raw.off('error', onFail);
      raw.off('close', onClose);
      resolve(ended);
    };
    const onData = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > maxBytes) finish(false);
    };
    const onEnd = (): void => finish(true);
    const onFail = (): void => finish(false);
    const onClose = (): void => finish(raw.complete);
    raw.on('data', onData);
    raw.once('end', onEnd);
    raw.once('error', onFail);
    raw.once('close', onClose);
    raw.resume();
  });
}
