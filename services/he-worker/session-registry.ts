/**
 * @module services/he-worker/session-registry
 * Evaluation keys per client session, registered once and reused by every query of the
 * session. Bounded three ways: a number of sessions, a total of key bytes (17 Galois keys of
 * the MNIST model are about 18 MB), and an idle time-to-live. When full, the least recently
 * used session is evicted. A request for an expired session gets a distinct error so the
 * client knows to register again; one for an id never seen (or long purged) gets "unknown".
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { EvalKeyBundle } from '../../crypto-core/he/ckks-keys.js';
import { evalKeyBundleBytes } from '../../crypto-core/he/ckks-keys.js';
import { HeSessionExpiredError, HeSessionLimitError, HeUnknownSessionError } from './errors.js';

/** Limits and clock of a {@link SessionRegistry}. */
export interface SessionRegistryOptions {
  /** Most sessions held at once (default 64). */
  readonly maxSessions?: number;
  /** Most key bytes held at once (default 2 GiB). */
  readonly maxTotalBytes?: number;
  /** Idle time after which a session expires, in ms (default 30 minutes). */
  readonly ttlMs?: number;
  /** Clock in ms (default Date.now); tests pass their own. */
  readonly now?: () => number;
  /** Called when a session leaves the registry (evicted to make room, expired, or dropped). */
  readonly onRemove?: (sessionId: string, reason: 'evicted' | 'expired' | 'dropped') => void;
}

interface Entry {
  readonly bundle: EvalKeyBundle;
  readonly bytes: number;
  lastUsed: number;
}

/** Registered evaluation-key bundles, keyed by session id. */
export class SessionRegistry {
  readonly #entries = new Map<string, Entry>();
  /** Expired ids remembered (bounded) so that their error says "expired", not "unknown". */
  readonly #expired = new Set<string>();
  readonly #maxSessions: number;
  readonly #maxBytes: number;
  readonly #ttl: number;
  readonly #now: () => number;
  readonly #onRemove: NonNullable<SessionRegistryOptions['onRemove']>;
  #totalBytes = 0;

  constructor(options: SessionRegistryOptions = {}) {
    const { maxSessions = 64, maxTotalBytes = 2 * 2 ** 30, ttlMs = 30 * 60_000 } = options;
    for (const [k, v] of Object.entries({ maxSessions, maxTotalBytes, ttlMs })) {
      if (!Number.isFinite(v) || v <= 0) throw new InvalidArgumentError(`${k}: expected a positive number, got ${v}`);
    }
    this.#maxSessions = maxSessions;
    this.#maxBytes = maxTotalBytes;
    this.#ttl = ttlMs;
    this.#now = options.now ?? Date.now;
    this.#onRemove = options.onRemove ?? (() => {});
  }

  /** Number of live sessions. */
  get size(): number {
    return this.#entries.size;
  }

  /** Key bytes held. */
  get totalBytes(): number {
    return this.#totalBytes;
  }

  /**
   * Stores `bundle` under `sessionId` (a fresh random id by default) and returns the id,
   * evicting least-recently-used sessions as needed.
   */
  register(bundle: EvalKeyBundle, sessionId: string = randomUUID()): string {
    if (typeof sessionId !== 'string' || sessionId.length === 0 || sessionId.length > 128) {
      throw new InvalidArgumentError(`sessionId: expected a string of 1..128 characters, got ${typeof sessionId === 'string' ? `${sessionId.length} characters` : typeof sessionId}`);
    }
    const bytes = evalKeyBundleBytes(bundle);
    if (bytes > this.#maxBytes) throw new HeSessionLimitError(`evalKeys: ${bytes} bytes exceed the registry budget of ${this.#maxBytes} bytes`);
    this.purgeExpired();
    if (this.#entries.has(sessionId)) this.#remove(sessionId, 'dropped');
    while (this.#entries.size >= this.#maxSessions || this.#totalBytes + bytes > this.#maxBytes) {
      const oldest = this.#entries.keys().next().value as string;
      this.#remove(oldest, 'evicted');
    }
    this.#entries.set(sessionId, { bundle, bytes, lastUsed: this.#now() });
    this.#expired.delete(sessionId);
    this.#totalBytes += bytes;
    return sessionId;
  }

  /** The bundle of a live session, marking it used. Throws {@link HeUnknownSessionError} or {@link HeSessionExpiredError}. */
  get(sessionId: string): EvalKeyBundle {
    const e = this.#entries.get(sessionId);
    if (!e) {
      if (this.#expired.has(sessionId)) throw new HeSessionExpiredError(`sessionId '${sessionId}': keys expired; register them again`);
      throw new HeUnknownSessionError(`sessionId '${sessionId}': no such session; register evaluation keys first`);
    }
    const now = this.#now();
    if (now - e.lastUsed > this.#ttl) {
      this.#expire(sessionId);
      throw new HeSessionExpiredError(`sessionId '${sessionId}': keys expired after ${this.#ttl} ms idle; register them again`);
    }
    e.lastUsed = now;
    // Re-insert: Map order is the LRU order.
    this.#entries.delete(sessionId);
    this.#entries.set(sessionId, e);
    return e.bundle;
  }

  /** True when `sessionId` is live (does not mark it used). */
  has(sessionId: string): boolean {
    const e = this.#entries.get(sessionId);
    return !!e && this.#now() - e.lastUsed <= this.#ttl;
  }

  /** Removes a session. Returns whether it existed. */
  drop(sessionId: string): boolean {
    if (!this.#entries.has(sessionId)) return false;
    this.#remove(sessionId, 'dropped');
    return true;
  }

  /** Removes every session idle for longer than the TTL. */
  purgeExpired(): void {
    const now = this.#now();
    for (const [id, e] of this.#entries) if (now - e.lastUsed > this.#ttl) this.#expire(id);
  }

  #expire(id: string): void {
    this.#remove(id, 'expired');
    this.#expired.add(id);
    // Remember a bounded number of expired ids; older ones fall back to "unknown".
    if (this.#expired.size > 4 * this.#maxSessions) this.#expired.delete(this.#expired.values().next().value as string);
  }

  #remove(id: string, reason: 'evicted' | 'expired' | 'dropped'): void {
    const e = this.#entries.get(id);
    if (!e) return;
    this.#entries.delete(id);
    this.#totalBytes -= e.bytes;
    this.#onRemove(id, reason);
  }
}
