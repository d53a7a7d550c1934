/**
 * @module services/cli/commands/audit-export
 * `mpc audit export --out <dir> [--gateway <url>] [--api-key <key>] [--key <coordinator key>]`
 * (the default: through the gateway, as an auditor), or
 * `mpc audit export --out <dir> --nats <url> [--stream <name>] [--checkpoint-stream <name>]`
 * (operators: straight from the JetStream streams, read-only). Both write an export directory
 * for offline verification (layout in services/audit/export-files.ts).
 *
 * Through the gateway (GET /v1/audit/export with the SDK): `entries.jsonl` holds each entry's
 * RFC 8785 canonical bytes (exactly the bytes the log hashed), `checkpoint` the latest signed
 * checkpoint, and `verifier-key` the coordinator's key when it is known: `--key` (hex or a key
 * file, as `mpc audit verify --key`), else the public key of the checkpoint's origin in
 * `.mpc/cluster.json`. With a key the export is verified before the command returns (exit 1
 * when it does not verify; the files are kept as evidence). Gateway URL and API key: see
 * services/cli/client-command.ts (flags, then MPC_GATEWAY / MPC_API_KEY, then `.mpc`).
 *
 * Straight from JetStream: the entries, the latest checkpoint and the checkpoint history. The
 * NATS URL comes from `--nats`, else the environment variable MPC_NATS_URL, else the field
 * `natsUrl` of `.mpc/cluster.json` (written by `mpc up` for the local cluster); the JetStream path
 * is taken when `--nats` or `--stream` is given or MPC_NATS_URL is set without a gateway.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connect } from 'nats';
import { encodeVerifierKey, parseCheckpoint, parseNote, type NoteVerifier } from '../../../crypto-core/checkpoint/index.js';
import { encodeAuditEntry } from '../../wire/audit-entry.js';
import { AUDIT_DEFAULTS, AuditLog } from '../../audit/audit-log.js';
import { EXPORT_FILES, writeAuditExport } from '../../audit/export-files.js';
import { verifyExport } from '../../audit/verify-export.js';
import { ClientUsageError, resolveClientConfig, runClientCommand } from '../client-command.js';
import { MpcClient } from '../../sdk/mpc-client.js';
import { UsageError } from '../usage-error.js';
import { resolveKey, type CommandIo } from './audit-verify.js';

const defaultIo: CommandIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
const USAGE = `usage: mpc audit export --out <dir> [--gateway <url>] [--api-key <key>] [--key <coordinator key hex | file>] [--cluster-dir <dir>] [--json]
       mpc audit export --out <dir> --nats <url> [--stream <name>] [--checkpoint-stream <name>] [--json]
  through the gateway (default): --gateway defaults to env MPC_GATEWAY, else gatewayUrl of <cluster-dir>/cluster.json;
  --api-key to env MPC_API_KEY, else the default key of <cluster-dir>/demo-api-keys.json (cluster-dir default .mpc)
exit codes: 0 ok, 1 failed (or the export does not verify), 2 usage, 3 authentication/permission
`;

/** The NATS URL: flag, then MPC_NATS_URL, then .mpc/cluster.json, else a usage error. */
export function resolveNatsUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, clusterFile = '.mpc/cluster.json'): string {
  if (flag) return flag;
  if (env.MPC_NATS_URL) return env.MPC_NATS_URL;
  if (existsSync(clusterFile)) {
    try {
      const url = (JSON.parse(readFileSync(clusterFile, 'utf8')) as { natsUrl?: unknown }).natsUrl;
      if (typeof url === 'string' && url.length > 0) return url;
    } catch {
      /* reported below */
    }
    throw new UsageError(`${clusterFile} has no natsUrl field; pass --nats <url>`);
  }
  throw new UsageError('no NATS URL: pass --nats <url>, set MPC_NATS_URL, or start the local cluster (mpc up)');
}

/** Runs `mpc audit export`. */
export async function run(args: string[], io: CommandIo = defaultIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: false,
      options: {
        out: { type: 'string' },
        nats: { type: 'string' },
        stream: { type: 'string' },
        'checkpoint-stream': { type: 'string' },
        'checkpoint-subject': { type: 'string' },
        subject: { type: 'string' },
        gateway: { type: 'string' },
        'api-key': { type: 'string' },
        key: { type: 'string' },
        'cluster-dir': { type: 'string', default: '.mpc' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (!values.out) throw new UsageError(`--out <dir> is required\n${USAGE}`);
  const direct = values.nats !== undefined || values.stream !== undefined || (values.gateway === undefined && process.env.MPC_GATEWAY === undefined && process.env.MPC_NATS_URL !== undefined);
  if (!direct) {
    const out = values.out;
    return await runClientCommand('audit export', () => exportThroughGateway({ ...values, out }, io), io.err);
  }
  const url = resolveNatsUrl(values.nats);
  const nc = await connect({ servers: url, name: 'mpc audit export', maxReconnectAttempts: 2 });
  try {
    const log = await AuditLog.open(nc.jetstream(), {
      readOnly: true,
      stream: values.stream ?? AUDIT_DEFAULTS.stream,
      subject: values.subject ?? AUDIT_DEFAULTS.subject,
      checkpointStream: values['checkpoint-stream'] ?? AUDIT_DEFAULTS.checkpointStream,
      checkpointSubject: values['checkpoint-subject'] ?? AUDIT_DEFAULTS.checkpointSubject,
    });
    const r = await writeAuditExport(log, values.out);
    if (values.json) io.out(JSON.stringify({ ok: true, dir: values.out, ...r }) + '\n');
    else io.out(`exported ${r.entries} entries and the checkpoint of size ${r.checkpointSize} to ${values.out} (${r.files.join(', ')})\n`);
    return 0;
  } finally {
    await nc.close();
  }
}

/** The coordinator's verifier for `origin`: `--key`, else its public key in `<clusterDir>/cluster.json`. */
function coordinatorVerifier(keyArg: string | undefined, origin: string, clusterDir: string): NoteVerifier | undefined {
  if (keyArg !== undefined) {
    let k;
    try {
      k = resolveKey(keyArg);
    } catch (e) {
      throw new ClientUsageError((e as Error).message);
    }
    if (k instanceof Uint8Array) return { name: origin, publicKey: k };
    return typeof k === 'string' ? undefined : k;
  }
  try {
    const file = JSON.parse(readFileSync(join(clusterDir, 'cluster.json'), 'utf8')) as { publicKeys?: Record<string, { signingPublicKey?: unknown }> };
    const hex = file.publicKeys?.[origin]?.signingPublicKey;
    if (typeof hex === 'string' && /^[0-9a-f]{64}$/i.test(hex)) return { name: origin, publicKey: new Uint8Array(Buffer.from(hex, 'hex')) };
  } catch {
    // No local cluster file: the key is simply not known here.
  }
  return undefined;
}

/**
 * The gateway path: exports with the SDK, writes the entries as their canonical bytes, the
 * checkpoint and (when known) the verifier key, and verifies the export against that key.
 */
async function exportThroughGateway(values: { out: string; gateway?: string; 'api-key'?: string; key?: string; 'cluster-dir'?: string; json?: boolean }, io: CommandIo): Promise<void> {
  const clusterDir = values['cluster-dir'] ?? '.mpc';
  const client = new MpcClient(resolveClientConfig(values, process.env, clusterDir));
  const exp = await client.exportAudit();
  if (exp.checkpoint === null) throw new Error('export: the log has no signed checkpoint yet (the coordinator signs one after appends)');
  const head = parseCheckpoint(parseNote(exp.checkpoint).text);
  const origin = head.origin;
  // The bytes the log hashed are the canonical JSON of each entry: re-encoding restores them exactly.
  const lines = exp.entries.map((e) => Buffer.from(encodeAuditEntry(e)));
  const entries = new Uint8Array(Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
  mkdirSync(values.out, { recursive: true });
  const files: string[] = [];
  const put = (name: string, data: string | Uint8Array): void => {
    writeFileSync(join(values.out, name), data);
    files.push(name);
  };
  put(EXPORT_FILES.entries, entries);
  put(EXPORT_FILES.checkpoint, exp.checkpoint);
  const verifier = coordinatorVerifier(values.key, origin, clusterDir);
  if (verifier) put(EXPORT_FILES.verifierKey, encodeVerifierKey(verifier) + '\n');
  const verdict = verifier ? verifyExport({ entries, checkpoint: exp.checkpoint, key: verifier }) : undefined;
  const size = head.size;
  if (values.json) io.out(JSON.stringify({ ok: verdict?.ok ?? true, dir: values.out, entries: exp.entries.length, checkpointSize: size, files, verified: verdict ? verdict.ok : null, ...(verdict ? { summary: verdict.summary } : {}) }) + '\n');
  else {
    io.out(`exported ${exp.entries.length} entries and the checkpoint of size ${size} from the gateway to ${values.out} (${files.join(', ')})\n`);
    io.out(verdict ? `verified against the coordinator key of ${origin}: ${verdict.summary}\n` : `not verified here: the coordinator key is not known (pass --key); run mpc audit verify ${values.out} --key <coordinator key>\n`);
  }
  if (verdict && !verdict.ok) throw new Error(`the exported log does not verify: ${verdict.summary}`);
}
