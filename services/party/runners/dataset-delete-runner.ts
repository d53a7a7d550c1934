/**
 * @module services/party/runners/dataset-delete-runner
 * Party side of `dataset-delete`: erase this party's shares of every part of a data set and its
 * manifest. The coordinator records the deletion in the audit log once all three report.
 */
import { JobPayloadError } from '../errors.js';
import type { JobRunContext, JobRunner, JobRunOutcome } from '../job-runner.js';
import { DATASET_ID_RE, type DatasetDeletePayload, type DatasetDeletePartyResult } from '../../wire/analytics-jobs.js';
import { eraseDataset } from '../dataset-store.js';
import { eraseLedger } from '../query-ledger.js';

/** The payload of a `dataset-delete` order, checked. @throws JobPayloadError naming the field. */
export function checkDeletePayload(payload: unknown): DatasetDeletePayload {
  const p = payload as DatasetDeletePayload;
  if (typeof p !== 'object' || p === null) throw new JobPayloadError('payload: expected an object');
  if (typeof p.datasetId !== 'string' || !DATASET_ID_RE.test(p.datasetId)) throw new JobPayloadError(`payload.datasetId: expected 1..64 of [A-Za-z0-9_-], got ${JSON.stringify(p.datasetId)}`);
  return p;
}

/** The `dataset-delete` runner. */
export class DatasetDeleteRunner implements JobRunner {
  readonly kind = 'dataset-delete';

  async run(ctx: JobRunContext): Promise<JobRunOutcome> {
    const p = checkDeletePayload(ctx.order.payload);
    const erasedParts = await eraseDataset(ctx.shares, p.datasetId);
    await eraseLedger(ctx.shares, p.datasetId);
    ctx.log.info('dataset-erased', { datasetId: p.datasetId, parts: erasedParts });
    const result: DatasetDeletePartyResult = { datasetId: p.datasetId, erasedParts };
    return { result };
  }
}
