/**
 * @module services/party/party-runtime
 * The party's job logic, apart from NATS: verify a dispatch message, prepare the job's channel,
 * run the job's kind when told to start, report the outcome signed, and abort when told. The
 * NATS wiring (party-service) feeds it messages; tests can feed it directly.
 *
 * The PRF seeds of a job come from its channel, once the channel has heard the peers' job
 * nonces (services/transport/channel-keys): they are fresh for every run of a job id, like the
 * channel keys, so nothing a coordinator puts in an order can make this party reuse them.
 */
import { inject, injectable } from 'tsyringe';
import { MpcError } from '../../crypto-core/errors.js';
import type { ServiceIdentity } from '../../crypto-core/keys/identity.js';
import type { Ring64 } from '../../crypto-core/ring/ring64.js';
import { nextParty, type Channel, type PartyIndex } from '../../protocols/channel/channel.js';
import { createProtocolContext } from '../../protocols/rss/context.js';
import { createCorrelatedRandomness, type PairwiseSeeds } from '../../protocols/rss/correlated-randomness.js';
import { InconsistentShareError, PartyUnavailableError, VerificationFailedError } from '../../protocols/rss/errors.js';
import { REPORT_DOMAIN, signMessage, type DispatchReply, type JobOrder, type PartyReport, type Signed } from '../wire/job-messages.js';
import { commitComponent, deriveComponentSalt } from '../wire/output-commitments.js';
import { u64ToBytes } from '../../protocols/wire.js';
import type { ReplicatedShare } from '../../protocols/rss/replicated-share.js';
import { ChannelStreamError } from '../transport/errors.js';
import type { ServiceLog } from '../transport/service-log.js';
import { tracePoint } from '../transport/trace-point.js';
import { JobAbortedError, JobRefusedError } from './errors.js';
import type { JobGate } from './job-gate.js';
import type { JobRunner } from './job-runner.js';
import type { ShareStore } from './share-store.js';
import { CHANNEL_OPENER, JOB_GATE, JOB_RUNNERS, PARTY_IDENTITY, PARTY_SETTINGS, PROTOCOL_CHANNEL_TAMPER, REPORT_PUBLISHER, RING, SERVICE_LOG, SHARE_STORE, type PartySettings, type ProtocolChannelTamper } from './tokens.js';

/** A job's channel with the controls the runtime needs. */
export interface JobChannel extends Channel {
  fail(err: Error): void;
  declarePeerGone(party: PartyIndex, reason: string): void;
  close(): void;
  /**
   * Resolves once both peers have said, under this run's keys, that they listen (orders with
   * `startWhen: 'peers-listening'`); a channel without it cannot run such orders.
   */
  announceListening?(): Promise<void>;
  /** This party's pairwise PRF seeds of this run (bound to the job id and the three job nonces). */
  pairwiseSeeds(): Promise<PairwiseSeeds>;
}

/** Opens the channel of a job for this party (subscribed and ready when it resolves). */
export interface JobChannelOpener {
  open(order: JobOrder, self: PartyIndex): Promise<JobChannel>;
}

/** Sends a signed report to the coordinator. */
export interface ReportPublisher {
  publish(report: Signed<PartyReport>): void;
}

interface ActiveJob {
  order: JobOrder;
  channel: JobChannel;
  started: boolean;
  timer: ReturnType<typeof setTimeout>;
}

/** The error's party, when it names one. */
function blamedParty(e: unknown): number | undefined {
  if (e instanceof PartyUnavailableError || e instanceof ChannelStreamError) return e.party;
  if (e instanceof JobAbortedError) return e.party;
  if (e instanceof InconsistentShareError) return e.culprit;
  return undefined;
}

/** What a failure report says beyond code and message: a failed malicious-mode check's step and suspects. */
function verificationDetail(e: unknown): { step: string; check: string; suspects: number[] } | undefined {
  return e instanceof VerificationFailedError ? { step: e.step, check: e.check, suspects: [...e.suspects] } : undefined;
}

/**
 * This party's commitments to the two output components it holds: component `self` (shared
 * with party self-1, salt from the `prev` seed) and component `self+1` (shared with party
 * self+1, salt from the `next` seed).
 */
function outputCommitments(jobId: string, self: PartyIndex, z: ReplicatedShare, seeds: { next: Uint8Array; prev: Uint8Array }): Record<string, string> {
  const own = self as number;
  const nxt = nextParty(self) as number;
  return {
    [own]: commitComponent(deriveComponentSalt(seeds.prev, jobId, own), jobId, own, u64ToBytes(z.a)),
    [nxt]: commitComponent(deriveComponentSalt(seeds.next, jobId, nxt), jobId, nxt, u64ToBytes(z.b)),
  };
}

/** Job handling of one party. */
@injectable()
export class PartyRuntime {
  readonly #active = new Map<string, ActiveJob>();
  readonly #runners: Map<string, JobRunner>;

  constructor(
    @inject(PARTY_SETTINGS) private readonly settings: PartySettings,
    @inject(PARTY_IDENTITY) private readonly identity: ServiceIdentity,
    @inject(JOB_GATE) private readonly gate: JobGate,
    @inject(CHANNEL_OPENER) private readonly opener: JobChannelOpener,
    @inject(REPORT_PUBLISHER) private readonly reports: ReportPublisher,
    @inject(SHARE_STORE) private readonly shares: ShareStore,
    @inject(SERVICE_LOG) private readonly log: ServiceLog,
    @inject(JOB_RUNNERS) runners: JobRunner[],
    @inject(RING) private readonly ring: Ring64,
    @inject(PROTOCOL_CHANNEL_TAMPER) private readonly tamper: ProtocolChannelTamper,
  ) {
    this.#runners = new Map(runners.map((r) => [r.kind, r]));
  }

  /** The job kinds this party runs. */
  get kinds(): string[] {
    return [...this.#runners.keys()];
  }

  /** Number of jobs prepared or running. */
  get activeJobs(): number {
    return this.#active.size;
  }

  /** Handles one dispatch message (signed JSON) and returns the reply. Never throws. */
  async handleDispatch(raw: unknown): Promise<DispatchReply> {
    try {
      const msg = this.gate.check(raw);
      if (msg.type === 'prepare') return await this.#prepare(msg.order);
      const job = this.#active.get(msg.jobId);
      if (msg.type === 'start') {
        if (!job) throw new JobRefusedError('unknown-job', `start for job ${msg.jobId}, which this party has not prepared`);
        if (job.started) throw new JobRefusedError('replayed', `job ${msg.jobId} has already started`);
        job.started = true;
        void this.#run(job);
        return { ok: true };
      }
      if (job) {
        this.log.warn('job-aborted', { jobId: msg.jobId, code: msg.code, message: msg.message, party: msg.party });
        job.channel.fail(new JobAbortedError(`job ${msg.jobId} aborted by the coordinator: ${msg.message}`, msg.party));
        if (!job.started) this.#finish(job);
      }
      return { ok: true };
    } catch (e) {
      if (e instanceof JobRefusedError) {
        this.log.warn('job-refused', { reason: e.reason, message: e.message });
        return { ok: false, reason: e.reason, message: e.message };
      }
      const message = e instanceof Error ? e.message : String(e);
      this.log.warn('dispatch-error', { message });
      return { ok: false, reason: e instanceof MpcError ? e.code : 'error', message };
    }
  }

  /**
   * Fails every active job with `err` (the broker connection dropped: frames in flight may be
   * lost, so the jobs end now rather than at their deadline). Started jobs report the failure.
   */
  failActive(err: Error): void {
    for (const job of [...this.#active.values()]) {
      this.log.warn('job-failed-on-disconnect', { jobId: job.order.jobId, message: err.message });
      job.channel.fail(err);
      if (!job.started) this.#finish(job);
    }
  }

  /** Aborts every active job (service shutdown). */
  shutdown(): void {
    for (const job of [...this.#active.values()]) {
      job.channel.fail(new JobAbortedError(`party ${this.settings.id} is shutting down`, this.settings.index));
      this.#finish(job);
    }
  }

  async #prepare(order: JobOrder): Promise<DispatchReply> {
    tracePoint('P.prepare-in', order.jobId);
    if (!this.#runners.has(order.kind)) throw new JobRefusedError('unknown-kind', `no runner for kind ${order.kind}`);
    if (order.startWhen !== undefined && order.startWhen !== 'peers-listening') throw new JobRefusedError('malformed', `job ${order.jobId}: unknown startWhen ${JSON.stringify(order.startWhen)}`);
    const self = seatOf(order, this.settings.id, this.settings.index);
    const channel = await this.opener.open(order, self);
    tracePoint('P.channel-open', order.jobId);
    if (order.startWhen === 'peers-listening' && !channel.announceListening) {
      channel.close();
      throw new JobRefusedError('malformed', `job ${order.jobId}: this party's channel cannot announce that it listens (startWhen 'peers-listening')`);
    }
    const timer = setTimeout(() => {
      const job = this.#active.get(order.jobId);
      if (job && !job.started) {
        this.log.warn('job-expired', { jobId: order.jobId });
        this.#finish(job);
      }
    }, Math.max(0, order.deadline - Date.now()));
    timer.unref?.();
    const job: ActiveJob = { order, channel, started: false, timer };
    this.#active.set(order.jobId, job);
    this.log.info('job-prepared', { jobId: order.jobId, kind: order.kind });
    if (order.startWhen === 'peers-listening') {
      // The verified order is the licence to run; the peers' notices say every party listens,
      // which is all the coordinator's `start` used to add. A failed wait (abort, deadline,
      // lost connection) has already ended the job where the channel was failed.
      channel.announceListening!().then(
        () => {
          if (this.#active.get(order.jobId) !== job || job.started) return;
          job.started = true;
          void this.#run(job);
        },
        () => undefined,
      );
    }
    return { ok: true };
  }

  async #run(job: ActiveJob): Promise<void> {
    const { order, channel } = job;
    const self = seatOf(order, this.settings.id, this.settings.index);
    const t0 = performance.now();
    try {
      tracePoint('P.run', order.jobId);
      // Known by now on the 'peers-listening' path; after a coordinator's `start`, the wait for
      // the peers' hellos.
      const { next, prev } = await channel.pairwiseSeeds();
      tracePoint('P.seeds', order.jobId);
      const protocol = createProtocolContext({
        channel: this.tamper(channel, order),
        randomness: createCorrelatedRandomness(self, { next, prev }, this.ring),
        ring: this.ring,
        security: order.security ?? 'semi-honest',
      });
      const runner = this.#runners.get(order.kind)!;
      const outcome = await runner.run({ order, protocol, identity: this.identity, shares: this.shares, log: this.log, ...(this.settings.region !== undefined ? { region: this.settings.region } : {}) });
      tracePoint('P.runner-done', order.jobId);
      const commitments = outcome.output ? outputCommitments(order.jobId, self, outcome.output, { next, prev }) : undefined;
      const s = channel.stats;
      this.#report({
        type: 'result',
        jobId: order.jobId,
        party: self,
        result: outcome.result,
        stats: { rounds: s.rounds, bytesSent: s.bytesSent, bytesReceived: s.bytesReceived, durationMs: performance.now() - t0, ...(outcome.iterationMs ? { iterationMs: outcome.iterationMs } : {}) },
        ...(commitments ? { commitments } : {}),
      });
      this.log.info('job-finished', { jobId: order.jobId, ms: Math.round(performance.now() - t0) });
      tracePoint('P.reported', order.jobId);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      const code = err instanceof MpcError ? err.code : 'job-error';
      const party = blamedParty(err);
      this.log.warn('job-failed', { jobId: order.jobId, code, message: err.message, party });
      const verification = verificationDetail(err);
      this.#report({ type: 'failure', jobId: order.jobId, party: self, error: { code, message: err.message, ...(party !== undefined ? { party } : {}), ...(verification ? { verification } : {}) } });
    } finally {
      this.#finish(job);
    }
  }

  #report(r: PartyReport): void {
    try {
      this.reports.publish(signMessage(REPORT_DOMAIN, r, this.identity.signing));
    } catch (e) {
      this.log.warn('report-failed', { jobId: r.jobId, message: e instanceof Error ? e.message : String(e) });
    }
  }

  #finish(job: ActiveJob): void {
    clearTimeout(job.timer);
    job.channel.close();
    this.#active.delete(job.order.jobId);
  }
}

/** This party's seat in `order`: its configured index, except in a probe, where the gate checked it sits once by id. */
function seatOf(order: JobOrder, id: string, index: PartyIndex): PartyIndex {
  return order.kind === 'mpc-probe' ? (order.parties.findIndex((p) => p.id === id) as PartyIndex) : index;
}
