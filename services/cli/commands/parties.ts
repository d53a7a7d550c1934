/**
 * @module services/cli/commands/parties
 * Governance of the parties (docs/governance.md):
 * - `mpc parties reputation [--json]` (auditor or admin): every party's reputation as the
 *   coordinator computed it from the audit log (`--json`: its canonical bytes, which
 *   `mpc audit reputation --json` over an export reproduces), and the quarantines in force;
 * - `mpc parties sign-reinstatement <id> --key <identity file> [--quarantine <id>]`: an operator
 *   signs the decision to reinstate `<id>` (Ed25519 over canonical JSON, wire/party-governance)
 *   and prints it as JSON, to hand to the admin; without `--quarantine` the quarantine in force
 *   is asked of the gateway;
 * - `mpc parties reinstate <id> (--decision <file> | --sign <identity file>)...` (admin): submits
 *   the decisions (files from sign-reinstatement, or signed here with each `--sign` key).
 * Exit 0; 3 when the decisions are refused (403, `reinstatement-refused`) or the key lacks the
 * role; 1 for other failures (409 not quarantined); 2 for usage mistakes.
 */
import { parseSubcommand } from '../command-args.js';
import { readFileSync } from 'node:fs';
import { readIdentityFile } from '../../../crypto-core/keys/key-file.js';
import { reputationText, type ReputationReport } from '../../audit/reputation.js';
import { MpcClient } from '../../sdk/mpc-client.js';
import { signMessage, type Signed } from '../../wire/job-messages.js';
import { REINSTATEMENT_DOMAIN, type ReinstatementDecision } from '../../wire/party-governance.js';
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, resolveClientConfig, runClientCommand } from '../client-command.js';
import { UsageError } from '../usage-error.js';

const HELP = `usage: mpc parties <reputation | sign-reinstatement | reinstate> [options]
  reputation                                   every party's reputation and the quarantines in force (auditor, admin)
  sign-reinstatement <id> --key <identity>     sign the decision to reinstate <id> (prints it as JSON)
    --quarantine <id>                          the quarantine it ends (default: asked of the gateway)
  reinstate <id> --decision <file>... | --sign <identity>...   reinstate <id> with a quorum of signed decisions (admin)
${CLIENT_OPTIONS_HELP}
`;

/** Signs the reinstatement of `serviceId` from quarantine `quarantine` with `identityFile`'s key. */
export function signReinstatement(serviceId: string, quarantine: string, identityFile: string, now = Date.now()): Signed<ReinstatementDecision> {
  const key = readIdentityFile(identityFile).signing;
  return signMessage<ReinstatementDecision>(REINSTATEMENT_DOMAIN, { type: 'party-reinstatement', serviceId, quarantine, issuedAt: now }, key);
}

/** Runs `mpc parties`. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseSubcommand(args, { ...CLIENT_OPTIONS, key: { type: 'string' }, quarantine: { type: 'string' }, decision: { type: 'string', multiple: true }, sign: { type: 'string', multiple: true } }, HELP);
  if (!parsed) return 0;
  const { sub, values: v } = parsed;
  const id = parsed.positionals[0];
  if (sub === 'reputation') {
    return await runClientCommand('parties reputation', async () => {
      const r = await new MpcClient(resolveClientConfig(v)).partyReputation();
      if (v.json) process.stdout.write(r.report + '\n');
      else {
        process.stdout.write(reputationText(JSON.parse(r.report) as ReputationReport));
        for (const q of r.quarantined) process.stdout.write(`quarantined ${q.serviceId} since ${q.since} (quarantine ${q.id}): ${q.because}\n`);
      }
    });
  }
  if (sub !== 'sign-reinstatement' && sub !== 'reinstate') throw new UsageError(`parties: unknown subcommand '${sub}' (reputation, sign-reinstatement, reinstate)`);
  if (id === undefined || parsed.positionals.length !== 1) throw new UsageError(`parties ${sub}: expected one party service id\n${HELP}`);
  const quarantineOf = async (client: MpcClient): Promise<string> => {
    if (v.quarantine !== undefined) return v.quarantine;
    const q = (await client.partyReputation()).quarantined.find((r) => r.serviceId === id);
    if (!q) throw new UsageError(`${id} is not quarantined`);
    return q.id;
  };
  if (sub === 'sign-reinstatement') {
    if (v.key === undefined) throw new UsageError('parties sign-reinstatement: --key <identity file> is required');
    const key = v.key;
    if (v.quarantine !== undefined) {
      process.stdout.write(JSON.stringify(signReinstatement(id, v.quarantine, key)) + '\n');
      return 0;
    }
    return await runClientCommand('parties sign-reinstatement', async () => {
      process.stdout.write(JSON.stringify(signReinstatement(id, await quarantineOf(new MpcClient(resolveClientConfig(v))), key)) + '\n');
    });
  }
  const files = v.decision ?? [];
  const signers = v.sign ?? [];
  if (files.length + signers.length === 0) throw new UsageError('parties reinstate: give the decisions with --decision <file> or --sign <identity file> (repeatable)');
  const decisions: unknown[] = files.map((f) => {
    try {
      return JSON.parse(readFileSync(f, 'utf8')) as unknown;
    } catch (e) {
      throw new UsageError(`--decision: cannot read ${f} as JSON (${(e as Error).message})`);
    }
  });
  return await runClientCommand('parties reinstate', async () => {
    const client = new MpcClient(resolveClientConfig(v));
    if (signers.length > 0) {
      const q = await quarantineOf(client);
      for (const s of signers) decisions.push(signReinstatement(id, q, s));
    }
    const r = await client.reinstateParty(id, decisions);
    process.stdout.write(v.json ? JSON.stringify(r) + '\n' : `reinstated ${r.serviceId} (signed by ${r.signers.join(', ')})\n`);
  });
}
