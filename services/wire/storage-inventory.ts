/**
 * @module services/wire/storage-inventory
 * What the coordinator asks a party about the objects in its share store, for reconciling the
 * parties' disks with the catalogues (coordinator/storage-reconciliation): `list` (the data
 * sets and models the party holds shares of) and `erase` (named data sets and models the
 * catalogues no longer name). Request/reply on {@link inventorySubject}.
 *
 * Both directions are signed (job-messages `signMessage`, RFC 8785 canonical JSON): requests by
 * the coordinator under {@link INVENTORY_REQUEST_DOMAIN}, replies by the party under
 * {@link INVENTORY_REPLY_DOMAIN}, each naming the request's nonce, so the broker can neither
 * make a party erase anything nor show the coordinator a listing the party did not give. A
 * request is accepted within {@link INVENTORY_REQUEST_WINDOW_MS} of its `issuedAt`; a replayed
 * erase inside the window erases nothing new (erasing is idempotent).
 *
 * Object ids (party share store): a data set's objects are `dataset-<datasetId>.<what>`
 * (manifest, parts, validity bits, query ledger and selections: wire/analytics-jobs), a model's
 * is `model-<modelId>`, and `upload-<uploadId>.seen` marks an upload id as used (kept after an
 * erase on purpose: a replayed signed upload stays refused; it holds no shares), and
 * `pin-model-<name>` holds the owner key pinned at a model name's first version (kept, so that
 * erasing a version does not let another key take the name over; it holds no shares).
 */
import { signMessage, verifyMessage, type Signed } from './job-messages.js';
import { DATASET_ID_RE } from './analytics-jobs.js';

/** Coordinator -> party: storage inventory requests of party `serviceId`. */
export function inventorySubject(serviceId: string): string {
  return `mpc.svc.${serviceId}.inventory`;
}

/** Domain of the coordinator's inventory requests. */
export const INVENTORY_REQUEST_DOMAIN = 'mpc-storage-inventory-request/v1';
/** Domain of a party's inventory replies. */
export const INVENTORY_REPLY_DOMAIN = 'mpc-storage-inventory-reply/v1';
/** How far a request's `issuedAt` may be from the party's clock. */
export const INVENTORY_REQUEST_WINDOW_MS = 120_000;

/** Model ids (coordinator/models: `m-<base64url>`), as they appear in store object ids. */
export const MODEL_ID_RE = /^[A-Za-z0-9_-]{1,128}$/;

/** An inventory request (signed by the coordinator). */
export type InventoryRequest = { nonce: string; issuedAt: string; party: string } & ({ op: 'list' } | { op: 'erase'; datasets: string[]; models: string[] });

/** Objects of one data set or model in one party's store. */
export interface StoredObjectGroup {
  id: string;
  /** Store objects (a data set: manifest, parts, validity, ledger, selections). */
  objects: number;
  /** Bytes on disk (encrypted). */
  bytes: number;
}

/** A party's answer (signed by the party). */
export type InventoryReply = { nonce: string; party: string } & (
  | { op: 'list'; datasets: StoredObjectGroup[]; models: StoredObjectGroup[]; other: string[] }
  | { op: 'erase'; datasets: string[]; models: string[]; objects: number }
  | { op: 'refused'; reason: string }
);

/** What a store object belongs to. */
export type ObjectOwner = { kind: 'dataset'; id: string } | { kind: 'model'; id: string } | { kind: 'upload-marker' } | { kind: 'owner-pin' } | { kind: 'other' };

/** Classifies a party share-store object id (see the module doc). */
export function objectOwner(objectId: string): ObjectOwner {
  if (objectId.startsWith('dataset-')) {
    const rest = objectId.slice('dataset-'.length);
    const dot = rest.indexOf('.');
    const id = dot < 0 ? rest : rest.slice(0, dot);
    if (dot > 0 && DATASET_ID_RE.test(id)) return { kind: 'dataset', id };
  }
  if (objectId.startsWith('model-')) {
    const id = objectId.slice('model-'.length);
    if (MODEL_ID_RE.test(id)) return { kind: 'model', id };
  }
  if (/^upload-[A-Za-z0-9_-]+\.seen$/.test(objectId)) return { kind: 'upload-marker' };
  // The owner key pinned at a model name's first version (party runners/model-version-check): kept across versions and erasures.
  if (/^pin-model-[A-Za-z0-9_-]+$/.test(objectId)) return { kind: 'owner-pin' };
  return { kind: 'other' };
}

/** Signs an inventory request with the coordinator's key. */
export function signInventoryRequest(req: InventoryRequest, key: { publicKey: Uint8Array; secretKey: Uint8Array }): Signed<InventoryRequest> {
  return signMessage(INVENTORY_REQUEST_DOMAIN, req, key);
}

/** The request in `raw` when `coordinatorKey` signed it, else undefined. Never throws. */
export function verifyInventoryRequest(raw: unknown, coordinatorKey: Uint8Array): InventoryRequest | undefined {
  return verifyMessage<InventoryRequest>(INVENTORY_REQUEST_DOMAIN, raw, coordinatorKey);
}

/** Signs a party's reply. */
export function signInventoryReply(reply: InventoryReply, key: { publicKey: Uint8Array; secretKey: Uint8Array }): Signed<InventoryReply> {
  return signMessage(INVENTORY_REPLY_DOMAIN, reply, key);
}

/** The reply in `raw` when `partyKey` signed it, else undefined. Never throws. */
export function verifyInventoryReply(raw: unknown, partyKey: Uint8Array): InventoryReply | undefined {
  return verifyMessage<InventoryReply>(INVENTORY_REPLY_DOMAIN, raw, partyKey);
}
