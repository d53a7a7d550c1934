/**
 * @module protocols/analytics/errors
 * Errors of the analytics layer. `code` is stable: the gateway maps it to a problem type.
 */
import { MpcError } from '../../crypto-core/errors.js';

/** A data set schema or a row does not satisfy the declared schema. */
export class SchemaError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('schema-invalid', message, options);
  }
}

/** A query is malformed or refers to columns, types or data sets it cannot use. */
export class QueryError extends MpcError {
  /** JSON pointer-like path of the offending part of the query, e.g. `/aggregates/2/column`. */
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('query-invalid', `${path}: ${message}`, options);
    this.path = path;
  }
}

/** The caller's role may not query a data set. */
export class PolicyDeniedError extends MpcError {
  readonly dataset: string;
  constructor(dataset: string, role: string) {
    super('policy-denied', `role '${role}' may not query data set '${dataset}'`);
    this.dataset = dataset;
  }
}

/**
 * The parties refused to answer a query because its answer would disclose too little a set of
 * records (query-set size, overlap with an earlier query, extremes the policy does not allow,
 * or an exhausted query budget). `reason` is public: it depends only on the query, the policy
 * and the one refusal bit the parties opened.
 */
export class DisclosureRefusedError extends MpcError {
  readonly reason: 'query-set-size' | 'extremes' | 'budget';
  constructor(reason: DisclosureRefusedError['reason'], message: string, options?: { cause?: unknown }) {
    super('disclosure-refused', message, options);
    this.reason = reason;
  }
}
