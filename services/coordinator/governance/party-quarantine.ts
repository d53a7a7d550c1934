/**
 * @module services/coordinator/governance/party-quarantine
 * Quarantine and reinstatement of parties (docs/governance.md). The coordinator recomputes every
 * party's reputation (services/audit/reputation, a pure function of the audit log) when the log
 * has grown, at most every `recomputeMs`, and on each `parties.reputation` call; a party the
 * report says to quarantine gets no new jobs (ServiceRegistry.quarantine: placement refuses it,
 * and with no other party for its index a job fails at once with `party-quarantined`), a
 * `party.quarantined` entry records the leaf hashes of the entries it rests on, and the record is
 * kept in KV (`mpc_quarantine`), so a restarted coordinator keeps it.
 *
 * Quarantines are enforced only when `governance.operators` name at least `quorum` organisations
 * (otherwise nobody could lift one): without, reputations are computed and reported only.
 *
 * Reinstatement (`parties.reinstate`, admin) needs Ed25519-signed decisions
 * (wire/party-governance) naming the party and the quarantine's id from `quorum` distinct
 * configured operator keys of organisations that do not run the party. It appends
 * `party.reinstated` with the signers; from that entry on the party's reputation starts afresh.
 */
import { RESIDENCY_UNPLACEABLE } from '../../wire/job-error-codes.js';
import { createHash } from 'node:crypto';
import { canonicalJsonBytes } from '../../../crypto-core/canonical-json.js';
import { fromHex } from '../../../crypto-core/encoding.js';
import { computeReputation, entryDigest, reputationJson, type ReputationReport, type ReputationThresholds } from '../../audit/reputation.js';
import type { AuditEntry, AuditEvent } from '../../wire/audit-entry.js';
import type { CoordinatorMethods } from '../../wire/api.js';
import { checkOperatorQuorum, isRecentDecision, type OperatorKey } from '../../wire/operator-decisions.js';
import { PROMOTION_DOMAIN, REINSTATEMENT_DOMAIN, promotionKey, type GovernanceRecord, type PromotionDecision, type PromotionRecord, type QuarantineRecord, type ReinstatementDecision } from '../../wire/party-governance.js';
import type { ServiceLog } from '../../transport/service-log.js';
import { KvRecords } from '../kv-records.js';
import type { JetStreamClient } from 'nats';
import type { AuditSink } from '../audit/audit-sink.js';
import { ApiFailure } from '../errors.js';
import { checkPrincipal, requireRole } from '../principal-check.js';
import type { ServiceRegistry } from '../service-registry.js';

export type { OperatorKey } from '../../wire/operator-decisions.js';

/** Governance settings (coordinator config `governance`). */
export interface GovernanceSettings {
  thresholds?: Partial<ReputationThresholds>;
  operators?: readonly OperatorKey[];
  /** Distinct operator keys of other organisations a reinstatement needs (default 2). */
  quorum?: number;
  /** Least pause between recomputations (default 1000 ms). */
  recomputeMs?: number;
  /** Probe every incident with a standby in each seat (default true; governance/incident-probes). */
  probes?: boolean;
  /** Organisations whose operators must approve a model activation or rollback (default 0: none; models/model-rollout-methods). */
  activationQuorum?: number;
}

/** What the quarantine reads the log through (AuditLog and MemoryMerkleLog fit). */
export interface QuarantineLogReader {
  readonly size: number;
  entries(query: { from: number; to?: number }): AuditEntry[];
}

const METHODS = ['parties.reputation', 'parties.reinstate', 'parties.promote'] as const;


/** The quarantine (an ApiExtension of CoordinatorApi). */
export class PartyQuarantine {
  readonly #records = new Map<string, QuarantineRecord>();
  readonly #promotions = new Map<string, PromotionRecord>();
  readonly #o: { actor: string; registry: ServiceRegistry; audit: AuditSink; log: QuarantineLogReader; store?: KvRecords<GovernanceRecord>; logger: ServiceLog; settings: GovernanceSettings };
  readonly #quorum: number;
  /** Quarantines are enforced only when operators of `quorum` organisations could lift them. */
  readonly enforcing: boolean;
  #computedAt = -1;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(opts: { actor: string; registry: ServiceRegistry; audit: AuditSink; log: QuarantineLogReader; store?: KvRecords<GovernanceRecord>; records?: Map<string, GovernanceRecord>; logger: ServiceLog; settings?: GovernanceSettings }) {
    this.#o = { ...opts, settings: opts.settings ?? {} };
    this.#quorum = opts.settings?.quorum ?? 2;
    if (!Number.isSafeInteger(this.#quorum) || this.#quorum < 1) throw new RangeError(`governance.quorum: expected an integer >= 1, got ${String(opts.settings?.quorum)}`);
    for (const op of opts.settings?.operators ?? []) fromHex(op.publicKey, `governance.operators[${op.id}].publicKey`, 32);
    // Without operator keys of enough organisations nobody could reinstate a party, and a party
    // that merely crashed a few times would be shut out for good: report, do not quarantine.
    this.enforcing = new Set((opts.settings?.operators ?? []).map((o) => o.organisation)).size >= this.#quorum;
    if (!this.enforcing) {
      opts.logger.info('quarantine-not-enforced', { reason: `governance.operators name fewer than ${this.#quorum} organisations (the reinstatement quorum): reputations are computed and reported, no party is quarantined` });
      return;
    }
    for (const [key, rec] of opts.records ?? []) {
      if (key.startsWith('promotion.')) {
        const p = rec as PromotionRecord;
        this.#promotions.set(p.standbyId, p);
        opts.registry.promote(p);
        continue;
      }
      if (key.includes('.')) continue; // other governance records (resharings)
      this.#records.set(key, rec as QuarantineRecord);
      opts.registry.quarantine(key, (rec as QuarantineRecord).because);
    }
  }

  /** Starts recomputing on a schedule (stopped by {@link stop}). */
  start(): void {
    this.#timer = setInterval(() => this.recompute(), this.#o.settings.recomputeMs ?? 1000);
    this.#timer.unref?.();
  }

  /** Stops the schedule. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The quarantines in force, by service id. */
  get quarantined(): QuarantineRecord[] {
    return [...this.#records.values()].sort((a, b) => (a.serviceId < b.serviceId ? -1 : 1));
  }

  /** The promotions in force, by standby id. */
  get promotions(): PromotionRecord[] {
    return [...this.#promotions.values()].sort((a, b) => (a.standbyId < b.standbyId ? -1 : 1));
  }

  /** Recomputes the reputation over the whole log and quarantines whom it says (when the log grew); returns the report. */
  recompute(force = false): ReputationReport | undefined {
    const size = this.#o.log.size;
    if (!force && size === this.#computedAt) return undefined;
    this.#computedAt = size;
    const entries = this.#o.log.entries({ from: 0, to: size });
    const report = computeReputation(entries, this.#o.settings.thresholds);
    if (!this.enforcing) return report;
    for (const p of report.parties) {
      if (!p.quarantine || this.#records.has(p.serviceId) || !this.#o.registry.trusted(p.serviceId)) continue;
      const evidence = p.evidence.map((seq) => entryDigest(entries[seq]!));
      const rec: QuarantineRecord = {
        id: createHash('sha256').update(canonicalJsonBytes({ serviceId: p.serviceId, evidence })).digest('hex'),
        serviceId: p.serviceId,
        since: new Date().toISOString(),
        because: p.because,
        evidence,
        evidenceSeq: p.evidence,
      };
      this.#records.set(p.serviceId, rec);
      this.#o.registry.quarantine(p.serviceId, rec.because);
      void this.#o.store?.write(p.serviceId, rec);
      // Up to 15 entry digests by name, and one over all of them (the record lists every one).
      const hashes: Record<string, string> = { evidence: createHash('sha256').update(evidence.join('\n')).digest('hex') };
      p.evidence.slice(0, 15).forEach((seq, k) => (hashes[`entry-${seq}`] = evidence[k]!));
      this.#append({ type: 'party.quarantined', actor: this.#o.actor, serviceId: p.serviceId, reason: `${rec.because} (${evidence.length} entries)`.slice(0, 200), hashes: { ...hashes, quarantine: rec.id } });
      this.#o.logger.warn('party-quarantined', { serviceId: p.serviceId, because: rec.because, evidence: p.evidence.join(',') });
    }
    return report;
  }

  handles(method: string): boolean {
    return (METHODS as readonly string[]).includes(method);
  }

  async call(method: string, req: unknown): Promise<unknown> {
    const r = (req ?? {}) as Record<string, unknown>;
    const principal = checkPrincipal(r.principal);
    if (method === 'parties.reputation') {
      if (!principal.roles.includes('auditor')) requireRole(principal, 'admin', 'reading party reputations');
      const report = this.recompute(true)!;
      return { report: reputationJson(report), quarantined: this.quarantined } satisfies CoordinatorMethods['parties.reputation']['res'];
    }
    if (method === 'parties.reinstate') {
      requireRole(principal, 'admin', 'reinstating a party');
      if (typeof r.serviceId !== 'string') throw new ApiFailure('invalid-request', 400, 'serviceId: expected a service id');
      if (!Array.isArray(r.decisions)) throw new ApiFailure('invalid-request', 400, 'decisions: expected an array of signed reinstatement decisions');
      return this.reinstate(r.serviceId, r.decisions);
    }
    if (method === 'parties.promote') {
      requireRole(principal, 'admin', 'promoting a standby');
      if (typeof r.serviceId !== 'string') throw new ApiFailure('invalid-request', 400, 'serviceId: expected the service id of the quarantined party');
      if (typeof r.standbyId !== 'string') throw new ApiFailure('invalid-request', 400, 'standbyId: expected the service id of a registered standby');
      if (!Array.isArray(r.decisions)) throw new ApiFailure('invalid-request', 400, 'decisions: expected an array of signed promotion decisions');
      return this.promote(r.serviceId, r.standbyId, r.decisions);
    }
    throw new ApiFailure('invalid-request', 400, `method: ${JSON.stringify(method)} is not a parties method`);
  }

  /**
   * Lifts the quarantine of `serviceId` when `decisions` carry valid signatures of `quorum`
   * distinct operators of other organisations over a decision naming it and its quarantine.
   * @throws ApiFailure `not-quarantined` (409), `reinstatement-refused` (403) saying which signatures failed.
   */
  reinstate(serviceId: string, decisions: readonly unknown[], now = Date.now()): CoordinatorMethods['parties.reinstate']['res'] {
    const rec = this.#records.get(serviceId);
    if (!rec) throw new ApiFailure('not-quarantined', 409, `${serviceId} is not quarantined`);
    const verdict = checkOperatorQuorum<ReinstatementDecision>(decisions, {
      domain: REINSTATEMENT_DOMAIN,
      operators: this.#o.settings.operators ?? [],
      quorum: this.#quorum,
      about: serviceId,
      mismatch: (body) => {
        if (body.type !== 'party-reinstatement' || body.serviceId !== serviceId || body.quarantine !== rec.id) return ` signed another decision (not the reinstatement of ${serviceId} from quarantine ${rec.id.slice(0, 12)})`;
        return isRecentDecision(body.issuedAt, now) ? undefined : "'s decision is not recent";
      },
    });
    if (!verdict.ok) {
      throw new ApiFailure('reinstatement-refused', 403, `reinstating ${serviceId} needs decisions of ${this.#quorum} operators of other organisations, got ${verdict.organisations}${verdict.refused.length ? `: ${verdict.refused.join('; ')}` : ''}`.slice(0, 1000));
    }
    const list = verdict.signers;
    this.#records.delete(serviceId);
    this.#o.registry.reinstate(serviceId);
    void this.#o.store?.write(serviceId, null);
    this.#append({ type: 'party.reinstated', actor: this.#o.actor, serviceId, signers: list, reason: `reinstated by ${list.length} operators`, hashes: { quarantine: rec.id } });
    return { serviceId, signers: list };
  }

  /**
   * Promotes standby `standbyId` into the slot of the quarantined `serviceId` when `decisions`
   * carry valid signatures of `quorum` operators of organisations that do not run `serviceId`,
   * over a decision naming the slot, the standby with its keys, the replaced party and its
   * quarantine. From then on the registry places that slot's jobs on the standby, and every job
   * order carries the decisions, which the parties check themselves (services/party/job-gate).
   * The quarantine stays in force (the old party gets no jobs). Appends `party.promoted`.
   * @throws ApiFailure `not-quarantined` (409), `not-a-standby` (409), `promotion-refused` (403).
   */
  promote(serviceId: string, standbyId: string, decisions: readonly unknown[], now = Date.now()): CoordinatorMethods['parties.promote']['res'] {
    const rec = this.#records.get(serviceId);
    if (!rec) throw new ApiFailure('not-quarantined', 409, `${serviceId} is not quarantined: a standby replaces only a quarantined party`);
    const old = this.#o.registry.trusted(serviceId);
    const standby = this.#o.registry.trusted(standbyId);
    if (!standby?.standby || standby.kind !== 'party') throw new ApiFailure('not-a-standby', 409, `${standbyId} is not a registered standby (coordinator config services[].standby)`);
    if (old?.index === undefined || standby.index !== old.index) throw new ApiFailure('not-a-standby', 409, `${standbyId} stands by for slot ${String(standby.index)}, ${serviceId} holds slot ${String(old?.index)}`);
    if (this.#promotions.has(standbyId)) throw new ApiFailure('not-a-standby', 409, `${standbyId} was already promoted into slot ${standby.index}`);
    // Residency: the slot's shares were placed for the replaced party's region; the standby receives them all.
    if (old.region !== standby.region) {
      const where = (t: { region?: string }): string => (t.region === undefined ? 'no configured region' : `region ${JSON.stringify(t.region)}`);
      throw new ApiFailure(RESIDENCY_UNPLACEABLE, 409, `${standbyId} is in ${where(standby)}, ${serviceId} in ${where(old)}: the slot's shares may be bound to ${serviceId}'s region, so a standby of another region cannot take it`);
    }
    const slot = standby.index as 0 | 1 | 2;
    const verdict = checkOperatorQuorum<PromotionDecision>(decisions, {
      domain: PROMOTION_DOMAIN,
      operators: this.#o.settings.operators ?? [],
      quorum: this.#quorum,
      about: serviceId,
      mismatch: (b) => {
        if (b.type !== 'party-promotion' || b.slot !== slot || b.standbyId !== standbyId || b.replaces !== serviceId || b.quarantine !== rec.id) return ` signed another decision (not the promotion of ${standbyId} into slot ${slot} of ${serviceId}, quarantine ${rec.id.slice(0, 12)})`;
        if (b.signingPublicKey !== standby.signingPublicKey || b.agreementPublicKey !== standby.agreementPublicKey) return ` signed other keys for ${standbyId} than the coordinator trusts`;
        return isRecentDecision(b.issuedAt, now) ? undefined : "'s decision is not recent";
      },
    });
    if (!verdict.ok) {
      throw new ApiFailure('promotion-refused', 403, `promoting ${standbyId} into the slot of ${serviceId} needs decisions of ${this.#quorum} operators of other organisations, got ${verdict.organisations}${verdict.refused.length ? `: ${verdict.refused.join('; ')}` : ''}`.slice(0, 1000));
    }
    // Only the decisions that count travel in the orders.
    const counted = decisions.filter((d) => verdict.signers.includes((this.#o.settings.operators ?? []).find((o) => o.publicKey.toLowerCase() === String((d as { signer?: unknown }).signer).toLowerCase())?.id ?? ''));
    const promotion: PromotionRecord = { slot, standbyId, replaces: serviceId, quarantine: rec.id, signers: verdict.signers, decisions: counted, since: new Date(now).toISOString() };
    this.#o.registry.promote(promotion);
    this.#promotions.set(standbyId, promotion);
    void this.#o.store?.write(promotionKey(standbyId), promotion);
    const hashes: Record<string, string> = { quarantine: rec.id };
    counted.slice(0, 15).forEach((d, k) => (hashes[`decision-${k}`] = createHash('sha256').update(canonicalJsonBytes(d)).digest('hex')));
    this.#append({ type: 'party.promoted', actor: this.#o.actor, serviceId: standbyId, party: slot, signers: verdict.signers, reason: `standby ${standbyId} takes slot ${slot} of ${serviceId}`.slice(0, 200), hashes });
    this.#o.logger.warn('party-promoted', { standbyId, slot, replaces: serviceId, signers: verdict.signers.join(',') });
    return { serviceId, standbyId, slot, signers: verdict.signers };
  }

  #append(event: AuditEvent): void {
    try {
      void Promise.resolve(this.#o.audit.append(event)).catch((e: unknown) => this.#o.logger.warn('audit-append-failed', { type: event.type, message: String(e) }));
    } catch (e) {
      this.#o.logger.warn('audit-append-failed', { type: event.type, message: String(e) });
    }
  }
}

/** Opens the KV bucket of quarantines in force (`mpc_quarantine`), with what it holds. */
export async function openQuarantineStore(js: JetStreamClient, opts: { replicas?: number; bucket?: string; onPersistError?: (e: unknown) => void } = {}): Promise<{ store: KvRecords<QuarantineRecord>; records: Map<string, QuarantineRecord> }> {
  return await KvRecords.open<QuarantineRecord>(js, { bucket: opts.bucket ?? 'mpc_quarantine', replicas: opts.replicas ?? 1, onError: (_k, e) => opts.onPersistError?.(e) });
}
