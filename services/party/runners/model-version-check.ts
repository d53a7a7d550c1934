/**
 * @module services/party/runners/model-version-check
 * The party's check of an owner-signed model-version statement (services/wire/model-version)
 * against the coordinator's order and the box this party received: the signature verifies under
 * the key it names; name, version and owner tenant are the order's; the SHA-256 of this party's
 * box is the one the owner signed; and the key is the one pinned at the model name's first
 * version (store object `pin-model-<name>`, kept apart from the `model-` objects the storage inventory counts). Any difference refuses the version.
 */
import { createHash } from 'node:crypto';
import { ModelVersionRefusedError } from '../errors.js';
import type { ShareStore } from '../share-store.js';
import { openModelVersion, type ModelVersionBody } from '../../wire/model-version.js';

/** What the check needs from the order. */
export interface ModelVersionOrder {
  readonly name: string;
  readonly version: string;
  readonly owner?: { readonly tenant: string };
  readonly statement?: unknown;
}

/** Store object holding the pinned owner key (hex) of model `name`. */
export function modelOwnerObjectId(name: string): string {
  return `pin-model-${name}`;
}

/**
 * The signed body of `p.statement`, checked against the order, this party's box and the pin.
 * @returns the body and the statement's public key (hex), which the caller pins once stored.
 * @throws ModelVersionRefusedError naming what is wrong.
 */
export async function checkModelVersion(p: ModelVersionOrder, self: number, box: Uint8Array, store: ShareStore): Promise<{ body: ModelVersionBody; publicKey: string; pinned: boolean }> {
  if (p.statement === undefined || p.statement === null) throw new ModelVersionRefusedError('unsigned', `payload.statement: model ${p.name} ${p.version} has no owner-signed version statement; the parties store only versions their owner signed`);
  const body = openModelVersion(p.statement);
  if (!body) throw new ModelVersionRefusedError('bad-signature', `payload.statement: the version statement of model ${p.name} ${p.version} is malformed or its signature does not verify`);
  const differs = (what: string): never => {
    throw new ModelVersionRefusedError('mismatch', `payload.${what}: differs from the owner-signed statement of model ${p.name} ${p.version}`);
  };
  if (body.mode !== 'mpc') throw new ModelVersionRefusedError('mismatch', `payload.statement: the statement of model ${p.name} ${p.version} is for mode ${body.mode}, not mpc`);
  if (body.name !== p.name) differs('name');
  if (body.version !== p.version) differs('version');
  if (body.owner && body.owner.tenant !== p.owner?.tenant) differs('owner');
  if (!Array.isArray(body.boxSha256) || body.boxSha256[self] !== createHash('sha256').update(box).digest('hex')) differs(`sealedShare (party ${self}'s box digest)`);
  const publicKey = (p.statement as { publicKey: string }).publicKey;
  const pin = await store.get(modelOwnerObjectId(p.name));
  if (pin) {
    const pinnedKey = new TextDecoder().decode(pin);
    if (pinnedKey !== publicKey) throw new ModelVersionRefusedError('owner-key', `payload.statement: model ${p.name} ${p.version} is signed by key ${publicKey.slice(0, 16)}…, not the owner key ${pinnedKey.slice(0, 16)}… pinned at the name's first version`);
  }
  return { body, publicKey, pinned: pin !== undefined };
}
