/**
 * @module services/wire/output-commitments
 * Output verification by share commitments, without the coordinator learning anything.
 *
 * Replicated sharing: y = y_0 + y_1 + y_2 and party i holds (y_i, y_{i+1}), indices mod 3, so
 * component c is held by party c and by party c-1. At the end of a job each party commits to
 * both components it holds, HMAC-SHA256 keyed with a 32-byte salt known only to the two holders
 * of that component (derived from their pairwise PRF seed), and sends the two commitments to the
 * coordinator. The coordinator compares the two commitments of each component.
 *
 * Why the verdict names the party it names: an honest majority means at most one party
 * deviates. A deviating party i can only alter the components it holds, i and i+1.
 * - No mismatch: verified.
 * - Two mismatching components: they share exactly one holder (components c and c+1 are both
 *   held by party c), and that party is the one that deviated (one deviator cannot disturb two
 *   components it does not both hold).
 * - One mismatching component: either holder may be the one that changed its value; both are
 *   named as suspects and neither is blamed.
 * - Three mismatching components: impossible with a single deviating party; at least two
 *   parties deviate, the honest-majority assumption is broken, nobody is named.
 *
 * What it does NOT prove: that the computation itself was right (if an earlier step went wrong
 * identically at both holders their commitments still agree), nor that the shares a party
 * sends to the client equal the ones it committed to. The client's checked open (each
 * component received twice) is the second, independent check of the latter. Two colluding
 * parties defeat both checks, as they defeat replicated sharing itself.
 */
import { createHmac } from 'node:crypto';
import { InvalidArgumentError } from '../../crypto-core/errors.js';

/** Length of a component salt and of a pairwise seed. */
export const SALT_LENGTH = 32;
const COMMIT_DOMAIN = 'mpc/output-commitment/v1';
const SALT_DOMAIN = 'mpc/output-commitment-salt/v1';
const HEX64 = /^[0-9a-f]{64}$/;

/** The parties holding component `c` (0..2): party c and party c-1, in ascending order. */
export function componentHolders(component: number): [number, number] {
  checkIndex('component', component);
  const a = component;
  const b = (component + 2) % 3;
  return a < b ? [a, b] : [b, a];
}

/** The components party `p` holds: p and p+1. */
export function heldComponents(party: number): [number, number] {
  checkIndex('party', party);
  return [party, (party + 1) % 3];
}

function checkIndex(name: string, v: unknown): number {
  if (v !== 0 && v !== 1 && v !== 2) throw new InvalidArgumentError(`${name}: expected 0, 1 or 2, got ${String(v)}`);
  return v;
}

function checkJobId(jobId: unknown): string {
  if (typeof jobId !== 'string' || jobId.length === 0 || jobId.length > 256) throw new InvalidArgumentError(`jobId: expected a non-empty string of at most 256 characters, got ${typeof jobId === 'string' ? `${jobId.length} chars` : typeof jobId}`);
  return jobId;
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

/**
 * The salt of one component, derived by its two holders from the PRF seed they share:
 * HMAC-SHA256(pairSeed, domain || jobId || component). A fresh salt per job and component keeps
 * equal outputs in different jobs from having equal commitments.
 */
export function deriveComponentSalt(pairSeed: Uint8Array, jobId: string, component: number): Uint8Array {
  if (!(pairSeed instanceof Uint8Array) || pairSeed.length !== SALT_LENGTH) throw new InvalidArgumentError(`pairSeed: expected ${SALT_LENGTH}-byte Uint8Array`);
  checkJobId(jobId);
  checkIndex('component', component);
  const jid = Buffer.from(jobId, 'utf8');
  return new Uint8Array(createHmac('sha256', pairSeed).update(SALT_DOMAIN).update(u32(jid.length)).update(jid).update(u32(component)).digest());
}

/**
 * The commitment to one output share component: lower-case hex of
 * HMAC-SHA256(salt, "mpc/output-commitment/v1" || len(jobId) || jobId || component || len(bytes) || bytes),
 * lengths as big-endian u32 (u64 for bytes) so no two inputs share an encoding. Hiding because
 * the coordinator never has the salt (HMAC is a PRF); binding because HMAC-SHA256 is collision
 * resistant even for a key holder.
 */
export function commitComponent(salt: Uint8Array, jobId: string, componentIndex: number, bytes: Uint8Array): string {
  if (!(salt instanceof Uint8Array) || salt.length !== SALT_LENGTH) throw new InvalidArgumentError(`salt: expected ${SALT_LENGTH}-byte Uint8Array, got ${salt instanceof Uint8Array ? `${salt.length} bytes` : typeof salt}`);
  checkJobId(jobId);
  checkIndex('componentIndex', componentIndex);
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError(`bytes: expected Uint8Array, got ${typeof bytes}`);
  const jid = Buffer.from(jobId, 'utf8');
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(bytes.length));
  return createHmac('sha256', salt).update(COMMIT_DOMAIN).update(u32(jid.length)).update(jid).update(u32(componentIndex)).update(len).update(bytes).digest('hex');
}

/** What one party sends: its commitments to the two components it holds, keyed by component. */
export interface OutputCommitmentReport {
  party: number;
  jobId: string;
  /** component index ("0" | "1" | "2") -> commitment hex; exactly the party's two components. */
  commitments: Record<string, string>;
}

/**
 * The report party `party` sends: commitments to the two components it holds, y_party and
 * y_{party+1}, given their bytes and salts in that order.
 * @throws InvalidArgumentError for a bad party, job id, salt or component bytes.
 */
export function commitHeldComponents(party: number, jobId: string, components: readonly [Uint8Array, Uint8Array], salts: readonly [Uint8Array, Uint8Array]): OutputCommitmentReport {
  const held = heldComponents(party);
  if (!Array.isArray(components) || components.length !== 2) throw new InvalidArgumentError('components: expected the bytes of the two held components [y_party, y_party+1]');
  if (!Array.isArray(salts) || salts.length !== 2) throw new InvalidArgumentError('salts: expected the salts of the two held components [salt_party, salt_party+1]');
  const commitments: Record<string, string> = {};
  held.forEach((c, k) => {
    commitments[String(c)] = commitComponent(salts[k]!, jobId, c, components[k]!);
  });
  return { party, jobId, commitments };
}

/** The coordinator's verdict. */
export type OutputVerification =
  | { verified: true }
  | {
      verified: false;
      /** The party shown to have deviated, when the evidence singles one out. */
      inconsistentParty?: number;
      /** The first component whose commitments disagree (or the component a bad report concerns). */
      component: number;
      /** Every component whose two commitments disagree. */
      mismatchedComponents: number[];
      /** Parties that may have deviated when no single one can be named. */
      suspects: number[];
      reason: string;
    };

/**
 * Compares the commitments of the three parties' reports for one job (see the module comment
 * for why a party is or is not named). A missing or malformed report names its sender (or the
 * party missing); reports for another job are treated as malformed.
 * @throws InvalidArgumentError when `reports` is not an array or `jobId` is invalid.
 */
export function verifyOutputCommitments(reports: readonly OutputCommitmentReport[], jobId?: string): OutputVerification {
  if (!Array.isArray(reports)) throw new InvalidArgumentError(`reports: expected an array of 3 reports, got ${typeof reports}`);
  const expectedJob = jobId === undefined ? (reports[0] as OutputCommitmentReport | undefined)?.jobId : checkJobId(jobId);
  const byParty = new Map<number, OutputCommitmentReport>();
  for (const r of reports) {
    const p = r?.party;
    if (p !== 0 && p !== 1 && p !== 2) {
      return { verified: false, component: 0, mismatchedComponents: [], suspects: [], reason: `a report names party ${String(p)}, expected 0, 1 or 2` };
    }
    const [c0, c1] = heldComponents(p);
    const bad = (why: string): OutputVerification => ({ verified: false, inconsistentParty: p, component: c0, mismatchedComponents: [], suspects: [p], reason: `party ${p}: ${why}` });
    if (byParty.has(p)) return bad('sent two reports');
    if (r.jobId !== expectedJob) return bad(`report is for job ${JSON.stringify(r.jobId)}, expected ${JSON.stringify(expectedJob)}`);
    const keys = Object.keys(r.commitments ?? {}).sort();
    if (keys.length !== 2 || keys[0] !== String(Math.min(c0, c1)) || keys[1] !== String(Math.max(c0, c1))) {
      return bad(`must commit to exactly components ${c0} and ${c1}, sent ${JSON.stringify(keys)}`);
    }
    for (const k of keys) if (!HEX64.test(r.commitments[k]!)) return bad(`commitment to component ${k} is not 64 lower-case hex digits`);
    byParty.set(p, r);
  }
  for (const p of [0, 1, 2]) {
    if (!byParty.has(p)) return { verified: false, inconsistentParty: p, component: p, mismatchedComponents: [], suspects: [p], reason: `party ${p} sent no commitment report` };
  }
  const mismatched: number[] = [];
  for (const c of [0, 1, 2]) {
    // Party c holds component c as its first share, party c-1 as its second.
    const a = byParty.get(c)!.commitments[String(c)];
    const b = byParty.get((c + 2) % 3)!.commitments[String(c)];
    if (a !== b) mismatched.push(c);
  }
  if (mismatched.length === 0) return { verified: true };
  const first = mismatched[0]!;
  if (mismatched.length === 1) {
    const suspects = componentHolders(first);
    return { verified: false, component: first, mismatchedComponents: mismatched, suspects, reason: `component ${first}: the commitments of its holders, parties ${suspects[0]} and ${suspects[1]}, differ; either may have deviated` };
  }
  if (mismatched.length === 2) {
    const [h1, h2] = [componentHolders(mismatched[0]!), componentHolders(mismatched[1]!)];
    const common = h1.find((p) => h2.includes(p))!;
    return { verified: false, inconsistentParty: common, component: first, mismatchedComponents: mismatched, suspects: [common], reason: `components ${mismatched[0]} and ${mismatched[1]} mismatch; party ${common} holds both and is the one that deviated` };
  }
  return { verified: false, component: first, mismatchedComponents: mismatched, suspects: [0, 1, 2], reason: 'all three components mismatch: more than one party deviated (honest majority broken); no single party can be named' };
}
