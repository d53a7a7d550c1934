/**
 * @module services/party/share-store
 * The shares a party holds (model weights, datasets), encrypted at rest under the party's own
 * storage key: one file per object under the state directory, AES-256-GCM per object.
 *
 * File format, version 1: `0x01 || nonce (12) || AES-256-GCM(storageKey, nonce, bytes, aad)`
 * with `aad = "mpc-share-store/v1|" || objectId`, so a file renamed to another object's name
 * does not open as that object. Nonces are random: objects are few and written rarely, far below
 * the 2^32 messages per key that random 96-bit nonces allow.
 *
 * Writes are atomic (temporary file, fsync, rename), so a crash leaves the old object or the new
 * one, never a torn file.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { aeadDecrypt, aeadEncrypt, AEAD_NONCE_LENGTH } from '../../crypto-core/aead.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { utf8 } from '../../crypto-core/encoding.js';
import { ShareStoreError } from './errors.js';

/** What a party needs from a share store. */
export interface ShareStore {
  /** Stores `bytes` under `id`, replacing any previous object. */
  put(id: string, bytes: Uint8Array): Promise<void>;
  /** The object `id`, or undefined when there is none. @throws ShareStoreError when it does not authenticate. */
  get(id: string): Promise<Uint8Array | undefined>;
  /** Removes `id` (no error when absent). */
  delete(id: string): Promise<void>;
  /** Ids of all stored objects. */
  list(): Promise<string[]>;
  /** Bytes the object `id` takes at rest, or undefined when there is none (optional). */
  size?(id: string): Promise<number | undefined>;
}

const OBJECT_ID_RE = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}$/;
const SUFFIX = '.share';
const VERSION = 0x01;

function checkId(id: unknown): string {
  if (typeof id !== 'string' || !OBJECT_ID_RE.test(id)) {
    throw new InvalidArgumentError(`id: expected 1..200 characters of [A-Za-z0-9_.-] not starting with '.', got ${JSON.stringify(id)}`);
  }
  return id;
}

/** A {@link ShareStore} of encrypted files in one directory. */
export class FileShareStore implements ShareStore {
  readonly #dir: string;
  readonly #key: Uint8Array;

  /**
   * @param dir - directory of the objects (created with mode 0700 on first write).
   * @param storageKey - the party's 32-byte storage key.
   */
  constructor(dir: string, storageKey: Uint8Array) {
    if (typeof dir !== 'string' || dir.length === 0) throw new InvalidArgumentError('dir: expected non-empty path string');
    if (!(storageKey instanceof Uint8Array) || storageKey.length !== 32) throw new InvalidArgumentError('storageKey: expected 32-byte Uint8Array');
    this.#dir = dir;
    this.#key = Uint8Array.from(storageKey);
  }

  async put(id: string, bytes: Uint8Array): Promise<void> {
    checkId(id);
    if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('bytes: expected Uint8Array');
    const nonce = new Uint8Array(randomBytes(AEAD_NONCE_LENGTH));
    const sealed = aeadEncrypt(this.#key, nonce, bytes, utf8(`mpc-share-store/v1|${id}`));
    const file = new Uint8Array(1 + nonce.length + sealed.length);
    file[0] = VERSION;
    file.set(nonce, 1);
    file.set(sealed, 1 + nonce.length);
    const target = join(this.#dir, id + SUFFIX);
    const tmp = join(this.#dir, `.${id}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      const fh = await open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(file);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, target);
    } catch (cause) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw new ShareStoreError(`id ${id}: cannot write ${target}`, { cause });
    }
  }

  async get(id: string): Promise<Uint8Array | undefined> {
    checkId(id);
    const path = join(this.#dir, id + SUFFIX);
    let file: Buffer;
    try {
      file = await readFile(path);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ShareStoreError(`id ${id}: cannot read ${path}`, { cause });
    }
    if (file.length < 1 + AEAD_NONCE_LENGTH + 16 || file[0] !== VERSION) throw new ShareStoreError(`id ${id}: ${path} is not a version-1 share object`);
    try {
      return aeadDecrypt(this.#key, file.subarray(1, 1 + AEAD_NONCE_LENGTH), file.subarray(1 + AEAD_NONCE_LENGTH), utf8(`mpc-share-store/v1|${id}`));
    } catch (cause) {
      throw new ShareStoreError(`id ${id}: ${path} does not authenticate under this party's storage key (altered, renamed, or another key)`, { cause });
    }
  }

  async delete(id: string): Promise<void> {
    checkId(id);
    await rm(join(this.#dir, id + SUFFIX), { force: true });
  }

  async size(id: string): Promise<number | undefined> {
    checkId(id);
    try {
      return (await stat(join(this.#dir, id + SUFFIX))).size;
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ShareStoreError(`id ${id}: cannot stat it in ${this.#dir}`, { cause });
    }
  }

  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new ShareStoreError(`cannot list ${this.#dir}`, { cause });
    }
    return names.filter((n) => n.endsWith(SUFFIX) && !n.startsWith('.')).map((n) => n.slice(0, -SUFFIX.length)).sort();
  }
}
