/**
 * @module services/wire/analytics-errors
 * Errors of the analytics services. `code` is stable; the gateway maps codes to problem types.
 * Policy denials use protocols/analytics `PolicyDeniedError` (code `policy-denied`).
 */
import { MpcError } from '../../crypto-core/errors.js';

/** A data set id names no data set this party (or catalog) holds. */
export class UnknownDatasetError extends MpcError {
  readonly datasetId: string;
  constructor(datasetId: string, message = `datasetId: no data set '${datasetId}'`) {
    super('dataset-unknown', message);
    this.datasetId = datasetId;
  }
}

/** An upload conflicts with what is stored: create over an existing data set, append with another schema. */
export class DatasetConflictError extends MpcError {
  readonly datasetId: string;
  constructor(datasetId: string, message: string) {
    super('dataset-conflict', message);
    this.datasetId = datasetId;
  }
}
