/**
 * @module services/wire/job-messages
 * The job protocol between the coordinator and the parties (what api.ts calls "signed job
 * messages"), on `subjects.jobDispatch(serviceId)` (request/reply) and `subjects.jobReport(jobId)`.
 *
 * No protocol frame may be sent before every party listens (core NATS keeps nothing for absent
 * subscribers). A job starts in one of two ways:
 * 1. `prepare` carries the {@link JobOrder}; the party verifies it, subscribes its channel and
 *    replies `{ ok: true }` or a refusal with a reason;
 * 2. either, once all three are ready, the coordinator sends `start`; or, when the signed order
 *    says `startWhen: 'peers-listening'`, each party starts by itself as soon as both peers have
 *    told it, over the sealed channel, that they listen (see NatsChannel.announceListening):
 *    a peer can only say so after subscribing, so the condition is the one the coordinator's
 *    `start` stood for, without its second signed broadcast round trip;
 * the party runs and publishes a signed report; and `abort` at any time (a party is gone, the
 * deadline passed, another party failed, a party refused the order).
 *
 * Every message is signed (Ed25519 over the RFC 8785 canonical JSON of `{ domain, body }`): the
 * coordinator signs dispatch messages and each party signs its reports. The domain string keeps
 * a signature over one kind of message from being valid for another.
 */
import type { SecurityMode } from '../../protocols/rss/context.js';
import { canonicalJsonBytes } from '../../crypto-core/canonical-json.js';
import { fromBase64, fromHex, toBase64, toHex } from '../../crypto-core/encoding.js';
import { sign, verifySignature } from '../../crypto-core/keys/signing.js';
import { digestView, hasDigestMark } from './digest-view.js';
import type { PartyIndex } from '../../protocols/channel/channel.js';

import type { PartyJobKind } from './job-kinds.js';

/** The kinds a party may run (services/wire/job-kinds). */
export { PARTY_JOB_KINDS, type PartyJobKind } from './job-kinds.js';

/** A party taking part in a job, with the keys the others use to reach it. */
export interface PartyRef {
  id: string;
  index: PartyIndex;
  /** Ed25519 public key (hex): verifies its reports. */
  signingPublicKey: string;
  /** X25519 public key (hex): channel keys and sealed inputs. */
  agreementPublicKey: string;
}

/** What one party is asked to do. */
export interface JobOrder {
  jobId: string;
  kind: PartyJobKind;
  /** Service id of the addressee. */
  to: string;
  /** The three parties by index. */
  parties: [PartyRef, PartyRef, PartyRef];
  /** Epoch milliseconds. */
  issuedAt: number;
  /** Epoch milliseconds after which the job is void. */
  deadline: number;
  /** The kind's payload for this party only (its sealed inputs, never another party's). */
  payload: unknown;
  /**
   * When the party starts: absent, on the coordinator's signed `start`; `peers-listening`, as
   * soon as both peers have announced over the sealed channel that they listen.
   */
  startWhen?: 'peers-listening';
  /**
   * The protocols' security (protocols/rss/context SecurityMode): absent means `semi-honest`;
   * `malicious` runs every product and comparison verified, with abort before any output
   * (docs/protocols-malicious.md). The parties sign the mode into their output statements.
   */
  security?: SecurityMode;
  /**
   * For each slot held by a promoted standby, the operators' signed promotion decisions
   * (wire/party-governance): every party checks them against its own operator keys before it
   * accepts a party its configuration does not pin for that slot (docs/governance.md).
   */
  promotions?: { slot: PartyIndex; decisions: unknown[] }[];
}

/** Coordinator -> party. */
export type DispatchMessage =
  | { type: 'prepare'; order: JobOrder }
  | { type: 'start'; jobId: string; to: string; issuedAt: number }
  | { type: 'abort'; jobId: string; to: string; issuedAt: number; code: string; message: string; party?: number };

/** Party -> coordinator, the reply to a dispatch message. */
export type DispatchReply = { ok: true } | { ok: false; reason: string; message: string };

/** Communication and time of one party's part of a job. */
export interface PartyJobStats {
  rounds: number;
  bytesSent: number;
  bytesReceived: number;
  durationMs: number;
  /** Per-iteration protocol times when the job repeats its operation (benchmarks). */
  iterationMs?: number[];
}

/** Party -> coordinator, on `subjects.jobReport(jobId)`. */
export type PartyReport =
  | {
      type: 'result';
      jobId: string;
      party: PartyIndex;
      result: unknown;
      stats: PartyJobStats;
      /** Commitments to the two output components this party holds (output-commitments), by component index. */
      commitments?: Record<string, string>;
    }
  | {
      type: 'failure';
      jobId: string;
      party: PartyIndex;
      /**
       * `verification`: a failed malicious-mode check (protocols/rss VerificationFailedError): the
       * step, the check and the parties this party's view implicates (never itself). Signed with
       * the report, it is the party's accusation; the coordinator logs it as `verification.failed`.
       */
      error: { code: string; message: string; party?: number; verification?: { step: string; check: string; suspects: number[] } };
    };

/** A message with its signer and signature. */
export interface Signed<T> {
  body: T;
  /** Ed25519 public key of the signer (hex). */
  signer: string;
  /** Signature (base64) of canonical JSON `{ domain, body }`. */
  signature: string;
}

/** Domain strings of the two message families. */
export const DISPATCH_DOMAIN = 'mpc-dispatch/v1';
export const REPORT_DOMAIN = 'mpc-report/v1';

/** Signs `body` under `domain` with the Ed25519 key pair `key`. */
export function signMessage<T>(domain: string, body: T, key: { publicKey: Uint8Array; secretKey: Uint8Array }): Signed<T> {
  const sig = sign(canonicalJsonBytes({ domain, body: digestView(body) }), key.secretKey);
  return { body, signer: toHex(key.publicKey), signature: toBase64(sig) };
}

/**
 * The body of `signed` when it is signed under `domain` by `expectedSigner` (32-byte Ed25519
 * public key), else undefined. Never throws: a malformed message simply does not verify.
 */
export function verifyMessage<T>(domain: string, signed: unknown, expectedSigner: Uint8Array): T | undefined {
  try {
    if (typeof signed !== 'object' || signed === null) return undefined;
    const s = signed as Signed<T>;
    if (typeof s.signer !== 'string' || typeof s.signature !== 'string' || s.body === undefined || hasDigestMark(s.body)) return undefined;
    const signer = fromHex(s.signer, 'signer', 32);
    if (Buffer.compare(Buffer.from(signer), Buffer.from(expectedSigner)) !== 0) return undefined;
    const ok = verifySignature(fromBase64(s.signature, 'signature'), canonicalJsonBytes({ domain, body: digestView(s.body) }), signer);
    return ok ? s.body : undefined;
  } catch {
    return undefined;
  }
}

/** Domain of service announcements. */
export const ANNOUNCE_DOMAIN = 'mpc-announce/v1';

/** Service -> coordinator on `subjects.announce`, signed by the service: "I am up". */
export interface AnnounceMessage {
  id: string;
  kind: 'party' | 'he-worker' | 'gateway';
  index?: number;
  signingPublicKey: string;
  agreementPublicKey: string;
  /** Epoch ms; the coordinator ignores announcements older than a minute (replays). */
  at: number;
  /** Job kinds the service runs. */
  capabilities: string[];
}

/** Reply of a service to `subjects.health(id)`. */
export interface HealthReply {
  id: string;
  ready: boolean;
  activeJobs: number;
  capabilities: string[];
}
