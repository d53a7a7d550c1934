/**
 * @module services/sdk/query-client
 * The analyst's side of a query (the SDK re-exports it): an ephemeral X25519 key per query,
 * whose public half the parties seal their output pairs to, and the opening: every output
 * component arrives from two parties and `openChecked` names a party that altered its share;
 * `decodeQueryOutput` turns the opened vector into the answer (suppressed cells stay suppressed).
 */
import { fromHex, toHex } from '../../crypto-core/encoding.js';
import { generateAgreementKeyPair, type AgreementKeyPair } from '../../crypto-core/keys/agreement.js';
import { open as openBox } from '../../crypto-core/sealed-box.js';
import type { DatasetSchema } from '../../protocols/analytics/dataset-schema.js';
import { decodeQueryOutput } from '../../protocols/analytics/output-layout.js';
import type { Query } from '../../protocols/analytics/query.js';
import type { QueryResult } from '../../protocols/analytics/query-result.js';
import { makeShare, openChecked, type ShareTriple } from '../../protocols/rss/replicated-share.js';
import { decodeSharePair } from '../wire/sealed-share-pair.js';
import { fromLargeBase64 } from '../wire/large-base64.js';
import { analyticsOutputAad, type AnalyticsQueryResult } from '../wire/analytics-jobs.js';
import { queryConstantErrors } from '../wire/query-constants.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';

/** A query with the analyst's ephemeral key; keep it until the result arrives. */
export interface QueryRequest {
  readonly query: Query;
  /** Hex public key to send with the query (the job's `clientPublicKey`). */
  readonly clientPublicKey: string;
  readonly clientKey: AgreementKeyPair;
}

/**
 * A fresh ephemeral key for `query`.
 * @throws InvalidArgumentError when a filter value or histogram edge is outside the fixed-point
 *   range of query constants (services/wire/query-constants), naming it and the bound.
 */
export function prepareQueryRequest(query: Query): QueryRequest {
  const outside = queryConstantErrors(query);
  if (outside.length > 0) throw new InvalidArgumentError(outside.map((e) => `query${e.path}: ${e.message}`).join('; '));
  const clientKey = generateAgreementKeyPair();
  return { query, clientPublicKey: toHex(clientKey.publicKey), clientKey };
}

/**
 * Opens the three sealed output pairs, reconstructs with the consistency check and decodes.
 * @param schema - the common schema of the queried data sets (public; the catalog lists it).
 * @throws InconsistentShareError naming the party whose output share disagrees;
 *   DecryptionError when a box does not open under this request's key.
 */
export function openQueryResult(request: QueryRequest, schema: DatasetSchema, result: AnalyticsQueryResult): QueryResult {
  const n = result.layout.slots.length;
  fromHex(request.clientPublicKey, 'request.clientPublicKey', 32);
  const shares = ([0, 1, 2] as const).map((i) => {
    const box = openBox(request.clientKey.secretKey, fromLargeBase64(result.sealedOutputs[i], `sealedOutputs[${i}]`), analyticsOutputAad(request.clientPublicKey, i));
    const [a, b] = decodeSharePair(box, n);
    return makeShare(a, b);
  }) as unknown as ShareTriple;
  return decodeQueryOutput(schema, request.query, result.layout, openChecked(shares));
}
