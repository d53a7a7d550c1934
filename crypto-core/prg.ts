/**
 * @module crypto-core/prg
 * A seeded pseudo-random generator: AES-256-CTR keystream from `node:crypto`, forkable by label.
 * Two parties holding the same seed draw the same stream, which is how replicated sharing gets
 * correlated randomness without a dealer (Araki et al., CCS 2016, section 2.2).
 *
 * fork(label) derives an independent child seed as HMAC-SHA256(seed, label), so streams for
 * different purposes (a job, a protocol step) never overlap and need no coordination of offsets.
 */
import { createCipheriv, createHmac, randomBytes, type Cipheriv } from 'node:crypto';
import { InvalidArgumentError } from './errors.js';

const ZERO_IV = new Uint8Array(16);
const CHUNK = 1 << 16;
const ZEROS = new Uint8Array(CHUNK);

/** Seeded AES-256-CTR generator. Not thread-safe; fork one per consumer. */
export class Prg {
  readonly #seed: Uint8Array;
  readonly #cipher: Cipheriv;

  private constructor(seed: Uint8Array) {
    this.#seed = seed;
    this.#cipher = createCipheriv('aes-256-ctr', seed, ZERO_IV);
  }

  /** A generator from a 32-byte seed (copied). */
  static fromSeed(seed: Uint8Array): Prg {
    if (!(seed instanceof Uint8Array) || seed.length !== 32) {
      throw new InvalidArgumentError(`seed: expected 32-byte Uint8Array, got ${seed instanceof Uint8Array ? `${seed.length} bytes` : typeof seed}`);
    }
    return new Prg(Uint8Array.from(seed));
  }

  /** A generator seeded from the operating system's CSPRNG. */
  static random(): Prg {
    return new Prg(new Uint8Array(randomBytes(32)));
  }

  /** An independent generator for `label`, derived from this one's seed (not its position). */
  fork(label: string): Prg {
    if (typeof label !== 'string') throw new InvalidArgumentError(`label: expected string, got ${typeof label}`);
    return new Prg(new Uint8Array(createHmac('sha256', this.#seed).update(label, 'utf8').digest()));
  }

  /** Fills `out` with the next keystream bytes and returns it. */
  fill(out: Uint8Array): Uint8Array {
    if (!(out instanceof Uint8Array)) throw new InvalidArgumentError('out: expected Uint8Array');
    let off = 0;
    while (off < out.length) {
      const n = Math.min(CHUNK, out.length - off);
      const ks = this.#cipher.update(n === CHUNK ? ZEROS : ZEROS.subarray(0, n));
      out.set(ks, off);
      off += n;
    }
    return out;
  }

  /** The next `n` keystream bytes. */
  bytes(n: number): Uint8Array {
    if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`n: expected non-negative integer, got ${n}`);
    return this.fill(new Uint8Array(n));
  }

  /** The next `n` uniformly random ring elements of Z_2^64. */
  u64(n: number): BigUint64Array {
    if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`n: expected non-negative integer, got ${n}`);
    const out = new BigUint64Array(n);
    this.fill(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
    return out;
  }
}
