/**
 * @module services/transport/channel-keys
 * Key schedule of a job's party-to-party channels and of the pairwise PRF seeds of replicated
 * sharing. Both come from the long-term X25519 agreement of two parties, separated by HKDF:
 *
 * ```
 * shared        = X25519(sk_self, pk_peer)                       (same value on both sides)
 * directionKey  = HKDF-SHA256(shared, salt = jobId, info = "mpc-p2p/v1|<from>-><to>", 32)
 * pairwiseSeed  = HKDF-SHA256(shared, salt = jobId, info = "mpc-prf-seed/v1|<lo>|<hi>", 32)
 * ```
 *
 * Why: one key per job and direction means a sequence number starting at zero never repeats a
 * (key, nonce) pair as long as a job id is used once (parties refuse replayed job ids), and a
 * frame cannot be reflected back to its sender or moved to another job. The seed label differs
 * from the channel labels, so the PRF keys are independent of the encryption keys.
 */
import { agree } from '../../crypto-core/keys/agreement.js';
import { hkdfSha256 } from '../../crypto-core/hkdf.js';
import { utf8 } from '../../crypto-core/encoding.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';

/** Job ids allowed in subjects and key labels (the api.ts subject rule). */
export const JOB_ID_RE = /^[A-Za-z0-9_-]{1,128}$/;

/** Throws unless `jobId` is a valid subject segment. */
export function checkJobId(jobId: unknown, name = 'jobId'): string {
  if (typeof jobId !== 'string' || !JOB_ID_RE.test(jobId)) {
    throw new InvalidArgumentError(`${name}: expected 1..128 characters of [A-Za-z0-9_-], got ${JSON.stringify(jobId)}`);
  }
  return jobId;
}

function checkIndex(name: string, v: unknown): number {
  if (v !== 0 && v !== 1 && v !== 2) throw new InvalidArgumentError(`${name}: expected party index 0, 1 or 2, got ${String(v)}`);
  return v;
}

/**
 * The AES-256-GCM key of the direction `from -> to` of job `jobId`.
 * @param selfSecretKey - this party's X25519 secret key.
 * @param peerPublicKey - the other party's X25519 public key.
 */
export function deriveDirectionKey(selfSecretKey: Uint8Array, peerPublicKey: Uint8Array, jobId: string, from: number, to: number): Uint8Array {
  checkJobId(jobId);
  checkIndex('from', from);
  checkIndex('to', to);
  if (from === to) throw new InvalidArgumentError(`to: expected a party other than from (${from})`);
  const shared = agree(selfSecretKey, peerPublicKey);
  try {
    return hkdfSha256(shared, utf8(jobId), `mpc-p2p/v1|${from}->${to}`, 32);
  } finally {
    shared.fill(0);
  }
}

/**
 * The 32-byte PRF seed that parties `a` and `b` share for job `jobId` (order of a and b does
 * not matter). Replicated sharing uses seed(i, i+1) as party i's "next" key and party i+1's
 * "previous" key (Araki et al., CCS 2016, section 2.2).
 */
export function derivePairwiseSeed(selfSecretKey: Uint8Array, peerPublicKey: Uint8Array, jobId: string, a: number, b: number): Uint8Array {
  checkJobId(jobId);
  checkIndex('a', a);
  checkIndex('b', b);
  if (a === b) throw new InvalidArgumentError(`b: expected a party other than a (${a})`);
  const shared = agree(selfSecretKey, peerPublicKey);
  try {
    return hkdfSha256(shared, utf8(jobId), `mpc-prf-seed/v1|${Math.min(a, b)}|${Math.max(a, b)}`, 32);
  } finally {
    shared.fill(0);
  }
}
