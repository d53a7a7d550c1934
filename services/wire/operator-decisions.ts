/**
 * @module services/wire/operator-decisions
 * The quorum check of operator-signed governance decisions (reinstatement, promotion), shared by
 * the coordinator and the parties: each decision must be signed (signMessage) under the
 * decision's domain by a configured operator key of an organisation that does not run the party
 * concerned, say what the caller expects, and the signers must span `quorum` organisations.
 */
import { fromHex } from '../../crypto-core/encoding.js';
import { verifyMessage } from './job-messages.js';

/** An operator key allowed to sign governance decisions. */
export interface OperatorKey {
  /** Key id, recorded in audit entries (an identifier). */
  id: string;
  /** The operator's organisation. */
  organisation: string;
  /** Ed25519 public key, 64 hex digits. */
  publicKey: string;
  /** Service ids the organisation runs: its key does not count for decisions about them. */
  runs: string[];
}

/** What one quorum check needs. */
export interface OperatorQuorumCheck<T> {
  domain: string;
  operators: readonly OperatorKey[];
  /** Distinct organisations needed. */
  quorum: number;
  /** The service the decision is about: keys of organisations that run it do not count. */
  about: string;
  /** Why a verified body is not the expected decision (appended to the operator's id: " signed another decision"), or undefined when it is. */
  mismatch(body: T): string | undefined;
}

/** The outcome: the operator key ids that count (sorted) when they make the quorum, else the reasons. */
export type OperatorQuorumVerdict = { ok: true; signers: string[] } | { ok: false; organisations: number; refused: string[] };

/** Checks `decisions` (signed envelopes) against `check`. Never throws on bad input. */
export function checkOperatorQuorum<T>(decisions: readonly unknown[], check: OperatorQuorumCheck<T>): OperatorQuorumVerdict {
  const signers = new Set<string>();
  const refused: string[] = [];
  for (const [k, d] of decisions.entries()) {
    const signer = typeof (d as { signer?: unknown } | null)?.signer === 'string' ? (d as { signer: string }).signer.toLowerCase() : undefined;
    const op = check.operators.find((o) => o.publicKey.toLowerCase() === signer);
    if (!op) {
      refused.push(`decision ${k}: not signed by a configured operator key`);
      continue;
    }
    if (op.runs.includes(check.about)) {
      refused.push(`decision ${k}: ${op.id} belongs to ${op.organisation}, which runs ${check.about}`);
      continue;
    }
    const body = verifyMessage<T>(check.domain, d, fromHex(op.publicKey, 'publicKey', 32));
    if (!body) {
      refused.push(`decision ${k}: the signature of ${op.id} does not verify`);
      continue;
    }
    const why = typeof body === 'object' && body !== null ? check.mismatch(body) : ' signed something that is not a decision';
    if (why) {
      refused.push(`decision ${k}: ${op.id}${why}`);
      continue;
    }
    signers.add(op.id);
  }
  const orgs = new Set(check.operators.filter((o) => signers.has(o.id)).map((o) => o.organisation));
  if (orgs.size < check.quorum) return { ok: false, organisations: orgs.size, refused };
  return { ok: true, signers: [...signers].sort() };
}

/** How old an operator's decision may be (the coordinator refuses older ones). */
export const DECISION_MAX_AGE_MS = 24 * 3600_000;

/** Whether a decision signed at `issuedAt` is recent at `now` (at most a day old, at most 5 minutes ahead). */
export function isRecentDecision(issuedAt: unknown, now: number): boolean {
  return typeof issuedAt === 'number' && issuedAt <= now + 300_000 && now - issuedAt <= DECISION_MAX_AGE_MS;
}
