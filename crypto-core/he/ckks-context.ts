/**
 * @module crypto-core/he/ckks-context
 * One CKKS parameter set instantiated in one SEAL instance: the SEAL context, encoder and
 * evaluator, and a table of the modulus-chain levels (parms_id and primes) so that callers can
 * encode plaintexts at a level and check where a ciphertext sits without holding SEAL handles.
 *
 * Every SEAL object is a C++ object on the WASM heap: whoever creates one calls `delete()`.
 */
import type { Ciphertext, CKKSEncoder, Evaluator, GaloisKeys, ParmsIdType, Plaintext, RelinKeys, SEALContext } from 'node-seal';
import type { CkksParams } from './ckks-params.js';
import { describeCkksParams, validateCkksParams } from './ckks-params.js';
import { HeMalformedDataError, HeParameterError, HeParameterMismatchError } from './errors.js';
import type { SealModule } from './seal-loader.js';
import { toHeError } from './seal-exception.js';
import { parmsIdHex, peekCiphertextParmsId, readSealHeader } from './serialized-header.js';

/** One level of the modulus chain. */
export interface CkksLevel {
  /** SEAL's chain index: 0 is the last level (q0 only). */
  readonly chainIndex: number;
  readonly parmsIdHex: string;
  /** The primes q0..q_chainIndex of this level. */
  readonly primes: readonly bigint[];
}

/** Compression used for everything this project serializes: zstd (SEAL's best). */
export type ComprMode = 'none' | 'zstd';

/** A CKKS parameter set bound to one SEAL instance. Call {@link CkksContext.dispose} when done. */
export class CkksContext {
  readonly seal: SealModule;
  readonly params: CkksParams;
  readonly context: SEALContext;
  readonly encoder: CKKSEncoder;
  readonly evaluator: Evaluator;
  /** N/2. */
  readonly slotCount: number;
  /** 2^scaleBits: the scale of fresh ciphertexts. */
  readonly scale: number;
  /** Chain index of fresh ciphertexts (the first data level). */
  readonly topChainIndex: number;
  /** parms_id of the key level (keys carry it). */
  readonly keyParmsIdHex: string;
  readonly #levels: CkksLevel[];
  readonly #parmsIds: ParmsIdType[];
  #disposed = false;

  private constructor(seal: SealModule, params: CkksParams, context: SEALContext) {
    this.seal = seal;
    this.params = params;
    this.context = context;
    this.encoder = new seal.CKKSEncoder(context);
    this.evaluator = new seal.Evaluator(context);
    this.slotCount = this.encoder.slotCount();
    this.scale = 2 ** params.scaleBits;
    const levels: CkksLevel[] = [];
    const pids: ParmsIdType[] = [];
    let cd = context.firstContextData();
    this.topChainIndex = cd.chainIndex();
    for (;;) {
      const parms = cd.parms();
      const vec = parms.coeffModulus();
      const primes: bigint[] = [];
      for (let i = 0; i < vec.size(); i++) {
        const m = vec.get(i)!;
        primes.push(m.value());
        m.delete();
      }
      const pid = cd.parmsId();
      levels[cd.chainIndex()] = { chainIndex: cd.chainIndex(), parmsIdHex: parmsIdHex(pid.values() as BigUint64Array), primes };
      pids[cd.chainIndex()] = pid;
      vec.delete();
      parms.delete();
      const chain = cd.chainIndex();
      if (chain === 0) {
        cd.delete();
        break;
      }
      const next = cd.nextContextData();
      cd.delete();
      cd = next;
    }
    const keyPid = context.keyParmsId();
    this.keyParmsIdHex = parmsIdHex(keyPid.values() as BigUint64Array);
    keyPid.delete();
    this.#levels = levels;
    this.#parmsIds = pids;
  }

  /** Validates `params` and builds the SEAL context (128-bit security enforced by SEAL too). */
  static create(seal: SealModule, params: CkksParams): CkksContext {
    validateCkksParams(params);
    const parms = new seal.EncryptionParameters(seal.SchemeType.ckks);
    let vec: ReturnType<SealModule['CoeffModulus']['Create']> | undefined;
    try {
      parms.setPolyModulusDegree(params.polyModulusDegree);
      vec = seal.CoeffModulus.Create(params.polyModulusDegree, Int32Array.from(params.coeffModulusBits));
      parms.setCoeffModulus(vec);
      const context = new seal.SEALContext(parms, true, seal.SecLevelType.tc128);
      if (!context.parametersSet()) {
        context.delete();
        throw new HeParameterError(`params: SEAL rejected ${describeCkksParams(params)}`);
      }
      return new CkksContext(seal, params, context);
    } catch (e) {
      throw toHeError(e, `params ${describeCkksParams(params)}`);
    } finally {
      vec?.delete();
      parms.delete();
    }
  }

  /** The level with SEAL chain index `chainIndex`. */
  level(chainIndex: number): CkksLevel {
    const l = this.#levels[chainIndex];
    if (!l) throw new HeParameterError(`chainIndex: expected 0..${this.topChainIndex}, got ${chainIndex}`);
    return l;
  }

  /** The level a parms_id names, or undefined when it is not part of this parameter set. */
  levelOfParmsId(hex: string): CkksLevel | undefined {
    return this.#levels.find((l) => l.parmsIdHex === hex);
  }

  /** The prime that a rescale at `chainIndex` divides by (the last prime of that level), as a double. */
  rescalePrime(chainIndex: number): number {
    const l = this.level(chainIndex);
    if (chainIndex === 0) throw new HeParameterError('chainIndex: level 0 (q0 only) cannot be rescaled');
    return Number(l.primes[l.primes.length - 1]!);
  }

  /** SEAL parms_id handle of a level (owned by the context; do not delete). */
  parmsIdAt(chainIndex: number): ParmsIdType {
    this.level(chainIndex);
    return this.#parmsIds[chainIndex]!;
  }

  /** Encodes `values` (zero-padded to the slot count) at `scale` and the level `chainIndex`. */
  encodeAt(values: Float64Array, scale: number, chainIndex: number): Plaintext {
    if (values.length > this.slotCount) throw new HeParameterError(`values: ${values.length} exceeds the ${this.slotCount} slots`);
    const pt = new this.seal.Plaintext();
    try {
      this.encoder.encode(values, scale, pt);
      if (chainIndex !== this.topChainIndex) this.evaluator.plainModSwitchToInplace(pt, this.parmsIdAt(chainIndex));
      return pt;
    } catch (e) {
      pt.delete();
      throw toHeError(e, 'encode');
    }
  }

  /**
   * Loads a serialized ciphertext. Truncated or corrupted bytes -> {@link HeMalformedDataError};
   * a ciphertext of another parameter set -> {@link HeParameterMismatchError} (from its parms_id).
   */
  loadCiphertext(bytes: Uint8Array, what = 'ciphertext'): Ciphertext {
    const pid = peekCiphertextParmsId(bytes, what);
    if (!this.levelOfParmsId(pid)) {
      throw new HeParameterMismatchError(`${what}: parms_id ${pid.slice(0, 16)}... is not a level of ${describeCkksParams(this.params)}; it was made with other encryption parameters`);
    }
    const ct = new this.seal.Ciphertext();
    try {
      ct.loadFromArray(this.context, bytes);
      return ct;
    } catch (e) {
      ct.delete();
      throw toHeError(e, what, true);
    }
  }

  /** Loads serialized relinearization keys made for this parameter set. */
  loadRelinKeys(bytes: Uint8Array, what = 'relinKeys'): RelinKeys {
    readSealHeader(bytes, what);
    const k = new this.seal.RelinKeys();
    try {
      k.loadFromArray(this.context, bytes);
      return k;
    } catch (e) {
      k.delete();
      throw toHeError(e, `${what} (made for ${describeCkksParams(this.params)}?)`, true);
    }
  }

  /** Loads serialized Galois keys made for this parameter set. */
  loadGaloisKeys(bytes: Uint8Array, what = 'galoisKeys'): GaloisKeys {
    readSealHeader(bytes, what);
    const k = new this.seal.GaloisKeys();
    try {
      k.loadFromArray(this.context, bytes);
      return k;
    } catch (e) {
      k.delete();
      throw toHeError(e, `${what} (made for ${describeCkksParams(this.params)}?)`, true);
    }
  }

  /** Serializes a ciphertext (zstd by default: about 35 % smaller on 40-bit primes). */
  saveCiphertext(ct: Ciphertext, mode: ComprMode = 'zstd'): Uint8Array {
    return ct.saveToArray(this.comprMode(mode)) as Uint8Array;
  }

  /** SEAL's compression enum for `mode`. */
  comprMode(mode: ComprMode): (typeof this.seal.ComprModeType)['none'] | (typeof this.seal.ComprModeType)['zstd'] {
    return mode === 'none' ? this.seal.ComprModeType.none : this.seal.ComprModeType.zstd;
  }

  /** The parms_id (hex) of a ciphertext. */
  parmsIdOf(ct: Ciphertext): string {
    const pid = ct.parmsId();
    try {
      return parmsIdHex(pid.values() as BigUint64Array);
    } finally {
      pid.delete();
    }
  }

  /** The SEAL Galois element of a left rotation by `step` slots (negative: right). */
  galoisElement(step: number): number {
    const slots = this.slotCount;
    if (!Number.isInteger(step) || step === 0 || Math.abs(step) >= slots) throw new HeParameterError(`step: expected a non-zero integer with |step| < ${slots}, got ${step}`);
    const m = BigInt(2 * this.params.polyModulusDegree);
    let e = 1n;
    // SEAL: element 3^k mod 2N rotates left by k; a right rotation by k is a left one by slots - k.
    for (let k = step < 0 ? slots + step : step; k > 0; k--) e = (e * 3n) % m;
    return Number(e);
  }

  /** Frees the SEAL objects of this context. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const p of this.#parmsIds) p?.delete();
    this.evaluator.delete();
    this.encoder.delete();
    this.context.delete();
  }
}

/** Throws {@link HeMalformedDataError} unless `bytes` is a non-empty Uint8Array. */
export function requireBytes(bytes: unknown, what: string): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
    throw new HeMalformedDataError(`${what}: expected non-empty Uint8Array, got ${bytes instanceof Uint8Array ? '0 bytes' : typeof bytes}`);
  }
}
