/**
 * @module services/cli/commands/storage
 * `mpc storage reconcile [--erase]` (admin): what the three parties hold against the
 * coordinator's catalogues (coordinator/storage-reconciliation). Prints each party's counts,
 * the orphans (data sets and models no catalogue names, with the parties holding them) and
 * what a party is missing; with `--erase`, erases every orphan that no recent job names and
 * prints what was erased (each erasure is an audit entry).
 *
 * Exit 0 when the stores and catalogues agree (or every orphan was erased), 1 when orphans or
 * missing objects remain or a party did not answer, 2 for usage mistakes.
 */
import { parseSubcommand } from '../command-args.js';
import { UsageError } from '../usage-error.js';
import { MpcClient } from '../../sdk/mpc-client.js';
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, resolveClientConfig, runClientCommand } from '../client-command.js';
import type { StorageReconciliationReport } from '../../wire/api.js';

const HELP = `usage: mpc storage reconcile [--erase] [options]
  reconcile   the parties' stores against the catalogues: orphans (no catalogue names them) and missing objects (admin)
    --erase   erase every orphan no recent job names, at all three parties (each erasure is audited)
${CLIENT_OPTIONS_HELP}
`;

/** The report as text lines. */
export function formatReconciliation(r: StorageReconciliationReport): string[] {
  const lines = r.parties.map((p) => `${p.id}\t${p.reachable ? `${p.datasets} data sets, ${p.models} models, ${p.otherObjects} other objects` : `unreachable: ${p.error ?? ''}`}`);
  for (const [what, list] of [['data set', r.orphans.datasets], ['model', r.orphans.models]] as const) {
    for (const o of list) lines.push(`orphan ${what} ${o.id}\t${o.objects} objects, ${o.bytes} bytes at ${o.parties.join(', ')}${o.inUse ? '\t(named by a recent job: not erasable yet)' : ''}`);
  }
  for (const [what, list] of [['data set', r.missing.datasets], ['model', r.missing.models]] as const) {
    for (const m of list) lines.push(`missing ${what} ${m.id}\tat ${m.parties.join(', ')}`);
  }
  const agree = r.complete && r.orphans.datasets.length + r.orphans.models.length + r.missing.datasets.length + r.missing.models.length === 0;
  lines.push(agree ? 'the parties and the catalogues agree' : r.complete ? 'the parties and the catalogues differ' : 'not every party answered');
  return lines;
}

/** Runs `mpc storage reconcile`. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseSubcommand(args, { ...CLIENT_OPTIONS, erase: { type: 'boolean' } }, HELP, false);
  if (!parsed) return 0;
  const { sub, values: v } = parsed;
  if (sub !== 'reconcile') throw new UsageError(`storage: unknown subcommand '${sub}' (reconcile)`);
  let outcome = 0;
  const code = await runClientCommand('storage reconcile', async () => {
    const client = new MpcClient(resolveClientConfig(v));
    let report = await client.storageReconciliation();
    if (v.erase) {
      const datasets = report.orphans.datasets.filter((o) => !o.inUse).map((o) => o.id);
      const models = report.orphans.models.filter((o) => !o.inUse).map((o) => o.id);
      if (datasets.length + models.length > 0) {
        const res = await client.eraseOrphans({ datasets, models });
        process.stdout.write(v.json ? JSON.stringify(res) + '\n' : `erased ${res.erased.datasets.length} data sets and ${res.erased.models.length} models (${res.objects} objects) at ${res.parties.join(', ')}\n`);
        report = await client.storageReconciliation();
      }
    }
    process.stdout.write(v.json ? JSON.stringify(report) + '\n' : formatReconciliation(report).map((l) => l + '\n').join(''));
    const agree = report.complete && report.orphans.datasets.length + report.orphans.models.length + report.missing.datasets.length + report.missing.models.length === 0;
    outcome = agree ? 0 : 1;
  });
  return code !== 0 ? code : outcome;
}
