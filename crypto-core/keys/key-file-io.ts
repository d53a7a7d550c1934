/**
 * @module crypto-core/keys/key-file-io
 * The file-system part of key files, shared by identity, public-key and storage-key files:
 * atomic writes with fixed permissions, and reads that refuse unsafe files.
 *
 * Write: parent directories are created with mode 0700; the content goes to a temporary file in
 * the same directory created exclusively (O_EXCL, so a planted symlink is not followed) with the
 * target mode, is fsynced, and is then moved into place, so a crash leaves either the old file or
 * the new one, never a torn key. Without `overwrite`, the move is a hard link, which fails
 * atomically if the target exists (no check-then-write race).
 *
 * Read: the file is opened once and every check (regular file, size, permissions) is made on
 * that descriptor, so the file cannot be swapped between check and read. Symbolic links are
 * followed on purpose: orchestrators (Kubernetes secrets) mount keys as symlinks. A secret file
 * with any permission bit beyond 0600 is refused (group or other access, as OpenSSH refuses, and
 * also an execute bit, which no key file should have); 0400 is accepted.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, fchmodSync, constants } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KeyFileError, InvalidArgumentError } from '../errors.js';
import { describe } from '../ring/check.js';
import { fromHex } from '../encoding.js';

/** A key file is a few hundred bytes; anything much larger is not one of ours. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

/** link(2) errors that mean "this file system has no hard links", not "the target exists". */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/** Mode of files holding secret keys. */
export const SECRET_FILE_MODE = 0o600;
/** Mode of files holding only public keys. */
export const PUBLIC_FILE_MODE = 0o644;
/** Mode of directories created for key files. */
export const KEY_DIR_MODE = 0o700;

/** Options of the key-file writers. */
export interface WriteKeyFileOptions {
  /** Replace an existing file at the path (atomically). */
  overwrite?: boolean;
}

/** Throws unless `path` is a non-empty string without NUL bytes. */
export function checkPath(path: unknown): string {
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) {
    throw new InvalidArgumentError(`path: expected non-empty file path string, got ${typeof path === 'string' ? JSON.stringify(path) : describe(path)}`);
  }
  return path;
}

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/**
 * Writes `text` to `path` atomically with `mode`, creating parent directories with 0700.
 * @throws KeyFileError when the directory or file cannot be written, or the file exists and
 *   `overwrite` is not set.
 */
export function writeKeyFileText(path: string, text: string, mode: number, options: WriteKeyFileOptions = {}): void {
  const target = resolve(checkPath(path));
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError(`options: expected object, got ${describe(options)}`);
  if (options.overwrite !== undefined && typeof options.overwrite !== 'boolean') {
    throw new InvalidArgumentError(`options.overwrite: expected boolean, got ${describe(options.overwrite)}`);
  }
  const dir = dirname(target);
  try {
    mkdirSync(dir, { recursive: true, mode: KEY_DIR_MODE });
  } catch (cause) {
    throw new KeyFileError(`${path}: cannot create directory ${dir} (${errnoCode(cause) ?? 'error'})`, { cause });
  }
  const tmp = join(dir, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  } catch (cause) {
    throw new KeyFileError(`${path}: cannot create a file in ${dir} (${errnoCode(cause) ?? 'error'})`, { cause });
  }
  let tmpGone = false;
  try {
    // The umask may have narrowed the mode at creation; set exactly what was asked for.
    fchmodSync(fd, mode);
    const data = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    if (options.overwrite === true) {
      renameSync(tmp, target);
      tmpGone = true;
    } else {
      const exists = (cause?: unknown) =>
        new KeyFileError(`${path}: file already exists; refusing to replace a key file (pass { overwrite: true } to replace it)`, { cause });
      try {
        linkSync(tmp, target);
      } catch (cause) {
        const code = errnoCode(cause);
        if (code === 'EEXIST') throw exists(cause);
        if (code === undefined || !NO_HARD_LINKS.has(code)) throw cause;
        // A file system without hard links: check, then rename. The race this reopens only
        // matters against a concurrent writer of the same key file, which is a bug anyway.
        if (existsSync(target)) throw exists();
        renameSync(tmp, target);
        tmpGone = true;
      }
    }
  } catch (cause) {
    if (cause instanceof KeyFileError) throw cause;
    throw new KeyFileError(`${path}: cannot write key file (${errnoCode(cause) ?? 'error'})`, { cause });
  } finally {
    if (fd !== -1) closeSync(fd);
    if (!tmpGone) {
      try {
        unlinkSync(tmp);
      } catch {
        // Already moved or never written; nothing to clean up.
      }
    }
  }
  syncDirectory(dir);
}

/** Makes a rename durable; best effort, since some file systems refuse fsync on directories. */
function syncDirectory(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, constants.O_RDONLY);
    fsyncSync(fd);
  } catch {
    // Durability of the directory entry is an optimisation; the file content is already synced.
  } finally {
    if (fd !== -1) closeSync(fd);
  }
}

/**
 * Reads the key file at `path` as text, refusing anything but a small regular file and, for a
 * secret file, permissions wider than 0600.
 * @param what - what the file should hold, for messages ("identity file").
 * @throws KeyFileError saying exactly what is wrong.
 */
export function readKeyFileText(path: string, what: string, secret: boolean): string {
  checkPath(path);
  let fd: number;
  try {
    // O_NONBLOCK so that a FIFO planted at the path fails the regular-file check below instead
    // of blocking the process; it changes nothing for regular files.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (cause) {
    const code = errnoCode(cause);
    if (code === 'ENOENT') throw new KeyFileError(`${path}: ${what} does not exist`, { cause });
    if (code === 'EACCES' || code === 'EPERM') throw new KeyFileError(`${path}: ${what} is not readable by this user (${code})`, { cause });
    throw new KeyFileError(`${path}: cannot open ${what} (${code ?? 'error'})`, { cause });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new KeyFileError(`${path}: ${what} is not a regular file`);
    if (st.size > MAX_KEY_FILE_BYTES) throw new KeyFileError(`${path}: ${what} is ${st.size} bytes, larger than the ${MAX_KEY_FILE_BYTES}-byte limit of a key file`);
    if (secret && process.platform !== 'win32' && (st.mode & 0o777 & ~SECRET_FILE_MODE) !== 0) {
      const perms = (st.mode & 0o777).toString(8).padStart(4, '0');
      throw new KeyFileError(`${path}: ${what} has permissions ${perms}, wider than 0600; run chmod 600 on it`);
    }
    try {
      return readFileSync(fd, 'utf8');
    } catch (cause) {
      throw new KeyFileError(`${path}: cannot read ${what} (${errnoCode(cause) ?? 'error'})`, { cause });
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Parses key-file `text` as a JSON object with format tag `format`.
 * @throws KeyFileError when it is not JSON, not an object, or has another format tag.
 */
export function parseKeyFileJson(path: string, text: string, what: string, format: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new KeyFileError(`${path}: ${what} is not valid JSON`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new KeyFileError(`${path}: ${what} must hold a JSON object, got ${Array.isArray(parsed) ? 'array' : describe(parsed)}`);
  }
  const obj = parsed as Record<string, unknown>;
  if (obj.format !== format) {
    throw new KeyFileError(`${path}: ${what} has format ${JSON.stringify(obj.format)}, expected ${JSON.stringify(format)}`);
  }
  return obj;
}

/**
 * Reads the `field` of `obj` as exactly `bytes` bytes of lower-case hex.
 * @throws KeyFileError naming the file and field.
 */
export function keyFileHexField(path: string, obj: Record<string, unknown>, prefix: string, field: string, bytes: number): Uint8Array {
  const value = obj[field];
  const where = prefix === '' ? field : `${prefix}.${field}`;
  if (value === undefined) throw new KeyFileError(`${path}: field ${where} is missing`);
  try {
    return fromHex(value as string, where, bytes);
  } catch (cause) {
    throw new KeyFileError(`${path}: ${cause instanceof Error ? cause.message : `${where}: invalid`}`, { cause });
  }
}
