/**
 * @module services/cli/commands/audit-reputation
 * `mpc audit reputation <export dir> [--json] [--min-score <0..1>] [--min-gone <n>]`: every
 * party's reputation recomputed from an audit export alone (services/audit/reputation.ts, the
 * function the coordinator runs). `--json` prints the canonical JSON the coordinator answers
 * `parties.reputation` with, byte for byte when the thresholds are the same. Exit 0, 1 when the
 * export cannot be read, 2 for usage mistakes.
 */
import { parseArgs } from 'node:util';
import { readAuditExport } from '../../audit/export-files.js';
import { computeReputation, entriesOfJsonl, reputationJson, reputationText, type ReputationThresholds } from '../../audit/reputation.js';
import { UsageError } from '../usage-error.js';
import { exportDirectory, type CommandIo } from './audit-verify.js';

const defaultIo: CommandIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
const USAGE = 'usage: mpc audit reputation <export dir> [--json] [--min-score <0..1>] [--min-gone <n>]\n';

/** Runs `mpc audit reputation`. */
export async function run(args: string[], io: CommandIo = defaultIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false }, 'min-score': { type: 'string' }, 'min-gone': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const dir = exportDirectory(positionals, USAGE);
  const thresholds: Partial<ReputationThresholds> = {};
  if (values['min-score'] !== undefined) thresholds.minScore = Number(values['min-score']);
  if (values['min-gone'] !== undefined) thresholds.minGone = Number(values['min-gone']);
  let report;
  try {
    report = computeReputation(entriesOfJsonl(readAuditExport(dir).entries), thresholds);
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(`--${e.message.startsWith('minScore') ? 'min-score' : 'min-gone'}: ${e.message}`);
    io.err(`FAIL: ${(e as Error).message}\n`);
    return 1;
  }
  io.out(values.json ? reputationJson(report) + '\n' : reputationText(report));
  return 0;
}
