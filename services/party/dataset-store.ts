/**
 * @module services/party/dataset-store
 * A party's data sets on top of its {@link ShareStore} (AES-256-GCM at rest under the party's
 * storage key, the object id in the authenticated data, so no object passes for another): per
 * uploaded part and schema column, one object with this party's share pair of the column's
 * encoded elements and one with the shares of its validity bits (computed at upload), and one
 * manifest object (owner, schema, policy, parts with their upload digests). A query decrypts
 * only the columns it reads (`loadDataset` with a column list); the others stay 0 in the table
 * it gets, which the engine never reads. Parts stored before the per-column layout (one object
 * for the whole part, one for its validity bits) still load. Only this party's shares are ever
 * stored; values exist nowhere.
 */
import { canonicalJson } from '../../crypto-core/canonical-json.js';
import { columnOffset, columnWidth, encodedWidth, type DatasetSchema } from '../../protocols/analytics/dataset-schema.js';
import type { SharedDataset } from '../../protocols/analytics/share-columns.js';
import { makeShare } from '../../protocols/rss/replicated-share.js';
import { ShareStoreError } from './errors.js';
import type { ShareStore } from './share-store.js';
import { decodeSharePair, encodeSharePair } from '../wire/sealed-share-pair.js';
import { manifestObjectId, partObjectId, sha256Hex, validityObjectId, type DatasetManifest } from '../wire/analytics-jobs.js';
import { UnknownDatasetError } from '../wire/analytics-errors.js';

/** The manifest of `datasetId`, or undefined. */
export async function readManifest(store: ShareStore, datasetId: string): Promise<DatasetManifest | undefined> {
  const bytes = await store.get(manifestObjectId(datasetId));
  if (!bytes) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as DatasetManifest;
  } catch (cause) {
    throw new ShareStoreError(`dataset ${datasetId}: manifest is not JSON`, { cause });
  }
}

/** Writes the manifest (canonical JSON) and returns its SHA-256 (hex). */
export async function writeManifest(store: ShareStore, manifest: DatasetManifest): Promise<string> {
  const text = canonicalJson(manifest);
  await store.put(manifestObjectId(manifest.datasetId), new TextEncoder().encode(text));
  return sha256Hex(text);
}

/** Share store id of one schema column (index c) of one part's share pair. */
export function partColumnObjectId(datasetId: string, uploadId: string, c: number): string {
  return `${partObjectId(datasetId, uploadId)}.col-${c}`;
}

/** Share store id of one schema column (index c) of one part's validity bits. */
export function validityColumnObjectId(datasetId: string, uploadId: string, c: number): string {
  return `${validityObjectId(datasetId, uploadId)}.col-${c}`;
}

/** Encoded elements of schema column c: [offset, offset + width) of the table's columns. */
function columnSpan(schema: DatasetSchema, c: number): { offset: number; width: number } {
  const col = schema.columns[c]!;
  return { offset: columnOffset(schema, col.name), width: columnWidth(col) };
}

/**
 * Stores this party's share pair of one part, one object per schema column, and of its column
 * validity bits when given (one object per column too).
 */
export async function writePart(store: ShareStore, datasetId: string, uploadId: string, share: SharedDataset, schema: DatasetSchema): Promise<void> {
  const n = share.rows;
  for (let c = 0; c < schema.columns.length; c++) {
    const { offset, width } = columnSpan(schema, c);
    const [from, to] = [offset * n, (offset + width) * n];
    await store.put(partColumnObjectId(datasetId, uploadId, c), encodeSharePair(share.share.a.subarray(from, to), share.share.b.subarray(from, to)));
    if (share.validity) await store.put(validityColumnObjectId(datasetId, uploadId, c), encodeSharePair(share.validity.a.subarray(c * n, (c + 1) * n), share.validity.b.subarray(c * n, (c + 1) * n)));
  }
}

/**
 * This party's shares of every part of a data set, in upload order, each a {@link SharedDataset}
 * (the engine takes the union of a list). With `columns` (given the stored schema, the names
 * the caller will read), only those columns are decrypted; the others are 0 in the result.
 * @throws UnknownDatasetError when there is no manifest; ShareStoreError when a part (or one
 *   of its columns) is missing or does not authenticate.
 */
export async function loadDataset(
  store: ShareStore,
  datasetId: string,
  columns?: (schema: DatasetSchema) => readonly string[],
): Promise<{ manifest: DatasetManifest; parts: SharedDataset[] }> {
  const manifest = await readManifest(store, datasetId);
  if (!manifest) throw new UnknownDatasetError(datasetId);
  const schema = manifest.schema;
  const width = encodedWidth(schema);
  const wanted = columns ? new Set(columns(schema)) : undefined;
  const chosen = schema.columns.flatMap((c, i) => (!wanted || wanted.has(c.name) ? [i] : []));
  const parts: SharedDataset[] = [];
  for (const p of manifest.parts) {
    const n = p.rows;
    const legacy = await store.get(partObjectId(datasetId, p.uploadId));
    if (legacy) {
      // A part stored before the per-column layout: one object for the whole table.
      const [a, b] = decodeSharePair(legacy, n * width);
      const valid = await store.get(validityObjectId(datasetId, p.uploadId));
      const validity = valid ? decodeSharePair(valid, n * schema.columns.length) : undefined;
      parts.push({ rows: n, share: makeShare(a, b), ...(validity ? { validity: makeShare(validity[0], validity[1]) } : {}) });
      continue;
    }
    const a = new BigUint64Array(n * width);
    const b = new BigUint64Array(n * width);
    let va: BigUint64Array | undefined;
    let vb: BigUint64Array | undefined;
    for (const [k, c] of chosen.entries()) {
      const { offset, width: w } = columnSpan(schema, c);
      const bytes = await store.get(partColumnObjectId(datasetId, p.uploadId, c));
      if (!bytes) throw new ShareStoreError(`dataset ${datasetId}: column ${c} of part ${p.uploadId} is in the manifest but not in the store`);
      const [x, y] = decodeSharePair(bytes, n * w);
      a.set(x, offset * n);
      b.set(y, offset * n);
      const valid = await store.get(validityColumnObjectId(datasetId, p.uploadId, c));
      // Validity bits are stored for every column of a part or for none.
      if (k === 0 && valid) [va, vb] = [new BigUint64Array(n * schema.columns.length), new BigUint64Array(n * schema.columns.length)];
      if ((valid !== undefined) !== (va !== undefined)) throw new ShareStoreError(`dataset ${datasetId}: part ${p.uploadId} has validity bits for some columns only`);
      if (valid) {
        const [vx, vy] = decodeSharePair(valid, n);
        va!.set(vx, c * n);
        vb!.set(vy, c * n);
      }
    }
    parts.push({ rows: n, share: makeShare(a, b), ...(va && vb ? { validity: makeShare(va, vb) } : {}) });
  }
  return { manifest, parts };
}

/** Share store id of the marker that upload `uploadId` was stored (kept after a delete). */
function uploadMarkerId(uploadId: string): string {
  return `upload-${uploadId}.seen`;
}

/** Whether an upload with this id was ever stored by this party. */
export async function uploadSeen(store: ShareStore, uploadId: string): Promise<boolean> {
  return (await store.get(uploadMarkerId(uploadId))) !== undefined;
}

/** Records that upload `uploadId` was stored: a replay of the same signed upload is refused. */
export async function markUploadSeen(store: ShareStore, uploadId: string): Promise<void> {
  await store.put(uploadMarkerId(uploadId), new Uint8Array([1]));
}

/** Erases every part and the manifest; returns the number of parts erased. */
export async function eraseDataset(store: ShareStore, datasetId: string): Promise<number> {
  const manifest = await readManifest(store, datasetId);
  if (!manifest) throw new UnknownDatasetError(datasetId);
  // Parts first: a crash in between leaves a manifest naming missing parts (a visible error),
  // never shares without a manifest that nobody would find to erase.
  for (const p of manifest.parts) {
    for (let c = 0; c < manifest.schema.columns.length; c++) {
      await store.delete(partColumnObjectId(datasetId, p.uploadId, c));
      await store.delete(validityColumnObjectId(datasetId, p.uploadId, c));
    }
    await store.delete(partObjectId(datasetId, p.uploadId));
    await store.delete(validityObjectId(datasetId, p.uploadId));
  }
  await store.delete(manifestObjectId(datasetId));
  return manifest.parts.length;
}
