/**
 * @module services/audit/audit-outbox
 * The coordinator's audit outbox: every event is first written to a local append-only file and
 * fsynced (synchronously, inside {@link AuditOutbox.append}, so nothing the event records can be
 * acknowledged before it is on disk), then published to the JetStream log in file order, with
 * retries until JetStream acknowledges it, however long the broker is away.
 *
 * Exactly once: each event gets an id when it is written (`id`, part of the entry, also sent as
 * Nats-Msg-Id). Before publishing, and after any failed publish, the outbox asks the log whether
 * it already holds that id (the log indexes every entry's id, read back from the stream after a
 * fault), so an event whose ack was lost is not appended twice, even after the server's
 * duplicate window or a coordinator restart.
 *
 * File: one line per event, `{"id":"<24 hex>","event":{...}}\n`. On open, lines whose id the
 * log holds are done; the rest are published, oldest first. Once every event is published the
 * file is emptied (ftruncate + fsync; a crash in between leaves events the log holds, skipped on
 * the next open). A torn last line (a crash during a write, so never acknowledged) is cut off;
 * a complete line that is not a valid record (the disk or someone altered the file) is reported
 * with its line and byte offset, the file is copied aside (`<file>.corrupt-<time>`) and every
 * other line is kept: the outbox opens in both cases, so a damaged file never stops the
 * coordinator from starting (no crash loop).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { validateAuditEvent, type AuditEvent } from '../wire/audit-entry.js';
import type { AuditLog } from './audit-log.js';
import { AuditStorageError } from './errors.js';

/** Options of {@link AuditOutbox.open}. */
export interface AuditOutboxOptions {
  /** Path of the outbox file (its folder is created, mode 0700). */
  file: string;
  /** First and largest pause between publish attempts after a failure (default 100 ms, 2 s). */
  retry?: { firstMs: number; maxMs: number };
  /** Events published per attempt (default 256). */
  batch?: number;
  /** Empty the file once everything is published and it holds at least this many bytes (default 1 MiB; 0: always). */
  compactBytes?: number;
  /** A failed publish attempt (it is retried). */
  onPublishError?: (e: unknown) => void;
  /** What was repaired when the file was opened (a torn last line, a damaged line). */
  onRecovered?: (message: string) => void;
}

interface OutboxRecord {
  id: string;
  event: AuditEvent & { id: string };
}

/** What {@link AuditOutbox.open} found in the file. */
export interface OutboxRecovery {
  /** Records read. */
  records: number;
  /** Of them, not yet in the log. */
  pending: number;
  /** Bytes of a torn last line that were cut off (0: none). */
  tornBytes: number;
  /** Complete lines that were not valid records: 1-based line and byte offset. */
  damaged: { line: number; offset: number; reason: string }[];
  /** Where the damaged file was copied, if it was. */
  quarantinedTo?: string;
}

const enc = new TextEncoder();

/** Reads the outbox file: its valid records, a torn tail, damaged lines. */
function readOutbox(text: string): { records: OutboxRecord[]; completeBytes: number; damaged: OutboxRecovery['damaged'] } {
  const records: OutboxRecord[] = [];
  const damaged: OutboxRecovery['damaged'] = [];
  const end = text.lastIndexOf('\n') + 1;
  let offset = 0;
  let line = 0;
  while (offset < end) {
    const nl = text.indexOf('\n', offset);
    line++;
    const raw = text.slice(offset, nl);
    try {
      const r = JSON.parse(raw) as Partial<OutboxRecord>;
      if (typeof r !== 'object' || r === null || typeof r.id !== 'string' || typeof r.event !== 'object' || r.event === null) throw new Error('expected {"id", "event"}');
      const event = validateAuditEvent(r.event, 'event');
      if (event.id !== r.id) throw new Error(`event.id ${JSON.stringify(event.id)} differs from the record id ${JSON.stringify(r.id)}`);
      records.push({ id: r.id, event: event as OutboxRecord['event'] });
    } catch (e) {
      damaged.push({ line, offset: Buffer.byteLength(text.slice(0, offset)), reason: e instanceof Error ? e.message : String(e) });
    }
    offset = nl + 1;
  }
  return { records, completeBytes: Buffer.byteLength(text.slice(0, end)), damaged };
}

/** Audit events made durable locally, then published to the log exactly once, in order. */
export class AuditOutbox {
  readonly #log: AuditLog;
  readonly #file: string;
  readonly #fd: number;
  readonly #retry: { firstMs: number; maxMs: number };
  readonly #batch: number;
  readonly #compactBytes: number;
  readonly #onPublishError: (e: unknown) => void;
  /** Written, not yet known to be in the log, in file order. */
  #pending: OutboxRecord[] = [];
  #pump: Promise<void> | null = null;
  #closed = false;
  #wake: (() => void) | null = null;
  /** What open found. */
  readonly recovery: OutboxRecovery;

  private constructor(log: AuditLog, fd: number, opts: AuditOutboxOptions, recovery: OutboxRecovery) {
    this.#log = log;
    this.#fd = fd;
    this.#file = opts.file;
    this.#retry = opts.retry ?? { firstMs: 100, maxMs: 2000 };
    this.#batch = opts.batch ?? 256;
    this.#compactBytes = opts.compactBytes ?? 1 << 20;
    this.#onPublishError = opts.onPublishError ?? (() => undefined);
    this.recovery = recovery;
  }

  /**
   * Opens (or creates) the outbox file in front of `log`, repairs it if it must (see the module
   * doc), and starts publishing the events the log does not hold yet.
   * @throws AuditStorageError when the file cannot be read or written at all.
   */
  static open(log: AuditLog, opts: AuditOutboxOptions): AuditOutbox {
    let fd: number;
    let text: string;
    try {
      mkdirSync(dirname(opts.file), { recursive: true, mode: 0o700 });
      fd = openSync(opts.file, 'a+', 0o600);
      text = readFileSync(opts.file, 'utf8');
    } catch (e) {
      throw new AuditStorageError(`audit outbox ${opts.file}: ${(e as Error).message}`, { cause: e });
    }
    const { records, completeBytes, damaged } = readOutbox(text);
    const tornBytes = Buffer.byteLength(text) - completeBytes;
    const recovery: OutboxRecovery = { records: records.length, pending: 0, tornBytes, damaged };
    if (damaged.length > 0) {
      recovery.quarantinedTo = `${opts.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      copyFileSync(opts.file, recovery.quarantinedTo);
      // Keep the good lines only: the file is rewritten from them.
      ftruncateSync(fd, 0);
      for (const r of records) writeSync(fd, JSON.stringify({ id: r.id, event: r.event }) + '\n');
      fdatasyncSync(fd);
      for (const d of damaged) opts.onRecovered?.(`audit outbox ${opts.file}: line ${d.line} (byte ${d.offset}) is not a valid record (${d.reason}); dropped, the file as found is in ${recovery.quarantinedTo}`);
    } else if (tornBytes > 0) {
      ftruncateSync(fd, completeBytes);
      fdatasyncSync(fd);
      opts.onRecovered?.(`audit outbox ${opts.file}: cut a torn last line of ${tornBytes} bytes at byte ${completeBytes} (a write cut short; it was never acknowledged)`);
    }
    const outbox = new AuditOutbox(log, fd, opts, recovery);
    outbox.#pending = records.filter((r) => log.indexOfId(r.id) === undefined);
    recovery.pending = outbox.#pending.length;
    outbox.#kick();
    return outbox;
  }

  /** Events written and not yet known to be in the log. */
  get pending(): number {
    return this.#pending.length;
  }

  /**
   * Writes `event` to the outbox file and fsyncs it before returning; publishing follows in the
   * background. Resolves with the event's id.
   * @throws AuditEntryError (as a rejection) for an invalid event; AuditStorageError when the file write fails.
   */
  append(event: AuditEvent): Promise<{ id: string }> {
    let rec: OutboxRecord;
    try {
      const id = event.id ?? randomBytes(12).toString('hex');
      rec = { id, event: { ...validateAuditEvent({ ...event, id }), id } };
    } catch (e) {
      return Promise.reject(e);
    }
    try {
      writeSync(this.#fd, enc.encode(JSON.stringify(rec) + '\n'));
      fdatasyncSync(this.#fd);
    } catch (e) {
      return Promise.reject(new AuditStorageError(`audit outbox ${this.#file}: ${(e as Error).message}`, { cause: e }));
    }
    this.#pending.push(rec);
    this.#kick();
    return Promise.resolve({ id: rec.id });
  }

  /** The events recorded for `jobId`: in the log, then those still waiting here. */
  eventsOf(jobId: string): AuditEvent[] {
    return [...this.#log.entries({ jobId }), ...this.#pending.filter((r) => r.event.jobId === jobId).map((r) => r.event)];
  }

  /** Resolves once every event written so far is in the log, or after `timeoutMs` (then false). */
  async published(timeoutMs = Infinity): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (this.#pending.length > 0 && !this.#closed) {
      if (Date.now() >= end) return false;
      await new Promise((r) => setTimeout(r, Math.min(20, Math.max(1, end - Date.now()))));
    }
    return this.#pending.length === 0;
  }

  /**
   * Stops publishing (events not yet published stay in the file for the next open; an attempt in
   * flight gets up to 3 s) and closes the file and the log.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    await Promise.race([this.#pump, new Promise((r) => setTimeout(r, 3000).unref())]);
    closeSync(this.#fd);
    await this.#log.close();
  }

  // The log's read side, so that the audit methods serve reads through the outbox.
  get size(): number {
    return this.#log.size;
  }
  get verifier(): AuditLog['verifier'] {
    return this.#log.verifier;
  }
  latestCheckpoint(): ReturnType<AuditLog['latestCheckpoint']> {
    return this.#log.latestCheckpoint();
  }
  checkpoint(): ReturnType<AuditLog['checkpoint']> {
    return this.#log.checkpoint();
  }
  addCosignatures(note: string, lines: readonly string[]): ReturnType<AuditLog['addCosignatures']> {
    return this.#log.addCosignatures(note, lines);
  }
  entries(query: Parameters<AuditLog['entries']>[0]): ReturnType<AuditLog['entries']> {
    return this.#log.entries(query);
  }
  entryBytes(index: number): Uint8Array {
    return this.#log.entryBytes(index);
  }
  inclusionProof(index: number, treeSize?: number): ReturnType<AuditLog['inclusionProof']> {
    return this.#log.inclusionProof(index, treeSize);
  }
  consistencyProof(size1: number, size2?: number): ReturnType<AuditLog['consistencyProof']> {
    return this.#log.consistencyProof(size1, size2);
  }
  /** Waits (up to 5 s) for the events written so far to be published. */
  async flush(): Promise<void> {
    await this.published(5000);
    await this.#log.flush();
  }

  #kick(): void {
    if (this.#closed) return;
    this.#pump ??= this.#publishAll().finally(() => {
      this.#pump = null;
      if (this.#pending.length > 0 && !this.#closed) this.#kick();
    });
  }

  async #publishAll(): Promise<void> {
    let pause = this.#retry.firstMs;
    let mustRefresh = false;
    while (this.#pending.length > 0 && !this.#closed) {
      try {
        // After a failure, learn what the stream really holds before appending anything again.
        if (mustRefresh) await this.#log.refresh();
        mustRefresh = false;
        while (this.#pending.length > 0 && this.#log.indexOfId(this.#pending[0]!.id) !== undefined) this.#pending.shift();
        const batch = this.#pending.slice(0, this.#batch).filter((r) => this.#log.indexOfId(r.id) === undefined);
        if (batch.length === 0) continue;
        const results = await Promise.allSettled(batch.map((r) => this.#log.append(r.event)));
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        // Appends of one batch land in order: what succeeded is a prefix, and is in the log's index.
        this.#pending = this.#pending.filter((r) => this.#log.indexOfId(r.id) === undefined);
        if (failed) throw failed.reason;
        pause = this.#retry.firstMs;
      } catch (e) {
        mustRefresh = true;
        this.#onPublishError(e);
        await new Promise<void>((r) => {
          const t = setTimeout(() => {
            this.#wake = null;
            r();
          }, pause);
          this.#wake = () => {
            clearTimeout(t);
            this.#wake = null;
            r();
          };
        });
        pause = Math.min(pause * 2, this.#retry.maxMs);
      }
    }
    if (this.#pending.length === 0) this.#compact();
  }

  /** Empties the file when everything in it is published and it has grown past the threshold. */
  #compact(): void {
    try {
      if (fstatSync(this.#fd).size < this.#compactBytes) return;
      ftruncateSync(this.#fd, 0);
      fdatasyncSync(this.#fd);
    } catch (e) {
      this.#onPublishError(e);
    }
  }
}
