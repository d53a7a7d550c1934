/**
 * @module services/cli/client-command
 * What the client commands of the `mpc` CLI share (`infer`, `models publish`, `datasets upload`,
 * `query`): where the gateway and the API key come from, and how outcomes map to exit codes.
 *
 * Gateway URL: `--gateway`, else env `MPC_GATEWAY`, else `gatewayUrl` of `.mpc/cluster.json`
 * (written by `mpc up`), else a usage error. API key: `--api-key`, else env `MPC_API_KEY`, else
 * the key named by `default` in `.mpc/demo-api-keys.json` (written by `mpc up` through
 * services/gateway/api-key-store `writeDemoKeyFiles`), else a usage error. Trust bundle (the
 * pinned party keys, services/wire/trust-bundle): `--trust-bundle <file>`, else env
 * `MPC_TRUST_BUNDLE`, else `.mpc/trust-bundle.json` when it exists (written by `mpc up`); without
 * one, keys come from the gateway's registry and a warning says so.
 *
 * Exit codes: 0 ok, 1 the operation failed, 2 usage, 3 authentication or permission (401, 403),
 * 4 not found (404).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_API_KEYS_FILE } from '../gateway/api-key-store.js';
import { GatewayProblemError, GatewayUnreachableError } from '../sdk/errors.js';
import { parseTrustBundle, TRUST_BUNDLE_FILE, type TrustBundle } from '../wire/trust-bundle.js';

/** Exit codes of the client commands. */
export const EXIT = { ok: 0, failed: 1, usage: 2, auth: 3, notFound: 4 } as const;

/** The `parseArgs` option table every client command accepts. */
export const CLIENT_OPTIONS = {
  gateway: { type: 'string' },
  'api-key': { type: 'string' },
  'trust-bundle': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Help text lines of the common options. */
export const CLIENT_OPTIONS_HELP = `  --gateway <url>     gateway URL (default: env MPC_GATEWAY, else gatewayUrl of .mpc/cluster.json)
  --api-key <key>     API key (default: env MPC_API_KEY, else the default key of .mpc/${DEMO_API_KEYS_FILE})
  --trust-bundle <f>  pinned party keys (default: env MPC_TRUST_BUNDLE, else .mpc/${TRUST_BUNDLE_FILE})
  --json              print machine-readable JSON
  -h, --help          show this help
exit codes: 0 ok, 1 failed, 2 usage, 3 authentication/permission, 4 not found`;

/** A usage problem with the common options (the CLI turns it into exit code 2). */
export class ClientUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientUsageError';
  }
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * Resolves the gateway URL and API key as the module header describes.
 * @param clusterDir - directory of the local cluster files (default `.mpc`).
 * @throws ClientUsageError when either cannot be found.
 */
export function resolveClientConfig(flags: { gateway?: string; 'api-key'?: string; 'trust-bundle'?: string }, env: NodeJS.ProcessEnv = process.env, clusterDir = '.mpc'): { gatewayUrl: string; apiKey: string; trust?: TrustBundle } {
  const gatewayUrl = flags.gateway ?? env.MPC_GATEWAY ?? (readJson(join(clusterDir, 'cluster.json'))?.gatewayUrl as string | undefined);
  if (typeof gatewayUrl !== 'string' || gatewayUrl.length === 0) {
    throw new ClientUsageError(`no gateway URL: pass --gateway <url>, set MPC_GATEWAY, or start a local cluster with 'mpc up' (${join(clusterDir, 'cluster.json')})`);
  }
  let apiKey = flags['api-key'] ?? env.MPC_API_KEY;
  if (apiKey === undefined) {
    const demo = readJson(join(clusterDir, DEMO_API_KEYS_FILE)) as { default?: string; keys?: Record<string, string> } | undefined;
    if (demo?.keys && typeof demo.default === 'string') apiKey = demo.keys[demo.default];
  }
  if (typeof apiKey !== 'string' || apiKey.length === 0) {
    throw new ClientUsageError(`no API key: pass --api-key <key>, set MPC_API_KEY, or start a local cluster with 'mpc up' (${join(clusterDir, DEMO_API_KEYS_FILE)})`);
  }
  const trust = resolveTrustBundle(flags['trust-bundle'] ?? env.MPC_TRUST_BUNDLE, clusterDir);
  return { gatewayUrl, apiKey, ...(trust ? { trust } : {}) };
}

/** The trust bundle named (a file that must be valid), else the cluster directory's when present. */
function resolveTrustBundle(named: string | undefined, clusterDir: string): TrustBundle | undefined {
  const file = named ?? join(clusterDir, TRUST_BUNDLE_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (named === undefined && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ClientUsageError(`trust bundle ${file}: ${(e as Error).message}`);
  }
  try {
    return parseTrustBundle(JSON.parse(text));
  } catch (e) {
    throw new ClientUsageError(`trust bundle ${file}: ${(e as Error).message}`);
  }
}

/** The exit code for an error a client command met, and the line to print. */
export function exitCodeFor(err: unknown): { code: number; message: string } {
  if (err instanceof ClientUsageError) return { code: EXIT.usage, message: err.message };
  if (err instanceof GatewayProblemError) {
    const detail = err.errors?.length ? `\n${err.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}` : '';
    const message = `${err.message} [${err.type}]${err.requestId ? ` (request ${err.requestId})` : ''}${detail}`;
    if (err.status === 401 || err.status === 403) return { code: EXIT.auth, message };
    if (err.status === 404) return { code: EXIT.notFound, message };
    return { code: EXIT.failed, message };
  }
  if (err instanceof GatewayUnreachableError) {
    const code = ((err.cause as { cause?: { code?: string } } | undefined)?.cause?.code);
    return { code: EXIT.failed, message: code === 'ECONNREFUSED' ? `cannot reach the gateway: connection refused` : `cannot reach the gateway: ${err.message}` };
  }
  return { code: EXIT.failed, message: err instanceof Error ? err.message : String(err) };
}

/**
 * Runs a client command body: usage errors and failures are printed to stderr as
 * `mpc <name>: <message>` and become exit codes; success returns 0.
 */
export async function runClientCommand(name: string, body: () => Promise<void>, stderr: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  try {
    await body();
    return EXIT.ok;
  } catch (err) {
    const { code, message } = exitCodeFor(err);
    stderr(`mpc ${name}: ${message}\n`);
    return code;
  }
}
