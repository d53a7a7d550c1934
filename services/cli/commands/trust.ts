/**
 * @module services/cli/commands/trust
 * Rotating the trust bundle (services/wire/trust-bundle) that clients pin:
 *
 * - `mpc trust fingerprint <bundle>`: the fingerprint to compare out of band.
 * - `mpc trust next --current <old> --from <new keys bundle> --out <file>`: the successor of
 *   `old` with the keys of `from` (for example the bundle a re-keyed deployment wrote), naming
 *   `old` as its predecessor and carrying no signatures yet.
 * - `mpc trust sign-rotation --current <old> --next <file> --identity <party identity file>`:
 *   run by each party's operator, with that party's own key: adds the party's signature over the
 *   new bundle's fingerprint to `--next` (in place, or to `--out`).
 * - `mpc trust rotate --current <old> --next <file>`: checks the rotation here (all three parties
 *   of `old` signed), then has the coordinator record it in the audit log (admin key).
 *
 * Exit 0 on success, 1 when a bundle or rotation is refused, 2 for usage mistakes.
 */
import { parseSubcommand } from '../command-args.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { toHex } from '../../../crypto-core/encoding.js';
import { readIdentityFile } from '../../../crypto-core/keys/key-file.js';
import { MpcClient } from '../../sdk/mpc-client.js';
import { parseTrustBundle, signRotation, trustBundleFingerprint, verifyRotation, type TrustBundle } from '../../wire/trust-bundle.js';
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, resolveClientConfig, runClientCommand } from '../client-command.js';
import { UsageError } from '../usage-error.js';

const HELP = `usage: mpc trust fingerprint <bundle.json>
       mpc trust next --current <old.json> --from <bundle.json> --out <next.json>
       mpc trust sign-rotation --current <old.json> --next <next.json> --identity <party.identity.json> [--out <file>]
       mpc trust rotate --current <old.json> --next <next.json> [options]
  fingerprint     print the bundle's SHA-256 fingerprint
  next            the successor of <old> with the keys of <bundle>, unsigned
  sign-rotation   add this party's rotation signature (its identity file holds its signing key)
  rotate          check that the three parties of <old> signed <next>, then record it in the audit log (admin)
${CLIENT_OPTIONS_HELP}`;

const OPTIONS = { ...CLIENT_OPTIONS, current: { type: 'string' }, next: { type: 'string' }, from: { type: 'string' }, out: { type: 'string' }, identity: { type: 'string' } } as const;

/** Reads and checks a bundle file; a bad one is a clear error naming the file and field. */
function readBundle(path: string | undefined, flag: string): TrustBundle {
  if (path === undefined) throw new UsageError(`trust: ${flag} <file> is required`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`${flag}: cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return parseTrustBundle(JSON.parse(text));
  } catch (e) {
    throw new TrustCommandError(`${flag} ${path}: ${(e as Error).message}`);
  }
}

/** A refused bundle or rotation (exit 1). */
class TrustCommandError extends Error {}

function write(path: string, bundle: TrustBundle): void {
  writeFileSync(path, JSON.stringify(bundle, null, 2) + '\n');
}

/** Runs `mpc trust <sub>`. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseSubcommand(args, OPTIONS, HELP);
  if (!parsed) return 0;
  const { sub, values: v } = parsed;
  try {
    switch (sub) {
      case 'fingerprint': {
        if (parsed.positionals.length !== 1) throw new UsageError('trust fingerprint: expected exactly one <bundle.json>');
        process.stdout.write(trustBundleFingerprint(readBundle(parsed.positionals[0], '<bundle>')) + '\n');
        return 0;
      }
      case 'next': {
        const current = readBundle(v.current, '--current');
        const from = readBundle(v.from, '--from');
        if (v.out === undefined) throw new UsageError('trust next: --out <file> is required');
        const { rotation: _r, previous: _p, ...keys } = from;
        const next = parseTrustBundle({ ...keys, issuedAt: new Date().toISOString(), previous: trustBundleFingerprint(current) });
        write(v.out, next);
        process.stdout.write(`${trustBundleFingerprint(next)}\n`);
        return 0;
      }
      case 'sign-rotation': {
        const current = readBundle(v.current, '--current');
        const next = readBundle(v.next, '--next');
        if (v.identity === undefined) throw new UsageError('trust sign-rotation: --identity <party identity file> is required');
        const identity = readIdentityFile(v.identity);
        const me = toHex(identity.signing.publicKey);
        const party = current.parties.find((p) => p.signingPublicKey === me);
        if (!party) throw new TrustCommandError(`--identity ${v.identity}: its signing key is not one of the parties of --current`);
        if (next.previous !== trustBundleFingerprint(current)) throw new TrustCommandError('--next: does not name --current as its predecessor (make it with mpc trust next)');
        const rotation = [...(next.rotation ?? []).filter((r) => r.party !== party.index), signRotation(next, party.index, identity.signing.secretKey)].sort((a, b) => a.party - b.party);
        write(v.out ?? v.next!, { ...next, rotation });
        process.stdout.write(`party ${party.index} (${party.id}) signed ${trustBundleFingerprint(next)}\n`);
        return 0;
      }
      case 'rotate': {
        const current = readBundle(v.current, '--current');
        const next = readBundle(v.next, '--next');
        const verdict = verifyRotation(current, next);
        if (!verdict.ok) throw new TrustCommandError(`--next: refused: ${verdict.reason}`);
        return runClientCommand('trust rotate', async () => {
          const res = await new MpcClient(resolveClientConfig(v)).recordTrustRotation(current, next);
          process.stdout.write(v.json ? JSON.stringify(res) + '\n' : `rotation ${res.previous.slice(0, 16)}... -> ${res.fingerprint} recorded in the audit log\n`);
        });
      }
      default:
        throw new UsageError(`trust: unknown subcommand '${sub}' (fingerprint, next, sign-rotation, rotate)`);
    }
  } catch (e) {
    if (!(e instanceof TrustCommandError)) throw e;
    process.stderr.write(`mpc trust ${sub}: ${e.message}\n`);
    return 1;
  }
}
