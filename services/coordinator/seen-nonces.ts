/**
 * @module services/coordinator/seen-nonces
 * The nonces of principal envelopes accepted within the replay window. An envelope older than
 * the window is refused by its timestamp, so a nonce need only be remembered for as long as an
 * envelope carrying it could still be fresh; entries are dropped in arrival order once that
 * time has passed. The cache is bounded: when full (a flood of fresh envelopes), new envelopes
 * are refused rather than old nonces forgotten early, so no replay slips through.
 */

/** Nonces remembered until their envelope can no longer be fresh. */
export class SeenNonces {
  /** nonce -> time after which it is forgotten; Map order is arrival order. */
  readonly #until = new Map<string, number>();
  readonly #max: number;

  /** @param max - most nonces held at once (default 1,000,000). */
  constructor(max = 1_000_000) {
    if (!Number.isInteger(max) || max <= 0) throw new RangeError(`max: expected positive integer, got ${max}`);
    this.#max = max;
  }

  /** Nonces held now. */
  get size(): number {
    return this.#until.size;
  }

  /**
   * Records `nonce`, remembered until `forgetAt`; `now` drops what has expired first.
   * @returns `'fresh'` when recorded, `'replayed'` when already held, `'full'` when the cache
   *   is at its bound (the caller refuses the request).
   */
  record(nonce: string, now: number, forgetAt: number): 'fresh' | 'replayed' | 'full' {
    for (const [n, t] of this.#until) {
      if (t > now) break;
      this.#until.delete(n);
    }
    if (this.#until.has(nonce)) return 'replayed';
    if (this.#until.size >= this.#max) return 'full';
    this.#until.set(nonce, forgetAt);
    return 'fresh';
  }
}
