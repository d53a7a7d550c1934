/**
 * @module services/audit/entry-store
 * The in-memory copy of the log's entry bytes, packed into large chunks with an offset table,
 * plus the small indexes that queries use (by job, actor, type; time by binary search since
 * times never decrease). A million entries cost their bytes plus ~16 bytes each, instead of a
 * million parsed objects.
 */
import { decodeAuditEntry, type AuditEntry } from '../wire/audit-entry.js';

const CHUNK = 8 << 20;
/** Entries are metadata; anything this large is refused before it reaches storage. */
export const MAX_ENTRY_BYTES = 64 * 1024;

/** The fields queries look at, taken from an entry when it is added. */
export interface EntryKeys {
  type: string;
  actor: string;
  jobId?: string;
  timeMs: number;
}

function growF64(a: Float64Array, need: number): Float64Array {
  if (need <= a.length) return a;
  const b = new Float64Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/** Append-only packed entry bytes with query indexes. */
export class EntryStore {
  readonly #chunks: Uint8Array[] = [new Uint8Array(CHUNK)];
  #used = 0;
  /** pos[i] = chunk * CHUNK + offset of entry i; len[i] its byte length. */
  #pos: Float64Array = new Float64Array(1024);
  #len: Float64Array = new Float64Array(1024);
  #time: Float64Array = new Float64Array(1024);
  #count = 0;
  readonly #byJob = new Map<string, number[]>();
  readonly #byActor = new Map<string, number[]>();
  readonly #byType = new Map<string, number[]>();

  /** Number of entries. */
  get size(): number {
    return this.#count;
  }

  /** Time (ms since epoch) of the last entry, or -Infinity when empty. */
  get lastTimeMs(): number {
    return this.#count === 0 ? -Infinity : this.#time[this.#count - 1]!;
  }

  /** Adds the bytes of the next entry (copied) and indexes its keys. */
  add(bytes: Uint8Array, keys: EntryKeys): void {
    if (bytes.length > MAX_ENTRY_BYTES) throw new RangeError(`entry of ${bytes.length} bytes exceeds ${MAX_ENTRY_BYTES}`);
    if (this.#used + bytes.length > CHUNK) {
      this.#chunks.push(new Uint8Array(CHUNK));
      this.#used = 0;
    }
    const c = this.#chunks.length - 1;
    this.#chunks[c]!.set(bytes, this.#used);
    const i = this.#count;
    this.#pos = growF64(this.#pos, i + 1);
    this.#len = growF64(this.#len, i + 1);
    this.#time = growF64(this.#time, i + 1);
    this.#pos[i] = c * CHUNK + this.#used;
    this.#len[i] = bytes.length;
    this.#time[i] = keys.timeMs;
    this.#used += bytes.length;
    this.#count++;
    const push = (m: Map<string, number[]>, k: string | undefined): void => {
      if (k === undefined) return;
      const l = m.get(k);
      if (l) l.push(i);
      else m.set(k, [i]);
    };
    push(this.#byJob, keys.jobId);
    push(this.#byActor, keys.actor);
    push(this.#byType, keys.type);
  }

  /** A view of entry i's bytes (valid as long as the store lives; do not modify). */
  bytes(i: number): Uint8Array {
    const p = this.#pos[i]!;
    const c = Math.floor(p / CHUNK);
    const off = p - c * CHUNK;
    return this.#chunks[c]!.subarray(off, off + this.#len[i]!);
  }

  /** The parsed entry i. */
  entry(i: number): AuditEntry {
    return decodeAuditEntry(this.bytes(i), `entry ${i}`);
  }

  /** Indices of the entries of a job, an actor or a type, in log order. */
  indicesBy(kind: 'jobId' | 'actor' | 'type', key: string): readonly number[] {
    const m = kind === 'jobId' ? this.#byJob : kind === 'actor' ? this.#byActor : this.#byType;
    return m.get(key) ?? [];
  }

  /** The first index whose time is >= t (binary search; times never decrease). */
  firstAtOrAfter(tMs: number): number {
    let lo = 0;
    let hi = this.#count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#time[mid]! < tMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Time (ms) of entry i. */
  timeMs(i: number): number {
    return this.#time[i]!;
  }
}
