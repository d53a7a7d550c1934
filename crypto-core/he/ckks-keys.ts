/**
 * @module crypto-core/he/ckks-keys
 * Key material of the CKKS path. The client generates everything and keeps the secret key; the
 * server receives an {@link EvalKeyBundle}: public, relinearization and only the Galois keys of
 * the rotation steps its model needs, all in SEAL's seeded form (half of each key is replaced by
 * the PRNG seed that regenerates it), zstd-compressed.
 *
 * Inputs are encrypted symmetrically with the secret key, which SEAL can also seed: an uploaded
 * ciphertext is half the size of a public-key encryption.
 */
import type { Decryptor, Encryptor, GaloisKeys, RelinKeys, SecretKey } from 'node-seal';
import type { CkksContext } from './ckks-context.js';
import { requireBytes } from './ckks-context.js';
import type { CkksParams } from './ckks-params.js';
import { describeCkksParams, sameCkksParams } from './ckks-params.js';
import { HeMissingGaloisKeyError, HeParameterError, HeParameterMismatchError } from './errors.js';
import { toHeError } from './seal-exception.js';

/** What a client uploads once per session so a server can evaluate on its ciphertexts. */
export interface EvalKeyBundle {
  readonly params: CkksParams;
  readonly publicKey: Uint8Array;
  readonly relinKeys: Uint8Array;
  readonly galoisKeys: Uint8Array;
  /** The rotation steps the Galois keys cover. */
  readonly galoisSteps: readonly number[];
}

/** Total size in bytes of a bundle's keys. */
export function evalKeyBundleBytes(b: EvalKeyBundle): number {
  return b.publicKey.length + b.relinKeys.length + b.galoisKeys.length;
}

function checkSteps(ctx: CkksContext, steps: readonly number[]): number[] {
  if (!Array.isArray(steps)) throw new HeParameterError(`galoisSteps: expected an array of integers, got ${typeof steps}`);
  const uniq = [...new Set(steps)].sort((a, b) => a - b);
  for (const s of uniq) ctx.galoisElement(s);
  return uniq;
}

/** The client's keys: the secret key never leaves this object except through {@link CkksClientKeys.exportSecretKey}. */
export class CkksClientKeys {
  readonly ctx: CkksContext;
  readonly #secretKey: SecretKey;
  readonly #encryptor: Encryptor;
  readonly #decryptor: Decryptor;
  #disposed = false;

  private constructor(ctx: CkksContext, secretKey: SecretKey) {
    this.ctx = ctx;
    this.#secretKey = secretKey;
    // The bindings have no secret-key-only Encryptor constructor, and SEAL validates the public
    // key it is given, so derive the (cheap) public key; only the symmetric path is used.
    const kg = new ctx.seal.KeyGenerator(ctx.context, secretKey);
    const pk = kg.createPublicKey();
    try {
      this.#encryptor = new ctx.seal.Encryptor(ctx.context, pk, secretKey);
    } finally {
      pk.delete();
      kg.delete();
    }
    this.#decryptor = new ctx.seal.Decryptor(ctx.context, secretKey);
  }

  /**
   * Generates a fresh key set and the bundle to upload, with Galois keys for exactly
   * `galoisSteps` (left rotations; negative = right).
   */
  static generate(ctx: CkksContext, galoisSteps: readonly number[]): { keys: CkksClientKeys; evalKeys: EvalKeyBundle } {
    const steps = checkSteps(ctx, galoisSteps);
    const kg = new ctx.seal.KeyGenerator(ctx.context);
    try {
      const sk = kg.secretKey();
      const keys = new CkksClientKeys(ctx, sk);
      const mode = ctx.comprMode('zstd');
      const save = (o: { saveToArray(m: typeof mode): unknown; delete(): void }): Uint8Array => {
        try {
          return o.saveToArray(mode) as Uint8Array;
        } finally {
          o.delete();
        }
      };
      const evalKeys: EvalKeyBundle = {
        params: ctx.params,
        publicKey: save(kg.createPublicKeySerializable()),
        relinKeys: save(kg.createRelinKeysSerializable()),
        // An empty step list would make SEAL generate keys for all power-of-two steps: avoid that.
        galoisKeys: steps.length > 0 ? save(kg.createGaloisKeysSerializableWithSteps(Int32Array.from(steps))) : new Uint8Array(0),
        galoisSteps: steps,
      };
      return { keys, evalKeys };
    } catch (e) {
      throw toHeError(e, 'key generation');
    } finally {
      kg.delete();
    }
  }

  /** Rebuilds client keys from a secret key saved with {@link CkksClientKeys.exportSecretKey}. */
  static fromSecretKey(ctx: CkksContext, bytes: Uint8Array): CkksClientKeys {
    requireBytes(bytes, 'secretKey');
    const sk = new ctx.seal.SecretKey();
    try {
      sk.loadFromArray(ctx.context, bytes);
    } catch (e) {
      sk.delete();
      throw toHeError(e, 'secretKey', true);
    }
    return new CkksClientKeys(ctx, sk);
  }

  /** The secret key, serialized (uncompressed). Store it as a secret. */
  exportSecretKey(): Uint8Array {
    return this.#secretKey.saveToArray(this.ctx.comprMode('zstd')) as Uint8Array;
  }

  /** Encodes `slots` at the context's scale and encrypts it, seeded and compressed. */
  encryptSlots(slots: Float64Array): Uint8Array {
    const pt = this.ctx.encodeAt(slots, this.ctx.scale, this.ctx.topChainIndex);
    try {
      const ser = this.#encryptor.encryptSymmetricSerializable(pt);
      try {
        return ser.saveToArray(this.ctx.comprMode('zstd')) as Uint8Array;
      } finally {
        ser.delete();
      }
    } catch (e) {
      throw toHeError(e, 'encrypt');
    } finally {
      pt.delete();
    }
  }

  /** Decrypts and decodes a serialized ciphertext into its N/2 slot values. */
  decryptSlots(bytes: Uint8Array, what = 'result'): Float64Array {
    requireBytes(bytes, what);
    const ct = this.ctx.loadCiphertext(bytes, what);
    const pt = new this.ctx.seal.Plaintext();
    try {
      this.#decryptor.decrypt(ct, pt);
      return Float64Array.from(this.ctx.encoder.decodeFloat64(pt) as Float64Array);
    } catch (e) {
      throw toHeError(e, `decrypt ${what}`);
    } finally {
      pt.delete();
      ct.delete();
    }
  }

  /** Frees the SEAL objects. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#encryptor.delete();
    this.#decryptor.delete();
    this.#secretKey.delete();
  }
}

/** Evaluation keys loaded into a server-side context. */
export class CkksEvalKeys {
  readonly ctx: CkksContext;
  readonly relinKeys: RelinKeys;
  readonly galoisKeys: GaloisKeys;
  /** Steps with a key present. */
  readonly galoisSteps: ReadonlySet<number>;
  #disposed = false;

  private constructor(ctx: CkksContext, relin: RelinKeys, galois: GaloisKeys, steps: ReadonlySet<number>) {
    this.ctx = ctx;
    this.relinKeys = relin;
    this.galoisKeys = galois;
    this.galoisSteps = steps;
  }

  /**
   * Loads a bundle. Throws {@link HeParameterMismatchError} when it was made for other
   * parameters, {@link HeMalformedDataError} for broken bytes, and
   * {@link HeMissingGaloisKeyError} when a step it claims has no key in the bytes.
   */
  static load(ctx: CkksContext, bundle: EvalKeyBundle): CkksEvalKeys {
    if (typeof bundle !== 'object' || bundle === null) throw new HeParameterError(`evalKeys: expected an EvalKeyBundle, got ${typeof bundle}`);
    if (!sameCkksParams(bundle.params, ctx.params)) {
      throw new HeParameterMismatchError(`evalKeys.params: keys made for ${describeCkksParams(bundle.params)}, expected ${describeCkksParams(ctx.params)}`);
    }
    const steps = checkSteps(ctx, bundle.galoisSteps);
    requireBytes(bundle.relinKeys, 'evalKeys.relinKeys');
    const relin = ctx.loadRelinKeys(bundle.relinKeys, 'evalKeys.relinKeys');
    let galois: GaloisKeys;
    try {
      if (steps.length > 0) {
        requireBytes(bundle.galoisKeys, 'evalKeys.galoisKeys');
        galois = ctx.loadGaloisKeys(bundle.galoisKeys, 'evalKeys.galoisKeys');
      } else {
        galois = new ctx.seal.GaloisKeys();
      }
    } catch (e) {
      relin.delete();
      throw e;
    }
    const missing = steps.filter((s) => !galois.hasKey(ctx.galoisElement(s)));
    if (missing.length > 0) {
      relin.delete();
      galois.delete();
      throw new HeMissingGaloisKeyError(`evalKeys.galoisKeys: no key for claimed steps ${missing.join(', ')}`, missing);
    }
    return new CkksEvalKeys(ctx, relin, galois, new Set(steps));
  }

  /** Throws {@link HeMissingGaloisKeyError} unless every step in `steps` has a key. */
  requireSteps(steps: readonly number[]): void {
    const missing = steps.filter((s) => !this.galoisSteps.has(s));
    if (missing.length > 0) {
      throw new HeMissingGaloisKeyError(`evalKeys: the model needs Galois keys for rotation steps ${missing.join(', ')}, which the session did not upload`, missing);
    }
  }

  /** Frees the keys. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.relinKeys.delete();
    this.galoisKeys.delete();
  }
}
