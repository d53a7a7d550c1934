/**
 * @module services/gateway/concurrency-limit
 * At most `max` calls of one kind in flight; the rest wait, first come first served. The
 * gateway puts HE key registrations through one: each carries ~19 MB (N = 8192) to ~80 MB
 * (N = 16384) of evaluation keys, and sixteen forwarded to the coordinator at once (measured
 * with bench/throughput) outran its reading of the broker connection past nats-server's 64 MiB
 * pending limit, so the server cut the coordinator off as a slow consumer and every request in
 * flight failed. Waiting here costs a registration a little latency instead.
 */

/** A counting semaphore around async calls. */
export class ConcurrencyLimit {
  readonly #max: number;
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  /** @param max - calls allowed in flight at once (a positive integer). */
  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max: expected positive integer, got ${max}`);
    this.#max = max;
  }

  /** Calls in flight. */
  get active(): number {
    return this.#active;
  }

  /** Calls waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `f` once a slot is free and frees the slot when it settles (resolved or rejected). */
  async run<T>(f: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#max) await new Promise<void>((r) => this.#waiting.push(r));
    else this.#active++;
    try {
      return await f();
    } finally {
      // The slot passes straight to the next waiter, so a caller arriving now cannot overtake it.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }
}
