/**
 * @module services/gateway/routes/problem-responses
 * The error part of every route's response schema: problem+json for 4xx and 5xx, so the
 * OpenAPI document shows it on each operation.
 */

import { PROBLEM_CONTENT_TYPE } from '../problems.js';

/** Response schema entries for problems, under their media type. */
export const problemResponses = {
  '4xx': { description: 'RFC 9457 problem (see docs/errors.md)', content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: 'Problem#' } } } },
  '5xx': { description: 'RFC 9457 problem (see docs/errors.md)', content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: 'Problem#' } } } },
} as const;
