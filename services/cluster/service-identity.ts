/**
 * @module services/cluster/service-identity
 * Identities of the services of a local cluster, kept under `<dir>/keys`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { generateIdentity, publicIdentity, type PublicIdentity } from '../../crypto-core/keys/identity.js';
import { readIdentityFile, writeIdentityFile, writePublicKeyFile } from '../../crypto-core/keys/key-file.js';

/**
 * The identity of service `name` under `<dir>/keys`: made on first use and reused later; the
 * public half is (re)written beside it for peers and auditors.
 */
export function ensureIdentity(dir: string, name: string): PublicIdentity {
  const secret = join(dir, 'keys', `${name}.identity.json`);
  const id = existsSync(secret) ? readIdentityFile(secret) : generateIdentity();
  if (!existsSync(secret)) writeIdentityFile(secret, id);
  writePublicKeyFile(join(dir, 'keys', `${name}.public.json`), id, { overwrite: true });
  return publicIdentity(id);
}
