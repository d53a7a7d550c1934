/**
 * @module services/cli/commands/audit-verify
 * `mpc audit verify <dir> [--trusted-checkpoint <file>] [--key <hex | file>] [--json]`: verifies
 * an audit export offline (services/audit/verify-export.ts does the work). Exit 0 with a one-line
 * summary when everything holds, 1 with the first failing entry and the reason otherwise,
 * 2 for usage mistakes.
 *
 * `--policy <file>` adds a witness policy (services/audit/witness-policy.ts: `log`, `witness`
 * and `quorum` lines): the latest checkpoint must carry valid cosignatures of at least `quorum`
 * of the listed witnesses, else exit 1 with code `witness-quorum`. A `log` line in the policy is
 * the coordinator key when `--key` is not given (and must equal it when both are).
 *
 * `--key` takes the coordinator's Ed25519 public key as 64 hex digits, or a file holding a
 * verifier key (`<origin>+<key id>+<base64>`), 64 hex digits, or a public-key JSON file with a
 * `signingPublicKey` field. Without `--key` the export's own `verifier-key` is used and the
 * summary says so: that checks integrity, not who signed.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readAuditExport } from '../../audit/export-files.js';
import { verifyExport, type VerifyExportInput } from '../../audit/verify-export.js';
import { parseWitnessPolicy, type WitnessPolicy } from '../../audit/witness-policy.js';
import { parseVerifierKey } from '../../../crypto-core/checkpoint/index.js';
import { UsageError } from '../usage-error.js';

/**
 * The one positional argument of `mpc audit verify|reputation`: an existing export directory.
 * @throws UsageError naming what is wrong.
 */
export function exportDirectory(positionals: readonly string[], usage: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected one export directory\n${usage}`);
  const dir = positionals[0]!;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir}: no such directory`);
  return dir;
}

/** Where the command writes (injectable so tests can run it in-process). */
export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: CommandIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

const USAGE = 'usage: mpc audit verify <export dir> [--trusted-checkpoint <file>] [--key <public key hex | key file>] [--policy <witness policy file>] [--json]\n';
const HEX64 = /^[0-9a-f]{64}$/i;

/** Resolves `--key` to what verifyExport accepts. */
export function resolveKey(arg: string): VerifyExportInput['key'] {
  if (HEX64.test(arg) && !existsSync(arg)) return new Uint8Array(Buffer.from(arg, 'hex'));
  let text: string;
  try {
    text = readFileSync(arg, 'utf8').trim();
  } catch {
    throw new UsageError(`--key: ${JSON.stringify(arg)} is neither 64 hex digits nor a readable file`);
  }
  if (HEX64.test(text)) return new Uint8Array(Buffer.from(text, 'hex'));
  if (text.startsWith('{')) {
    try {
      const k = (JSON.parse(text) as { signingPublicKey?: unknown }).signingPublicKey;
      if (typeof k === 'string' && HEX64.test(k)) return new Uint8Array(Buffer.from(k, 'hex'));
    } catch {
      /* fall through to the usage error */
    }
    throw new UsageError(`--key: ${arg} is JSON without a 64-hex-digit signingPublicKey`);
  }
  if (/^[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$/.test(text)) return text;
  throw new UsageError(`--key: ${arg} holds neither a verifier key, 64 hex digits nor a public-key JSON file`);
}

/** Runs `mpc audit verify`. */
export async function run(args: string[], io: CommandIo = defaultIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { 'trusted-checkpoint': { type: 'string' }, key: { type: 'string' }, policy: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const dir = exportDirectory(positionals, USAGE);
  let trusted: string | undefined;
  if (values['trusted-checkpoint'] !== undefined) {
    try {
      trusted = readFileSync(values['trusted-checkpoint'], 'utf8');
    } catch {
      throw new UsageError(`--trusted-checkpoint: cannot read ${values['trusted-checkpoint']}`);
    }
  }
  const report = (v: { ok: boolean; summary: string }, extra: Record<string, unknown> = {}): number => {
    if (values.json) io.out(JSON.stringify({ ...v, ...extra }) + '\n');
    else (v.ok ? io.out : io.err)(v.summary + '\n');
    return v.ok ? 0 : 1;
  };
  let exp;
  try {
    exp = readAuditExport(dir);
  } catch (e) {
    return report({ ok: false, summary: `FAIL: ${(e as Error).message}` }, { code: 'export-unreadable', reason: (e as Error).message });
  }
  let policy: WitnessPolicy | undefined;
  if (values.policy !== undefined) {
    let text: string;
    try {
      text = readFileSync(values.policy, 'utf8');
    } catch {
      throw new UsageError(`--policy: cannot read ${values.policy}`);
    }
    try {
      policy = parseWitnessPolicy(text);
    } catch (e) {
      throw new UsageError(`--policy: ${values.policy}: ${(e as Error).message}`);
    }
  }
  let key: VerifyExportInput['key'];
  let keyFromExport = false;
  if (values.key !== undefined) {
    key = resolveKey(values.key);
    const k = key;
    const pk = typeof k === 'string' ? parseVerifierKey(k).publicKey : k instanceof Uint8Array ? k : k.publicKey;
    if (policy?.log && Buffer.compare(Buffer.from(pk), Buffer.from(policy.log.publicKey)) !== 0) throw new UsageError('--key and the log line of --policy name different keys');
  } else if (policy?.log) key = policy.log;
  else if (exp.verifierKey) {
    key = exp.verifierKey;
    keyFromExport = true;
  } else throw new UsageError('--key is required: the export has no verifier-key file');
  const verdict = verifyExport({ entries: exp.entries, checkpoint: exp.checkpoint, checkpoints: exp.checkpoints, key, ...(trusted !== undefined ? { trustedCheckpoint: trusted } : {}), ...(policy ? { policy } : {}) });
  if (verdict.ok && keyFromExport) verdict.summary += ' (key taken from the export itself: pass --key to check who signed)';
  return report(verdict, { keyFromExport });
}
