/**
 * @module protocols/he/he-evaluator
 * Server-side CKKS evaluation of a {@link HePlan} on one ciphertext with a client's evaluation
 * keys. Deterministic: the same plan, keys and ciphertext bytes give the same result bytes in
 * any SEAL instance (no randomness is drawn during evaluation, and WebAssembly floating point is
 * deterministic), which is what dual execution relies on.
 *
 * Scale management: weights are encoded at the exact value of the prime the next rescale
 * divides by, so a dense layer leaves the scale unchanged; products are summed at the high
 * scale and rescaled once per layer (lazy rescaling), before the cheaper rotate-and-sum.
 */
import type { Ciphertext, Plaintext } from 'node-seal';
import type { CkksContext } from '../../crypto-core/he/ckks-context.js';
import { requireBytes } from '../../crypto-core/he/ckks-context.js';
import type { CkksEvalKeys } from '../../crypto-core/he/ckks-keys.js';
import { describeCkksParams, sameCkksParams } from '../../crypto-core/he/ckks-params.js';
import { HeMalformedDataError, HeParameterMismatchError } from '../../crypto-core/he/errors.js';
import { toHeError } from '../../crypto-core/he/seal-exception.js';
import type { HeDiagonalDenseStep, HePlan, HePolynomialStep, HeRowBlockDenseStep } from './he-plan.js';

interface CachedPlain {
  scale: number;
  pt: Plaintext;
}

/** A plan prepared in one context: weight plaintexts are encoded once and reused per query. */
export class HeModelEvaluator {
  readonly plan: HePlan;
  readonly ctx: CkksContext;
  /** Per step: the encoded diagonals (or the row-block mask at index 0), null where zero. */
  readonly #weights: (Plaintext | null)[][];
  /** Biases and polynomial coefficients, encoded on first use at the scale they meet. */
  readonly #lazy = new Map<string, CachedPlain>();
  #disposed = false;

  private constructor(ctx: CkksContext, plan: HePlan, weights: (Plaintext | null)[][]) {
    this.ctx = ctx;
    this.plan = plan;
    this.#weights = weights;
  }

  /** Encodes the plan's weights in `ctx`. Throws {@link HeParameterMismatchError} if the plan is for other parameters. */
  static prepare(ctx: CkksContext, plan: HePlan): HeModelEvaluator {
    if (!sameCkksParams(plan.params, ctx.params)) {
      throw new HeParameterMismatchError(`plan.params: plan made for ${describeCkksParams(plan.params)}, context has ${describeCkksParams(ctx.params)}`);
    }
    const weights: (Plaintext | null)[][] = [];
    try {
      for (const step of plan.steps) {
        const list: (Plaintext | null)[] = [];
        weights.push(list);
        if (step.kind !== 'dense-diagonal' && step.kind !== 'dense-rowblock' && step.kind !== 'output-mask') continue;
        const q = ctx.rescalePrime(step.inputChainIndex);
        const vectors = step.kind === 'dense-diagonal' ? step.diagonals : [step.mask];
        for (const v of vectors) {
          if (v === null) {
            list.push(null);
            continue;
          }
          const pt = ctx.encodeAt(v, q, step.inputChainIndex);
          // Weights too small to survive encoding at scale q give a zero plaintext, whose product
          // SEAL refuses (transparent ciphertext): they contribute nothing, so skip them.
          if (pt.isZero()) {
            pt.delete();
            list.push(null);
          } else list.push(pt);
        }
      }
    } catch (e) {
      for (const l of weights) for (const p of l) p?.delete();
      throw toHeError(e, 'prepare plan');
    }
    return new HeModelEvaluator(ctx, plan, weights);
  }

  /**
   * Evaluates on serialized ciphertext bytes and returns the serialized result (zstd),
   * switched down to the last level so that the download is as small as possible.
   */
  evaluate(ciphertext: Uint8Array, keys: CkksEvalKeys): Uint8Array {
    requireBytes(ciphertext, 'ciphertext');
    this.#checkKeys(keys);
    const ct = this.ctx.loadCiphertext(ciphertext, 'ciphertext');
    let out: Ciphertext | undefined;
    try {
      out = this.evaluateCiphertext(ct, keys);
      if (this.ctx.parmsIdOf(out) !== this.ctx.level(0).parmsIdHex) this.ctx.evaluator.cipherModSwitchToInplace(out, this.ctx.parmsIdAt(0));
      return this.ctx.saveCiphertext(out);
    } catch (e) {
      throw toHeError(e, 'evaluate');
    } finally {
      out?.delete();
      ct.delete();
    }
  }

  /** Evaluates on a loaded ciphertext; the caller owns (and deletes) both. */
  evaluateCiphertext(input: Ciphertext, keys: CkksEvalKeys): Ciphertext {
    if (this.#disposed) throw new HeParameterMismatchError('evaluator: already disposed');
    this.#checkKeys(keys);
    this.#checkInput(input);
    let x = input.clone();
    try {
      for (const [i, step] of this.plan.steps.entries()) {
        let y: Ciphertext;
        switch (step.kind) {
          case 'dense-diagonal':
            y = this.#denseDiagonal(i, step, x, keys);
            break;
          case 'dense-rowblock':
            y = this.#denseRowBlock(i, step, x, keys);
            break;
          case 'square':
            y = new this.ctx.seal.Ciphertext();
            this.ctx.evaluator.square(x, y);
            this.ctx.evaluator.relinearizeInplace(y, keys.relinKeys);
            this.ctx.evaluator.rescaleToNextInplace(y);
            break;
          case 'polynomial':
            y = this.#polynomial(i, step, x, keys);
            break;
          case 'output-mask':
            // The result times the 0/1 output-slot mask, rescaled.
            y = this.#rescaledProduct(i, step.name, x);
            break;
        }
        x.delete();
        x = y;
      }
      return x;
    } catch (e) {
      x.delete();
      throw toHeError(e, 'evaluate');
    }
  }

  #checkKeys(keys: CkksEvalKeys): void {
    if (keys.ctx !== this.ctx) {
      if (!sameCkksParams(keys.ctx.params, this.ctx.params)) {
        throw new HeParameterMismatchError(`evalKeys: made for ${describeCkksParams(keys.ctx.params)}, plan uses ${describeCkksParams(this.ctx.params)}`);
      }
      throw new HeParameterMismatchError('evalKeys: loaded in another SEAL context than the evaluator');
    }
    keys.requireSteps(this.plan.galoisSteps);
  }

  #checkInput(ct: Ciphertext): void {
    const pid = this.ctx.parmsIdOf(ct);
    const level = this.ctx.levelOfParmsId(pid);
    if (!level) throw new HeParameterMismatchError(`ciphertext: parms_id ${pid.slice(0, 16)}... is not part of ${describeCkksParams(this.ctx.params)}`);
    if (level.chainIndex !== this.ctx.topChainIndex) {
      throw new HeParameterMismatchError(`ciphertext: at level ${level.chainIndex}, expected a fresh ciphertext at level ${this.ctx.topChainIndex}`);
    }
    if (ct.size() !== 2) throw new HeMalformedDataError(`ciphertext: size ${ct.size()}, expected 2 (a fresh, relinearized ciphertext)`);
    if (ct.scale() !== this.ctx.scale) {
      throw new HeParameterMismatchError(`ciphertext: scale 2^${Math.log2(ct.scale()).toFixed(2)}, expected 2^${this.ctx.params.scaleBits}`);
    }
  }

  /** Queries per ciphertext: baby and giant steps rotate this many times further (sum strides are stored scaled). */
  get #batch(): number {
    return this.plan.batch ?? 1;
  }

  #constant(key: string, value: Float64Array | number, scale: number, chainIndex: number): Plaintext {
    const hit = this.#lazy.get(key);
    if (hit && hit.scale === scale) return hit.pt;
    hit?.pt.delete();
    const v = typeof value === 'number' ? new Float64Array(this.ctx.slotCount).fill(value) : value;
    const pt = this.ctx.encodeAt(v, scale, chainIndex);
    this.#lazy.set(key, { scale, pt });
    return pt;
  }

  #chainOf(ct: Ciphertext): number {
    return this.ctx.levelOfParmsId(this.ctx.parmsIdOf(ct))!.chainIndex;
  }

  #rotateAndSum(x: Ciphertext, strides: readonly number[], keys: CkksEvalKeys): void {
    const tmp = new this.ctx.seal.Ciphertext();
    try {
      for (const k of strides) {
        this.ctx.evaluator.rotateVector(x, k, keys.galoisKeys, tmp);
        this.ctx.evaluator.addInplace(x, tmp);
      }
    } finally {
      tmp.delete();
    }
  }

  #addBias(index: number, bias: Float64Array | null, x: Ciphertext): void {
    if (!bias) return;
    const pt = this.#constant(`bias:${index}`, bias, x.scale(), this.#chainOf(x));
    this.ctx.evaluator.addPlainInplace(x, pt);
  }

  /** Baby-step/giant-step diagonal product, one rescale, rotate-and-sum, bias. */
  #denseDiagonal(index: number, step: HeDiagonalDenseStep, x: Ciphertext, keys: CkksEvalKeys): Ciphertext {
    const ev = this.ctx.evaluator;
    const pts = this.#weights[index]!;
    const babies: (Ciphertext | null)[] = [x];
    const owned: Ciphertext[] = [];
    const tmp = new this.ctx.seal.Ciphertext();
    let total: Ciphertext | null = null;
    try {
      for (let c = 1; c < step.baby; c++) {
        let needed = false;
        for (let j = 0; j < step.giant; j++) if (pts[j * step.baby + c]) needed = true;
        if (!needed) {
          babies.push(null);
          continue;
        }
        const r = new this.ctx.seal.Ciphertext();
        owned.push(r);
        ev.rotateVector(x, c * this.#batch, keys.galoisKeys, r);
        babies.push(r);
      }
      for (let j = 0; j < step.giant; j++) {
        let acc: Ciphertext | null = null;
        for (let c = 0; c < step.baby; c++) {
          const pt = pts[j * step.baby + c];
          if (!pt) continue;
          if (!acc) {
            acc = new this.ctx.seal.Ciphertext();
            ev.multiplyPlain(babies[c]!, pt, acc);
          } else {
            ev.multiplyPlain(babies[c]!, pt, tmp);
            ev.addInplace(acc, tmp);
          }
        }
        if (!acc) continue;
        // Giant-step rotation at the high scale: one rescale for the whole layer instead of one per j.
        if (j > 0) ev.rotateVectorInplace(acc, j * step.baby * this.#batch, keys.galoisKeys);
        if (!total) total = acc;
        else {
          ev.addInplace(total, acc);
          acc.delete();
        }
      }
      if (!total) throw new HeParameterMismatchError(`layer '${step.name}': no non-zero diagonal survived encoding`);
      ev.rescaleToNextInplace(total);
      this.#rotateAndSum(total, step.sumStrides, keys);
      this.#addBias(index, step.bias, total);
      const out = total;
      total = null;
      return out;
    } finally {
      total?.delete();
      tmp.delete();
      for (const r of owned) r.delete();
    }
  }

  #denseRowBlock(index: number, step: HeRowBlockDenseStep, x: Ciphertext, keys: CkksEvalKeys): Ciphertext {
    const y = this.#rescaledProduct(index, step.name, x);
    try {
      this.#rotateAndSum(y, step.sumStrides, keys);
      this.#addBias(index, step.bias, y);
      return y;
    } catch (e) {
      y.delete();
      throw e;
    }
  }

  /** x times step `index`'s single encoded vector (row-block weights, output mask), rescaled; a new ciphertext. */
  #rescaledProduct(index: number, name: string, x: Ciphertext): Ciphertext {
    const pt = this.#weights[index]![0];
    if (!pt) throw new HeParameterMismatchError(`step '${name}': its vector vanishes at this scale`);
    const y = new this.ctx.seal.Ciphertext();
    try {
      this.ctx.evaluator.multiplyPlain(x, pt, y);
      this.ctx.evaluator.rescaleToNextInplace(y);
      return y;
    } catch (e) {
      y.delete();
      throw e;
    }
  }

  /**
   * sum_k c_k x^k: powers by squaring and products (depth ceil(log2 k)), each term times its
   * coefficient encoded at the scale that brings the term back to the input scale after the
   * rescale, all terms switched to the lowest level and added.
   */
  #polynomial(index: number, step: HePolynomialStep, x: Ciphertext, keys: CkksEvalKeys): Ciphertext {
    const ev = this.ctx.evaluator;
    const seal = this.ctx.seal;
    const target = x.scale();
    const outChain = step.inputChainIndex - step.depth;
    const powers = new Map<number, Ciphertext>([[1, x]]);
    const mulAligned = (a: Ciphertext, b: Ciphertext): Ciphertext => {
      const ca = this.#chainOf(a);
      const cb = this.#chainOf(b);
      const out = new seal.Ciphertext();
      if (ca === cb) ev.multiply(a, b, out);
      else {
        const [hi, lo] = ca > cb ? [a, b] : [b, a];
        const down = new seal.Ciphertext();
        try {
          ev.cipherModSwitchTo(hi, this.ctx.parmsIdAt(Math.min(ca, cb)), down);
          ev.multiply(down, lo, out);
        } finally {
          down.delete();
        }
      }
      ev.relinearizeInplace(out, keys.relinKeys);
      ev.rescaleToNextInplace(out);
      return out;
    };
    const power = (k: number): Ciphertext => {
      const hit = powers.get(k);
      if (hit) return hit;
      const a = 2 ** Math.floor(Math.log2(k));
      const r = a === k ? mulAligned(power(k / 2), power(k / 2)) : mulAligned(power(a), power(k - a));
      powers.set(k, r);
      return r;
    };
    let sum: Ciphertext | null = null;
    const term = new seal.Ciphertext();
    try {
      for (let k = 1; k < step.coeffs.length; k++) {
        const c = step.coeffs[k]!;
        if (c === 0) continue;
        const p = power(k);
        const chain = this.#chainOf(p);
        const ptScale = (target * this.ctx.rescalePrime(chain)) / p.scale();
        const pt = this.#constant(`poly:${index}:${k}`, c, ptScale, chain);
        ev.multiplyPlain(p, pt, term);
        ev.rescaleToNextInplace(term);
        // The exact scale differs from the target by rounding only (relative 1e-16).
        term.setScale(target);
        if (this.#chainOf(term) !== outChain) ev.cipherModSwitchToInplace(term, this.ctx.parmsIdAt(outChain));
        if (!sum) {
          sum = term.copy();
        } else ev.addInplace(sum, term);
      }
      if (!sum) throw new HeParameterMismatchError(`layer '${step.name}': polynomial has no non-constant term`);
      if (step.coeffs[0] !== 0) ev.addPlainInplace(sum, this.#constant(`poly:${index}:0`, step.coeffs[0]!, target, outChain));
      const out = sum;
      sum = null;
      return out;
    } finally {
      sum?.delete();
      term.delete();
      for (const [k, p] of powers) if (k !== 1) p.delete();
    }
  }

  /** Frees the encoded weights. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const l of this.#weights) for (const p of l) p?.delete();
    for (const c of this.#lazy.values()) c.pt.delete();
    this.#lazy.clear();
  }
}

/**
 * One-shot evaluation: prepares the plan in the keys' context, evaluates `ciphertext`, frees
 * the prepared weights. Services evaluating many queries keep a {@link HeModelEvaluator}.
 */
export function evaluate(plan: HePlan, ciphertext: Uint8Array, evalKeys: CkksEvalKeys): Uint8Array {
  const ev = HeModelEvaluator.prepare(evalKeys.ctx, plan);
  try {
    return ev.evaluate(ciphertext, evalKeys);
  } finally {
    ev.dispose();
  }
}
