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
import { createHash } from 'node:crypto';
import { canonicalJsonBytes } from '../../../crypto-core/canonical-json.js';
import { fromHex } from '../../../crypto-core/encoding.js';
import { computeReputation, entryDigest, reputationJson, type ReputationReport, type ReputationThresholds } from '../../audit/reputation.js';
import type { AuditEntry, AuditEvent } from '../../wire/audit-entry.js';
import type { CoordinatorMethods } from '../../wire/api.js';
import { verifyMessage } from '../../wire/job-messages.js';
import { REINSTATEMENT_DOMAIN, type QuarantineRecord, type ReinstatementDecision } from '../../wire/party-governance.js';
import type { ServiceLog } from '../../transport/service-log.js';
import { KvRecords } from '../kv-records.js';
import type { JetStreamClient } from 'nats';
import type { AuditSink } from '../audit/audit-sink.js';
import { ApiFailure } from '../errors.js';
import { checkPrincipal, requireRole } from '../principal-check.js';
import type { ServiceRegistry } from '../service-registry.js';

/** An operator key allowed to sign reinstatements. */
export interface OperatorKey {
  /** Key id, recorded in `party.reinstated` (an identifier). */
  id: string;
  /** The operator's organisation. */
  organisation: string;
  /** Ed25519 public key, 64 hex digits. */
  publicKey: string;
  /** Service ids the organisation runs: its key does not count for reinstating them. */
  runs: string[];
}

/** Governance settings (coordinator config `governance`). */
export interface GovernanceSettings {
  thresholds?: Partial<ReputationThresholds>;
  operators?: readonly OperatorKey[];
  /** Distinct operator keys of other organisations a reinstatement needs (default 2). */
  quorum?: number;
  /** Least pause between recomputations (default 1000 ms). */
  recomputeMs?: number;
}

/** What the quarantine reads the log through (AuditLog and MemoryMerkleLog fit). */
export interface QuarantineLogReader {
  readonly size: number;
  entries(query: { from: number; to?: number }): AuditEntry[];
}

const METHODS = ['parties.reputation', 'parties.reinstate'] as const;
const DECISION_MAX_AGE_MS = 24 * 3600_000;

/** The quarantine (an ApiExtension of CoordinatorApi). */
export class PartyQuarantine {
  readonly #records = new Map<string, QuarantineRecord>();
  readonly #o: { actor: string; registry: ServiceRegistry; audit: AuditSink; log: QuarantineLogReader; store?: KvRecords<QuarantineRecord>; logger: ServiceLog; settings: GovernanceSettings };
  readonly #quorum: number;
  /** Quarantines are enforced only when operators of `quorum` organisations could lift them. */
  readonly enforcing: boolean;
  #computedAt = -1;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(opts: { actor: string; registry: ServiceRegistry; audit: AuditSink; log: QuarantineLogReader; store?: KvRecords<QuarantineRecord>; records?: Map<string, QuarantineRecord>; logger: ServiceLog; settings?: GovernanceSettings }) {
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
    for (const [id, rec] of opts.records ?? []) {
      this.#records.set(id, rec);
      opts.registry.quarantine(id, rec.because);
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
    const signers = new Set<string>();
    const refused: string[] = [];
    for (const [k, d] of decisions.entries()) {
      const signer = typeof (d as { signer?: unknown } | null)?.signer === 'string' ? (d as { signer: string }).signer.toLowerCase() : undefined;
      const op = (this.#o.settings.operators ?? []).find((o) => o.publicKey.toLowerCase() === signer);
      if (!op) {
        refused.push(`decision ${k}: not signed by a configured operator key`);
        continue;
      }
      if (op.runs.includes(serviceId)) {
        refused.push(`decision ${k}: ${op.id} belongs to ${op.organisation}, which runs ${serviceId}`);
        continue;
      }
      const body = verifyMessage<ReinstatementDecision>(REINSTATEMENT_DOMAIN, d, fromHex(op.publicKey, 'publicKey', 32));
      if (!body) {
        refused.push(`decision ${k}: the signature of ${op.id} does not verify`);
        continue;
      }
      if (body.type !== 'party-reinstatement' || body.serviceId !== serviceId || body.quarantine !== rec.id) {
        refused.push(`decision ${k}: ${op.id} signed another decision (not the reinstatement of ${serviceId} from quarantine ${rec.id.slice(0, 12)})`);
        continue;
      }
      if (typeof body.issuedAt !== 'number' || body.issuedAt > now + 300_000 || now - body.issuedAt > DECISION_MAX_AGE_MS) {
        refused.push(`decision ${k}: ${op.id}'s decision is not recent`);
        continue;
      }
      signers.add(op.id);
    }
    const orgs = new Set((this.#o.settings.operators ?? []).filter((o) => signers.has(o.id)).map((o) => o.organisation));
    if (orgs.size < this.#quorum) {
      throw new ApiFailure('reinstatement-refused', 403, `reinstating ${serviceId} needs decisions of ${this.#quorum} operators of other organisations, got ${orgs.size}${refused.length ? `: ${refused.join('; ')}` : ''}`.slice(0, 1000));
    }
    const list = [...signers].sort();
    this.#records.delete(serviceId);
    this.#o.registry.reinstate(serviceId);
    void this.#o.store?.write(serviceId, null);
    this.#append({ type: 'party.reinstated', actor: this.#o.actor, serviceId, signers: list, reason: `reinstated by ${list.length} operators`, hashes: { quarantine: rec.id } });
    return { serviceId, signers: list };
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
