/**
 * @module services/party/runners/analytics-query-runner
 * Party side of `analytics-query`: load this party's shares of every part of the chosen data
 * sets, check that they share one schema and that the query fits it, run the secure query
 * (protocols/analytics, the range-aware counting CompareOps unless the runner was built with others) over
 * the job's channel, and seal the output pair to
 * the analyst's ephemeral key. The party applies the larger of the job's minimum cell size and
 * every chosen data set's own policy k, so a coordinator cannot lower the suppression threshold.
 * The disclosure rules of the signed policies (query-disclosure.ts: extremes, budget, overlap
 * with earlier queries) and the engine's query-set controls apply to every query; a refusal is
 * a `disclosure-refused` failure the coordinator audits.
 * The output share goes back to the runtime, which commits to its components for verification.
 */
import { verifyJob } from '../../../protocols/rss/malicious/verify-products.js';
import { boxDigest, jsonDigest, securityClaim, signOutputStatement, type OutputStatement } from '../../wire/output-statement.js';
import { fromHex, toBase64 } from '../../../crypto-core/encoding.js';
import { seal } from '../../../crypto-core/sealed-box.js';
import { sameSchema } from '../../../protocols/analytics/dataset-schema.js';
import type { CompareOps } from '../../../protocols/analytics/compare-ops.js';
import { countingCompareOps } from '../../../protocols/analytics/counting-compare-ops.js';
import { checkConsistent } from '../../../protocols/rss/malicious/consistency.js';
import { QueryError } from '../../../protocols/analytics/errors.js';
import { checkQuery, usedColumns } from '../../../protocols/analytics/query.js';
import { runSecureQuery } from '../../../protocols/analytics/secure-query.js';
import type { SharedDataset } from '../../../protocols/analytics/share-columns.js';
import { JobPayloadError } from '../errors.js';
import type { JobRunContext, JobRunner, JobRunOutcome } from '../job-runner.js';
import { encodeSharePair } from '../../wire/sealed-share-pair.js';
import { analyticsOutputAad, DATASET_ID_RE, type AnalyticsQueryPartyResult, type AnalyticsQueryPayload, type DatasetManifest } from '../../wire/analytics-jobs.js';
import { loadDataset } from '../dataset-store.js';
import { prepareQueryDisclosure } from './query-disclosure.js';

/** The payload of an `analytics-query` order, checked. @throws JobPayloadError naming the field. */
export function checkQueryPayload(payload: unknown): AnalyticsQueryPayload {
  const p = payload as AnalyticsQueryPayload;
  if (typeof p !== 'object' || p === null) throw new JobPayloadError('payload: expected an object');
  if (typeof p.query !== 'object' || p.query === null) throw new JobPayloadError('payload.query: expected a query object');
  if (!Array.isArray(p.datasetIds) || p.datasetIds.length === 0 || !p.datasetIds.every((d) => typeof d === 'string' && DATASET_ID_RE.test(d))) {
    throw new JobPayloadError('payload.datasetIds: expected a non-empty array of data set ids');
  }
  if (new Set(p.datasetIds).size !== p.datasetIds.length) throw new JobPayloadError('payload.datasetIds: expected distinct ids');
  if (!Number.isSafeInteger(p.minCellSize) || p.minCellSize < 1) throw new JobPayloadError(`payload.minCellSize: expected an integer >= 1, got ${String(p.minCellSize)}`);
  try {
    fromHex(p.clientPublicKey, 'payload.clientPublicKey', 32);
  } catch (cause) {
    throw new JobPayloadError((cause as Error).message, { cause });
  }
  return p;
}

/** The `analytics-query` runner. */
export class AnalyticsQueryRunner implements JobRunner {
  readonly kind = 'analytics-query';

  /**
   * @param compareOps the comparison primitives of the engine: range-aware in both modes by default
   *   (verified k-bit comparisons in malicious mode) with plane-based histogram counts on
   *   semi-honest contexts (`countingCompareOps`); the bench passes `analyticsCompareOps` (per-row
   *   bins), `defaultCompareOps` (64-bit comparisons everywhere) or `rangeCompareOps` to measure
   *   the previous code.
   */
  constructor(private readonly compareOps: CompareOps = countingCompareOps) {}

  async run(ctx: JobRunContext): Promise<JobRunOutcome> {
    const p = checkQueryPayload(ctx.order.payload);
    const manifests: DatasetManifest[] = [];
    const datasets: SharedDataset[] = [];
    const malicious = ctx.protocol.security === 'malicious';
    for (const id of p.datasetIds) {
      // Only the columns the query reads are decrypted (a query that does not fit the stored
      // schema loads every column and fails below with the error that says why).
      const { manifest, parts } = await loadDataset(ctx.shares, id, (schema) => {
        try {
          return usedColumns(checkQuery(p.query, schema), schema);
        } catch {
          return schema.columns.map((c) => c.name);
        }
      });
      if (manifests.length > 0 && !sameSchema(manifests[0]!.schema, manifest.schema)) {
        throw new QueryError('/datasets', `data set '${manifest.name}' has another schema than '${manifests[0]!.name}'; a query runs over data sets of one schema`);
      }
      manifests.push(manifest);
      for (const [i, part] of parts.entries()) {
        // A malicious query trusts only what was verified: a part stored by a semi-honest upload
        // has its shares' consistency checked here, and its validity bits (unverified) are
        // dropped, so the engine runs the exact range and encoding checks itself.
        if (malicious && manifest.parts[i]!.security !== 'malicious') {
          await checkConsistent(ctx.protocol, part.share);
          datasets.push({ rows: part.rows, share: part.share });
        } else datasets.push(part);
      }
    }
    const schema = manifests[0]!.schema;
    const query = checkQuery(p.query, schema);
    const minCellSize = Math.max(p.minCellSize, ...manifests.map((m) => m.policy.minCellSize));
    const t0 = performance.now();
    const disclosure = await prepareQueryDisclosure(ctx.shares, ctx.order.jobId, query, manifests);
    const out = await runSecureQuery(ctx.protocol, { schema, datasets, query, minCellSize, disclosure: { history: disclosure.history } }, this.compareOps);
    // Malicious mode: every product and comparison is verified before
    // the output share leaves and before the disclosure ledger records the query.
    await verifyJob(ctx.protocol);
    await disclosure.record(out.selection!);
    const self = ctx.protocol.self;
    const sealed = seal(fromHex(p.clientPublicKey, 'clientPublicKey', 32), encodeSharePair(out.output.a, out.output.b), analyticsOutputAad(p.clientPublicKey, self));
    ctx.log.info('query-run', { datasets: p.datasetIds.length, rows: out.layout.rows, outputs: out.layout.slots.length, ms: Math.round(performance.now() - t0) });
    const sealedOutput = toBase64(sealed);
    // The analyst checks this signature against the party's pinned key before opening the box.
    const statement: OutputStatement = {
      jobId: ctx.order.jobId,
      kind: 'analytics-query',
      subject: jsonDigest(p.query),
      party: self,
      inputDigest: jsonDigest(out.layout),
      outputDigest: boxDigest(sealedOutput),
      clientPublicKey: p.clientPublicKey,
      ...securityClaim(ctx.protocol.security),
    };
    const result: AnalyticsQueryPartyResult = { sealedOutput, layout: out.layout, signature: signOutputStatement(statement, ctx.identity.signing) };
    return { result, output: out.output };
  }
}
