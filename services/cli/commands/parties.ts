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
 *   the decisions (files from sign-reinstatement, or signed here with each `--sign` key);
 * - `mpc parties sign-promotion <id> --standby <sid> --standby-key <public key file> --key
 *   <identity file> [--slot <n>] [--quarantine <id>]`: an operator signs the decision that
 *   standby `<sid>`, with the keys in its public key file (the operator's own copy, not the
 *   gateway's registry), takes the slot of quarantined `<id>`;
 * - `mpc parties promote <id> --standby <sid> (--decision <file> | --sign <identity file>
 *   --standby-key <file>)...` (admin): submits them.
 * - `mpc parties reshare <standby> [--wait]` (admin): starts or resumes the resharing of every
 *   stored data set and model to a promoted standby; `--wait` polls until it is done or paused;
 * - `mpc parties resharing [--json]` (auditor, admin): the progress of every resharing.
 * Exit 0; 3 when the decisions are refused (403, `reinstatement-refused`, `promotion-refused`)
 * or the key lacks the role; 1 for other failures (409 not quarantined, not a standby); 2 for
 * usage mistakes.
 */
import { parseSubcommand } from '../command-args.js';
import { readFileSync } from 'node:fs';
import { readIdentityFile, readPublicKeyFile } from '../../../crypto-core/keys/key-file.js';
import { reputationText, type ReputationReport } from '../../audit/reputation.js';
import { MpcClient } from '../../sdk/mpc-client.js';
import { signMessage, type Signed } from '../../wire/job-messages.js';
import { PROMOTION_DOMAIN, REINSTATEMENT_DOMAIN, type PromotionDecision, type ReinstatementDecision } from '../../wire/party-governance.js';
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, resolveClientConfig, runClientCommand } from '../client-command.js';
import { UsageError } from '../usage-error.js';
import type { ResharingRecord } from '../../wire/standby-reshare.js';

const HELP = `usage: mpc parties <reputation | sign-reinstatement | reinstate | sign-promotion | promote | reshare | resharing> [options]
  reputation                                   every party's reputation and the quarantines in force (auditor, admin)
  sign-reinstatement <id> --key <identity>     sign the decision to reinstate <id> (prints it as JSON)
    --quarantine <id>                          the quarantine it ends (default: asked of the gateway)
  reinstate <id> --decision <file>... | --sign <identity>...   reinstate <id> with a quorum of signed decisions (admin)
  sign-promotion <id> --standby <sid> --standby-key <public key file> --key <identity>
                                               sign the decision that standby <sid> takes the slot of quarantined <id>
    --slot <n>  --quarantine <id>              the slot and the quarantine (default: asked of the gateway)
  promote <id> --standby <sid> --decision <file>... | --sign <identity>... --standby-key <file>
                                               promote <sid> into <id>'s slot with a quorum of signed decisions (admin)
  reshare <standby> [--wait]                   reshare every stored data set and model to a promoted standby (admin)
  resharing                                    progress of the resharings (auditor, admin)
${CLIENT_OPTIONS_HELP}
`;

/** Signs the reinstatement of `serviceId` from quarantine `quarantine` with `identityFile`'s key. */
export function signReinstatement(serviceId: string, quarantine: string, identityFile: string, now = Date.now()): Signed<ReinstatementDecision> {
  const key = readIdentityFile(identityFile).signing;
  return signMessage<ReinstatementDecision>(REINSTATEMENT_DOMAIN, { type: 'party-reinstatement', serviceId, quarantine, issuedAt: now }, key);
}

/** What an operator signs to promote a standby (the standby's keys from `standbyKeyFile`, the operator's own copy). */
export function signPromotion(d: { serviceId: string; standbyId: string; slot: 0 | 1 | 2; quarantine: string; standbyKeyFile: string; identityFile: string }, now = Date.now()): Signed<PromotionDecision> {
  const keys = readPublicKeyFile(d.standbyKeyFile);
  const body: PromotionDecision = { type: 'party-promotion', slot: d.slot, standbyId: d.standbyId, signingPublicKey: keys.signingPublicKey, agreementPublicKey: keys.agreementPublicKey, replaces: d.serviceId, quarantine: d.quarantine, issuedAt: now };
  return signMessage<PromotionDecision>(PROMOTION_DOMAIN, body, readIdentityFile(d.identityFile).signing);
}

function slotOption(s: string | undefined): 0 | 1 | 2 | undefined {
  if (s === undefined) return undefined;
  if (s !== '0' && s !== '1' && s !== '2') throw new UsageError(`--slot: expected 0, 1 or 2, got ${JSON.stringify(s)}`);
  return Number(s) as 0 | 1 | 2;
}

/** One line of progress. */
function resharingLine(r: ResharingRecord): string {
  const done = r.items.filter((i) => i.state === 'done').length;
  return `resharing to ${r.standbyId} (slot ${r.slot}, replacing ${r.replaces}): ${r.state}, ${done}/${r.items.length} items${r.discarded ? ', old copies erased' : ''}${r.error ? `: ${r.error}` : ''}\n`;
}

/** Runs `mpc parties`. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseSubcommand(args, { ...CLIENT_OPTIONS, key: { type: 'string' }, quarantine: { type: 'string' }, decision: { type: 'string', multiple: true }, sign: { type: 'string', multiple: true }, standby: { type: 'string' }, 'standby-key': { type: 'string' }, slot: { type: 'string' }, wait: { type: 'boolean' } }, HELP);
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
  if (sub === 'resharing') {
    return await runClientCommand('parties resharing', async () => {
      const r = await new MpcClient(resolveClientConfig(v)).resharings();
      if (v.json) process.stdout.write(JSON.stringify(r) + '\n');
      else for (const x of r.resharings) process.stdout.write(resharingLine(x));
    });
  }
  if (sub === 'reshare') {
    if (id === undefined || parsed.positionals.length !== 1) throw new UsageError(`parties reshare: expected one standby service id\n${HELP}`);
    return await runClientCommand('parties reshare', async () => {
      const client = new MpcClient(resolveClientConfig(v));
      let r = await client.reshareToStandby(id);
      while (v.wait && r.state === 'running') {
        await new Promise((res) => setTimeout(res, 500));
        r = (await client.resharings()).resharings.find((x) => x.standbyId === id) ?? r;
      }
      process.stdout.write(v.json ? JSON.stringify(r) + '\n' : resharingLine(r));
      if (r.state === 'paused') throw new Error(`resharing to ${id} paused: ${r.error ?? ''}`);
    });
  }
  if (!['sign-reinstatement', 'reinstate', 'sign-promotion', 'promote'].includes(sub)) throw new UsageError(`parties: unknown subcommand '${sub}' (reputation, sign-reinstatement, reinstate, sign-promotion, promote)`);
  if (id === undefined || parsed.positionals.length !== 1) throw new UsageError(`parties ${sub}: expected one party service id\n${HELP}`);
  const quarantineOf = async (client: MpcClient): Promise<string> => {
    if (v.quarantine !== undefined) return v.quarantine;
    const q = (await client.partyReputation()).quarantined.find((r) => r.serviceId === id);
    if (!q) throw new UsageError(`${id} is not quarantined`);
    return q.id;
  };
  if (sub === 'sign-promotion' || sub === 'promote') return await promotion(sub, id, v, quarantineOf);
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

/** `sign-promotion` and `promote`. */
async function promotion(sub: 'sign-promotion' | 'promote', id: string, v: Record<string, unknown>, quarantineOf: (c: MpcClient) => Promise<string>): Promise<number> {
  const standbyId = v.standby as string | undefined;
  if (standbyId === undefined) throw new UsageError(`parties ${sub}: --standby <standby service id> is required`);
  const standbyKeyFile = v['standby-key'] as string | undefined;
  const keys = sub === 'sign-promotion' ? (v.key === undefined ? [] : [v.key as string]) : ((v.sign as string[] | undefined) ?? []);
  if (sub === 'sign-promotion' && keys.length === 0) throw new UsageError('parties sign-promotion: --key <identity file> is required');
  if (keys.length > 0 && standbyKeyFile === undefined) throw new UsageError(`parties ${sub}: --standby-key <the standby's public key file> is required to sign (the keys the operators vouch for)`);
  const files = sub === 'promote' ? ((v.decision as string[] | undefined) ?? []) : [];
  if (sub === 'promote' && files.length + keys.length === 0) throw new UsageError('parties promote: give the decisions with --decision <file> or --sign <identity file> (repeatable)');
  const decisions: unknown[] = files.map((f) => {
    try {
      return JSON.parse(readFileSync(f, 'utf8')) as unknown;
    } catch (e) {
      throw new UsageError(`--decision: cannot read ${f} as JSON (${(e as Error).message})`);
    }
  });
  let slot = slotOption(v.slot as string | undefined);
  return await runClientCommand(`parties ${sub}`, async () => {
    const client = new MpcClient(resolveClientConfig(v as { gateway?: string; 'api-key'?: string; 'trust-bundle'?: string }));
    if (keys.length > 0) {
      const quarantine = (v.quarantine as string | undefined) ?? (await quarantineOf(client));
      if (slot === undefined) {
        const rec = (await client.registry()).find((r) => r.id === standbyId);
        if (!rec?.standby || rec.index === undefined) throw new UsageError(`${standbyId} is not a registered standby (the gateway's registry does not list it as one)`);
        slot = rec.index as 0 | 1 | 2;
      }
      for (const k of keys) decisions.push(signPromotion({ serviceId: id, standbyId, slot, quarantine, standbyKeyFile: standbyKeyFile!, identityFile: k }));
    }
    if (sub === 'sign-promotion') {
      process.stdout.write(JSON.stringify(decisions[0]) + '\n');
      return;
    }
    const r = await client.promoteStandby(id, standbyId, decisions);
    process.stdout.write(v.json ? JSON.stringify(r) + '\n' : `promoted ${r.standbyId} into slot ${r.slot} of ${r.serviceId} (signed by ${r.signers.join(', ')})\n`);
  });
}
