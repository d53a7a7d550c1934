/**
 * @module services/coordinator/errors
 * The coordinator's API failure: a stable code and the HTTP status the gateway maps it to
 * (api.ts `ApiError`). Codes used: invalid-request 400, permission-denied 403, unknown-job 404,
 * not-finished 409, idempotency-conflict 409, not-available 501, no-parties 503.
 */
import { MpcError } from '../../crypto-core/errors.js';
import type { ApiError } from '../wire/api.js';

/** A refused or failed API call. */
export class ApiFailure extends MpcError {
  readonly status: number;
  readonly detail: Record<string, unknown> | undefined;
  constructor(code: string, status: number, message: string, detail?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, options);
    this.status = status;
    this.detail = detail;
  }

  /** The wire form. */
  toApiError(): ApiError {
    return { error: { code: this.code, message: this.message, status: this.status, ...(this.detail ? { detail: this.detail } : {}) } };
  }
}
