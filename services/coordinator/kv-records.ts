/**
 * @module services/coordinator/kv-records
 * The one way the coordinator keeps state in JetStream: a key-value bucket of JSON records (the
 * job book, the model catalogue, the data-set catalogue, the HE model book), opened with the
 * audit log's replication, read whole at start, and written through with retries.
 *
 * A write that fails (broker away, no ack in time) is not dropped: it is retried with backoff
 * until it lands or the store is closed. Writes of one key land in order, and a newer value of
 * a key replaces an older one still waiting, so the last value of every key lands and an older
 * one never overwrites it. (Before, a job-book write lost during a broker outage left the
 * bucket holding `running`; a restarted coordinator then read that and replaced the stored
 * error with `coordinator-restarted`.)
 */
import type { JetStreamClient, KV } from 'nats';

/** Options of {@link KvRecords.open}. */
export interface KvRecordsOptions {
  /** Bucket name ([A-Za-z0-9_-]). */
  bucket: string;
  /** JetStream replicas when the bucket is created (use the audit log's; default 1). */
  replicas?: number;
  /** Records expire after this many ms (default: never). */
  ttlMs?: number;
  /** First and largest pause between retries of a failed write (default 100 ms, 2 s). */
  retry?: { firstMs: number; maxMs: number };
  /** Called on every failed attempt (the write is retried). */
  onError?: (key: string, e: unknown) => void;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A bucket of JSON records written through with retries. */
export class KvRecords<T> {
  readonly #kv: KV;
  readonly #retry: { firstMs: number; maxMs: number };
  readonly #onError: (key: string, e: unknown) => void;
  /** Per key, the latest value not yet handed to the bucket (null: delete). */
  readonly #waiting = new Map<string, { value: T | null }>();
  /** Per key, the loop writing it. */
  readonly #writing = new Map<string, Promise<void>>();
  #closed = false;
  /** Wakes the retry pauses on close. */
  readonly #pauses = new Set<() => void>();

  private constructor(kv: KV, opts: KvRecordsOptions) {
    this.#kv = kv;
    this.#retry = opts.retry ?? { firstMs: 100, maxMs: 2000 };
    this.#onError = opts.onError ?? (() => undefined);
  }

  /**
   * Opens `bucket` (created when absent) and reads every record in it, keyed by their key.
   * @throws the broker's error when the bucket cannot be opened or read.
   */
  static async open<T>(js: JetStreamClient, opts: KvRecordsOptions): Promise<{ store: KvRecords<T>; records: Map<string, T> }> {
    const kv = await js.views.kv(opts.bucket, { history: 1, replicas: opts.replicas ?? 1, ...(opts.ttlMs !== undefined ? { ttl: opts.ttlMs } : {}) });
    // Every key first: a write while the listing runs would disturb it.
    const keys: string[] = [];
    for await (const key of await kv.keys()) keys.push(key);
    const records = new Map<string, T>();
    for (const key of keys) {
      const v = await kv.get(key);
      if (v && v.operation === 'PUT' && v.value.length > 0) records.set(key, JSON.parse(dec.decode(v.value)) as T);
    }
    return { store: new KvRecords<T>(kv, opts), records };
  }

  /** Writes `value` under `key` (null deletes it); resolves once the latest value of the key has landed. */
  write(key: string, value: T | null): Promise<void> {
    this.#waiting.set(key, { value });
    let loop = this.#writing.get(key);
    if (!loop) {
      loop = this.#drain(key).finally(() => this.#writing.delete(key));
      this.#writing.set(key, loop);
    }
    return loop;
  }

  /** Keys with a write not yet landed. */
  get pending(): number {
    return this.#writing.size;
  }

  /** Resolves when every write started so far has landed (or the store was closed). */
  async settled(): Promise<void> {
    while (this.#writing.size > 0) await Promise.all([...this.#writing.values()]);
  }

  /** Stops retrying: writes still waiting are abandoned (their loops resolve). */
  close(): void {
    this.#closed = true;
    for (const wake of this.#pauses) wake();
  }

  async #drain(key: string): Promise<void> {
    let pause = this.#retry.firstMs;
    for (let next = this.#waiting.get(key); next && !this.#closed; next = this.#waiting.get(key)) {
      this.#waiting.delete(key);
      try {
        if (next.value === null) await this.#kv.delete(key);
        else await this.#kv.put(key, enc.encode(JSON.stringify(next.value)));
        pause = this.#retry.firstMs;
      } catch (e) {
        this.#onError(key, e);
        // Retry this value unless a newer one arrived meanwhile.
        if (!this.#waiting.has(key)) this.#waiting.set(key, next);
        await new Promise<void>((r) => {
          const wake = (): void => {
            clearTimeout(t);
            this.#pauses.delete(wake);
            r();
          };
          const t = setTimeout(wake, pause);
          this.#pauses.add(wake);
        });
        pause = Math.min(pause * 2, this.#retry.maxMs);
      }
    }
  }
}
