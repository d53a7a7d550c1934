/**
 * @module services/coordinator/audit/audit-methods
 * The coordinator's audit API: `audit.checkpoint`, `audit.entries`, `audit.proof`,
 * `audit.export` (read by auditors through the gateway) and `audit.denial` (the gateway's
 * access denials, appended as `access.denied` events). Registered on the CoordinatorApi with
 * `api.extend`, as the HE methods are.
 *
 * Reads are answered from the Merkle log the coordinator writes: services/audit AuditLog in
 * JetStream, or MemoryMerkleLog (audit-memory-log.ts) in a cluster without JetStream. A
 * coordinator whose sink keeps no Merkle log (MemoryAuditSink, events only) answers reads with
 * `audit-unavailable` (503), saying why; denials are still appended to whatever sink there is.
 *
 * Only `auditor` and `admin` principals read the log. The gateway checks the same roles; the
 * coordinator checks again because NATS clients other than the gateway can reach its subjects.
 *
 * When the log has a checkpoint schedule, the coordinator owns it: it signs a checkpoint soon
 * after appends, once more when an export finds entries the latest checkpoint does not cover
 * (so an export is as fresh as the log), and a last one on {@link AuditMethods.stop}.
 */
import { createHash } from 'node:crypto';
import { MpcError } from '../../../crypto-core/errors.js';
import { parseCheckpoint, parseNote } from '../../../crypto-core/checkpoint/index.js';
import type { AuditEntry, AuditEvent } from '../../wire/audit-entry.js';
import type { AuditLog, ConsistencyProof, InclusionProof } from '../../audit/audit-log.js';
import type { CheckpointSchedule, CheckpointScheduleOptions } from '../../audit/checkpoint-schedule.js';
import { signCheckpointsOnActivity } from './audit-checkpoints.js';
import type { AuditConsistencyProof, AuditInclusionProof, CoordinatorMethod, CoordinatorMethods, DenialEvent, Principal } from '../../wire/api.js';
import type { ServiceLog } from '../../transport/service-log.js';
import type { AuditSink } from './audit-sink.js';
import { ApiFailure } from '../errors.js';
import { checkPrincipal } from '../principal-check.js';
import { auditEntryPredicate, type AuditEntryPredicate } from './audit-entry-filter.js';

/** The methods this module answers. */
const AUDIT_METHODS = ['audit.checkpoint', 'audit.entries', 'audit.proof', 'audit.export', 'audit.denial'] as const satisfies readonly CoordinatorMethod[];

/** Largest page of `audit.entries` (the gateway's route allows the same). */
export const MAX_AUDIT_ENTRIES_PAGE = 1000;
/** Entries one filtered `audit.entries` call scans at most before answering with `next`. */
export const MAX_AUDIT_SEARCH_SCAN = 100_000;
/**
 * Bytes of entries one `audit.entries` page may carry by default: a page is one unchunked NATS
 * reply, so it stays well under the default max_payload (1 MiB); the caller pages on from the
 * last seq. A smaller server limit lowers it (see {@link AuditMethodsOptions.maxReplyBytes}).
 */
export const MAX_AUDIT_PAGE_BYTES = 512 * 1024;

/** What the read methods use of a Merkle log: AuditLog (JetStream) and MemoryMerkleLog both fit. */
export interface AuditLogReader {
  readonly size: number;
  latestCheckpoint(): Promise<string | null>;
  entries(query: { from: number; to?: number }): AuditEntry[];
  entryBytes(index: number): Uint8Array;
  inclusionProof(index: number, treeSize?: number): InclusionProof;
  consistencyProof(size1: number, size2?: number): ConsistencyProof;
  flush(): Promise<void>;
}

/** Options of {@link AuditMethods}. */
export interface AuditMethodsOptions {
  /** Where events are appended (denials). */
  sink: AuditSink;
  /** The Merkle log the reads are answered from; absent: reads answer `audit-unavailable`. */
  log?: AuditLogReader;
  /** Checkpoint schedule of `log`, ticked by exports and stopped by {@link AuditMethods.stop}. */
  schedule?: CheckpointSchedule;
  /** The coordinator's service id, named in errors. */
  id: string;
  /** The largest reply the transport carries in one message (NATS max_payload), read per call. */
  maxReplyBytes?: () => number | undefined;
}

const READ_ROLES = new Set(['auditor', 'admin']);
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;
/** Runs that the audit entry schema would refuse in free text (ids in routes, say). */
const BLOB_RUN = /[A-Za-z0-9+/=_-]{40,}/g;
/** The same within one path segment, elided first so that the route's shape stays readable. */
const SEGMENT_RUN = /[A-Za-z0-9+=_-]{32,}/g;

const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');

function invalid(message: string): never {
  throw new ApiFailure('invalid-request', 400, message);
}

function checkReader(p: unknown): Principal {
  const q = checkPrincipal(p);
  if (!q.roles.some((r) => READ_ROLES.has(r))) throw new ApiFailure('permission-denied', 403, `principal.roles: reading the audit log needs the auditor or admin role, ${q.actor} has ${q.roles.join(', ') || 'none'}`);
  return q;
}

function checkCount(v: unknown, name: string, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) invalid(`${name}: expected an integer in [0, ${max}], got ${JSON.stringify(v)}`);
  return v;
}

/** Tree size of a signed checkpoint note (the note is this coordinator's own, so it parses). */
function checkpointSize(note: string): number {
  return parseCheckpoint(parseNote(note).text).size;
}

/**
 * Text of an `access.denied` reason: what was refused and why, short, without control
 * characters, with long id-like runs elided (the schema refuses them as possible data).
 */
function denialReason(e: DenialEvent): string {
  const roles = e.requiredRoles?.length ? ` (needs ${e.requiredRoles.join('|')})` : '';
  const text = `${e.reason}: ${e.method} ${e.route}${roles} request ${e.requestId}${e.remoteAddress ? ` from ${e.remoteAddress}` : ''}`;
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(SEGMENT_RUN, '[...]').replace(BLOB_RUN, '[...]').slice(0, 200);
}

function checkDenial(v: unknown): DenialEvent {
  const e = v as Partial<DenialEvent> | null;
  if (typeof e !== 'object' || e === null) invalid('event: expected { at, requestId, method, route, reason }');
  for (const f of ['at', 'requestId', 'method', 'route', 'reason'] as const) {
    if (typeof e[f] !== 'string' || e[f].length === 0 || e[f].length > 2000) invalid(`event.${f}: expected a non-empty string`);
  }
  for (const f of ['tenant', 'actor', 'remoteAddress'] as const) {
    if (e[f] !== undefined && typeof e[f] !== 'string') invalid(`event.${f}: expected a string`);
  }
  if (e.requiredRoles !== undefined && (!Array.isArray(e.requiredRoles) || e.requiredRoles.some((r) => typeof r !== 'string'))) invalid('event.requiredRoles: expected a list of roles');
  return e as DenialEvent;
}

/** The coordinator's audit methods (an ApiExtension of CoordinatorApi). */
export class AuditMethods {
  readonly #sink: AuditSink;
  readonly #log: AuditLogReader | undefined;
  readonly #schedule: CheckpointSchedule | undefined;
  readonly #id: string;
  readonly #maxReplyBytes: () => number | undefined;

  constructor(opts: AuditMethodsOptions) {
    this.#maxReplyBytes = opts.maxReplyBytes ?? (() => undefined);
    this.#sink = opts.sink;
    this.#log = opts.log;
    this.#schedule = opts.schedule;
    this.#id = opts.id;
  }

  /** Whether reads are served (a Merkle log is attached). */
  get serving(): boolean {
    return this.#log !== undefined;
  }

  handles(method: string): boolean {
    return (AUDIT_METHODS as readonly string[]).includes(method);
  }

  /**
   * Answers one audit method.
   * @throws ApiFailure: invalid-request 400, permission-denied 403, audit-unavailable 503.
   */
  async call(method: string, req: unknown): Promise<unknown> {
    const r = (req ?? {}) as Record<string, unknown>;
    switch (method) {
      case 'audit.denial':
        return await this.denial(r);
      case 'audit.checkpoint':
        await this.#checkReader(method, r.principal);
        return { checkpoint: await this.#reader().latestCheckpoint() } satisfies CoordinatorMethods['audit.checkpoint']['res'];
      case 'audit.entries':
        await this.#checkReader(method, r.principal);
        return this.entries(r);
      case 'audit.proof':
        await this.#checkReader(method, r.principal);
        return this.proof(r);
      case 'audit.export':
        await this.#checkReader(method, r.principal);
        return await this.export();
      default:
        invalid(`method: unknown audit method ${JSON.stringify(method)}`);
    }
  }

  /** `audit.entries`: entries from `from`, at most `limit` (capped by count and bytes). */
  entries(r: Record<string, unknown>): CoordinatorMethods['audit.entries']['res'] {
    const log = this.#reader();
    const size = log.size;
    const from = checkCount(r.from ?? 0, 'from', Number.MAX_SAFE_INTEGER);
    const limit = Math.min(checkCount(r.limit ?? 100, 'limit', Number.MAX_SAFE_INTEGER), MAX_AUDIT_ENTRIES_PAGE);
    const match = auditEntryPredicate(r, invalid);
    if (from >= size || limit === 0) return { entries: [], treeSize: size };
    // Stop at the byte budget so that a page of large entries still fits one reply.
    // Half the transport limit leaves room for the JSON around the entries.
    const budget = Math.min(MAX_AUDIT_PAGE_BYTES, Math.floor((this.#maxReplyBytes() ?? Infinity) / 2));
    if (match) return this.#search(log, from, limit, budget, match);
    let to = from;
    let bytes = 0;
    while (to < size && to - from < limit) {
      const n = log.entryBytes(to).length + 16;
      if (to > from && bytes + n > budget) break;
      bytes += n;
      to++;
    }
    return { entries: log.entries({ from, to }), treeSize: size };
  }

  /**
   * A filtered page: matching entries from `from` on, at most `limit`, scanning at most
   * {@link MAX_AUDIT_SEARCH_SCAN} entries per call so one search never holds the coordinator
   * long; `next` says where to scan on.
   */
  #search(log: AuditLogReader, from: number, limit: number, budget: number, match: AuditEntryPredicate): CoordinatorMethods['audit.entries']['res'] {
    const size = log.size;
    const end = Math.min(size, from + MAX_AUDIT_SEARCH_SCAN);
    const found: AuditEntry[] = [];
    let bytes = 0;
    let at = from;
    scan: while (at < end) {
      const to = Math.min(end, at + 1000);
      for (const e of log.entries({ from: at, to })) {
        if (match(e)) {
          const n = log.entryBytes(e.seq).length + 16;
          if (found.length > 0 && bytes + n > budget) break scan;
          bytes += n;
          found.push(e);
        }
        at = e.seq + 1;
        if (found.length === limit) break scan;
      }
    }
    return { entries: found, treeSize: size, ...(at < size ? { next: at } : {}) };
  }

  /** `audit.proof`: inclusion of `index` in the tree of `treeSize` (default: all), consistency from `fromSize`. */
  proof(r: Record<string, unknown>): CoordinatorMethods['audit.proof']['res'] {
    const log = this.#reader();
    const size = log.size;
    const treeSize = r.treeSize === undefined ? size : checkCount(r.treeSize, 'treeSize', size);
    const index = checkCount(r.index, 'index', Number.MAX_SAFE_INTEGER);
    if (index >= treeSize) invalid(`index: ${index} is not below treeSize ${treeSize}`);
    const p = log.inclusionProof(index, treeSize);
    const inclusion: AuditInclusionProof = { leafIndex: p.leafIndex, treeSize: p.treeSize, leafHash: hex(p.leafHash), rootHash: hex(p.rootHash), proof: p.proof.map(hex) };
    if (r.fromSize === undefined) return { inclusion };
    const fromSize = checkCount(r.fromSize, 'fromSize', treeSize);
    if (fromSize === 0) invalid('fromSize: expected at least 1 (every tree extends the empty one)');
    const c = log.consistencyProof(fromSize, treeSize);
    const consistency: AuditConsistencyProof = { size1: c.size1, size2: c.size2, root1: hex(c.root1), root2: hex(c.root2), proof: c.proof.map(hex) };
    return { inclusion, consistency };
  }

  /**
   * `audit.export`: the latest checkpoint and every entry it covers. Entries not yet signed
   * get a checkpoint first when this coordinator signs on a schedule.
   */
  async export(): Promise<CoordinatorMethods['audit.export']['res']> {
    const log = this.#reader();
    let note = await log.latestCheckpoint();
    if (this.#schedule && log.size > (note === null ? 0 : checkpointSize(note))) {
      await log.flush();
      note = (await this.#schedule.tick()) ?? (await log.latestCheckpoint());
    }
    if (note === null) return { checkpoint: null, entries: [] };
    const size = checkpointSize(note);
    return { checkpoint: note, entries: size === 0 ? [] : log.entries({ from: 0, to: size }) };
  }

  /** `audit.denial`: appends an `access.denied` event for a denial at the gateway; answers once it is stored. */
  async denial(r: Record<string, unknown>): Promise<CoordinatorMethods['audit.denial']['res']> {
    const e = checkDenial(r.event);
    const event: AuditEvent = {
      type: 'access.denied',
      // A caller refused before authentication has no identity to name.
      actor: e.actor !== undefined && ID_RE.test(e.actor) ? e.actor : 'anonymous',
      ...(e.tenant !== undefined && ID_RE.test(e.tenant) ? { tenant: e.tenant } : {}),
      reason: denialReason(e),
      // The request id is kept verifiably without putting a possibly long token in free text.
      hashes: { request: createHash('sha256').update(e.requestId).digest('hex') },
    };
    try {
      await this.#sink.append(event);
    } catch (err) {
      throw new ApiFailure(err instanceof MpcError && err.code === 'audit-entry-invalid' ? 'invalid-request' : 'audit-unavailable', err instanceof MpcError && err.code === 'audit-entry-invalid' ? 400 : 503, `event: not recorded: ${(err as Error).message}`, undefined, { cause: err });
    }
    return { recorded: true };
  }

  /** Stops the checkpoint schedule, signing a last checkpoint of what was appended. */
  async stop(): Promise<void> {
    await this.#log?.flush();
    await this.#schedule?.stop();
  }

  /**
   * The role check; a refusal is itself an access decision, so it is logged as `access.denied`
   * (such a caller bypassed the gateway, which refuses and logs the same roles first).
   */
  async #checkReader(method: string, p: unknown): Promise<Principal> {
    try {
      return checkReader(p);
    } catch (e) {
      const q = p as Partial<Principal>;
      if (e instanceof ApiFailure && e.code === 'permission-denied') {
        const event: AuditEvent = {
          type: 'access.denied',
          actor: typeof q.actor === 'string' && ID_RE.test(q.actor) ? q.actor : 'anonymous',
          ...(typeof q.tenant === 'string' && ID_RE.test(q.tenant) ? { tenant: q.tenant } : {}),
          reason: `permission-denied: ${method} at coordinator ${this.#id} (needs auditor|admin)`.slice(0, 200),
        };
        try {
          await this.#sink.append(event);
        } catch {
          // The refusal stands whether or not it could be logged.
        }
      }
      throw e;
    }
  }

  #reader(): AuditLogReader {
    if (!this.#log) throw new ApiFailure('audit-unavailable', 503, `the audit log is not served: coordinator ${this.#id} keeps no Merkle log (configure "audit": "jetstream")`);
    return this.#log;
  }
}

/** What {@link startAuditMethods} needs. */
export interface AuditMethodsSetup {
  id: string;
  sink: AuditSink;
  /** See {@link AuditMethodsOptions.maxReplyBytes}. */
  maxReplyBytes?: () => number | undefined;
  /** Checkpoint schedule options (when the sink is a writable AuditLog with a signer); default: check every second. */
  checkpoints?: CheckpointScheduleOptions;
  logger?: ServiceLog;
}

/** Whether `sink` is a Merkle log the read methods can serve (structurally an AuditLog). */
function asMerkleLog(sink: AuditSink): (AuditLogReader & Pick<AuditLog, 'checkpoint' | 'verifier'>) | undefined {
  const s = sink as Partial<AuditLog>;
  return typeof s.inclusionProof === 'function' && typeof s.consistencyProof === 'function' && typeof s.latestCheckpoint === 'function' && typeof s.entryBytes === 'function'
    ? (sink as unknown as AuditLogReader & Pick<AuditLog, 'checkpoint' | 'verifier'>)
    : undefined;
}

/**
 * Builds the audit methods over `sink`; when the sink is a signing Merkle log, starts signing
 * its checkpoints (audit-checkpoints.ts: within a second of new entries, every 1000 entries).
 */
export function startAuditMethods(setup: AuditMethodsSetup): AuditMethods {
  const log = asMerkleLog(setup.sink);
  const logger = setup.logger;
  const schedule =
    log && log.verifier
      ? signCheckpointsOnActivity(log, {
          onError: (e) => logger?.warn('audit-checkpoint-failed', { message: e instanceof Error ? e.message : String(e) }),
          ...setup.checkpoints,
        })
      : undefined;
  return new AuditMethods({ sink: setup.sink, id: setup.id, ...(setup.maxReplyBytes ? { maxReplyBytes: setup.maxReplyBytes } : {}), ...(log ? { log } : {}), ...(schedule ? { schedule } : {}) });
}
