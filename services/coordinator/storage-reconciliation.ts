/**
 * @module services/coordinator/storage-reconciliation
 * Reconciles what the parties hold with what the coordinator's catalogues name (issue 14): each
 * party lists the data sets and models it holds shares of (wire/storage-inventory, signed both
 * ways); an object that neither the data-set catalogue nor the model catalogue names is an
 * **orphan** (its bookkeeping was lost: a coordinator that kept its catalogue in memory, an
 * upload whose catalogue write never happened, an erase that missed a party), and a catalogued
 * data set or MPC model a party lacks is **missing** there.
 *
 * - `storage.reconcile` (admin): the report. The coordinator also makes one on start, once the
 *   three parties have announced themselves, and logs it (`storage-reconciled`).
 * - `storage.eraseOrphans` (admin): erases named orphans at all three parties and writes one
 *   audit entry per erased object (`dataset.deleted` / `model.deleted`, reason `orphan ...`).
 *   Each id must still be an orphan when the request arrives (not catalogued, and named by no
 *   job that is running or ended within {@link RECENT_JOB_MS}: an upload or publish whose
 *   catalogue write is still on its way is not an orphan), else `not-orphan` 409; all three
 *   parties must answer, else `parties-unavailable` 503 and nothing is erased anywhere.
 *
 * Both are deployment-wide operator actions (the catalogue that would tell an orphan's tenant
 * is what was lost), so only an `admin` may call them.
 */
import { randomBytes } from 'node:crypto';
import type { NatsConnection } from 'nats';
import type { ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { fromHex } from '../../crypto-core/encoding.js';
import type { ServiceLog } from '../transport/service-log.js';
import type { CoordinatorMethods, Principal, StorageReconciliationReport } from '../wire/api.js';
import { DATASET_ID_RE } from '../wire/analytics-jobs.js';
import type { AuditEvent } from '../wire/audit-entry.js';
import { inventorySubject, MODEL_ID_RE, signInventoryRequest, verifyInventoryReply, type InventoryReply, type InventoryRequest } from '../wire/storage-inventory.js';
import type { DatasetCatalog } from './analytics/dataset-catalog.js';
import type { AuditSink } from './audit/audit-sink.js';
import { ApiFailure } from './errors.js';
import type { JobBook } from './jobs/job-book.js';
import type { ModelRegistry } from './models/model-registry.js';
import { checkPrincipal, requireRole } from './principal-check.js';
import type { ServiceRegistry } from './service-registry.js';

/** How long after a job ended the data sets and models it named are still not orphans. */
export const RECENT_JOB_MS = 120_000;

/** How the coordinator reaches a party's inventory handler. */
export interface InventoryLink {
  /** Sends `req` to `serviceId` and resolves with its raw reply; rejects when it does not answer in `timeoutMs`. */
  request(serviceId: string, req: unknown, timeoutMs: number): Promise<unknown>;
}

/** The link over NATS request/reply. */
export function natsInventoryLink(nc: NatsConnection): InventoryLink {
  return {
    async request(serviceId, req, timeoutMs) {
      const m = await nc.request(inventorySubject(serviceId), new TextEncoder().encode(JSON.stringify(req)), { timeout: timeoutMs });
      return JSON.parse(new TextDecoder().decode(m.data)) as unknown;
    },
  };
}

/** Options of {@link StorageReconciliation}. */
export interface StorageReconciliationOptions {
  identity: ServiceIdentity;
  registry: ServiceRegistry;
  datasets: DatasetCatalog;
  models: ModelRegistry;
  book: JobBook;
  audit: AuditSink;
  link: InventoryLink;
  log: ServiceLog;
  /** Per-party answer timeout (default 10 s: a party lists its store directory). */
  timeoutMs?: number;
  now?: () => number;
}

type Listing = InventoryReply & { op: 'list' };
type PartyAnswer = { id: string; index: number; listing?: Listing; error?: string };

const METHODS = ['storage.reconcile', 'storage.eraseOrphans'] as const;

/** The reconciliation methods (an ApiExtension of CoordinatorApi). */
export class StorageReconciliation {
  readonly #o: StorageReconciliationOptions;
  /** Data set and model ids named by jobs, with the time the job ended (undefined: still running). */
  readonly #inUse = new Map<string, number | undefined>();

  constructor(opts: StorageReconciliationOptions) {
    this.#o = opts;
    opts.book.onChange((rec) => {
      const p = rec.payload as { datasetId?: unknown; modelId?: unknown } | null | undefined;
      const terminal = ['verified', 'failed', 'failed-verification'].includes(rec.status.state);
      for (const id of [p?.datasetId, p?.modelId]) if (typeof id === 'string') this.#inUse.set(id, terminal ? this.#now() : undefined);
    });
  }

  handles(method: string): boolean {
    return (METHODS as readonly string[]).includes(method);
  }

  async call(method: string, req: unknown): Promise<unknown> {
    const r = (req ?? {}) as Record<string, unknown>;
    const principal = checkPrincipal(r.principal);
    if (method === 'storage.reconcile') {
      requireRole(principal, 'admin', 'reconciling party storage');
      return await this.report();
    }
    if (method === 'storage.eraseOrphans') {
      requireRole(principal, 'admin', 'erasing orphaned shares');
      return await this.#erase(principal, r);
    }
    throw new ApiFailure('invalid-request', 400, `method: ${JSON.stringify(method)} is not a storage method`);
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  /** Whether a job that is running, or ended within RECENT_JOB_MS, names `id`. */
  #recentlyUsed(id: string): boolean {
    if (!this.#inUse.has(id)) return false;
    const ended = this.#inUse.get(id);
    if (ended === undefined) return true;
    if (this.#now() - ended < RECENT_JOB_MS) return true;
    this.#inUse.delete(id);
    return false;
  }

  #parties(): { id: string; index: number; key: Uint8Array }[] {
    return this.#o.registry
      .list()
      .filter((s) => s.kind === 'party')
      .map((s) => ({ id: s.id, index: s.index ?? -1, key: fromHex(s.signingPublicKey, 'signingPublicKey', 32) }))
      .sort((a, b) => a.index - b.index);
  }

  /** Sends one signed request to each party; a party that does not answer validly gets `error`. */
  async #ask(body: (party: string) => Omit<InventoryRequest, 'nonce' | 'issuedAt' | 'party'>): Promise<{ id: string; index: number; reply?: InventoryReply; error?: string }[]> {
    return await Promise.all(
      this.#parties().map(async (p) => {
        const nonce = randomBytes(16).toString('hex');
        const req = { ...body(p.id), nonce, issuedAt: new Date(this.#now()).toISOString(), party: p.id } as InventoryRequest;
        try {
          const raw = await this.#o.link.request(p.id, signInventoryRequest(req, this.#o.identity.signing), this.#o.timeoutMs ?? 10_000);
          const reply = verifyInventoryReply(raw, p.key);
          if (!reply || reply.nonce !== nonce || reply.party !== p.id) return { id: p.id, index: p.index, error: 'the reply is not signed by this party for this request' };
          if (reply.op === 'refused') return { id: p.id, index: p.index, error: `refused: ${reply.reason}` };
          return { id: p.id, index: p.index, reply };
        } catch (e) {
          return { id: p.id, index: p.index, error: `no answer: ${e instanceof Error ? e.message : String(e)}` };
        }
      }),
    );
  }

  async #listings(): Promise<PartyAnswer[]> {
    const answers = await this.#ask(() => ({ op: 'list' }));
    return answers.map((a) => (a.reply?.op === 'list' ? { id: a.id, index: a.index, listing: a.reply } : { id: a.id, index: a.index, error: a.error ?? `unexpected reply ${a.reply?.op}` }));
  }

  /** The reconciliation report (see the module doc). */
  async report(): Promise<StorageReconciliationReport> {
    return this.#compare(await this.#listings());
  }

  #compare(answers: PartyAnswer[]): StorageReconciliationReport {
    const orphanDatasets = new Map<string, { id: string; parties: string[]; objects: number; bytes: number; inUse: boolean }>();
    const orphanModels = new Map<string, { id: string; parties: string[]; objects: number; bytes: number; inUse: boolean }>();
    const held = { datasets: new Map<string, Set<string>>(), models: new Map<string, Set<string>>() };
    for (const a of answers) {
      if (!a.listing) continue;
      for (const [groups, known, out, heldBy] of [
        [a.listing.datasets, (id: string) => this.#o.datasets.get(id) !== undefined, orphanDatasets, held.datasets],
        [a.listing.models, (id: string) => this.#o.models.get(id) !== undefined, orphanModels, held.models],
      ] as const) {
        for (const g of groups) {
          heldBy.set(g.id, (heldBy.get(g.id) ?? new Set()).add(a.id));
          if (known(g.id)) continue;
          const o = out.get(g.id) ?? { id: g.id, parties: [], objects: 0, bytes: 0, inUse: this.#recentlyUsed(g.id) };
          o.parties.push(a.id);
          o.objects += g.objects;
          o.bytes += g.bytes;
          out.set(g.id, o);
        }
      }
    }
    const answered = answers.filter((a) => a.listing).map((a) => a.id);
    const missingAt = (heldBy: Set<string> | undefined): string[] => answered.filter((id) => !heldBy?.has(id));
    const missingDatasets = this.#o.datasets
      .all()
      .map((e) => ({ id: e.datasetId, parties: missingAt(held.datasets.get(e.datasetId)) }))
      .filter((m) => m.parties.length > 0 && !this.#recentlyUsed(m.id));
    const missingModels = this.#o.models
      .list()
      .filter((m) => m.mode === 'mpc')
      .map((m) => ({ id: m.id, parties: missingAt(held.models.get(m.id)) }))
      .filter((m) => m.parties.length > 0 && !this.#recentlyUsed(m.id));
    return {
      checkedAt: new Date(this.#now()).toISOString(),
      complete: answers.length === 3 && answered.length === 3,
      parties: answers.map((a) => ({
        id: a.id,
        index: a.index,
        reachable: a.listing !== undefined,
        ...(a.error ? { error: a.error } : {}),
        datasets: a.listing?.datasets.length ?? 0,
        models: a.listing?.models.length ?? 0,
        otherObjects: a.listing?.other.length ?? 0,
      })),
      orphans: { datasets: [...orphanDatasets.values()], models: [...orphanModels.values()] },
      missing: { datasets: missingDatasets, models: missingModels },
    };
  }

  async #erase(principal: Principal, r: Record<string, unknown>): Promise<CoordinatorMethods['storage.eraseOrphans']['res']> {
    const datasets = idList(r.datasets, 'datasets', DATASET_ID_RE);
    const models = idList(r.models, 'models', MODEL_ID_RE);
    if (datasets.length + models.length === 0) throw new ApiFailure('invalid-request', 400, 'datasets, models: name at least one orphan to erase');
    for (const id of datasets) this.#checkOrphan(id, this.#o.datasets.get(id) !== undefined, 'data set');
    for (const id of models) this.#checkOrphan(id, this.#o.models.get(id) !== undefined, 'model');
    // Every party must be there: erasing at some would leave the rest orphaned and half the record.
    const listings = await this.#listings();
    const absent = listings.filter((a) => !a.listing);
    if (listings.length < 3 || absent.length > 0) {
      throw new ApiFailure('parties-unavailable', 503, `erasing needs all three parties; ${absent.map((a) => `${a.id}: ${a.error}`).join('; ') || `${listings.length} registered`}`);
    }
    const replies = await this.#ask(() => ({ op: 'erase', datasets, models }));
    const failed = replies.filter((a) => a.reply?.op !== 'erase');
    const erasedAt = (kind: 'datasets' | 'models', id: string): string[] => replies.filter((a) => a.reply?.op === 'erase' && a.reply[kind].includes(id)).map((a) => a.id);
    let objects = 0;
    for (const a of replies) if (a.reply?.op === 'erase') objects += a.reply.objects;
    const out = { datasets: [] as string[], models: [] as string[] };
    for (const [kind, ids] of [['datasets', datasets], ['models', models]] as const) {
      for (const id of ids) {
        const at = erasedAt(kind, id);
        if (at.length === 0) continue;
        out[kind].push(id);
        const reason = `orphan (no catalogue names it) erased at ${at.join(', ')}`;
        const event: AuditEvent =
          kind === 'datasets'
            ? { type: 'dataset.deleted', actor: principal.actor, tenant: principal.tenant, datasetId: id, reason }
            : { type: 'model.deleted', actor: principal.actor, tenant: principal.tenant, modelId: id, reason };
        await this.#o.audit.append(event);
      }
    }
    this.#o.log.info('storage-orphans-erased', { datasets: out.datasets.join(' '), models: out.models.join(' '), objects, by: principal.actor });
    if (failed.length > 0) {
      throw new ApiFailure('erase-incomplete', 502, `erased ${objects} objects, but ${failed.map((a) => `${a.id}: ${a.error ?? a.reply?.op}`).join('; ')}; run storage.reconcile and erase again`, { erased: out });
    }
    return { erased: out, objects, parties: replies.map((a) => a.id) };
  }

  #checkOrphan(id: string, catalogued: boolean, what: string): void {
    if (catalogued) throw new ApiFailure('not-orphan', 409, `${what} ${id} is in the catalogue; erase it with its own delete`);
    if (this.#recentlyUsed(id)) throw new ApiFailure('not-orphan', 409, `${what} ${id} is named by a job that is running or ended less than ${RECENT_JOB_MS / 1000} s ago; reconcile again later`);
  }

  /**
   * Waits (up to `waitMs`) until three parties are up, then reports and logs the result:
   * `storage-reconciled` (info) when the parties and catalogues agree, a warning listing the
   * orphans and missing objects otherwise. Never throws.
   */
  async reconcileOnStart(waitMs = 60_000): Promise<StorageReconciliationReport | undefined> {
    const end = this.#now() + waitMs;
    while (this.#o.registry.list().filter((s) => s.kind === 'party' && s.status === 'up').length < 3) {
      if (this.#now() > end) {
        this.#o.log.warn('storage-reconcile-skipped', { reason: `three parties were not up within ${waitMs} ms of start` });
        return undefined;
      }
      await new Promise((res) => setTimeout(res, 250));
    }
    try {
      const rep = await this.report();
      const summary = {
        complete: rep.complete,
        orphanDatasets: rep.orphans.datasets.map((o) => o.id).join(' '),
        orphanModels: rep.orphans.models.map((o) => o.id).join(' '),
        missingDatasets: rep.missing.datasets.map((m) => `${m.id}@${m.parties.join('+')}`).join(' '),
        missingModels: rep.missing.models.map((m) => `${m.id}@${m.parties.join('+')}`).join(' '),
        unreachable: rep.parties.filter((p) => !p.reachable).map((p) => `${p.id}: ${p.error}`).join('; '),
      };
      const clean = rep.complete && rep.orphans.datasets.length + rep.orphans.models.length + rep.missing.datasets.length + rep.missing.models.length === 0;
      if (clean) this.#o.log.info('storage-reconciled', summary);
      else this.#o.log.warn('storage-reconciled', summary);
      return rep;
    } catch (e) {
      this.#o.log.warn('storage-reconcile-failed', { message: e instanceof Error ? e.message : String(e) });
      return undefined;
    }
  }
}

function idList(v: unknown, name: string, re: RegExp): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > 1000) throw new ApiFailure('invalid-request', 400, `${name}: expected an array of at most 1000 ids`);
  v.forEach((x, i) => {
    if (typeof x !== 'string' || !re.test(x)) throw new ApiFailure('invalid-request', 400, `${name}[${i}]: expected an id matching ${re.source}, got ${JSON.stringify(x)}`);
  });
  return [...new Set(v as string[])];
}
