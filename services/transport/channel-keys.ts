/**
 * @module services/transport/channel-keys
 * Key schedule of a job's party-to-party channels and of the pairwise PRF seeds of replicated
 * sharing. Both come from the long-term X25519 agreement of two parties and from one fresh
 * random nonce per party and job (the job nonces n0, n1, n2, exchanged by the channel's hello,
 * see nats-channel), separated by HKDF:
 *
 * ```
 * shared        = X25519(sk_self, pk_peer)                       (same value on both sides)
 * nonces        = hex(n0) "|" hex(n1) "|" hex(n2)                 (32 random bytes each, by party index)
 * directionKey  = HKDF-SHA256(shared, salt = jobId, info = "mpc-p2p/v2|<from>-><to>|" nonces, 32)
 * pairwiseSeed  = HKDF-SHA256(shared, salt = jobId, info = "mpc-prf-seed/v2|<lo>|<hi>|" nonces, 32)
 * stepKey       = HKDF-SHA256(shared, salt = jobId, info = "mpc-p2p-step/v1|<from>-><to>|" nonces, 32)
 * ```
 *
 * The step key names protocol steps on the wire: a frame carries HMAC(stepKey, label) truncated
 * (see step-ids), never the label, so the broker learns no layer or operation names, and the same
 * label gets unrelated ids in every run and direction.
 *
 * Why the nonces: a job id is chosen by the coordinator, and a party forgets expired ids when it
 * restarts, so keys that depend only on the job id repeat when a coordinator reuses one (the
 * same AES-GCM key and sequence-number nonces, the same zero shares). Each party draws its own
 * nonce for every run and takes its own slot from memory, never from a message, so every key and
 * seed it uses depends on 32 bytes of fresh randomness of its own, whatever the coordinator,
 * the broker or a peer sends. The peers' nonces are public; secrecy still comes from `shared`.
 * The seed labels differ from the channel labels, so the PRF keys are independent of the
 * encryption keys.
 */
import { agree } from '../../crypto-core/keys/agreement.js';
import { hkdfSha256 } from '../../crypto-core/hkdf.js';
import { toHex, utf8 } from '../../crypto-core/encoding.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';

/** Job ids allowed in subjects and key labels (the api.ts subject rule). */
export const JOB_ID_RE = /^[A-Za-z0-9_-]{1,128}$/;

/** Bytes of one party's job nonce. */
export const JOB_NONCE_LENGTH = 32;

/** The three parties' nonces of one run of a job, by party index. */
export type JobNonces = readonly [Uint8Array, Uint8Array, Uint8Array];

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

/** The label of `nonces` (three 32-byte arrays); throws naming the bad slot. */
function nonceLabel(nonces: unknown): string {
  if (!Array.isArray(nonces) || nonces.length !== 3) throw new InvalidArgumentError('nonces: expected the three parties\' job nonces [n0, n1, n2]');
  return nonces
    .map((n: unknown, i) => {
      if (!(n instanceof Uint8Array) || n.length !== JOB_NONCE_LENGTH) throw new InvalidArgumentError(`nonces[${i}]: expected ${JOB_NONCE_LENGTH}-byte Uint8Array`);
      return toHex(n);
    })
    .join('|');
}

function checkShared(shared: unknown): Uint8Array {
  if (!(shared instanceof Uint8Array) || shared.length !== 32) throw new InvalidArgumentError('shared: expected the 32-byte X25519 shared secret');
  return shared;
}

/** HKDF of `shared` for the direction `from -> to` of one run of job `jobId`, under the label `kind`. */
function directional(kind: string, shared: Uint8Array, jobId: string, from: number, to: number, nonces: JobNonces): Uint8Array {
  checkShared(shared);
  checkJobId(jobId);
  checkIndex('from', from);
  checkIndex('to', to);
  if (from === to) throw new InvalidArgumentError(`to: expected a party other than from (${from})`);
  return hkdfSha256(shared, utf8(jobId), `${kind}|${from}->${to}|${nonceLabel(nonces)}`, 32);
}

/** The AES-256-GCM key of the direction `from -> to` of one run of job `jobId`, from the pair's shared secret. */
export function directionKeyFromShared(shared: Uint8Array, jobId: string, from: number, to: number, nonces: JobNonces): Uint8Array {
  return directional('mpc-p2p/v2', shared, jobId, from, to, nonces);
}

/** The HMAC key of the opaque step ids of the direction `from -> to` of one run of job `jobId` (see step-ids). */
export function stepKeyFromShared(shared: Uint8Array, jobId: string, from: number, to: number, nonces: JobNonces): Uint8Array {
  return directional('mpc-p2p-step/v1', shared, jobId, from, to, nonces);
}

/** The pairwise PRF seed of parties `a` and `b` (in either order) for one run of job `jobId`, from their shared secret. */
export function pairwiseSeedFromShared(shared: Uint8Array, jobId: string, a: number, b: number, nonces: JobNonces): Uint8Array {
  checkShared(shared);
  checkJobId(jobId);
  checkIndex('a', a);
  checkIndex('b', b);
  if (a === b) throw new InvalidArgumentError(`b: expected a party other than a (${a})`);
  return hkdfSha256(shared, utf8(jobId), `mpc-prf-seed/v2|${Math.min(a, b)}|${Math.max(a, b)}|${nonceLabel(nonces)}`, 32);
}

/**
 * The AES-256-GCM key of the direction `from -> to` of one run of job `jobId`.
 * @param selfSecretKey - this party's X25519 secret key.
 * @param peerPublicKey - the other party's X25519 public key.
 * @param nonces - the run's three job nonces, by party index.
 */
export function deriveDirectionKey(selfSecretKey: Uint8Array, peerPublicKey: Uint8Array, jobId: string, from: number, to: number, nonces: JobNonces): Uint8Array {
  const shared = agree(selfSecretKey, peerPublicKey);
  try {
    return directionKeyFromShared(shared, jobId, from, to, nonces);
  } finally {
    shared.fill(0);
  }
}

/**
 * The 32-byte PRF seed that parties `a` and `b` share for one run of job `jobId` (order of a
 * and b does not matter). Replicated sharing uses seed(i, i+1) as party i's "next" key and
 * party i+1's "previous" key (Araki et al., CCS 2016, section 2.2).
 */
export function derivePairwiseSeed(selfSecretKey: Uint8Array, peerPublicKey: Uint8Array, jobId: string, a: number, b: number, nonces: JobNonces): Uint8Array {
  const shared = agree(selfSecretKey, peerPublicKey);
  try {
    return pairwiseSeedFromShared(shared, jobId, a, b, nonces);
  } finally {
    shared.fill(0);
  }
}
