/**
 * @module services/transport/credentials-file
 * A service's NATS user and password in a 0600 JSON file (`{ "user", "password" }`), so that
 * secrets stay out of command lines and out of the shareable config files.
 */
import { readFileSync, statSync } from 'node:fs';
import { writeKeyFileText, SECRET_FILE_MODE } from '../../crypto-core/keys/key-file-io.js';
import { KeyFileError } from '../../crypto-core/errors.js';

/** NATS credentials of one service. */
export interface NatsCredentials {
  user: string;
  password: string;
}

/** Writes `creds` to `path` with mode 0600 (atomic, replacing an older file). */
export function writeCredentialsFile(path: string, creds: NatsCredentials): void {
  writeKeyFileText(path, JSON.stringify(creds, null, 2) + '\n', SECRET_FILE_MODE, { overwrite: true });
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
  const c = JSON.parse(text) as Partial<NatsCredentials>;
  if (typeof c.user !== 'string' || typeof c.password !== 'string') throw new KeyFileError(`${path}: expected { "user": string, "password": string }`);
  return { user: c.user, password: c.password };
}
