/**
 * @module crypto-core/prg
 * A seeded pseudo-random generator: AES-256-CTR keystream from `node:crypto`, forkable by label.
 * Two parties holding the same seed draw the same stream, which is how replicated sharing gets
 * correlated randomness without a dealer (Araki et al., CCS 2016, section 2.2).
 *
 * fork(label) derives an independent child seed as HMAC-SHA256(seed, label), so streams for
 * different purposes (a job, a protocol step) never overlap and need no coordination of offsets.
 *
 * The seed is held as one secret KeyObject that keys both the cipher and the fork's HMAC: on
 * Node 24, `createCipheriv` and `createHmac` given raw key bytes spend ~10 us each turning them
 * into a key (measured on the 2-core project machine), against ~1 us for `createSecretKey` plus
 * ~2 us each with the KeyObject, and a secure inference forks a few hundred generators per
 * party (bench/throughput). Same bytes in, same keystream out.
 */
import { createCipheriv, createHmac, createSecretKey, randomBytes, type Cipheriv, type KeyObject } from 'node:crypto';
import { InvalidArgumentError } from './errors.js';

const ZERO_IV = new Uint8Array(16);
const CHUNK = 1 << 16;
const ZEROS = new Uint8Array(CHUNK);

/** Seeded AES-256-CTR generator. Not thread-safe; fork one per consumer. */
export class Prg {
  /** The seed as a secret key (the cipher's key and the fork's HMAC key). */
  readonly #key: KeyObject;
  readonly #cipher: Cipheriv;

  /** The largest draw of {@link Prg.bytes} / {@link Prg.u64} served without a copy (64 KiB). */
  static readonly CHUNK_BYTES = CHUNK;

  /** @param seed - 32 bytes this instance owns: copied into the key, then zeroed. */
  private constructor(seed: Uint8Array) {
    this.#key = createSecretKey(seed);
    seed.fill(0);
    this.#cipher = createCipheriv('aes-256-ctr', this.#key, ZERO_IV);
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
    return new Prg(createHmac('sha256', this.#key).update(label, 'utf8').digest());
  }

  /**
   * Fills `out` with the next keystream bytes and returns it.
   *
   * Why a copy per 64 KiB chunk remains: node:crypto's `Cipheriv.update(data[, inputEncoding]
   * [, outputEncoding])` has no output-buffer parameter; it always returns a freshly allocated
   * Buffer (or a string), so the keystream cannot be written straight into `out`. The chunk is
   * copied while it is still in cache; callers that only need a short or chunked stream use
   * {@link Prg.bytes} / {@link Prg.u64} with at most {@link Prg.CHUNK_BYTES} bytes, which hand
   * out the cipher's own buffer without any copy.
   */
  fill(out: Uint8Array): Uint8Array {
    if (!(out instanceof Uint8Array)) throw new InvalidArgumentError('out: expected Uint8Array');
    let off = 0;
    while (off < out.length) {
      const n = Math.min(CHUNK, out.length - off);
      out.set(this.#cipher.update(n === CHUNK ? ZEROS : ZEROS.subarray(0, n)), off);
      off += n;
    }
    return out;
  }

  /**
   * The next `n` <= CHUNK_BYTES keystream bytes in the buffer `update` allocated for them, so no
   * zeroed array is allocated and nothing is copied. Node gives each `update` result its own
   * ArrayBuffer of exactly that size; were it ever a slice of a shared pool, handing out a view
   * would expose the pool through `.buffer`, so that case falls back to a copy.
   */
  #keystream(n: number): Uint8Array {
    const ks = this.#cipher.update(ZEROS.subarray(0, n));
    if (ks.byteOffset === 0 && ks.buffer.byteLength === n) return new Uint8Array(ks.buffer, 0, n);
    return Uint8Array.from(ks);
  }

  /** The next `n` keystream bytes. */
  bytes(n: number): Uint8Array {
    if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`n: expected non-negative integer, got ${n}`);
    return n <= CHUNK ? this.#keystream(n) : this.fill(new Uint8Array(n));
  }

  /**
   * The next `n` uniformly random ring elements of Z_2^64 (little-endian 8-byte words of the
   * keystream). Draws of at most CHUNK_BYTES / 8 elements cost no allocation or copy besides the
   * cipher's own output, so a long stream consumed chunk by chunk never materialises in full.
   */
  u64(n: number): BigUint64Array {
    if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`n: expected non-negative integer, got ${n}`);
    if (n * 8 <= CHUNK) {
      const ks = this.#keystream(n * 8);
      return new BigUint64Array(ks.buffer, ks.byteOffset, n);
    }
    const out = new BigUint64Array(n);
    this.fill(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
    return out;
  }
}
