/**
 * @module services/party/dataset-store
 * A party's data sets on top of its {@link ShareStore} (AES-256-GCM at rest under the party's
 * storage key): one object per uploaded part holding this party's share pair, one with the
 * shares of its column validity bits (computed at upload), and one manifest object (owner,
 * schema, policy, parts with their upload digests). Only this party's shares are
 * ever stored; values exist nowhere.
 */
import { canonicalJson } from '../../crypto-core/canonical-json.js';
import { encodedWidth } from '../../protocols/analytics/dataset-schema.js';
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

/** Stores this party's share pair of one part, and of its column validity bits when given. */
export async function writePart(store: ShareStore, datasetId: string, uploadId: string, share: SharedDataset): Promise<void> {
  await store.put(partObjectId(datasetId, uploadId), encodeSharePair(share.share.a, share.share.b));
  if (share.validity) await store.put(validityObjectId(datasetId, uploadId), encodeSharePair(share.validity.a, share.validity.b));
}

/**
 * This party's shares of every part of a data set, in upload order, each a {@link SharedDataset}
 * (the engine takes the union of a list).
 * @throws UnknownDatasetError when there is no manifest; ShareStoreError when a part is missing.
 */
export async function loadDataset(store: ShareStore, datasetId: string): Promise<{ manifest: DatasetManifest; parts: SharedDataset[] }> {
  const manifest = await readManifest(store, datasetId);
  if (!manifest) throw new UnknownDatasetError(datasetId);
  const width = encodedWidth(manifest.schema);
  const parts: SharedDataset[] = [];
  for (const p of manifest.parts) {
    const bytes = await store.get(partObjectId(datasetId, p.uploadId));
    if (!bytes) throw new ShareStoreError(`dataset ${datasetId}: part ${p.uploadId} is in the manifest but not in the store`);
    const [a, b] = decodeSharePair(bytes, p.rows * width);
    const valid = await store.get(validityObjectId(datasetId, p.uploadId));
    const validity = valid ? decodeSharePair(valid, p.rows * manifest.schema.columns.length) : undefined;
    parts.push({ rows: p.rows, share: makeShare(a, b), ...(validity ? { validity: makeShare(validity[0], validity[1]) } : {}) });
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
    await store.delete(partObjectId(datasetId, p.uploadId));
    await store.delete(validityObjectId(datasetId, p.uploadId));
  }
  await store.delete(manifestObjectId(datasetId));
  return manifest.parts.length;
}
