/**
 * @module services/coordinator/governance/standby-resharing
 * Resharing every stored data set and MPC model to a promoted standby (docs/governance.md
 * "Standby parties"): one `reshare-standby` job per item, in catalogue order, then one final
 * job in which the remaining parties erase the copies of their old shares they kept. Progress is
 * a {@link ResharingRecord} written to KV (`mpc_quarantine`, key `reshare.<standby>`) after every
 * item, so a restarted coordinator continues with the items not done (`start`, which first
 * waits for the new trio to announce itself), and an item whose job failed pauses the resharing
 * until `parties.reshare` is called again (the parties' kept copies make a repeated item start
 * from the old sharing). An item whose job ends because this coordinator stops is not a failure:
 * the record stays `running` with the item pending, for the next coordinator.
 *
 * Methods: `parties.reshare` (admin: start or resume), `parties.resharing` (auditor or admin:
 * progress and the promotions in force).
 */
import type { CoordinatorMethods, Principal } from '../../wire/api.js';
import type { GovernanceRecord } from '../../wire/party-governance.js';
import type { ResharingRecord, StandbyResharePayload } from '../../wire/standby-reshare.js';
import type { ServiceLog } from '../../transport/service-log.js';
import type { DatasetCatalog } from '../analytics/dataset-catalog.js';
import { ApiFailure } from '../errors.js';
import type { JobBook } from '../jobs/job-book.js';
import type { JobDispatcher } from '../jobs/job-dispatcher.js';
import type { KvRecords } from '../kv-records.js';
import type { ModelRegistry } from '../models/model-registry.js';
import { checkPrincipal, requireRole } from '../principal-check.js';
import type { ServiceRegistry } from '../service-registry.js';

const METHODS = ['parties.reshare', 'parties.resharing'] as const;
const KEY_PREFIX = 'reshare.';

/** The KV key of the resharing to `standbyId`. */
export function resharingKey(standbyId: string): string {
  return `${KEY_PREFIX}${standbyId}`;
}

/** Options of {@link StandbyResharing}. */
export interface StandbyResharingOptions {
  actor: string;
  registry: ServiceRegistry;
  book: JobBook;
  dispatcher: JobDispatcher;
  datasets: DatasetCatalog;
  models: ModelRegistry;
  logger: ServiceLog;
  store?: KvRecords<GovernanceRecord>;
  /** What the store held at start (resharings are the `reshare.` keys). */
  records?: Map<string, GovernanceRecord>;
  /** How long a continued resharing (`start`) waits for the new trio to be up before its next job (default 15 s). */
  partiesWaitMs?: number;
}

/** The resharings (an ApiExtension of CoordinatorApi). */
export class StandbyResharing {
  readonly #o: StandbyResharingOptions;
  readonly #records = new Map<string, ResharingRecord>();
  readonly #running = new Map<string, Promise<void>>();
  #stopped = false;

  constructor(opts: StandbyResharingOptions) {
    this.#o = opts;
    for (const [key, rec] of opts.records ?? []) if (key.startsWith(KEY_PREFIX)) this.#records.set((rec as ResharingRecord).standbyId, rec as ResharingRecord);
  }

  /**
   * Continues every resharing a previous coordinator left running, once the new trio has
   * announced itself (a coordinator that just started knows no party yet).
   */
  start(): void {
    for (const rec of this.#records.values()) if (rec.state === 'running') this.#launch(rec, true);
  }

  /**
   * Stops launching item jobs; resolves when every running resharing has ended (its item job
   * ends on its own or is failed by the coordinator's stop, and is then left pending) and its
   * last record has landed in the store.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.allSettled([...this.#running.values()]);
    await this.#o.store?.settled();
  }

  /** The resharings, by standby id. */
  get resharings(): ResharingRecord[] {
    return [...this.#records.values()].sort((a, b) => (a.standbyId < b.standbyId ? -1 : 1));
  }

  /** Resolves when the resharing to `standbyId` stops running (done or paused). */
  async settled(standbyId: string): Promise<ResharingRecord | undefined> {
    await this.#running.get(standbyId);
    return this.#records.get(standbyId);
  }

  handles(method: string): boolean {
    return (METHODS as readonly string[]).includes(method);
  }

  async call(method: string, req: unknown): Promise<unknown> {
    const r = (req ?? {}) as Record<string, unknown>;
    const principal = checkPrincipal(r.principal);
    if (method === 'parties.resharing') {
      if (!principal.roles.includes('auditor')) requireRole(principal, 'admin', 'reading resharing progress');
      const promotions = this.#o.registry
        .list()
        .filter((s) => s.promoted)
        .map((s) => this.#o.registry.promotion(s.id)!)
        .map(({ decisions: _d, ...rest }) => rest);
      return { resharings: this.resharings, promotions } satisfies CoordinatorMethods['parties.resharing']['res'];
    }
    if (method === 'parties.reshare') {
      requireRole(principal, 'admin', 'resharing to a standby');
      if (typeof r.standbyId !== 'string') throw new ApiFailure('invalid-request', 400, 'standbyId: expected the service id of a promoted standby');
      return this.reshare(principal, r.standbyId);
    }
    throw new ApiFailure('invalid-request', 400, `method: ${JSON.stringify(method)} is not a resharing method`);
  }

  /**
   * Starts the resharing to promoted standby `standbyId`, or resumes a paused one (its failed
   * item first), and answers with the progress at once; a running or finished one is answered
   * as it is. @throws ApiFailure `not-promoted` (409).
   */
  reshare(principal: Principal, standbyId: string): ResharingRecord {
    const promotion = this.#o.registry.promotion(standbyId);
    if (!promotion) throw new ApiFailure('not-promoted', 409, `${standbyId} is not a promoted standby (parties.promote first)`);
    let rec = this.#records.get(standbyId);
    if (rec && (rec.state === 'done' || this.#running.has(standbyId))) return rec;
    if (!rec) {
      // Every data set and MPC model the coordinator catalogues, in a fixed order.
      const items = [
        ...this.#o.datasets.all().map((d) => ({ kind: 'dataset' as const, id: d.datasetId })),
        ...this.#o.models
          .list()
          .filter((m) => m.mode === 'mpc')
          .map((m) => ({ kind: 'model' as const, id: m.id })),
      ];
      rec = { standbyId, slot: promotion.slot, replaces: promotion.replaces, state: 'running', items: items.map((i) => ({ ...i, state: 'pending' as const, attempts: 0 })), discarded: false, startedAt: new Date().toISOString(), requestedBy: { tenant: principal.tenant, actor: principal.actor } };
    } else {
      rec = { ...rec, state: 'running', items: rec.items.map((i) => (i.state === 'failed' ? { ...i, state: 'pending' as const } : i)) };
      delete rec.error;
    }
    this.#save(rec);
    this.#launch(rec);
    return rec;
  }

  #launch(rec: ResharingRecord, continued = false): void {
    const p = (continued ? this.#partiesUp() : Promise.resolve())
      .then(() => this.#run(rec.standbyId))
      .catch((e: unknown) => this.#o.logger.warn('reshare-error', { standbyId: rec.standbyId, message: String(e) }))
      .finally(() => this.#running.delete(rec.standbyId));
    this.#running.set(rec.standbyId, p);
  }

  /** Waits (bounded, and not past stop) until a `reshare-standby` job could be placed. */
  async #partiesUp(): Promise<void> {
    const until = Date.now() + (this.#o.partiesWaitMs ?? 15_000);
    while (!this.#stopped && Date.now() < until && 'missing' in this.#o.registry.partiesFor('reshare-standby')) await new Promise((r) => setTimeout(r, 100));
  }

  async #run(standbyId: string): Promise<void> {
    const start = this.#records.get(standbyId)!;
    const principal: Principal = { tenant: start.requestedBy.tenant, actor: start.requestedBy.actor, roles: ['admin'] };
    const base = { standbyId, slot: start.slot };
    for (let k = 0; k < start.items.length; k++) {
      if (this.#stopped) return;
      const rec = this.#records.get(standbyId)!;
      const item = rec.items[k]!;
      if (item.state === 'done') continue;
      const payload: StandbyResharePayload = { ...base, item: { kind: item.kind, id: item.id } };
      const outcome = await this.#job(principal, payload);
      // Stopped meanwhile: the job was failed by the stop (or finished), and the next coordinator repeats it from the kept copies.
      if (this.#stopped && !outcome.ok) return;
      const next = { ...item, attempts: item.attempts + 1, jobId: outcome.jobId, state: outcome.ok ? ('done' as const) : ('failed' as const), ...(outcome.ok ? {} : { error: outcome.error }) };
      if (outcome.ok) delete next.error;
      const items = rec.items.map((x, i) => (i === k ? next : x));
      if (!outcome.ok) {
        this.#save({ ...rec, items, state: 'paused', error: `${item.kind} ${item.id}: ${outcome.error}`.slice(0, 500) });
        this.#o.logger.warn('reshare-paused', { standbyId, item: `${item.kind}:${item.id}`, error: outcome.error });
        return;
      }
      this.#save({ ...rec, items });
      this.#o.logger.info('reshare-item-done', { standbyId, item: `${item.kind}:${item.id}`, done: items.filter((i) => i.state === 'done').length, of: items.length });
    }
    if (this.#stopped) return;
    const rec = this.#records.get(standbyId)!;
    if (!rec.discarded) {
      const outcome = await this.#job(principal, { ...base, discard: true });
      if (this.#stopped && !outcome.ok) return;
      if (!outcome.ok) {
        this.#save({ ...rec, state: 'paused', error: `erasing the kept copies: ${outcome.error}`.slice(0, 500) });
        return;
      }
    }
    this.#save({ ...this.#records.get(standbyId)!, discarded: true, state: 'done', finishedAt: new Date().toISOString() });
    this.#o.logger.info('reshare-done', { standbyId });
  }

  async #job(principal: Principal, payload: StandbyResharePayload): Promise<{ ok: boolean; jobId: string; error?: string }> {
    const { record } = this.#o.book.submit(principal, 'reshare-standby', payload);
    const jobId = record.status.id;
    await this.#o.dispatcher.run(jobId);
    const done = this.#o.book.record(jobId)!.status;
    if (done.state === 'verified') return { ok: true, jobId };
    return { ok: false, jobId, error: `${done.error?.code ?? done.state}: ${done.error?.message ?? ''}`.slice(0, 300) };
  }

  #save(rec: ResharingRecord): void {
    this.#records.set(rec.standbyId, rec);
    void this.#o.store?.write(resharingKey(rec.standbyId), rec);
  }
}


