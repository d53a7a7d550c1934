/**
 * @module services/party/storage-inventory
 * The party's side of storage reconciliation (wire/storage-inventory): on a request the
 * coordinator signed, lists the data sets and models this party holds shares of, or erases the
 * named ones, and answers signed with its own key. Anything else (an unsigned or differently
 * signed request, one for another party, one outside the time window, a malformed id) is
 * refused with a reason and erases nothing.
 *
 * Erasing a data set removes every `dataset-<id>.*` object, whatever the manifest says: an
 * object is orphaned exactly when the bookkeeping that would have named it was lost, so a
 * half-stored upload (parts without a manifest) goes too. Upload markers stay (see the wire
 * module).
 */
import type { ServiceIdentity } from '../../crypto-core/keys/identity.js';
import type { Signed } from '../wire/job-messages.js';
import { DATASET_ID_RE } from '../wire/analytics-jobs.js';
import {
  INVENTORY_REQUEST_WINDOW_MS,
  MODEL_ID_RE,
  objectOwner,
  signInventoryReply,
  verifyInventoryRequest,
  type InventoryReply,
  type InventoryRequest,
  type StoredObjectGroup,
} from '../wire/storage-inventory.js';
import type { ShareStore } from './share-store.js';

/** Options of {@link PartyStorageInventory}. */
export interface PartyStorageInventoryOptions {
  /** This party's service id (requests must name it). */
  id: string;
  identity: ServiceIdentity;
  /** The coordinator's Ed25519 public key. */
  coordinatorKey: Uint8Array;
  shares: ShareStore;
  /** Clock (default Date.now). */
  now?: () => number;
}

/** Answers the coordinator's inventory requests. */
export class PartyStorageInventory {
  readonly #o: PartyStorageInventoryOptions;

  constructor(opts: PartyStorageInventoryOptions) {
    this.#o = opts;
  }

  /** Handles one request; always resolves with a signed reply (a refusal for a bad request). */
  async handle(raw: unknown): Promise<Signed<InventoryReply>> {
    const req = verifyInventoryRequest(raw, this.#o.coordinatorKey);
    // A refusal names the request's nonce even when the request did not verify, so the sender can match it.
    const claimed = (raw as { body?: { nonce?: unknown } } | null)?.body?.nonce;
    const nonce = typeof claimed === 'string' && /^[0-9a-f]{32}$/.test(claimed) ? claimed : '';
    const refuse = (reason: string): Signed<InventoryReply> => this.#sign({ op: 'refused', nonce, party: this.#o.id, reason });
    if (!req) return refuse('request: not signed by the coordinator this party trusts');
    const why = this.#check(req);
    if (why) return refuse(why);
    if (req.op === 'list') return this.#sign(await this.#list(req.nonce));
    return this.#sign(await this.#erase(req));
  }

  #check(req: InventoryRequest): string | undefined {
    if (req.party !== this.#o.id) return `party: the request is for ${JSON.stringify(req.party)}, this is ${this.#o.id}`;
    if (typeof req.nonce !== 'string' || !/^[0-9a-f]{32}$/.test(req.nonce)) return 'nonce: expected 32 hex digits';
    const at = Date.parse(req.issuedAt);
    const now = (this.#o.now ?? Date.now)();
    if (!Number.isFinite(at) || Math.abs(now - at) > INVENTORY_REQUEST_WINDOW_MS) return `issuedAt: ${JSON.stringify(req.issuedAt)} is not within ${INVENTORY_REQUEST_WINDOW_MS} ms of this party's clock`;
    if (req.op === 'list') return undefined;
    if (req.op !== 'erase') return `op: expected "list" or "erase", got ${JSON.stringify((req as { op?: unknown }).op)}`;
    if (!Array.isArray(req.datasets) || !req.datasets.every((d) => typeof d === 'string' && DATASET_ID_RE.test(d))) return 'datasets: expected data set ids';
    if (!Array.isArray(req.models) || !req.models.every((m) => typeof m === 'string' && MODEL_ID_RE.test(m))) return 'models: expected model ids';
    return undefined;
  }

  async #list(nonce: string): Promise<InventoryReply> {
    const datasets = new Map<string, StoredObjectGroup>();
    const models = new Map<string, StoredObjectGroup>();
    const other: string[] = [];
    for (const objectId of await this.#o.shares.list()) {
      const owner = objectOwner(objectId);
      if (owner.kind === 'upload-marker' || owner.kind === 'owner-pin') continue;
      if (owner.kind === 'other') {
        other.push(objectId);
        continue;
      }
      const groups = owner.kind === 'dataset' ? datasets : models;
      const g = groups.get(owner.id) ?? { id: owner.id, objects: 0, bytes: 0 };
      g.objects++;
      g.bytes += (await this.#o.shares.size?.(objectId)) ?? 0;
      groups.set(owner.id, g);
    }
    return { op: 'list', nonce, party: this.#o.id, datasets: [...datasets.values()], models: [...models.values()], other };
  }

  async #erase(req: InventoryRequest & { op: 'erase' }): Promise<InventoryReply> {
    const datasets = new Set(req.datasets);
    const models = new Set(req.models);
    const erased = { datasets: new Set<string>(), models: new Set<string>() };
    let objects = 0;
    // Manifests last, so a crash midway leaves a manifest naming missing parts (a visible
    // error, erased by the next reconciliation), never shares without one.
    const ids = (await this.#o.shares.list()).sort((a, b) => Number(a.endsWith('.manifest')) - Number(b.endsWith('.manifest')));
    for (const objectId of ids) {
      const owner = objectOwner(objectId);
      if (owner.kind === 'dataset' && datasets.has(owner.id)) erased.datasets.add(owner.id);
      else if (owner.kind === 'model' && models.has(owner.id)) erased.models.add(owner.id);
      else continue;
      await this.#o.shares.delete(objectId);
      objects++;
    }
    return { op: 'erase', nonce: req.nonce, party: this.#o.id, datasets: [...erased.datasets], models: [...erased.models], objects };
  }

  #sign(reply: InventoryReply): Signed<InventoryReply> {
    return signInventoryReply(reply, this.#o.identity.signing);
  }
}
