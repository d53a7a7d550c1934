/**
 * @module services/coordinator/jobs/job-dispatcher
 * Runs one job from placement to verdict, apart from NATS (it talks through a PartyLink):
 *
 * 1. place: pick an up party per index that runs the kind, or fail naming the missing index;
 * 2. prepare: send each party its signed order; any refusal fails the job naming the party;
 * 3. start: the orders say `startWhen: 'peers-listening'`, so the parties start by themselves
 *    once all three listen on their channels (no `start` broadcast);
 * 4. watch: collect signed reports; probe the parties' health meanwhile, and a party that
 *    misses `missedProbes` probes in a row is declared gone; the deadline bounds everything;
 * 5. on any failure, send a signed abort to every party (so none waits for a dead peer) and
 *    fail the job with a code, a message and the party to blame;
 * 6. on three results: finished, then the result verifier decides verified or failed-verification.
 *
 * `run` never throws and always ends the job in a terminal state, so nothing hangs.
 */
import { createHash } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import { canonicalJsonBytes } from '../../../crypto-core/canonical-json.js';
import { fromHex } from '../../../crypto-core/encoding.js';
import type { ServiceIdentity } from '../../../crypto-core/keys/identity.js';
import type { PartyIndex } from '../../../protocols/channel/channel.js';
import type { ServiceLog } from '../../transport/service-log.js';
import { tracePoint } from '../../transport/trace-point.js';
import { DISPATCH_DOMAIN, REPORT_DOMAIN, signMessage, verifyMessage, type DispatchMessage, type JobOrder, type PartyRef, type PartyReport, type Signed } from '../../wire/job-messages.js';
import { PARTY_QUARANTINED, RESIDENCY_UNPLACEABLE, VERIFICATION_FAILED } from '../../wire/job-error-codes.js';
import { ApiFailure } from '../errors.js';
import type { JobBook } from './job-book.js';
import type { JobPlan } from './job-plans.js';
import { BROKER_UNAVAILABLE, type PartyLink } from './party-link.js';
import type { ResultVerifier, Verdict } from './result-verifier.js';
import type { AuditEvent } from '../../wire/audit-entry.js';
import type { ServiceRegistry } from '../service-registry.js';
import { COORDINATOR_IDENTITY, COORDINATOR_LOG, DISPATCH_SETTINGS, JOB_BOOK, JOB_PLANS, PARTY_LINK, RESULT_VERIFIER, SERVICE_REGISTRY, type DispatchSettings } from '../tokens.js';

type ResultReport = Extract<PartyReport, { type: 'result' }>;

/** Why a job ends early. */
export interface JobFault {
  code: string;
  message: string;
  party?: number;
}

/** Drives jobs through their states. */
/** The `verification.failed` entry of a failure report that carries a failed malicious-mode check. */
function accusationEvent(jobId: string, tenant: string | undefined, reporter: PartyRef, report: Extract<PartyReport, { type: 'failure' }>, raw: unknown): AuditEvent | undefined {
  const v = report.error?.verification;
  if (!v || !Array.isArray(v.suspects)) return undefined;
  const accused = [...new Set(v.suspects.filter((q) => (q === 0 || q === 1 || q === 2) && q !== reporter.index))].sort((a, b) => a - b);
  if (accused.length === 0 || accused.length > 2) return undefined;
  return {
    type: 'verification.failed',
    actor: reporter.id,
    jobId,
    ...(tenant === undefined ? {} : { tenant }),
    party: reporter.index,
    accused,
    reason: `${String(v.check)} check failed at step ${String(v.step)}`.replace(/[^ -~]/g, '?').slice(0, 200),
    hashes: { report: createHash('sha256').update(canonicalJsonBytes(raw)).digest('hex') },
  };
}

@injectable()
export class JobDispatcher {
  readonly #plans: Map<string, JobPlan>;
  readonly #running = new Set<Promise<void>>();
  readonly #verdictEvents = new Map<string, AuditEvent>();
  /** The service ids of parties 0..2 of each job being placed (read by the audit listener for `job.placed`). */
  readonly #placements = new Map<string, [string, string, string]>();
  readonly #accusationListeners: ((event: AuditEvent) => void)[] = [];
  /** Jobs waiting for reports, with the function that ends their wait. */
  readonly #watching = new Map<string, (fault: JobFault | undefined) => void>();

  constructor(
    @inject(DISPATCH_SETTINGS) private readonly settings: DispatchSettings,
    @inject(COORDINATOR_IDENTITY) private readonly identity: ServiceIdentity,
    @inject(JOB_BOOK) private readonly book: JobBook,
    @inject(SERVICE_REGISTRY) private readonly registry: ServiceRegistry,
    @inject(PARTY_LINK) private readonly link: PartyLink,
    @inject(RESULT_VERIFIER) private readonly verifier: ResultVerifier,
    @inject(JOB_PLANS) plans: JobPlan[],
    @inject(COORDINATOR_LOG) private readonly log: ServiceLog,
  ) {
    this.#plans = new Map(plans.map((p) => [p.kind, p]));
  }

  /**
   * Calls `listener` with a `verification.failed` event for every signed failure report that
   * says a malicious-mode check failed (the reporting party, the parties it accuses, the step,
   * and the SHA-256 of the signed report, which an auditor can ask the coordinator for).
   */
  onAccusation(listener: (event: AuditEvent) => void): void {
    this.#accusationListeners.push(listener);
  }

  /** The audit event a verifier made for the verdict `jobId` is moving to, if any (read by the audit listener). */
  verdictEvent(jobId: string): AuditEvent | undefined {
    return this.#verdictEvents.get(jobId);
  }

  /**
   * Runs `transition` (a verdict state change of `jobId`) with `event` as the audit entry the
   * book's listener writes for it, so a verdict decided outside this dispatcher (HE dual
   * execution) is logged once, with its hashes.
   */
  withVerdict(jobId: string, event: AuditEvent, transition: () => void): void {
    this.#verdictEvents.set(jobId, event);
    try {
      transition();
    } finally {
      this.#verdictEvents.delete(jobId);
    }
  }

  /** The service ids of parties 0, 1, 2 of `jobId` while its placement is being recorded. */
  placementOf(jobId: string): [string, string, string] | undefined {
    return this.#placements.get(jobId);
  }

  /** The plan of `kind`, if the coordinator runs it. */
  plan(kind: string): JobPlan | undefined {
    return this.#plans.get(kind);
  }

  /**
   * Refuses, before a job exists, a payload whose residency no registered trio satisfies.
   * @throws ApiFailure `residency-unplaceable` (409) naming the constraint and the slot.
   */
  checkPlaceable(plan: JobPlan, payload: unknown): void {
    const residency = plan.residency?.(payload);
    if (!residency) return;
    const sel = this.registry.partiesFor(plan.partyKind, residency);
    if ('missing' in sel && sel.residency) throw new ApiFailure(RESIDENCY_UNPLACEABLE, 409, sel.reason);
  }

  /**
   * Ends the wait of every running job with `fault` (the coordinator lost the broker: reports
   * and frames in flight may be lost, so the jobs fail now instead of at their deadlines).
   */
  failRunning(fault: JobFault): void {
    for (const settle of [...this.#watching.values()]) settle(fault);
  }

  /** Starts `run(jobId)` in the background and tracks it for {@link idle}. */
  launch(jobId: string): void {
    const p = this.run(jobId).finally(() => this.#running.delete(p));
    this.#running.add(p);
  }

  /** Resolves when every launched job has ended. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  /** Runs job `jobId` to a terminal state. Never throws. */
  async run(jobId: string): Promise<void> {
    try {
      await this.#run(jobId);
    } catch (e) {
      this.#fail(jobId, { code: 'coordinator-error', message: e instanceof Error ? e.message : String(e) });
    }
  }

  async #run(jobId: string): Promise<void> {
    const rec = this.book.record(jobId);
    if (!rec) return;
    tracePoint('C.run', jobId);
    const plan = this.#plans.get(rec.kind);
    if (!plan) return this.#fail(jobId, { code: 'not-available', message: `kind ${rec.kind} is not run by this coordinator` });
    const seats = plan.placement?.(rec.payload);
    const sel = seats ? this.registry.seated(seats, plan.partyKind) : this.registry.partiesFor(plan.partyKind, plan.residency?.(rec.payload));
    if ('missing' in sel) return this.#fail(jobId, { code: sel.quarantined ? PARTY_QUARANTINED : sel.residency ? RESIDENCY_UNPLACEABLE : 'no-parties', message: sel.reason, party: sel.missing });
    const parties = sel.parties.map((t, i) => ({ id: t.id, index: i as PartyIndex, signingPublicKey: t.signingPublicKey, agreementPublicKey: t.agreementPublicKey })) as [PartyRef, PartyRef, PartyRef];
    // A promoted standby's slot carries the operators' decisions, which the parties check.
    const promotions = sel.parties.flatMap((t, i) => {
      const p = this.registry.promotion(t.id);
      return p ? [{ slot: i as PartyIndex, decisions: p.decisions }] : [];
    });
    const issuedAt = Date.now();
    const deadline = issuedAt + this.settings.jobTimeoutMs;
    const security = plan.security?.(rec.payload) ?? 'semi-honest';
    // The mode is part of the job's status from placement on, and so of its audit entries.
    this.#placements.set(jobId, [parties[0].id, parties[1].id, parties[2].id]);
    try {
      this.book.transition(jobId, 'placed', { security });
    } finally {
      this.#placements.delete(jobId);
    }

    const results: (ResultReport | undefined)[] = [undefined, undefined, undefined];
    let settle!: (fault: JobFault | undefined) => void;
    const outcome = new Promise<JobFault | undefined>((r) => (settle = r));
    // The report subscription's flush (a broker round trip) overlaps the signing of the
    // prepares; the prepares leave only once it is done, and reports come after them.
    const watching = this.link.watchReports(jobId, (raw) => {
      try {
        this.#onReport(jobId, raw, parties, results, settle);
      } catch (e) {
        this.log.warn('report-error', { jobId, message: String(e) });
      }
    });
    let prepares: Signed<DispatchMessage>[];
    try {
      // Let the caller's reply (`jobs.submit` answers once this returns a promise) leave before
      // ~2 ms of signing holds the thread.
      await new Promise<void>((r) => setImmediate(r));
      prepares = this.#sign(parties, (p) => ({
        type: 'prepare',
        order: { jobId, kind: plan.partyKind, to: p.id, parties, issuedAt, deadline, payload: plan.partyPayload(rec.payload, p.index), startWhen: 'peers-listening', ...(security === 'malicious' ? { security } : {}), ...(promotions.length ? { promotions } : {}) } satisfies JobOrder,
      }));
    } catch (e) {
      // A payload the plan cannot cut for a party: stop listening before the job fails.
      (await watching)();
      throw e;
    }
    const stopWatching = await watching;
    tracePoint('C.signed-watching', jobId);
    const timers: ReturnType<typeof setTimeout>[] = [];
    try {
      // The orders say `startWhen: 'peers-listening'`: each party starts once both peers have
      // told it over the sealed channel that they listen, so no second signed broadcast
      // (`start`) is needed. A refusal or an unreachable party still fails the job here, and the
      // abort stops the others, which wait for the missing party's notice and never start.
      const prepared = await this.#broadcast(parties, prepares);
      if (prepared) return await this.#abortAndFail(jobId, parties, prepared);
      this.book.transition(jobId, 'running');
      tracePoint('C.prepared', jobId);
      const t0 = performance.now();

      timers.push(setTimeout(() => settle({ code: 'job-deadline', message: `job ${jobId} did not finish within ${this.settings.jobTimeoutMs} ms` }), Math.max(0, deadline - Date.now())));
      const misses = [0, 0, 0];
      const lastAnswer = [Date.now(), Date.now(), Date.now()];
      let probing = false;
      const probe = setInterval(() => {
        if (probing) return;
        probing = true;
        void Promise.all(parties.map((p) => this.link.probe(p.id, this.settings.probeIntervalMs)))
          .then((outcomes) => {
            const now = Date.now();
            outcomes.forEach((o, i) => {
              if (results[i] !== undefined) return;
              if (o === 'ok') {
                misses[i] = 0;
                lastAnswer[i] = now;
                this.registry.markSeen(parties[i]!.id);
                return;
              }
              misses[i] = o === 'gone' ? misses[i]! + 1 : 0;
              const gone = misses[i]! >= this.settings.missedProbes;
              if (gone || now - lastAnswer[i]! > this.settings.unresponsiveMs) {
                this.registry.markDown(parties[i]!.id);
                const why = gone ? 'is no longer connected (no responders to its health probes)' : `has not answered health probes for ${now - lastAnswer[i]!} ms`;
                settle({ code: 'party-gone', message: `party ${i} (${parties[i]!.id}) ${why} during job ${jobId}`, party: i });
              }
            });
          })
          .finally(() => (probing = false));
      }, this.settings.probeIntervalMs);
      timers.push(probe as unknown as ReturnType<typeof setTimeout>);

      this.#watching.set(jobId, settle);
      const fault = await outcome;
      if (fault) return await this.#abortAndFail(jobId, parties, fault);
      const done = results as ResultReport[];
      let combined: unknown;
      try {
        combined = plan.combine(rec.payload, done.map((r) => r.result));
      } catch (e) {
        return this.#fail(jobId, { code: 'bad-result', message: (e as Error).message });
      }
      const stats = {
        rounds: Math.max(...done.map((r) => r.stats.rounds)),
        bytesPerParty: Math.max(...done.map((r) => r.stats.bytesSent)),
        durationMs: performance.now() - t0,
        // Per party, by index, from its signed report: what the job's credits are charged for.
        cost: {
          computeMs: [0, 1, 2].map((p) => Math.round(done.find((r) => r.party === p)?.stats.durationMs ?? 0)),
          bytesSent: [0, 1, 2].map((p) => done.find((r) => r.party === p)?.stats.bytesSent ?? 0),
        },
      };
      this.book.transition(jobId, 'finished', { stats }, combined);
      const verdict: Verdict = plan.outputCommitments === false ? { ok: true } : this.verifier.verify(jobId, done);
      // The verdict's own audit event (commitment digests) replaces the generic state event.
      if (verdict.event) this.#verdictEvents.set(jobId, verdict.event);
      tracePoint('C.verdict', jobId);
      if (verdict.ok) this.book.transition(jobId, 'verified');
      else this.book.transition(jobId, 'failed-verification', { error: { code: verdict.code, message: verdict.message, ...(verdict.party !== undefined ? { party: verdict.party } : {}) } });
      this.#verdictEvents.delete(jobId);
    } finally {
      this.#watching.delete(jobId);
      for (const t of timers) clearTimeout(t);
      stopWatching();
    }
  }

  /** One message per party, signed with the coordinator's key. */
  #sign(parties: readonly PartyRef[], make: (p: PartyRef) => DispatchMessage): Signed<DispatchMessage>[] {
    return parties.map((p) => signMessage(DISPATCH_DOMAIN, make(p), this.identity.signing));
  }

  /** Sends `signed[i]` to party i; returns the first fault (refusal or unreachable), if any. */
  async #broadcast(parties: readonly PartyRef[], signed: readonly Signed<DispatchMessage>[]): Promise<JobFault | undefined> {
    const replies = await Promise.all(parties.map((p, i) => this.link.dispatch(p.id, signed[i]!, this.settings.dispatchTimeoutMs)));
    const bad = replies.findIndex((r) => !r.ok);
    if (bad < 0) return undefined;
    const r = replies[bad] as { ok: false; reason: string; message: string };
    if (r.reason === BROKER_UNAVAILABLE) return { code: 'broker-disconnected', message: `party ${bad} (${parties[bad]!.id}) was not reached: ${r.message}` };
    if (r.reason === 'unreachable') this.registry.markDown(parties[bad]!.id);
    return { code: r.reason === 'unreachable' ? 'party-gone' : 'party-refused', message: `party ${bad} (${parties[bad]!.id}): ${r.reason}: ${r.message}`, party: bad };
  }

  #onReport(jobId: string, raw: unknown, parties: readonly PartyRef[], results: (ResultReport | undefined)[], settle: (f: JobFault | undefined) => void): void {
    const claimed = (raw as { body?: { party?: unknown } } | null)?.body?.party;
    if (claimed !== 0 && claimed !== 1 && claimed !== 2) return this.log.warn('report-rejected', { jobId, reason: 'no party index' });
    const report = verifyMessage<PartyReport>(REPORT_DOMAIN, raw, fromHex(parties[claimed]!.signingPublicKey, 'signingPublicKey', 32));
    if (!report || report.jobId !== jobId || report.party !== claimed) return this.log.warn('report-rejected', { jobId, party: claimed, reason: 'signature or job does not match' });
    if (report.type === 'failure') {
      const accusation = accusationEvent(jobId, this.book.record(jobId)?.tenant, parties[claimed]!, report, raw);
      if (accusation) for (const listener of this.#accusationListeners) listener(accusation);
      // An accusation names a pair (the audit entry has it), not one party to blame.
      const blamed = accusation ? undefined : typeof report.error?.party === 'number' ? report.error.party : claimed;
      settle({ code: String(report.error?.code ?? 'party-failed'), message: `party ${claimed} failed: ${String(report.error?.message ?? '')}`, ...(blamed === undefined ? {} : { party: blamed }) });
      return;
    }
    if (report.type !== 'result' || results[claimed]) return;
    tracePoint(`C.report${claimed}`, jobId);
    results[claimed] = report;
    if (results.every((r) => r !== undefined)) settle(undefined);
  }

  async #abortAndFail(jobId: string, parties: readonly PartyRef[], fault: JobFault): Promise<void> {
    this.#fail(jobId, fault);
    await Promise.all(
      parties.map((p) =>
        this.link.dispatch(
          p.id,
          signMessage(DISPATCH_DOMAIN, { type: 'abort', jobId, to: p.id, issuedAt: Date.now(), code: fault.code, message: fault.message, ...(fault.party !== undefined ? { party: fault.party } : {}) } satisfies DispatchMessage, this.identity.signing),
          this.settings.dispatchTimeoutMs,
        ),
      ),
    );
  }

  #fail(jobId: string, fault: JobFault): void {
    this.log.warn('job-failed', { jobId, code: fault.code, message: fault.message, party: fault.party });
    // A failed malicious-mode check is a verdict about the parties, not a fault of the run.
    const state = fault.code === VERIFICATION_FAILED ? 'failed-verification' : 'failed';
    this.book.transition(jobId, state, { error: { code: fault.code, message: fault.message, ...(fault.party !== undefined ? { party: fault.party } : {}) } });
  }
}
