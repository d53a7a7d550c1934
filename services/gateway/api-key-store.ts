/**
 * @module services/gateway/api-key-store
 * API identities of the gateway: API keys stored only as hashes, and Ed25519 public keys for
 * signed requests, each with its tenant and roles. Loaded from a JSON file (path from the
 * gateway config; `mpc up` writes one with demo keys through {@link writeDemoKeyFiles}).
 *
 * Key format: `mpc_<id>.<secret>`, where `<id>` names the record and `<secret>` is 32 random
 * bytes in base64url. The store keeps SHA-256 of the whole key: the secret has 256 bits of
 * entropy, so a slow password hash (scrypt) would add cost per request without adding
 * security; a leaked store file does not reveal usable keys. Comparison is constant time, and an
 * unknown id is compared against a dummy hash so that timing does not tell which ids exist.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Principal, Role } from '../wire/api.js';
import { KeyFileError } from '../../crypto-core/errors.js';
import { fromHex } from '../../crypto-core/encoding.js';

/** Every role of the API. */
export const ROLES: readonly Role[] = ['hospital', 'analyst', 'client', 'model-owner', 'auditor', 'admin'];

/** One API key record as stored: never the key itself. */
export interface ApiKeyRecord {
  id: string;
  tenant: string;
  roles: Role[];
  /** `sha256:<64 hex>` of the UTF-8 key. */
  hash: string;
}

/** One signing identity: requests signed by its Ed25519 key authenticate as it. */
export interface SigningKeyRecord {
  id: string;
  tenant: string;
  roles: Role[];
  /** Ed25519 public key, 64 lower-case hex characters. */
  publicKey: string;
}

/** The key file. */
export interface ApiKeyFile {
  version: 1;
  keys: ApiKeyRecord[];
  signingKeys?: SigningKeyRecord[];
}

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const KEY_RE = /^mpc_([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{16,128})$/;
const HASH_RE = /^sha256:[0-9a-f]{64}$/;

/** `sha256:<hex>` of an API key, the form the store keeps. */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/**
 * A fresh API key for record `id`.
 * @param rng - source of the 32 secret bytes; defaults to `node:crypto` randomBytes.
 */
export function generateApiKey(id: string, rng: (n: number) => Uint8Array = (n) => randomBytes(n)): string {
  if (!ID_RE.test(id)) throw new KeyFileError(`id: expected 1-64 characters of [A-Za-z0-9_-], got ${JSON.stringify(id)}`);
  return `mpc_${id}.${Buffer.from(rng(32)).toString('base64url')}`;
}

function checkRoles(where: string, roles: unknown): Role[] {
  if (!Array.isArray(roles) || roles.length === 0) throw new KeyFileError(`${where}.roles: expected a non-empty array of roles`);
  for (const r of roles) {
    if (!ROLES.includes(r as Role)) throw new KeyFileError(`${where}.roles: unknown role ${JSON.stringify(r)} (known: ${ROLES.join(', ')})`);
  }
  return roles as Role[];
}

function checkCommon(where: string, r: Record<string, unknown>): void {
  if (typeof r.id !== 'string' || !ID_RE.test(r.id)) throw new KeyFileError(`${where}.id: expected 1-64 characters of [A-Za-z0-9_-], got ${JSON.stringify(r.id)}`);
  if (typeof r.tenant !== 'string' || !ID_RE.test(r.tenant)) throw new KeyFileError(`${where}.tenant: expected 1-64 characters of [A-Za-z0-9_-], got ${JSON.stringify(r.tenant)}`);
  checkRoles(where, r.roles);
}

/** Checks a parsed key file; throws {@link KeyFileError} naming the first bad field. */
export function checkApiKeyFile(v: unknown, source = 'api key file'): ApiKeyFile {
  if (typeof v !== 'object' || v === null) throw new KeyFileError(`${source}: expected a JSON object`);
  const f = v as Record<string, unknown>;
  if (f.version !== 1) throw new KeyFileError(`${source}.version: expected 1, got ${JSON.stringify(f.version)}`);
  if (!Array.isArray(f.keys)) throw new KeyFileError(`${source}.keys: expected an array`);
  const seen = new Set<string>();
  f.keys.forEach((r: unknown, i) => {
    const where = `${source}.keys[${i}]`;
    if (typeof r !== 'object' || r === null) throw new KeyFileError(`${where}: expected an object`);
    const rec = r as Record<string, unknown>;
    checkCommon(where, rec);
    if (typeof rec.hash !== 'string' || !HASH_RE.test(rec.hash)) throw new KeyFileError(`${where}.hash: expected sha256:<64 lower-case hex>`);
    if (seen.has(rec.id as string)) throw new KeyFileError(`${where}.id: duplicate id ${JSON.stringify(rec.id)}`);
    seen.add(rec.id as string);
  });
  if (f.signingKeys !== undefined) {
    if (!Array.isArray(f.signingKeys)) throw new KeyFileError(`${source}.signingKeys: expected an array`);
    f.signingKeys.forEach((r: unknown, i) => {
      const where = `${source}.signingKeys[${i}]`;
      if (typeof r !== 'object' || r === null) throw new KeyFileError(`${where}: expected an object`);
      const rec = r as Record<string, unknown>;
      checkCommon(where, rec);
      try {
        fromHex(rec.publicKey as string, `${where}.publicKey`, 32);
      } catch (cause) {
        throw new KeyFileError(`${where}.publicKey: expected 64 lower-case hex characters (Ed25519 public key)`, { cause });
      }
      if (seen.has(rec.id as string)) throw new KeyFileError(`${where}.id: duplicate id ${JSON.stringify(rec.id)} (ids are shared by keys and signing keys)`);
      seen.add(rec.id as string);
    });
  }
  return v as ApiKeyFile;
}

/** Identities of the gateway, looked up by API key or by signing key id. */
export class ApiKeyStore {
  readonly #keys: Map<string, { principal: Principal; hash: Buffer }>;
  readonly #signing: Map<string, { principal: Principal; publicKey: Uint8Array }>;
  // Compared against when the id is unknown, so both paths do the same work.
  readonly #dummy = createHash('sha256').update('mpc-gateway-dummy').digest();

  constructor(file: ApiKeyFile) {
    const f = checkApiKeyFile(file);
    this.#keys = new Map(
      f.keys.map((r) => [r.id, { principal: { tenant: r.tenant, actor: r.id, roles: [...r.roles] }, hash: Buffer.from(r.hash.slice('sha256:'.length), 'hex') }]),
    );
    this.#signing = new Map(
      (f.signingKeys ?? []).map((r) => [r.id, { principal: { tenant: r.tenant, actor: r.id, roles: [...r.roles] }, publicKey: fromHex(r.publicKey, 'publicKey', 32) }]),
    );
  }

  /** Loads and checks a key file. @throws KeyFileError when missing or malformed. */
  static async fromFile(path: string): Promise<ApiKeyStore> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (cause) {
      throw new KeyFileError(`apiKeysFile: cannot read ${path}: ${(cause as Error).message}`, { cause });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw new KeyFileError(`apiKeysFile: ${path} is not valid JSON`, { cause });
    }
    return new ApiKeyStore(checkApiKeyFile(parsed, path));
  }

  /** The principal of `key`, or undefined when the key is malformed, unknown or wrong. */
  authenticateKey(key: string): Principal | undefined {
    const m = KEY_RE.exec(key);
    const rec = m ? this.#keys.get(m[1]) : undefined;
    const presented = createHash('sha256').update(key, 'utf8').digest();
    const ok = timingSafeEqual(presented, rec ? rec.hash : this.#dummy);
    return ok && rec ? { ...rec.principal, roles: [...rec.principal.roles] } : undefined;
  }

  /** The signing identity `id`, or undefined. */
  signingIdentity(id: string): { principal: Principal; publicKey: Uint8Array } | undefined {
    const rec = this.#signing.get(id);
    return rec ? { principal: { ...rec.principal, roles: [...rec.principal.roles] }, publicKey: rec.publicKey } : undefined;
  }
}

/** Demo identities `mpc up` creates: one per role, all in tenant `demo`, plus `other-client` in tenant `other`. */
export const DEMO_IDENTITIES: readonly { id: string; tenant: string; roles: Role[] }[] = [
  { id: 'demo-client', tenant: 'demo', roles: ['client'] },
  { id: 'demo-hospital', tenant: 'demo', roles: ['hospital'] },
  { id: 'demo-analyst', tenant: 'demo', roles: ['analyst'] },
  { id: 'demo-model-owner', tenant: 'demo', roles: ['model-owner'] },
  { id: 'demo-auditor', tenant: 'demo', roles: ['auditor'] },
  { id: 'demo-admin', tenant: 'demo', roles: ['admin', 'client', 'model-owner', 'hospital', 'analyst', 'auditor'] },
  { id: 'other-client', tenant: 'other', roles: ['client'] },
];

/** File names inside the cluster directory (`.mpc/`). */
export const GATEWAY_KEYS_FILE = 'gateway-keys.json';
/** Plaintext demo keys for the CLI, mode 0600: `{ "<id>": "<key>" }` and `default`. */
export const DEMO_API_KEYS_FILE = 'demo-api-keys.json';

/**
 * Writes the gateway's hashed key file and the client-side plaintext demo keys into `dir`
 * (both mode 0600). Returns the paths and the plaintext keys by id.
 */
export async function writeDemoKeyFiles(dir: string, rng?: (n: number) => Uint8Array): Promise<{ gatewayKeysPath: string; demoKeysPath: string; keys: Record<string, string> }> {
  const keys: Record<string, string> = {};
  const file: ApiKeyFile = { version: 1, keys: [] };
  for (const ident of DEMO_IDENTITIES) {
    const key = generateApiKey(ident.id, rng);
    keys[ident.id] = key;
    file.keys.push({ id: ident.id, tenant: ident.tenant, roles: [...ident.roles], hash: hashApiKey(key) });
  }
  const gatewayKeysPath = join(dir, GATEWAY_KEYS_FILE);
  const demoKeysPath = join(dir, DEMO_API_KEYS_FILE);
  await mkdir(dirname(gatewayKeysPath), { recursive: true });
  await writeFile(gatewayKeysPath, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  await chmod(gatewayKeysPath, 0o600);
  await writeFile(demoKeysPath, JSON.stringify({ default: 'demo-admin', keys }, null, 2) + '\n', { mode: 0o600 });
  await chmod(demoKeysPath, 0o600);
  return { gatewayKeysPath, demoKeysPath, keys };
}
