/**
 * @module services/party/job-gate
 * The checks a party makes before it touches a job message. It runs only what it can verify:
 * a dispatch message must be signed by the coordinator key the party was configured with, be
 * addressed to this party, be of a kind it runs, be within its deadline, and (for a new job)
 * carry a job id it has not accepted before. The party's own entry in the order must match its
 * keys, and peers must match pinned keys when the configuration pins them. Every refusal is a
 * {@link JobRefusedError} with a reason that the party logs and returns to the sender.
 *
 * A slot may name another party than the pinned one, and a standby runs at all, only when the
 * order carries, for that slot, decisions promoting exactly that party (id and both keys),
 * signed by operators of `quorum` organisations that do not run the party it replaces, under
 * the operator keys in this party's own configuration: the coordinator alone cannot swap a
 * party in.
 */
import { fromHex } from '../../crypto-core/encoding.js';
import type { PartyIndex } from '../../protocols/channel/channel.js';
import { DISPATCH_DOMAIN, PARTY_JOB_KINDS, verifyMessage, type DispatchMessage, type JobOrder } from '../wire/job-messages.js';
import { JOB_ID_RE } from '../transport/channel-keys.js';
import { checkOperatorQuorum, type OperatorKey } from '../wire/operator-decisions.js';
import { PROMOTION_DOMAIN, type PromotionDecision } from '../wire/party-governance.js';
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
  /**
   * This party is a standby for `selfIndex`: it runs only orders that carry the operators'
   * decision promoting it (docs/governance.md "Standby parties").
   */
  standby?: boolean;
  /**
   * The operator keys and quorum whose signed promotion decisions let a party take a slot other
   * than the one pinned (and a standby take its own). Without, no promotion is accepted.
   */
  governance?: { operators: readonly OperatorKey[]; quorum: number };
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
    if (order.kind === 'mpc-probe') return this.#checkProbe(order);
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
      const isSelf = idx === this.#o.selfIndex;
      const differs = pinned !== undefined && (pinned.agreementPublicKey !== p.agreementPublicKey || pinned.signingPublicKey !== p.signingPublicKey);
      if (differs && isSelf) throw new JobRefusedError('not-addressed', `job ${j}: parties[${idx}] keys differ from the keys this party knows for index ${idx}`);
      const promoted = Array.isArray(order.promotions) && order.promotions.some((e) => e?.slot === idx);
      if (differs && !promoted) throw new JobRefusedError('not-addressed', `job ${j}: parties[${idx}] keys differ from the keys this party knows for index ${idx}, and the order carries no promotion decisions for that slot`);
      if (differs || (isSelf && this.#o.standby)) {
        const why = this.#promotionRefusal(order, idx);
        if (why) throw new JobRefusedError('not-promoted', `job ${j}: ${isSelf ? `this party is a standby for slot ${idx}` : `parties[${idx}] (${String(p.id)}) is not the party this party pins for slot ${idx}`} and ${why}`);
      }
    }
    if (order.parties[this.#o.selfIndex].id !== this.#o.selfId) throw new JobRefusedError('not-addressed', `job ${j}: index ${this.#o.selfIndex} is ${order.parties[this.#o.selfIndex].id}, not this party`);
    if (order.promotions !== undefined && !Array.isArray(order.promotions)) throw new JobRefusedError('malformed', `job ${j}: promotions is not a list`);
    return this.#accept(order);
  }

  /**
   * A probe (services/wire/probe-job): public operands only, so peers are not checked against
   * pins or promotions and this party (a standby too) may sit in any seat; it must appear once,
   * under its own keys, and the probe must run in malicious mode.
   */
  #checkProbe(order: JobOrder): JobOrder {
    const j = order.jobId;
    if (order.security !== 'malicious') throw new JobRefusedError('malformed', `job ${j}: a probe runs in malicious mode only`);
    if (order.promotions !== undefined) throw new JobRefusedError('malformed', `job ${j}: a probe carries no promotions`);
    const seats = order.parties.flatMap((p, idx) => (p?.id === this.#o.selfId ? [idx] : []));
    if (seats.length !== 1) throw new JobRefusedError('not-addressed', `job ${j}: this party holds ${seats.length} seats of the probe, not one`);
    for (const [idx, p] of order.parties.entries()) {
      if (!p || p.index !== idx) throw new JobRefusedError('malformed', `job ${j}: parties[${idx}] has index ${String(p?.index)}`);
    }
    const me = order.parties[seats[0]!]!;
    if (me.signingPublicKey !== this.#o.selfSigningPublicKey || me.agreementPublicKey !== this.#o.selfAgreementPublicKey) throw new JobRefusedError('not-addressed', `job ${j}: parties[${seats[0]}] keys differ from this party's keys`);
    return this.#accept(order);
  }

  #accept(order: JobOrder): JobOrder {
    const j = order.jobId;
    if (this.#o.seenJobs.has(j)) throw new JobRefusedError('replayed', `job ${j} was accepted before; a job id runs once`);
    this.#o.seenJobs.add(j, order.deadline);
    return order;
  }

  /** Why the order's promotion of the party in slot `idx` does not hold, or undefined when it does. */
  #promotionRefusal(order: JobOrder, idx: PartyIndex): string | undefined {
    const p = order.parties[idx];
    const entry = Array.isArray(order.promotions) ? order.promotions.find((e) => e?.slot === idx) : undefined;
    if (!entry || !Array.isArray(entry.decisions)) return 'the order carries no promotion decisions for that slot';
    if (!this.#o.governance) return 'this party has no operator keys configured to check a promotion (config governance.operators)';
    const replaces = (entry.decisions[0] as { body?: { replaces?: unknown } } | undefined)?.body?.replaces;
    if (typeof replaces !== 'string') return 'the first promotion decision names no replaced party';
    const verdict = checkOperatorQuorum<PromotionDecision>(entry.decisions, {
      domain: PROMOTION_DOMAIN,
      operators: this.#o.governance.operators,
      quorum: this.#o.governance.quorum,
      about: replaces,
      mismatch: (b) => {
        if (b.type !== 'party-promotion' || b.slot !== idx || b.standbyId !== p.id || b.replaces !== replaces) return ` signed another decision (not the promotion of ${p.id} into slot ${idx} in place of ${replaces})`;
        if (b.signingPublicKey !== p.signingPublicKey || b.agreementPublicKey !== p.agreementPublicKey) return ` signed other keys for ${p.id} than the order names`;
        return undefined;
      },
    });
    if (verdict.ok) return undefined;
    return `its promotion needs decisions of ${this.#o.governance.quorum} operators of organisations other than ${replaces}'s, got ${verdict.organisations}${verdict.refused.length ? `: ${verdict.refused.join('; ')}` : ''}`.slice(0, 600);
  }
}
