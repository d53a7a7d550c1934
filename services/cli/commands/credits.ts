/**
 * @module services/cli/commands/credits
 * `mpc credits --export <dir> [--json] [--budget <tenant>=<credits>]... [--ms-per-credit <n>]
 * [--bytes-per-credit <n>]`: every tenant's usage (and balance, for the budgets given) recomputed
 * offline from an audit export alone, with services/audit/credits.ts: the costs the parties
 * signed, as the coordinator logged them in `job.finished` entries. `--json` prints canonical
 * JSON. Exit 0, 1 when the export cannot be read, 2 for usage mistakes.
 *
 * `mpc credits [--tenant <id>] [--gateway <url>] [--api-key <key>] [--json]` (online): the
 * coordinator's numbers for the caller's tenant (another tenant: admin key) through
 * `GET /v1/credits`, the same ledger over the live log.
 */
import { parseArgs } from 'node:util';
import { readAuditExport } from '../../audit/export-files.js';
import { computeCredits, creditsJson, creditsText, type CreditPricing } from '../../audit/credits.js';
import { entriesOfJsonl } from '../../audit/reputation.js';
import { canonicalJson } from '../../../crypto-core/canonical-json.js';
import { MpcClient } from '../../sdk/mpc-client.js';
import { resolveClientConfig } from '../client-command.js';
import { UsageError } from '../usage-error.js';
import { exportDirectory, type CommandIo } from './audit-verify.js';

const defaultIo: CommandIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
const USAGE = 'usage: mpc credits --export <export dir> [--json] [--budget <tenant>=<credits>]... [--ms-per-credit <n>] [--bytes-per-credit <n>]\n       mpc credits [--tenant <id>] [--gateway <url>] [--api-key <key>] [--cluster-dir <dir>] [--json]   (online, GET /v1/credits)\n';

function budgetsOf(list: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of list) {
    const m = /^([A-Za-z0-9][A-Za-z0-9._:@/-]{0,127})=(\d+(?:\.\d{1,3})?)$/.exec(b);
    if (!m) throw new UsageError(`--budget ${b}: expected <tenant>=<credits> (a non-negative number, at most 3 decimals)`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(v) || !Number.isSafeInteger(Number(v))) throw new UsageError(`${flag} ${v}: expected a positive integer`);
  return Number(v);
}

/** Runs `mpc credits`. */
export async function run(args: string[], io: CommandIo = defaultIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: false,
      options: {
        export: { type: 'string' },
        json: { type: 'boolean', default: false },
        budget: { type: 'string', multiple: true, default: [] },
        'ms-per-credit': { type: 'string' },
        'bytes-per-credit': { type: 'string' },
        tenant: { type: 'string' },
        gateway: { type: 'string' },
        'api-key': { type: 'string' },
        'cluster-dir': { type: 'string' },
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
  if (values.export === undefined) {
    if (values.budget.length > 0 || values['ms-per-credit'] !== undefined || values['bytes-per-credit'] !== undefined) throw new UsageError(`--budget and the pricing flags apply to --export only (online, the coordinator's config decides)\n${USAGE}`);
    const client = new MpcClient(resolveClientConfig(values, process.env, values['cluster-dir'] ?? '.mpc'));
    const res = await client.credits(values.tenant);
    if (values.json) io.out(canonicalJson(res) + '\n');
    else {
      const t = res.credits;
      const bal = t.balanceMillicredits === undefined ? ' (no budget)' : ` budget ${t.budgetMillicredits! / 1000} balance ${t.balanceMillicredits / 1000}${t.balanceMillicredits <= 0 ? ' EXHAUSTED' : ''}`;
      io.out(`${t.tenant}: jobs ${t.jobs} compute-ms ${t.computeMs} bytes-sent ${t.bytesSent}${t.heMs === undefined ? '' : ` he-ms ${t.heMs}`} used ${t.usedMillicredits / 1000}${bal}\n`);
    }
    return 0;
  }
  if (values.tenant !== undefined || values.gateway !== undefined || values['api-key'] !== undefined) throw new UsageError(`--tenant, --gateway and --api-key are for the online form, not --export\n${USAGE}`);
  const dir = exportDirectory([values.export], USAGE);
  const pricing: Partial<CreditPricing> = {};
  const ms = positiveInt('--ms-per-credit', values['ms-per-credit']);
  const bytes = positiveInt('--bytes-per-credit', values['bytes-per-credit']);
  if (ms !== undefined) pricing.msPerCredit = ms;
  if (bytes !== undefined) pricing.bytesPerCredit = bytes;
  const budgets = budgetsOf(values.budget);
  let report;
  try {
    report = computeCredits(entriesOfJsonl(readAuditExport(dir).entries), pricing, budgets);
  } catch (e) {
    io.err(`FAIL: ${(e as Error).message}\n`);
    return 1;
  }
  io.out(values.json ? creditsJson(report) + '\n' : creditsText(report));
  return 0;
}
