/**
 * @module services/party/stored-sharings
 * Every secret-shared vector this party stores for one data set or model, gathered as one
 * share pair, with the public layout that says where each piece goes back (for resharing to a
 * standby, runners/standby-reshare-runner). A data set is every `dataset-<id>.*` object: its
 * manifest and query ledger (public), and share pairs (parts, validity bits, the ledger's
 * selection shares); a model is one JSON object (wire/shared-model-codec)
 * whose share leaves are the `a`/`b` base64 fields of the layers' weights, biases, scales and
 * shifts. The layout carries the public bytes (the manifest, the model with its leaves emptied)
 * and the length of each piece, so a standby that holds nothing can rebuild the objects from it
 * and its new shares.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { bytesToU64, u64ToBytes } from '../../protocols/wire.js';
import { makeShare, type ReplicatedShare } from '../../protocols/rss/replicated-share.js';
import { DATASET_ID_RE, manifestObjectId } from '../wire/analytics-jobs.js';
import { MODEL_ID_RE } from '../wire/storage-inventory.js';
import { decodeSharePair, encodeSharePair, sharePairLength } from '../wire/sealed-share-pair.js';
import { ShareStoreError } from './errors.js';
import type { ShareStore } from './share-store.js';
import type { StoredItem } from '../wire/standby-reshare.js';


/** Where each piece of the gathered vector goes (public: no share in it). */
export interface SharingLayout {
  item: StoredItem;
  /** Objects stored as they are (base64): a data set's manifest, a model with its leaves emptied. */
  plain: { objectId: string; bytes: string }[];
  /** Share-pair objects (a data set's parts and validity bits), in order, with their element counts. */
  pairs: { objectId: string; n: number }[];
  /** A model's leaves in order (layer index, field, element count); the model object is `plain[0]`. */
  leaves: { layer: number; field: string; n: number }[];
}

const LEAF_FIELDS = ['weightT', 'weight', 'bias', 'scale', 'shift'] as const;
/** Public objects of a data set (its manifest and its query ledger); every other object of it is a share pair. */
const PLAIN_SUFFIXES = ['.manifest', '.ledger'];

/** Store object id of a model (as runners/model-publish-runner names it). */
function modelObjectId(modelId: string): string {
  return `model-${modelId}`;
}

/** Checks an item named by a job order. @throws InvalidArgumentError naming the field. */
export function checkItem(v: unknown, name = 'item'): StoredItem {
  const i = v as StoredItem | null;
  if (typeof i !== 'object' || i === null || (i.kind !== 'dataset' && i.kind !== 'model')) throw new InvalidArgumentError(`${name}.kind: expected 'dataset' or 'model'`);
  const re = i.kind === 'dataset' ? DATASET_ID_RE : MODEL_ID_RE;
  if (typeof i.id !== 'string' || !re.test(i.id)) throw new InvalidArgumentError(`${name}.id: expected a ${i.kind} id, got ${JSON.stringify(i.id)}`);
  return { kind: i.kind, id: i.id };
}

/** Every object id the item's sharings live in (what resharing rewrites). */
export function layoutObjectIds(layout: SharingLayout): string[] {
  return [...layout.plain.map((p) => p.objectId), ...layout.pairs.map((p) => p.objectId)];
}

function concat(parts: readonly BigUint64Array[]): BigUint64Array {
  const out = new BigUint64Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The item's layout and this party's share of every piece, read through `get` (the store, or
 * the copies kept before an earlier attempt of the same resharing).
 * @throws ShareStoreError when the item or one of its objects is missing or malformed.
 */
export async function gatherSharings(source: { get(objectId: string): Promise<Uint8Array | undefined>; ids(): Promise<string[]> }, item: StoredItem): Promise<{ layout: SharingLayout; share: ReplicatedShare }> {
  const need = async (objectId: string): Promise<Uint8Array> => {
    const b = await source.get(objectId);
    if (!b) throw new ShareStoreError(`${item.kind} ${item.id}: object ${objectId} is not in this party's store`);
    return b;
  };
  const a: BigUint64Array[] = [];
  const b: BigUint64Array[] = [];
  if (item.kind === 'dataset') {
    // Every object of the data set: the manifest and the query ledger are public, the rest
    // (parts, validity bits, the ledger's selection shares) are share pairs.
    const prefix = `dataset-${item.id}.`;
    const ids = (await source.ids()).filter((id) => id.startsWith(prefix)).sort();
    if (!ids.includes(manifestObjectId(item.id))) throw new ShareStoreError(`dataset ${item.id}: no manifest in this party's store`);
    const plain: SharingLayout['plain'] = [];
    const pairs: SharingLayout['pairs'] = [];
    for (const objectId of ids) {
      const bytes = await need(objectId);
      if (PLAIN_SUFFIXES.some((x) => objectId.endsWith(x))) {
        plain.push({ objectId, bytes: Buffer.from(bytes).toString('base64') });
        continue;
      }
      const n = pairElements(bytes, objectId);
      const [x, y] = decodeSharePair(bytes, n);
      a.push(x);
      b.push(y);
      pairs.push({ objectId, n });
    }
    return { layout: { item, plain, pairs, leaves: [] }, share: makeShare(concat(a), concat(b)) };
  }
  const objectId = modelObjectId(item.id);
  const bytes = await need(objectId);
  let model: { layers?: Record<string, unknown>[] };
  try {
    model = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as typeof model;
  } catch (cause) {
    throw new ShareStoreError(`model ${item.id}: not a JSON shared model`, { cause });
  }
  if (!Array.isArray(model.layers)) throw new ShareStoreError(`model ${item.id}: no layers`);
  const leaves: SharingLayout['leaves'] = [];
  model.layers.forEach((l, layer) => {
    for (const field of LEAF_FIELDS) {
      const w = l[field] as { a?: unknown; b?: unknown } | undefined;
      if (typeof w !== 'object' || w === null || typeof w.a !== 'string' || typeof w.b !== 'string') continue;
      const x = bytesToU64(new Uint8Array(Buffer.from(w.a, 'base64')));
      const y = bytesToU64(new Uint8Array(Buffer.from(w.b, 'base64')));
      if (x.length !== y.length) throw new ShareStoreError(`model ${item.id}: layers[${layer}].${field} has components of ${x.length} and ${y.length} elements`);
      a.push(x);
      b.push(y);
      leaves.push({ layer, field, n: x.length });
      l[field] = { ...w, a: '', b: '' };
    }
  });
  const skeleton = new TextEncoder().encode(JSON.stringify(model));
  return { layout: { item, plain: [{ objectId, bytes: Buffer.from(skeleton).toString('base64') }], pairs: [], leaves }, share: makeShare(concat(a), concat(b)) };
}

function pairElements(bytes: Uint8Array, objectId: string): number {
  if (bytes.length % sharePairLength(1) !== 0) throw new ShareStoreError(`${objectId}: ${bytes.length} bytes is not a share pair`);
  return bytes.length / sharePairLength(1);
}

/** Total elements of a layout's vector. */
export function layoutLength(layout: SharingLayout): number {
  return layout.pairs.reduce((s, p) => s + p.n, 0) + layout.leaves.reduce((s, l) => s + l.n, 0);
}

/**
 * The objects that hold `share` laid out as `layout` says: object id to bytes.
 * @throws InvalidArgumentError when the share's length is not the layout's.
 */
export function layoutObjects(layout: SharingLayout, share: ReplicatedShare): Map<string, Uint8Array> {
  const n = layoutLength(layout);
  if (share.a.length !== n || share.b.length !== n) throw new InvalidArgumentError(`share: expected ${n} elements for ${layout.item.kind} ${layout.item.id}, got ${share.a.length}`);
  const out = new Map<string, Uint8Array>();
  let at = 0;
  const take = (k: number): [BigUint64Array, BigUint64Array] => {
    const r: [BigUint64Array, BigUint64Array] = [share.a.slice(at, at + k), share.b.slice(at, at + k)];
    at += k;
    return r;
  };
  if (layout.item.kind === 'dataset') {
    for (const p of layout.plain) out.set(p.objectId, new Uint8Array(Buffer.from(p.bytes, 'base64')));
    for (const p of layout.pairs) out.set(p.objectId, encodeSharePair(...take(p.n)));
    return out;
  }
  const model = JSON.parse(Buffer.from(layout.plain[0]!.bytes, 'base64').toString('utf8')) as { layers: Record<string, unknown>[] };
  for (const leaf of layout.leaves) {
    const [x, y] = take(leaf.n);
    const w = model.layers[leaf.layer]![leaf.field] as Record<string, unknown>;
    model.layers[leaf.layer]![leaf.field] = { ...w, a: Buffer.from(u64ToBytes(x)).toString('base64'), b: Buffer.from(u64ToBytes(y)).toString('base64') };
  }
  out.set(layout.plain[0]!.objectId, new TextEncoder().encode(JSON.stringify(model)));
  return out;
}

/** Checks a layout received from a peer (a standby builds objects from it). @throws InvalidArgumentError. */
export function checkLayout(v: unknown, item: StoredItem): SharingLayout {
  const l = v as SharingLayout | null;
  if (typeof l !== 'object' || l === null || !Array.isArray(l.plain) || !Array.isArray(l.pairs) || !Array.isArray(l.leaves)) throw new InvalidArgumentError('layout: expected { item, plain, pairs, leaves }');
  if (l.item?.kind !== item.kind || l.item.id !== item.id) throw new InvalidArgumentError(`layout.item: expected ${item.kind} ${item.id}`);
  const prefix = item.kind === 'dataset' ? `dataset-${item.id}.` : `model-${item.id}`;
  for (const o of [...l.plain, ...l.pairs]) {
    if (typeof o?.objectId !== 'string' || !o.objectId.startsWith(prefix)) throw new InvalidArgumentError(`layout: object ${JSON.stringify(o?.objectId)} does not belong to ${item.kind} ${item.id}`);
  }
  if (item.kind === 'model' && l.plain.length !== 1) throw new InvalidArgumentError('layout.plain: a model is one object');
  for (const p of [...l.pairs, ...l.leaves]) if (!Number.isSafeInteger(p?.n) || p.n < 0) throw new InvalidArgumentError('layout: element counts must be non-negative integers');
  return l;
}

/** The id under which a remaining party keeps an object's pre-resharing bytes until the resharing is finished. */
export function preReshareId(standbyId: string, objectId: string): string {
  return `reshare-${standbyId}.${objectId}`;
}

/** Whether `objectId` is a pre-resharing copy for `standbyId`. */
export function isPreReshareCopy(standbyId: string, objectId: string): boolean {
  return objectId.startsWith(`reshare-${standbyId}.`);
}

/**
 * The store as it was before the resharing for `standbyId` began: an object's kept copy where
 * an earlier attempt left one, else the object itself.
 */
export function storeBeforeReshare(store: ShareStore, standbyId: string): { get(objectId: string): Promise<Uint8Array | undefined>; ids(): Promise<string[]> } {
  const pre = `reshare-${standbyId}.`;
  return {
    get: async (objectId) => (await store.get(preReshareId(standbyId, objectId))) ?? (await store.get(objectId)),
    ids: async () => {
      const all = await store.list();
      return [...new Set(all.map((id) => (id.startsWith(pre) ? id.slice(pre.length) : id)))];
    },
  };
}
