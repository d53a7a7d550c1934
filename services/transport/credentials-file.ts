/**
 * @module services/transport/credentials-file
 * A service's NATS credentials in a 0600 JSON file, so that secrets stay out of command lines
 * and out of the shareable config files. Two forms:
 *
 * ```
 * { "user": "party-0", "nkeySeed": "SUA..." }     an nkey: the server config holds only the public key (U...)
 * { "user": "party-0", "password": "..." }        a password (older clusters, simple test servers)
 * ```
 *
 * Either way the reader returns `{ user, password }` with the secret in `password`, which is what
 * the services' config readers hand to {@link connectService} (nats-connection): a seed there is
 * used to sign the server's nonce and never sent.
 */
import { readFileSync, statSync } from 'node:fs';
import { writeKeyFileText, SECRET_FILE_MODE } from '../../crypto-core/keys/key-file-io.js';
import { KeyFileError } from '../../crypto-core/errors.js';
import { isUserSeed } from './nats-connection.js';

/** NATS credentials of one service. */
export interface NatsCredentials {
  user: string;
  /** The secret: a password, or an nkey user seed (`SU...`). */
  password: string;
}

/** Writes `creds` to `path` with mode 0600 (atomic, replacing an older file); a seed is written as `nkeySeed`. */
export function writeCredentialsFile(path: string, creds: NatsCredentials): void {
  const body = isUserSeed(creds.password) ? { user: creds.user, nkeySeed: creds.password } : creds;
  writeKeyFileText(path, JSON.stringify(body, null, 2) + '\n', SECRET_FILE_MODE, { overwrite: true });
}

/** Reads credentials from `path`. @throws KeyFileError when missing, readable by others, or malformed. */
export function readCredentialsFile(path: string): NatsCredentials {
  let text: string;
  try {
    if ((statSync(path).mode & 0o077) !== 0) throw new KeyFileError(`${path}: credentials file is readable by group or others (chmod 600)`);
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    if (cause instanceof KeyFileError) throw cause;
    throw new KeyFileError(`${path}: cannot read NATS credentials`, { cause });
  }
  let c: { user?: unknown; password?: unknown; nkeySeed?: unknown };
  try {
    c = JSON.parse(text) as typeof c;
  } catch (cause) {
    throw new KeyFileError(`${path}: not JSON`, { cause });
  }
  if (typeof c.user !== 'string') throw new KeyFileError(`${path}: expected { "user": string, "nkeySeed": string } or { "user": string, "password": string }`);
  if (c.nkeySeed !== undefined) {
    if (!isUserSeed(c.nkeySeed as string)) throw new KeyFileError(`${path}: nkeySeed is not an nkey user seed (SU...)`);
    return { user: c.user, password: c.nkeySeed as string };
  }
  if (typeof c.password !== 'string') throw new KeyFileError(`${path}: expected { "user": string, "nkeySeed": string } or { "user": string, "password": string }`);
  return { user: c.user, password: c.password };
}
