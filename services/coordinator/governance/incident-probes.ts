/**
 * @module services/coordinator/governance/incident-probes
 * Probes after an incident (docs/governance.md "Probes"). In one trio an incident names no single
 * culprit: each honest party can only say "one of my two peers", and the cheater accuses the
 * other two. So after a malicious-mode job fails with accusations, the coordinator runs one
 * `mpc-probe` job per seat of that job's trio with a registered standby (up, not promoted, not
 * quarantined) in the seat. A party that cheats again now does so with other partners, and the
 * reputation rule intersects the culprit sets of its incidents down to it
 * (services/audit/reputation). The probes hold nothing secret (public operands), so a standby
 * may sit in them before any promotion. Then the quarantine recomputes at once.
 *
 * One round per incident job, rounds one at a time, never for a probe's own incident (a probe
 * that fails is itself evidence, not a reason for more probes). Method `parties.probe` (admin)
 * runs or returns the round of an incident on request.
 *
 * Limits: a cheater that behaves whenever a standby is in its trio (it sees the seat's id) is
 * caught at every incident (the job aborts) but never proven; it stays under the score rule.
 */
import { randomBytes } from 'node:crypto';
import type { CoordinatorMethods, Principal } from '../../wire/api.js';
import { PROBE_DIMS, type ProbePayload, type ProbeRound } from '../../wire/probe-job.js';
import type { ServiceLog } from '../../transport/service-log.js';
import { ApiFailure } from '../errors.js';
import type { JobBook } from '../jobs/job-book.js';
import type { JobDispatcher } from '../jobs/job-dispatcher.js';
import { checkPrincipal, requireRole } from '../principal-check.js';
import type { ServiceRegistry } from '../service-registry.js';

const METHODS = ['parties.probe'] as const;
/** Trios remembered for jobs that may become incidents (the most recent malicious-mode placements). */
const TRIOS_KEPT = 1000;
const TERMINAL = new Set(['verified', 'failed', 'failed-verification']);

/** Options of {@link IncidentProbes}. */
export interface IncidentProbesOptions {
  actor: string;
  registry: ServiceRegistry;
  book: JobBook;
  dispatcher: JobDispatcher;
  logger: ServiceLog;
  /** Run a round on its own after every incident (default true; `parties.probe` works either way). */
  auto?: boolean;
  /** Called after each round (the quarantine's recomputation). */
  afterRound?: () => void;
}

/** The probes (an ApiExtension of CoordinatorApi). */
export class IncidentProbes {
  readonly #o: IncidentProbesOptions;
  readonly #trios = new Map<string, [string, string, string]>();
  readonly #incidents = new Set<string>();
  readonly #rounds = new Map<string, Promise<ProbeRound>>();
  #queue: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(opts: IncidentProbesOptions) {
    this.#o = opts;
    opts.book.onChange((rec) => {
      const s = rec.status;
      if (s.state === 'placed' && s.kind !== 'mpc-probe') {
        const trio = opts.dispatcher.placementOf(s.id);
        if (trio) {
          this.#trios.set(s.id, trio);
          if (this.#trios.size > TRIOS_KEPT) this.#trios.delete(this.#trios.keys().next().value!);
        }
      }
      if (TERMINAL.has(s.state)) this.#maybeStart(s.id);
    });
    opts.dispatcher.onAccusation((event) => {
      if (event.jobId === undefined || !this.#trios.has(event.jobId)) return;
      this.#incidents.add(event.jobId);
      this.#maybeStart(event.jobId);
    });
  }

  /** Starts the round of `jobId` on its own once it is an incident and has ended. */
  #maybeStart(jobId: string): void {
    if (this.#o.auto === false || this.#stopped || this.#rounds.has(jobId) || !this.#incidents.has(jobId)) return;
    const state = this.#o.book.record(jobId)?.status.state;
    if (state === undefined || !TERMINAL.has(state)) return;
    this.#round(jobId).catch((e: unknown) => this.#o.logger.warn('probe-round-skipped', { incident: jobId, message: e instanceof Error ? e.message : String(e) }));
  }

  /** Stops starting rounds (a running probe ends on its own). */
  stop(): void {
    this.#stopped = true;
  }

  /** Resolves when every round started so far has ended. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#rounds.values()]);
  }

  handles(method: string): boolean {
    return (METHODS as readonly string[]).includes(method);
  }

  async call(method: string, req: unknown): Promise<unknown> {
    const r = (req ?? {}) as Record<string, unknown>;
    const principal = checkPrincipal(r.principal);
    if (method !== 'parties.probe') throw new ApiFailure('invalid-request', 400, `method: ${JSON.stringify(method)} is not a probe method`);
    requireRole(principal, 'admin', 'probing an incident');
    if (typeof r.incident !== 'string') throw new ApiFailure('invalid-request', 400, 'incident: expected the id of a job that failed verification with accusations');
    return (await this.#round(r.incident)) satisfies CoordinatorMethods['parties.probe']['res'];
  }

  /** The round of `incident`: started once, then answered from memory. */
  #round(incident: string): Promise<ProbeRound> {
    const known = this.#rounds.get(incident);
    if (known) return known;
    const trio = this.#trios.get(incident);
    if (!trio || !this.#incidents.has(incident)) return Promise.reject(new ApiFailure('not-an-incident', 409, `job ${incident} is not a malicious-mode job with accusations that this coordinator placed`));
    const standby = this.#standby(trio);
    if (!standby) return Promise.reject(new ApiFailure('no-standby', 409, `no registered standby is up (and neither promoted nor quarantined) to probe incident ${incident}`));
    const round = (this.#queue = this.#queue.then(
      () => this.#run(incident, trio, standby),
      () => this.#run(incident, trio, standby),
    )) as Promise<ProbeRound>;
    this.#rounds.set(incident, round);
    return round;
  }

  #standby(trio: readonly string[]): string | undefined {
    return this.#o.registry.list().find((s) => s.kind === 'party' && s.standby && !s.promoted && s.status === 'up' && !trio.includes(s.id) && !this.#o.registry.isQuarantined(s.id))?.id;
  }

  async #run(incident: string, trio: [string, string, string], standbyId: string): Promise<ProbeRound> {
    const principal: Principal = { tenant: 'governance', actor: this.#o.actor, roles: ['admin'] };
    const probes: ProbeRound['probes'] = [];
    this.#o.logger.info('probe-round', { incident, trio: trio.join(','), standbyId });
    for (const seat of [0, 1, 2]) {
      if (this.#stopped) break;
      const seats = trio.map((id, i) => (i === seat ? standbyId : id)) as [string, string, string];
      const payload: ProbePayload = { incident, trio: seats, seed: randomBytes(32).toString('hex'), dims: PROBE_DIMS };
      const { record } = this.#o.book.submit(principal, 'mpc-probe', payload);
      await this.#o.dispatcher.run(record.status.id);
      const s = this.#o.book.record(record.status.id)!.status;
      probes.push({ jobId: s.id, seat, standbyId, trio: seats, state: s.state, ...(s.error ? { error: `${s.error.code}: ${s.error.message}`.slice(0, 300) } : {}) });
    }
    this.#o.logger.info('probe-round-done', { incident, states: probes.map((p) => p.state).join(',') });
    this.#o.afterRound?.();
    return { incident, trio, probes };
  }
}
