/**
 * @module services/audit/witness-policy
 * An auditor's witness policy: which log key and which witnesses it trusts, and how many of
 * those witnesses must have cosigned (C2SP tlog-cosignature v1) a checkpoint before it believes
 * the checkpoint is the one everybody else is shown. One directive per line, `#` starts a
 * comment, blank lines are ignored:
 *
 * ```
 * log coordinator+1a2b3c4d+AQ...            # the log's verifier key (signed-note, type 0x01)
 * witness party-0+5e6f7a8b+BA...            # a witness's cosigner key (type 0x04), or:
 * witness party-1 <64 hex digits>           # name and raw Ed25519 public key
 * quorum 2                                  # at least 2 of the listed witnesses
 * ```
 *
 * `log` is optional when the key comes from `--key`; `quorum` is required (an integer from 1 to
 * the number of witnesses), so a policy never means "no witness" by omission. Witness names must
 * be distinct. The names of the sigsum policy format, simplified to one group.
 */
import { parseVerifierKey, type NoteVerifier } from '../../crypto-core/checkpoint/index.js';
import { MpcError } from '../../crypto-core/errors.js';
import { encodeCosignerVkey, parseCosignerVkey, verifyCosignatures, type CosignerVerifier } from '../wire/tlog-cosignature.js';

/** A policy file that does not parse, naming the line. */
export class WitnessPolicyError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('witness-policy', message, options);
  }
}

/** A parsed witness policy. */
export interface WitnessPolicy {
  log?: NoteVerifier;
  witnesses: CosignerVerifier[];
  quorum: number;
}

/** Outcome of {@link checkWitnessPolicy}. */
export type WitnessPolicyVerdict = { ok: true; cosigners: string[]; reason?: undefined } | { ok: false; cosigners: string[]; reason: string };

/**
 * Parses policy text.
 * @throws WitnessPolicyError naming the line and what is wrong.
 */
export function parseWitnessPolicy(text: string): WitnessPolicy {
  if (typeof text !== 'string') throw new WitnessPolicyError(`policy: expected text, got ${typeof text}`);
  let log: NoteVerifier | undefined;
  let quorum: number | undefined;
  const witnesses: CosignerVerifier[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const at = `policy line ${i + 1}`;
    const [word, ...args] = line.split(/\s+/);
    try {
      if (word === 'log') {
        if (args.length !== 1) throw new Error('expected "log <verifier key>"');
        if (log) throw new Error('a second log key (one log per policy)');
        log = parseVerifierKey(args[0]!);
      } else if (word === 'witness') {
        let w: CosignerVerifier;
        if (args.length === 1) w = parseCosignerVkey(args[0]!);
        else if (args.length === 2 && /^[0-9a-f]{64}$/i.test(args[1]!)) {
          w = { name: args[0]!, publicKey: new Uint8Array(Buffer.from(args[1]!, 'hex')) };
          encodeCosignerVkey(w); // checks the name
        } else throw new Error('expected "witness <cosigner vkey>" or "witness <name> <64 hex public key>"');
        if (witnesses.some((x) => x.name === w.name)) throw new Error(`witness ${w.name} is listed twice`);
        witnesses.push(w);
      } else if (word === 'quorum') {
        if (args.length !== 1 || !/^[1-9][0-9]*$/.test(args[0]!)) throw new Error('expected "quorum <positive integer>"');
        if (quorum !== undefined) throw new Error('a second quorum');
        quorum = Number(args[0]);
      } else throw new Error(`unknown directive ${JSON.stringify(word)} (expected log, witness or quorum)`);
    } catch (e) {
      throw new WitnessPolicyError(`${at}: ${(e as Error).message}`, { cause: e });
    }
  }
  if (quorum === undefined) throw new WitnessPolicyError('policy: no "quorum <k>" line (how many witnesses must cosign)');
  if (quorum > witnesses.length) throw new WitnessPolicyError(`policy: quorum ${quorum} is more than the ${witnesses.length} witnesses listed`);
  return { ...(log ? { log } : {}), witnesses, quorum };
}

/** The policy text for `witnesses` and `quorum` (what `mpc up` writes). */
export function formatWitnessPolicy(p: WitnessPolicy, logVkey?: string): string {
  const lines = ['# mpc witness policy: docs/audit.md "Witnessed checkpoints"'];
  if (logVkey) lines.push(`log ${logVkey}`);
  for (const w of p.witnesses) lines.push(`witness ${encodeCosignerVkey(w)}`);
  lines.push(`quorum ${p.quorum}`);
  return lines.join('\n') + '\n';
}

/**
 * Whether `note` carries valid cosignatures of at least `policy.quorum` distinct witnesses of
 * the policy. Never throws. Cosignatures dated more than `skewSeconds` after `now` do not count.
 */
export function checkWitnessPolicy(note: string, policy: WitnessPolicy, now: Date = new Date(), skewSeconds = 300): WitnessPolicyVerdict {
  const check = verifyCosignatures(note, policy.witnesses, Math.floor(now.getTime() / 1000) + skewSeconds);
  const cosigners = check.valid.map((v) => v.name);
  if (cosigners.length >= policy.quorum) return { ok: true, cosigners };
  const bad = check.invalid.length ? `; rejected: ${check.invalid.map((x) => x.reason).join('; ')}` : '';
  return {
    ok: false,
    cosigners,
    reason: `the checkpoint is cosigned by ${cosigners.length} of the ${policy.witnesses.length} trusted witnesses${cosigners.length ? ` (${cosigners.join(', ')})` : ''}, the policy needs ${policy.quorum}${bad}`,
  };
}
