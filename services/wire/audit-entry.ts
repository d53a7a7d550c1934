/**
 * @module services/wire/audit-entry
 * The audit entry schema and its validation. An entry is metadata and hashes: who did what to
 * which job, model, data set, key or service, and when; never records, shares, weights or keys.
 * Validation is a whitelist: an unknown event type or field is rejected, and so is anything that
 * looks like data smuggled into a free-text field (long base64 or hex runs, numeric arrays).
 *
 * The hashed form is the RFC 8785 canonical JSON of the entry (crypto-core/canonical-json), so
 * the exported JSON Lines are exactly the bytes whose leaf hashes make up the tree.
 */
import { canonicalJson, canonicalJsonBytes } from '../../crypto-core/canonical-json.js';
import { MpcError } from '../../crypto-core/errors.js';

/** An audit event or entry breaks the schema (unknown type, unknown field, data-like content). */
export class AuditEntryError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('audit-entry-invalid', message, options);
  }
}

/** Schema version written into every entry. */
export const AUDIT_ENTRY_VERSION = 1;

/** Every event type, with the subject identifier it must name. */
export const AUDIT_EVENT_TYPES = {
  'job.created': 'jobId',
  'job.placed': 'jobId',
  'job.started': 'jobId',
  'job.finished': 'jobId',
  'job.failed': 'jobId',
  'job.verified': 'jobId',
  'job.failed-verification': 'jobId',
  'verification.failed': 'jobId',
  'model.published': 'modelId',
  'model.updated': 'modelId',
  'model.activated': 'modelId',
  'model.rolled-back': 'modelId',
  'model.deleted': 'modelId',
  'dataset.uploaded': 'datasetId',
  'dataset.deleted': 'datasetId',
  'query.run': 'jobId',
  'key.registered': 'keyId',
  'key.rotated': 'keyId',
  'access.denied': null,
  'service.joined': 'serviceId',
  'service.left': 'serviceId',
  'party.quarantined': 'serviceId',
  'party.reinstated': 'serviceId',
  'party.promoted': 'serviceId',
} as const;

/** One of the event types. */
export type AuditEventType = keyof typeof AUDIT_EVENT_TYPES;

/** What a caller appends; the log adds `v`, `seq` and `time`. */
export interface AuditEvent {
  /**
   * The event's own id, given once when it is first recorded (the coordinator's outbox): an
   * event published again after a fault is recognised by it, so it is in the log once.
   */
  id?: string;
  type: AuditEventType;
  /** Service id or API identity (key id) that caused the event. */
  actor: string;
  jobId?: string;
  modelId?: string;
  datasetId?: string;
  keyId?: string;
  serviceId?: string;
  /** Tenant the subject belongs to. */
  tenant?: string;
  /** Party index 0..2 an event concerns (e.g. the party named by a failed verification). */
  party?: number;
  /**
   * `verification.failed`: the party, or the pair one of which is the cheater, that the
   * reporting party (`party`) names from its own view of the failed check (increasing order).
   */
  accused?: number[];
  /** `job.placed`: the service ids of parties 0, 1 and 2 (so an export alone maps indices to services). */
  parties?: string[];
  /** `party.reinstated`, `party.promoted`: the operator key ids whose signatures made the decision. */
  signers?: string[];
  /** Job events from placement on, `query.run` and `dataset.uploaded`: the security mode the parties ran the job in. */
  security?: 'semi-honest' | 'malicious';
  /** Model or key version number. */
  version?: number;
  /** Short human-readable reason (failures, denials), at most 200 characters. */
  reason?: string;
  /** Named SHA-256 digests (lower-case hex): inputs, outputs, model weights, commitments. */
  hashes?: Record<string, string>;
  /**
   * `job.finished`: what the job cost, from the three parties' signed result reports (their
   * `stats`, services/wire/job-messages PartyJobStats), by party index: protocol milliseconds
   * (rounded) and bytes sent; for an HE job, from the two HE workers' signed evaluate replies
   * (`heMs`). Credits are computed from these (services/audit/credits.ts).
   */
  cost?: JobCost;
  /** `job.created`: the job's kind (services/wire/job-kinds), so KPIs per kind come from the log alone. */
  jobKind?: string;
}

/** A job's cost per party index 0..2, as the parties signed it. */
export interface JobCost {
  computeMs: number[];
  bytesSent: number[];
  /**
   * HE jobs only: each HE worker's evaluation milliseconds (rounded) as it signed them in its
   * evaluate reply (wire/he-messages), in the order of the result's `verification.workers`
   * (the same worker twice in repeated mode). No MPC party runs an HE job, so its
   * `computeMs` and `bytesSent` are zeros.
   */
  heMs?: number[];
}

/** A stored entry: the event plus schema version, Merkle index and time. */
export interface AuditEntry extends AuditEvent {
  v: typeof AUDIT_ENTRY_VERSION;
  /** Index of the entry in the log = its Merkle leaf index (0-based). */
  seq: number;
  /** RFC 3339 UTC time the log assigned (non-decreasing along the log). */
  time: string;
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;
const HASH_NAME_RE = /^[a-z][a-zA-Z0-9-]{0,31}$/;
const HEX64_RE = /^[0-9a-f]{64}$/;
/** A job kind's name (services/wire/job-kinds): lower-case words joined by hyphens. */
const JOB_KIND_RE = /^[a-z][a-z0-9-]{0,39}$/;
const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
/** A run of 40+ base64 or hex characters in free text is data or a key, not a reason. */
const BLOB_RE = /[A-Za-z0-9+/=_-]{40,}/;
const MAX_HASHES = 16;
const MAX_REASON = 200;
/** Field names that mean someone is logging payload; named in the error so the caller sees why. */
const DATA_FIELDS = new Set(['records', 'record', 'rows', 'data', 'values', 'shares', 'share', 'secret', 'secretKey', 'privateKey', 'key', 'weights', 'input', 'inputs', 'output', 'outputs', 'plaintext', 'ciphertext', 'payload']);

const EVENT_FIELDS = new Set(['id', 'type', 'actor', 'jobId', 'modelId', 'datasetId', 'keyId', 'serviceId', 'tenant', 'party', 'accused', 'parties', 'signers', 'security', 'version', 'reason', 'hashes', 'cost', 'jobKind']);
const ENTRY_FIELDS = new Set([...EVENT_FIELDS, 'v', 'seq', 'time']);

function fail(msg: string): never {
  throw new AuditEntryError(msg);
}

function checkFields(obj: Record<string, unknown>, allowed: Set<string>, what: string): void {
  for (const k of Object.keys(obj)) {
    if (allowed.has(k)) continue;
    if (DATA_FIELDS.has(k)) fail(`${what}.${k}: audit entries hold metadata and hashes, never data, shares or keys (log a hash under 'hashes' instead)`);
    fail(`${what}.${k}: unknown field`);
  }
}

function checkCost(c: unknown, what: string): JobCost {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) fail(`${what}: expected { computeMs, bytesSent, heMs? }`);
  const o = c as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'computeMs' && k !== 'bytesSent' && k !== 'heMs') fail(`${what}.${k}: unknown field`);
  const list = (k: 'computeMs' | 'bytesSent' | 'heMs', n: number, of: string): number[] => {
    const v = o[k];
    if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) fail(`${what}.${k}: expected ${n === 3 ? 'three' : 'two'} non-negative integers (${of}), got ${JSON.stringify(v)?.slice(0, 80)}`);
    return [...(v as number[])];
  };
  const cost: JobCost = { computeMs: list('computeMs', 3, 'parties 0, 1, 2'), bytesSent: list('bytesSent', 3, 'parties 0, 1, 2') };
  if (o.heMs !== undefined) cost.heMs = list('heMs', 2, 'the two HE workers');
  return cost;
}

/**
 * Checks an event to append and returns a clean copy (only known fields, in no particular
 * order: canonical JSON fixes the order).
 * @throws AuditEntryError naming the first bad field.
 */
export function validateAuditEvent(event: unknown, what = 'event'): AuditEvent {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) fail(`${what}: expected an object, got ${Array.isArray(event) ? 'array' : typeof event}`);
  const e = event as Record<string, unknown>;
  checkFields(e, EVENT_FIELDS, what);
  if (typeof e.type !== 'string' || !Object.hasOwn(AUDIT_EVENT_TYPES, e.type)) fail(`${what}.type: unknown event type ${JSON.stringify(e.type)}`);
  const type = e.type as AuditEventType;
  if (typeof e.actor !== 'string' || !ID_RE.test(e.actor)) fail(`${what}.actor: expected a service or API identity (1-128 of [A-Za-z0-9._:@/-]), got ${JSON.stringify(e.actor)}`);
  const out: AuditEvent = { type, actor: e.actor };
  for (const f of ['id', 'jobId', 'modelId', 'datasetId', 'keyId', 'serviceId', 'tenant'] as const) {
    const v = e[f];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !ID_RE.test(v)) fail(`${what}.${f}: expected an identifier (1-128 of [A-Za-z0-9._:@/-]), got ${typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeof v}`);
    out[f] = v;
  }
  const needs = AUDIT_EVENT_TYPES[type];
  if (needs !== null && out[needs] === undefined) fail(`${what}.${needs}: required for a ${type} event`);
  if (e.party !== undefined) {
    if (e.party !== 0 && e.party !== 1 && e.party !== 2) fail(`${what}.party: expected 0, 1 or 2, got ${JSON.stringify(e.party)}`);
    out.party = e.party;
  }
  if (e.accused !== undefined) {
    const a = e.accused;
    if (!Array.isArray(a) || a.length < 1 || a.length > 2 || !a.every((q, k) => (q === 0 || q === 1 || q === 2) && (k === 0 || q > a[k - 1]))) {
      fail(`${what}.accused: expected one or two party indices in increasing order, got ${JSON.stringify(a)}`);
    }
    out.accused = [...(a as number[])];
  }
  for (const f of ['parties', 'signers'] as const) {
    const list = e[f];
    if (list === undefined) continue;
    const n = f === 'parties' ? [3, 3] : [1, 16];
    if (!Array.isArray(list) || list.length < n[0]! || list.length > n[1]! || !list.every((x) => typeof x === 'string' && ID_RE.test(x))) {
      fail(`${what}.${f}: expected ${f === 'parties' ? 'three' : '1 to 16'} identifiers, got ${JSON.stringify(list).slice(0, 80)}`);
    }
    out[f] = [...(list as string[])];
  }
  if (e.security !== undefined) {
    if (e.security !== 'semi-honest' && e.security !== 'malicious') fail(`${what}.security: expected 'semi-honest' or 'malicious', got ${JSON.stringify(e.security)}`);
    out.security = e.security;
  }
  if (e.version !== undefined) {
    if (typeof e.version !== 'number' || !Number.isSafeInteger(e.version) || e.version < 0) fail(`${what}.version: expected a non-negative integer, got ${JSON.stringify(e.version)}`);
    out.version = e.version;
  }
  if (e.reason !== undefined) {
    if (typeof e.reason !== 'string' || e.reason.length > MAX_REASON) fail(`${what}.reason: expected a string of at most ${MAX_REASON} characters`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(e.reason)) fail(`${what}.reason: control characters are not allowed`);
    if (BLOB_RE.test(e.reason)) fail(`${what}.reason: looks like encoded data (a run of 40+ base64/hex characters); put digests under 'hashes'`);
    out.reason = e.reason;
  }
  if (e.hashes !== undefined) {
    if (typeof e.hashes !== 'object' || e.hashes === null || Array.isArray(e.hashes)) fail(`${what}.hashes: expected an object of name -> SHA-256 hex`);
    const entries = Object.entries(e.hashes as Record<string, unknown>);
    if (entries.length > MAX_HASHES) fail(`${what}.hashes: at most ${MAX_HASHES} digests, got ${entries.length}`);
    const hashes: Record<string, string> = {};
    for (const [k, v] of entries) {
      if (!HASH_NAME_RE.test(k)) fail(`${what}.hashes.${k}: digest names are 1-32 of [a-zA-Z0-9-], starting with a lower-case letter`);
      if (typeof v !== 'string' || !HEX64_RE.test(v)) fail(`${what}.hashes.${k}: expected 64 lower-case hex digits (a SHA-256 digest)`);
      hashes[k] = v;
    }
    out.hashes = hashes;
  }
  if (e.cost !== undefined) out.cost = checkCost(e.cost, `${what}.cost`);
  if (e.jobKind !== undefined) {
    if (typeof e.jobKind !== 'string' || !JOB_KIND_RE.test(e.jobKind)) fail(`${what}.jobKind: expected a job kind (1-40 of [a-z0-9-]), got ${JSON.stringify(e.jobKind)?.slice(0, 50)}`);
    out.jobKind = e.jobKind;
  }
  return out;
}

/**
 * Checks a stored entry (as read back from storage or an export): the event rules plus `v`,
 * `seq` and `time`.
 * @throws AuditEntryError naming the first bad field.
 */
export function validateAuditEntry(entry: unknown, what = 'entry'): AuditEntry {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail(`${what}: expected an object`);
  const e = entry as Record<string, unknown>;
  checkFields(e, ENTRY_FIELDS, what);
  if (e.v !== AUDIT_ENTRY_VERSION) fail(`${what}.v: expected schema version ${AUDIT_ENTRY_VERSION}, got ${JSON.stringify(e.v)}`);
  if (typeof e.seq !== 'number' || !Number.isSafeInteger(e.seq) || e.seq < 0) fail(`${what}.seq: expected a non-negative integer`);
  if (typeof e.time !== 'string' || !TIME_RE.test(e.time) || Number.isNaN(Date.parse(e.time))) fail(`${what}.time: expected an RFC 3339 UTC time`);
  const { v: _v, seq: _s, time: _t, ...rest } = e;
  return { ...validateAuditEvent(rest, what), v: AUDIT_ENTRY_VERSION, seq: e.seq, time: e.time };
}

/** The canonical bytes of an entry: what is stored, exported and hashed. */
export function encodeAuditEntry(entry: AuditEntry): Uint8Array {
  return canonicalJsonBytes(entry);
}

/**
 * Parses and validates stored entry bytes, and checks that they are canonical (a re-encoding
 * must give the same bytes), so one entry has exactly one byte form.
 * @throws AuditEntryError when the bytes are not canonical JSON of a valid entry.
 */
export function decodeAuditEntry(bytes: Uint8Array, what = 'entry'): AuditEntry {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw new AuditEntryError(`${what}: not UTF-8 (${(e as Error).message})`, { cause: e });
  }
  return decodeAuditEntryText(text, what);
}

/** {@link decodeAuditEntry} for text already decoded from UTF-8 (the canonical check is on the text). */
export function decodeAuditEntryText(text: string, what = 'entry'): AuditEntry {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new AuditEntryError(`${what}: not JSON (${(e as Error).message})`, { cause: e });
  }
  const entry = validateAuditEntry(parsed, what);
  // Same text <=> same UTF-8 bytes, so comparing strings checks the hashed bytes' canonical form.
  let canonical: string;
  try {
    canonical = canonicalJson(parsed);
  } catch (e) {
    throw new AuditEntryError(`${what}: has no canonical form (${(e as Error).message})`, { cause: e });
  }
  if (canonical !== text) fail(`${what}: not in RFC 8785 canonical form`);
  return entry;
}
