/**
 * @module services/party/job-gate
 * The checks a party makes before it touches a job message. It runs only what it can verify:
 * a dispatch message must be signed by the coordinator key the party was configured with, be
 * addressed to this party, be of a kind it runs, be within its deadline, and (for a new job)
 * carry a job id it has not accepted before. The party's own entry in the order must match its
 * keys, and peers must match pinned keys when the configuration pins them. Every refusal is a
 * {@link JobRefusedError} with a reason that the party logs and returns to the sender.
 */
import { fromHex } from '../../crypto-core/encoding.js';
import type { PartyIndex } from '../../protocols/channel/channel.js';
import { DISPATCH_DOMAIN, PARTY_JOB_KINDS, verifyMessage, type DispatchMessage, type JobOrder } from '../wire/job-messages.js';
import { JOB_ID_RE } from '../transport/channel-keys.js';
import { JobRefusedError } from './errors.js';
import type { SeenJobs } from './seen-jobs.js';

/** Who the party is and whom it trusts. */
export interface JobGateOptions {
  selfId: string;
  selfIndex: PartyIndex;
  /** This party's public keys (hex), which the order must name for it. */
  selfSigningPublicKey: string;
  selfAgreementPublicKey: string;
  /** The coordinator's Ed25519 public key. */
  coordinatorKey: Uint8Array;
  seenJobs: SeenJobs;
  /** Pinned peer keys by index (hex): when present, an order naming other keys is refused. */
  pinnedPeers?: Partial<Record<PartyIndex, { signingPublicKey: string; agreementPublicKey: string }>>;
  /** Clock in epoch ms (a parameter so that tests can move time). */
  now?: () => number;
  /** Kinds this party runs (default: every kind it has a runner for). */
  kinds: readonly string[];
}

/** Verifies dispatch messages for one party. */
export class JobGate {
  readonly #o: JobGateOptions;
  readonly #now: () => number;

  constructor(opts: JobGateOptions) {
    this.#o = opts;
    this.#now = opts.now ?? Date.now;
  }

  /**
   * The verified message inside `signed`.
   * @throws JobRefusedError with the first reason that applies.
   */
  check(signed: unknown): DispatchMessage {
    const msg = verifyMessage<DispatchMessage>(DISPATCH_DOMAIN, signed, this.#o.coordinatorKey);
    if (!msg) throw new JobRefusedError('bad-signature', 'dispatch message is not signed by the configured coordinator key');
    if (typeof msg !== 'object' || msg === null || typeof (msg as { type?: unknown }).type !== 'string') throw new JobRefusedError('malformed', 'dispatch message has no type');
    if (msg.type === 'prepare') return { type: 'prepare', order: this.#checkOrder(msg.order) };
    if (msg.type === 'start' || msg.type === 'abort') {
      if (msg.to !== this.#o.selfId) throw new JobRefusedError('not-addressed', `${msg.type} for job ${String(msg.jobId)} is addressed to ${JSON.stringify(msg.to)}, not ${this.#o.selfId}`);
      if (typeof msg.jobId !== 'string' || !JOB_ID_RE.test(msg.jobId)) throw new JobRefusedError('malformed', 'jobId is not a valid id');
      return msg;
    }
    throw new JobRefusedError('malformed', `unknown dispatch message type ${JSON.stringify((msg as { type: unknown }).type)}`);
  }

  #checkOrder(order: JobOrder): JobOrder {
    if (typeof order !== 'object' || order === null) throw new JobRefusedError('malformed', 'prepare without an order');
    if (typeof order.jobId !== 'string' || !JOB_ID_RE.test(order.jobId)) throw new JobRefusedError('malformed', `jobId ${JSON.stringify(order.jobId)} is not a valid id`);
    const j = order.jobId;
    if (order.to !== this.#o.selfId) throw new JobRefusedError('not-addressed', `job ${j} is addressed to ${JSON.stringify(order.to)}, not ${this.#o.selfId}`);
    if (!(PARTY_JOB_KINDS as readonly string[]).includes(order.kind) || !this.#o.kinds.includes(order.kind)) {
      throw new JobRefusedError('unknown-kind', `job ${j} has kind ${JSON.stringify(order.kind)}, which this party does not run`);
    }
    if (typeof order.deadline !== 'number' || !(order.deadline > this.#now())) throw new JobRefusedError('expired', `job ${j} deadline ${new Date(Number(order.deadline) || 0).toISOString()} has passed`);
    if (order.security !== undefined && order.security !== 'semi-honest' && order.security !== 'malicious') {
      throw new JobRefusedError('malformed', `job ${j}: unknown security ${JSON.stringify(order.security)}`);
    }
    if (!Array.isArray(order.parties) || order.parties.length !== 3) throw new JobRefusedError('malformed', `job ${j} does not name three parties`);
    for (const idx of [0, 1, 2] as const) {
      const p = order.parties[idx];
      if (!p || p.index !== idx) throw new JobRefusedError('malformed', `job ${j}: parties[${idx}] has index ${String(p?.index)}`);
      try {
        fromHex(p.agreementPublicKey, `parties[${idx}].agreementPublicKey`, 32);
        fromHex(p.signingPublicKey, `parties[${idx}].signingPublicKey`, 32);
      } catch (cause) {
        throw new JobRefusedError('malformed', `job ${j}: parties[${idx}] keys are not 32-byte hex`, { cause });
      }
      const pinned = idx === this.#o.selfIndex
        ? { signingPublicKey: this.#o.selfSigningPublicKey, agreementPublicKey: this.#o.selfAgreementPublicKey }
        : this.#o.pinnedPeers?.[idx];
      if (pinned && (pinned.agreementPublicKey !== p.agreementPublicKey || pinned.signingPublicKey !== p.signingPublicKey)) {
        throw new JobRefusedError('not-addressed', `job ${j}: parties[${idx}] keys differ from the keys this party knows for index ${idx}`);
      }
    }
    if (order.parties[this.#o.selfIndex].id !== this.#o.selfId) throw new JobRefusedError('not-addressed', `job ${j}: index ${this.#o.selfIndex} is ${order.parties[this.#o.selfIndex].id}, not this party`);
    if (this.#o.seenJobs.has(j)) throw new JobRefusedError('replayed', `job ${j} was accepted before; a job id runs once`);
    this.#o.seenJobs.add(j, order.deadline);
    return order;
  }
}

