/**
 * @module services/party/party-config
 * The config file of `mpc party --config <file>` (JSON). Paths are relative to the file's
 * directory. Secrets live in their own 0600 files (identity, storage key, NATS credentials);
 * the config itself holds only paths and public facts, so it can be shared with an operator.
 *
 * ```json
 * { "id": "party-0", "index": 0,
 *   "nats": { "servers": ["nats://127.0.0.1:4222"], "credentialsFile": "creds/party-0.json" },
 *   "identityFile": "keys/party-0.identity.json", "storageKeyFile": "keys/party-0.storage.json",
 *   "stateDir": "state/party-0", "coordinatorPublicKeyFile": "keys/coordinator.public.json",
 *   "peers": { "1": "keys/party-1.public.json", "2": "keys/party-2.public.json" } }
 * ```
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fromHex } from '../../crypto-core/encoding.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { readIdentityFile, readPublicKeyFile } from '../../crypto-core/keys/key-file.js';
import { readStorageKeyFile } from '../../crypto-core/keys/storage-key.js';
import type { PartyIndex } from '../../protocols/channel/channel.js';
import { readCredentialsFile } from '../transport/credentials-file.js';
import type { PartyServiceOptions } from './party-service.js';
import type { OperatorKey } from '../wire/operator-decisions.js';

/** The JSON shape of a party config file. */
export interface PartyConfigFile {
  id: string;
  index: number;
  nats: { servers: string | string[]; credentialsFile?: string };
  identityFile: string;
  storageKeyFile: string;
  stateDir: string;
  coordinatorPublicKeyFile: string;
  peers?: Record<string, string>;
  announceIntervalMs?: number;
  /** Origin of the coordinator's audit log, which this party witnesses (default "coordinator", the coordinator's id). */
  auditOrigin?: string;
  /** This party is a standby for slot `index`: it runs only jobs whose orders carry the operators' promotion of it. */
  standby?: boolean;
  /** The region this party keeps shares in; it refuses data sets and models whose owner-signed residency names another (docs/governance.md "Residency"). */
  region?: string;
  /** Operator keys that sign promotions (the same list as the coordinator's `governance`), and their quorum (default 2). */
  governance?: { quorum?: number; operators: { id: string; organisation: string; publicKey: string; runs?: string[] }[] };
}

function checkGovernance(g: PartyConfigFile['governance']): { operators: OperatorKey[]; quorum: number } | undefined {
  if (g === undefined) return undefined;
  if (typeof g !== 'object' || g === null || !Array.isArray(g.operators)) throw new InvalidArgumentError('config.governance.operators: expected a list of { id, organisation, publicKey, runs }');
  const quorum = g.quorum ?? 2;
  if (!Number.isSafeInteger(quorum) || quorum < 1) throw new InvalidArgumentError(`config.governance.quorum: expected an integer >= 1, got ${JSON.stringify(g.quorum)}`);
  const operators = g.operators.map((o, i) => {
    if (typeof o?.id !== 'string' || typeof o.organisation !== 'string' || typeof o.publicKey !== 'string' || !/^[0-9a-f]{64}$/i.test(o.publicKey)) {
      throw new InvalidArgumentError(`config.governance.operators[${i}]: expected { id, organisation, publicKey (64 hex digits), runs }`);
    }
    return { id: o.id, organisation: o.organisation, publicKey: o.publicKey, runs: Array.isArray(o.runs) ? o.runs.filter((r) => typeof r === 'string') : [] };
  });
  return { operators, quorum };
}

function checkOrigin(o: unknown): string {
  if (typeof o !== 'string' || !/^[A-Za-z0-9._:/-]{1,128}$/.test(o)) throw new InvalidArgumentError(`config.auditOrigin: expected the audit log's origin (1..128 characters of [A-Za-z0-9._:/-]), got ${JSON.stringify(o)}`);
  return o;
}

/** Reads `path` and loads every key it names. @throws InvalidArgumentError / KeyFileError naming the field or file. */
export function loadPartyConfig(path: string): Omit<PartyServiceOptions, 'log' | 'runners'> {
  const base = dirname(resolve(path));
  const at = (p: string): string => resolve(base, p);
  let c: PartyConfigFile;
  try {
    c = JSON.parse(readFileSync(path, 'utf8')) as PartyConfigFile;
  } catch (cause) {
    throw new InvalidArgumentError(`config: cannot read ${path} as JSON`, { cause });
  }
  if (typeof c.id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(c.id)) throw new InvalidArgumentError(`config.id: expected 1..64 characters of [A-Za-z0-9_-], got ${JSON.stringify(c.id)}`);
  if (c.index !== 0 && c.index !== 1 && c.index !== 2) throw new InvalidArgumentError(`config.index: expected 0, 1 or 2, got ${JSON.stringify(c.index)}`);
  if (c.standby !== undefined && typeof c.standby !== 'boolean') throw new InvalidArgumentError(`config.standby: expected true or false, got ${JSON.stringify(c.standby)}`);
  if (c.region !== undefined && (typeof c.region !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(c.region))) throw new InvalidArgumentError(`config.region: expected 1..64 characters of [A-Za-z0-9_.-], got ${JSON.stringify(c.region)}`);
  const governance = checkGovernance(c.governance);
  if (c.standby && !governance) throw new InvalidArgumentError('config.governance: a standby needs the operator keys that sign its promotion');
  if (!c.nats || (typeof c.nats.servers !== 'string' && !Array.isArray(c.nats.servers))) throw new InvalidArgumentError('config.nats.servers: expected a URL or a list of URLs');
  for (const f of ['identityFile', 'storageKeyFile', 'stateDir', 'coordinatorPublicKeyFile'] as const) {
    if (typeof c[f] !== 'string') throw new InvalidArgumentError(`config.${f}: expected a path`);
  }
  const creds = c.nats.credentialsFile ? readCredentialsFile(at(c.nats.credentialsFile)) : undefined;
  const coordinator = readPublicKeyFile(at(c.coordinatorPublicKeyFile));
  const pinnedPeers: Partial<Record<PartyIndex, { signingPublicKey: string; agreementPublicKey: string }>> = {};
  for (const [k, file] of Object.entries(c.peers ?? {})) {
    const idx = Number(k);
    if (idx !== 0 && idx !== 1 && idx !== 2) throw new InvalidArgumentError(`config.peers: key ${JSON.stringify(k)} is not a party index`);
    pinnedPeers[idx as PartyIndex] = readPublicKeyFile(at(file));
  }
  return {
    nats: { servers: c.nats.servers, ...(creds ? { user: creds.user, pass: creds.password } : {}) },
    id: c.id,
    index: c.index,
    identity: readIdentityFile(at(c.identityFile)),
    storageKey: readStorageKeyFile(at(c.storageKeyFile)),
    stateDir: at(c.stateDir),
    coordinatorKey: fromHex(coordinator.signingPublicKey, 'coordinator.signingPublicKey', 32),
    pinnedPeers,
    ...(c.announceIntervalMs ? { announceIntervalMs: c.announceIntervalMs } : {}),
    ...(c.auditOrigin !== undefined ? { auditOrigin: checkOrigin(c.auditOrigin) } : {}),
    ...(c.standby ? { standby: true } : {}),
    ...(c.region !== undefined ? { region: c.region } : {}),
    ...(governance ? { governance } : {}),
  };
}
