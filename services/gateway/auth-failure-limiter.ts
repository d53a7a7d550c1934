/**
 * @module services/gateway/auth-failure-limiter
 * A budget of failed authentications per client address. The per-identity rate limit runs
 * after authentication, so on its own it never sees requests that fail to authenticate; this
 * budget keeps a client that sprays bad keys or signatures from making the gateway verify
 * without end. Fixed windows, forgotten when they expire.
 */

/** Failed-authentication counter per address. */
export class AuthFailureLimiter {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #windows = new Map<string, { count: number; resetAt: number }>();

  /**
   * @param max - failures allowed per address per window.
   * @param windowMs - window length in milliseconds.
   */
  constructor(max: number, windowMs: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max: expected positive integer, got ${max}`);
    if (!Number.isInteger(windowMs) || windowMs < 1) throw new RangeError(`windowMs: expected positive integer, got ${windowMs}`);
    this.#max = max;
    this.#windowMs = windowMs;
  }

  /** Seconds until `address` may try again, or 0 when it still has budget. */
  blockedFor(address: string, now: number): number {
    const w = this.#windows.get(address);
    if (!w || w.resetAt <= now) return 0;
    return w.count >= this.#max ? Math.ceil((w.resetAt - now) / 1000) : 0;
  }

  /** Counts one failure of `address`. */
  fail(address: string, now: number): void {
    const w = this.#windows.get(address);
    if (!w || w.resetAt <= now) this.#windows.set(address, { count: 1, resetAt: now + this.#windowMs });
    else w.count++;
    // Expired windows are dropped when the map grows, so it cannot grow without bound.
    if (this.#windows.size > 100_000) for (const [a, x] of this.#windows) if (x.resetAt <= now) this.#windows.delete(a);
  }
}
