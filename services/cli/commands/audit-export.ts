/**
 * @module services/cli/commands/audit-export
 * `mpc audit export --out <dir> [--nats <url>] [--stream <name>] [--checkpoint-stream <name>]`:
 * reads the audit log straight from its JetStream streams (read-only: nothing is created or
 * written there) and writes an export directory for offline verification (layout in
 * services/audit/export-files.ts): the entries as JSON Lines, the latest checkpoint and the
 * checkpoint history.
 *
 * The NATS URL comes from `--nats`, else the environment variable MPC_NATS_URL, else the field
 * `natsUrl` of `.mpc/cluster.json` (written by `mpc up` for the local cluster).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { connect } from 'nats';
import { AUDIT_DEFAULTS, AuditLog } from '../../audit/audit-log.js';
import { writeAuditExport } from '../../audit/export-files.js';
import { UsageError } from '../usage-error.js';
import type { CommandIo } from './audit-verify.js';

const defaultIo: CommandIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
const USAGE = 'usage: mpc audit export --out <dir> [--nats <url>] [--stream <name>] [--checkpoint-stream <name>] [--json]\n';

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
