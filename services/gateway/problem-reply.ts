/**
 * @module services/gateway/problem-reply
 * Turns any error a request meets (ours, fastify's, the validator's, the rate limiter's) into a
 * catalogued problem+json reply. Unknown errors become `internal` with the detail withheld.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, ProblemError, problemBody } from './problems.js';

/** fastify error codes that have a problem of their own. */
const FASTIFY_CODES: Record<string, () => ProblemError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => new ProblemError('payload-too-large', 'the request body exceeds this route\'s size limit'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new ProblemError('unsupported-media-type', 'send the body as application/json'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new ProblemError('malformed-json', 'Content-Length does not match the body'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new ProblemError('malformed-json', 'the body is empty but the content type is application/json'),
  FST_ERR_CTP_INVALID_JSON_BODY: () => new ProblemError('malformed-json', 'the body is not valid JSON'),
};

/** The {@link ProblemError} for `err`. */
export function toProblem(err: unknown): ProblemError {
  if (err instanceof ProblemError) return err;
  const fe = err as Partial<FastifyError> & { validationContext?: string };
  if (Array.isArray(fe.validation)) {
    const where = fe.validationContext ?? 'body';
    const errors = fe.validation.map((v) => {
      const extra = (v.params as { additionalProperty?: string } | undefined)?.additionalProperty;
      const path = `${where}${v.instancePath ?? ''}`;
      return { path: extra ? `${path}/${extra}` : path, message: extra ? `unknown field '${extra}'` : (v.message ?? 'invalid') };
    });
    return new ProblemError('validation', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors, cause: err });
  }
  if (typeof fe.code === 'string' && FASTIFY_CODES[fe.code]) return FASTIFY_CODES[fe.code]();
  if (fe.statusCode === 413) return new ProblemError('payload-too-large', 'the request body exceeds this route\'s size limit');
  return new ProblemError('internal', 'an internal error occurred; quote the request id when reporting it', { cause: err });
}

/** Sends `problem` as the reply. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: ProblemError): FastifyReply {
  if (problem.headers) reply.headers(problem.headers);
  return reply
    .code(problem.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problemBody(problem, request.url.split('?')[0], request.id)));
}
