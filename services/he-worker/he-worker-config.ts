/**
 * @module services/he-worker/he-worker-config
 * The config file of `mpc he-worker --config <file>` (JSON, paths relative to the file). Secrets
 * (identity, NATS credentials) live in their own 0600 files; the config holds paths and limits.
 *
 * ```json
 * { "id": "he-worker-1",
 *   "nats": { "servers": ["nats://127.0.0.1:4222"], "credentialsFile": "creds/he-worker-1.json" },
 *   "identityFile": "keys/he-worker-1.identity.json",
 *   "coordinatorPublicKeyFile": "keys/coordinator.public.json",
 *   "threads": 2, "maxSessions": 64, "maxSessionBytes": 2147483648, "sessionTtlMs": 1800000,
 *   "taskTimeoutMs": 60000, "announceIntervalMs": 1000 }
 * ```
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fromHex } from '../../crypto-core/encoding.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { readIdentityFile, readPublicKeyFile } from '../../crypto-core/keys/key-file.js';
import { readCredentialsFile } from '../transport/credentials-file.js';
import type { HeWorkerServiceOptions } from './he-worker-service.js';

/** The JSON shape of an HE worker config file. */
export interface HeWorkerConfigFile {
  id: string;
  nats: { servers: string | string[]; credentialsFile?: string };
  identityFile: string;
  coordinatorPublicKeyFile: string;
  /** Worker threads (default: one per core). */
  threads?: number;
  maxSessions?: number;
  maxSessionBytes?: number;
  sessionTtlMs?: number;
  taskTimeoutMs?: number;
  announceIntervalMs?: number;
}

function optionalPositive(c: HeWorkerConfigFile, f: 'threads' | 'maxSessions' | 'maxSessionBytes' | 'sessionTtlMs' | 'taskTimeoutMs' | 'announceIntervalMs'): number | undefined {
  const v = c[f];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new InvalidArgumentError(`config.${f}: expected a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/** Reads `path` and the key files it names. @throws InvalidArgumentError / KeyFileError naming the field or file. */
export function loadHeWorkerConfig(path: string): Omit<HeWorkerServiceOptions, 'log'> {
  const base = dirname(resolve(path));
  const at = (p: string): string => resolve(base, p);
  let c: HeWorkerConfigFile;
  try {
    c = JSON.parse(readFileSync(path, 'utf8')) as HeWorkerConfigFile;
  } catch (cause) {
    throw new InvalidArgumentError(`config: cannot read ${path} as JSON`, { cause });
  }
  if (typeof c !== 'object' || c === null) throw new InvalidArgumentError('config: expected an object');
  if (typeof c.id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(c.id)) throw new InvalidArgumentError(`config.id: expected 1..64 characters of [A-Za-z0-9_-], got ${JSON.stringify(c.id)}`);
  if (!c.nats || (typeof c.nats.servers !== 'string' && !Array.isArray(c.nats.servers))) throw new InvalidArgumentError('config.nats.servers: expected a URL or a list of URLs');
  for (const f of ['identityFile', 'coordinatorPublicKeyFile'] as const) if (typeof c[f] !== 'string') throw new InvalidArgumentError(`config.${f}: expected a path`);
  const threads = optionalPositive(c, 'threads');
  const maxSessions = optionalPositive(c, 'maxSessions');
  const maxTotalBytes = optionalPositive(c, 'maxSessionBytes');
  const ttlMs = optionalPositive(c, 'sessionTtlMs');
  const taskTimeoutMs = optionalPositive(c, 'taskTimeoutMs');
  const announceIntervalMs = optionalPositive(c, 'announceIntervalMs');
  const creds = c.nats.credentialsFile ? readCredentialsFile(at(c.nats.credentialsFile)) : undefined;
  const coordinator = readPublicKeyFile(at(c.coordinatorPublicKeyFile));
  return {
    nats: { servers: c.nats.servers, ...(creds ? { user: creds.user, pass: creds.password } : {}) },
    id: c.id,
    identity: readIdentityFile(at(c.identityFile)),
    coordinatorKey: fromHex(coordinator.signingPublicKey, 'coordinator.signingPublicKey', 32),
    pool: {
      ...(threads ? { workers: threads } : {}),
      ...(taskTimeoutMs ? { taskTimeoutMs } : {}),
      sessions: { ...(maxSessions ? { maxSessions } : {}), ...(maxTotalBytes ? { maxTotalBytes } : {}), ...(ttlMs ? { ttlMs } : {}) },
    },
    ...(announceIntervalMs ? { announceIntervalMs } : {}),
  };
}
