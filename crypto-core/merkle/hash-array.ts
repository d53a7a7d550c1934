/**
 * @module crypto-core/merkle/hash-array
 * A growable array of 32-byte hashes in one contiguous buffer: a million leaf hashes are one
 * 32 MB allocation instead of a million small objects, which keeps the garbage collector out of
 * the way of appends and proofs.
 */
import { HASH_LENGTH } from './hashing.js';

/** Append-only packed array of 32-byte hashes. */
export class HashArray {
  #buf: Uint8Array;
  #length = 0;

  constructor(initialCapacity = 1024) {
    this.#buf = new Uint8Array(Math.max(1, initialCapacity) * HASH_LENGTH);
  }

  /** Number of hashes held. */
  get length(): number {
    return this.#length;
  }

  /** Appends a copy of `h` (32 bytes). */
  push(h: Uint8Array): void {
    const off = this.#length * HASH_LENGTH;
    if (off + HASH_LENGTH > this.#buf.length) {
      // Doubling keeps appends amortised O(1); views handed out earlier keep the old buffer,
      // whose bytes never change, so they stay correct.
      const next = new Uint8Array(this.#buf.length * 2);
      next.set(this.#buf.subarray(0, off));
      this.#buf = next;
    }
    this.#buf.set(h, off);
    this.#length++;
  }

  /** A read-only-by-convention view of hash `i` (no copy); callers copy before handing it out. */
  view(i: number): Uint8Array {
    const off = i * HASH_LENGTH;
    return this.#buf.subarray(off, off + HASH_LENGTH);
  }
}
