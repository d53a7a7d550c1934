/**
 * @module services/gateway/gateway-config
 * Settings of the gateway: HTTP limits, authentication windows, timeouts, and where its
 * dependencies are. Read from a JSON file by `mpc gateway --config <file>`; every field has a
 * default except the key file path.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { readCredentialsFile } from '../transport/credentials-file.js';
import type { NatsEndpoint } from '../transport/nats-connection.js';

/** HTTP behaviour of the app that {@link buildGateway} returns. */
export interface GatewayHttpConfig {
  /** Body limit of publish and upload routes (sealed model weights, datasets). */
  publishBodyLimit: number;
  /**
   * Body limit of `POST /v1/he/sessions`: the CKKS evaluation keys of one session, which at poly
   * modulus N = 16384 are ~80 MB as base64 (12 Galois keys, seeded and zstd-compressed).
   */
  heSessionBodyLimit: number;
  /**
   * HE key registrations forwarded to the coordinator at once; more wait in the gateway
   * (services/gateway/concurrency-limit: many at once overran the coordinator's broker connection).
   */
  heSessionConcurrency: number;
  /** Body limit of every other route. */
  bodyLimit: number;
  /** Requests per identity (or per address before authentication) per window. */
  rateLimitMax: number;
  rateLimitWindowMs: number;
  /** Failed authentications per client address per rate-limit window before it gets 429s. */
  authFailureMax: number;
  /** Largest allowed distance between a signed request's timestamp and the gateway clock. */
  signatureSkewMs: number;
  /** Time a client has to send a whole request (Node's requestTimeout). */
  requestTimeoutMs: number;
  /** Interval of SSE keep-alive comments. */
  sseHeartbeatMs: number;
  /**
   * How often an open job-event stream re-reads the job's stored state (`jobs.get`) when no
   * event came in between: events published while the broker or the coordinator was down are
   * lost, the stored state is not, so a job that failed meanwhile still ends the stream.
   */
  sseStatusCheckMs: number;
  /**
   * Reverse proxies whose X-Forwarded-For is believed (fastify `trustProxy`: false, true, or a
   * list of addresses/CIDRs). Behind a proxy, leaving it false puts every client on the proxy's
   * address for the per-address limits.
   */
  trustProxy: boolean | string[];
}

/** The service settings of `mpc gateway`. */
export interface GatewayServiceConfig extends GatewayHttpConfig {
  host: string;
  port: number;
  /** NATS servers and, when the server has users, the gateway's credentials (as the other services' configs). */
  nats: NatsEndpoint;
  /** JSON key file of hashed API keys and signing keys (see services/gateway/api-key-store). */
  apiKeysFile: string;
  /**
   * Identity file (crypto-core/keys/key-file) whose Ed25519 key signs the envelope of every
   * coordinator request (wire/principal-envelope); the coordinator lists its public half under
   * `gateways`. Without it the coordinator answers only readiness and the registry.
   */
  identityFile?: string;
  /** The id the coordinator's `gateways` list knows this key by (default `gateway`). */
  id?: string;
  /** Reply timeout of coordinator requests; past it the client gets a 504 problem. */
  coordinatorTimeoutMs: number;
  /** pino log level, or `silent`. */
  logLevel: string;
}

/** Defaults of the HTTP settings. */
export const DEFAULT_HTTP_CONFIG: GatewayHttpConfig = {
  publishBodyLimit: 32 * 1024 * 1024,
  heSessionBodyLimit: 128 * 1024 * 1024,
  heSessionConcurrency: 2,
  bodyLimit: 1024 * 1024,
  rateLimitMax: 300,
  rateLimitWindowMs: 60_000,
  authFailureMax: 30,
  signatureSkewMs: 5 * 60_000,
  requestTimeoutMs: 30_000,
  sseHeartbeatMs: 15_000,
  sseStatusCheckMs: 1000,
  trustProxy: false,
};

/** Defaults of the service settings, other than `apiKeysFile`. */
export const DEFAULT_SERVICE_CONFIG: Omit<GatewayServiceConfig, 'apiKeysFile'> = {
  ...DEFAULT_HTTP_CONFIG,
  host: '127.0.0.1',
  port: 8080,
  nats: { servers: 'nats://127.0.0.1:4222' },
  coordinatorTimeoutMs: 10_000,
  logLevel: 'info',
};

const POSITIVE_INT_FIELDS = ['publishBodyLimit', 'heSessionBodyLimit', 'heSessionConcurrency', 'bodyLimit', 'rateLimitMax', 'rateLimitWindowMs', 'authFailureMax', 'signatureSkewMs', 'requestTimeoutMs', 'sseHeartbeatMs', 'sseStatusCheckMs', 'coordinatorTimeoutMs'] as const;

/**
 * Checks a partial config and fills in defaults. Relative `apiKeysFile` paths are resolved
 * against `baseDir` (the config file's directory).
 * @throws InvalidArgumentError naming the first bad field.
 */
export function resolveServiceConfig(raw: unknown, baseDir = process.cwd()): GatewayServiceConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InvalidArgumentError('config: expected a JSON object');
  const c = raw as Record<string, unknown>;
  const known = new Set<string>([...Object.keys(DEFAULT_SERVICE_CONFIG), 'apiKeysFile', 'identityFile', 'id']);
  for (const k of Object.keys(c)) if (!known.has(k)) throw new InvalidArgumentError(`config.${k}: unknown field (known: ${[...known].join(', ')})`);
  for (const k of POSITIVE_INT_FIELDS) {
    if (c[k] !== undefined && (!Number.isInteger(c[k]) || (c[k] as number) <= 0)) throw new InvalidArgumentError(`config.${k}: expected positive integer, got ${JSON.stringify(c[k])}`);
  }
  if (c.port !== undefined && (!Number.isInteger(c.port) || (c.port as number) < 0 || (c.port as number) > 65535)) throw new InvalidArgumentError(`config.port: expected 0..65535, got ${JSON.stringify(c.port)}`);
  for (const k of ['host', 'logLevel'] as const) {
    if (c[k] !== undefined && (typeof c[k] !== 'string' || (c[k] as string).length === 0)) throw new InvalidArgumentError(`config.${k}: expected non-empty string`);
  }
  if (c.trustProxy !== undefined && typeof c.trustProxy !== 'boolean' && !(Array.isArray(c.trustProxy) && c.trustProxy.every((x) => typeof x === 'string'))) {
    throw new InvalidArgumentError('config.trustProxy: expected a boolean or a list of proxy addresses/CIDRs');
  }
  if (typeof c.apiKeysFile !== 'string' || c.apiKeysFile.length === 0) throw new InvalidArgumentError('config.apiKeysFile: expected the path of the API key file');
  if (c.identityFile !== undefined && (typeof c.identityFile !== 'string' || c.identityFile.length === 0)) throw new InvalidArgumentError('config.identityFile: expected the path of the gateway identity file');
  if (c.id !== undefined && (typeof c.id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(c.id))) throw new InvalidArgumentError('config.id: expected 1..64 characters of [A-Za-z0-9_-]');
  let nats: NatsEndpoint = DEFAULT_SERVICE_CONFIG.nats;
  if (c.nats !== undefined) {
    const n = c.nats as { servers?: unknown; credentialsFile?: unknown };
    if (typeof n !== 'object' || n === null || !(typeof n.servers === 'string' || (Array.isArray(n.servers) && n.servers.every((x) => typeof x === 'string')))) {
      throw new InvalidArgumentError('config.nats.servers: expected a URL or a list of URLs');
    }
    if (n.credentialsFile !== undefined && typeof n.credentialsFile !== 'string') throw new InvalidArgumentError('config.nats.credentialsFile: expected a path');
    const creds = typeof n.credentialsFile === 'string' ? readCredentialsFile(resolve(baseDir, n.credentialsFile)) : undefined;
    nats = { servers: n.servers as string | string[], ...(creds ? { user: creds.user, pass: creds.password } : {}) };
  }
  return { ...DEFAULT_SERVICE_CONFIG, ...(c as Partial<GatewayServiceConfig>), nats, apiKeysFile: resolve(baseDir, c.apiKeysFile), ...(typeof c.identityFile === 'string' ? { identityFile: resolve(baseDir, c.identityFile) } : {}) };
}

/** Reads and resolves a JSON config file. */
export async function loadServiceConfig(path: string): Promise<GatewayServiceConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new InvalidArgumentError(`config: cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new InvalidArgumentError(`config: ${path} is not valid JSON`, { cause });
  }
  return resolveServiceConfig(parsed, dirname(resolve(path)));
}
