/**
 * @module protocols/rss/malicious/verify-ands
 * The batch check of the AND claims of a malicious-mode job (docs/protocols-malicious.md,
 * "Verified boolean ANDs"): cut-and-choose and bucketing of random AND triples, after
 * Furukawa, Lindell, Nof and Weinstein (Eurocrypt 2017) and Araki et al. (IEEE S&P 2017).
 * Every bit of every claimed word is one gate; N gates (rounded up, see {@link bucketParameters}):
 *
 *   1. triples: M = B N' + C random triples, a and b random boolean sharings (PRF, no message),
 *      c = a & b by the semi-honest replicated AND (one message, concurrent with the arithmetic
 *      triples of malicious/verify-products);
 *   2. after the job's coin (drawn once every claim and triple is fixed): a uniformly random
 *      permutation of the M triples (Fisher-Yates on the coin's PRG, Lemire's unbiased draws);
 *      the first C = 64 are opened, the rest form N' buckets of B;
 *   3. one digest-checked open (malicious/digest-open) of the C triples, of
 *      rho = x ^ a_0, sigma = y ^ b_0 (each real gate against its bucket's first triple) and of
 *      rho_k = a_0 ^ a_k, sigma_k = b_0 ^ b_k (the first triple against the k-th, k = 1..B-1);
 *   4. the opened triples must satisfy c = a & b, and a zero test (the hash comparison of
 *      malicious/verify-products) of
 *        z ^ c_0 ^ sigma & a_0 ^ rho & b_0 ^ rho & sigma           (real gate)
 *        c_0 ^ c_k ^ sigma_k & a_k ^ rho_k & b_k ^ rho_k & sigma_k  (sacrifice of triple k).
 * A bucket passes with a bad first triple only if all its triples are bad in the same way; with
 * B and N' chosen below the cheating probability is at most N'^-(B-1) <= 2^-48.
 *
 * Large groups (at least {@link WORD_SHUFFLE_WORDS} claimed words) shuffle whole words instead
 * of bits (64 times less local work: the bit shuffle dominated a large batch's time): lane l of
 * a gate word is then checked only against lane l of its bucket's triple words, so each lane is
 * the game above with N'_w = buckets of words, C = B opened words, and an adversary that wins
 * must win it in a lane where it cheats: the same bound with N'_w for N', N'_w^(B-1) >= 2^48
 * ({@link wordBucketParameters}: B = 5 from 2^12 words, B = 4 from ~52,000, the same bytes per
 * gate as bits from 2^16).
 */
import type { Prg } from '../../../crypto-core/prg.js';
import type { Ring64 } from '../../../crypto-core/ring/ring64.js';
import { nextParty, prevParty } from '../../channel/channel.js';
import { reshareAnd } from '../binary-share.js';
import type { ProtocolContext } from '../context.js';
import { VerificationFailedError } from '../errors.js';
import { digestZeroTest, openMissingComponent } from './digest-open.js';
import { keepZeroTest, type AndClaim } from './state.js';
import { concatWords, cutWords } from './word-vectors.js';

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The statistical security of one batch's bucket check, in bits: 48, so that a job of up to
 * 128 verification batches stays below 2^-40 with the arithmetic checks (docs/protocols-malicious.md).
 */
export const AND_SECURITY_BITS = 48;

/** Triples opened by the cut-and-choose of a bit-shuffled group (one word). */
export const OPENED_TRIPLES = 64;

/**
 * Claimed words from which a group shuffles whole words (module doc): 2^12, where B = 5 word
 * buckets cost 5/4 the triples of B = 4 bit buckets (up to ~52,000 words; B = 4 from there), for
 * a shuffle 64 times smaller. Smaller groups (the batch-1 MLP: ~1,100 words) keep the bit shuffle.
 */
export const WORD_SHUFFLE_WORDS = 1 << 12;

/**
 * The bucket size B and the number of buckets N' (a multiple of 64, at least `gates`) of a
 * batch of `gates` AND gates: N'^(B-1) >= 2^48, at the least B N' (padding N' up to
 * 2^ceil(48/(B-1)) buys a smaller B for small batches). B = 3 from 2^24 gates, 4 from 2^16,
 * 5 from 2^12.
 */
export function bucketParameters(gates: number): { bucket: number; buckets: number } {
  let best = { bucket: 0, buckets: 0 };
  for (let b = 3; b <= AND_SECURITY_BITS + 1; b++) {
    const buckets = Math.ceil(Math.max(gates, 2 ** Math.ceil(AND_SECURITY_BITS / (b - 1))) / 64) * 64;
    if (best.bucket === 0 || b * buckets < best.bucket * best.buckets) best = { bucket: b, buckets };
  }
  return best;
}

/**
 * The word-shuffled counterpart of {@link bucketParameters} for a group of `words` claimed
 * words: the bucket size B, the buckets N'_w >= words (in words) with N'_w^(B-1) >= 2^48, and
 * C = B opened words, at the least C + B N'_w.
 */
export function wordBucketParameters(words: number): { bucket: number; rowWords: number; opened: number } {
  let best = { bucket: 0, rowWords: 0, opened: 0 };
  for (let b = 3; b <= AND_SECURITY_BITS + 1; b++) {
    const rowWords = Math.max(words, 2 ** Math.ceil(AND_SECURITY_BITS / (b - 1)));
    if (best.bucket === 0 || b + b * rowWords < best.opened + best.bucket * best.rowWords) best = { bucket: b, rowWords, opened: b };
  }
  return best;
}

/** A party's two components of a boolean sharing of words. */
interface Words2 {
  a: BigUint64Array;
  b: BigUint64Array;
}

/** One batch: the claims' concatenated x, y, z, the triples, and after the opens their public differences. */
export interface AndWork {
  readonly x: Words2;
  readonly y: Words2;
  readonly z: Words2;
  readonly bucket: number;
  /** Words per bucket row (N' / 64, or N'_w). */
  readonly rowWords: number;
  /** Opened triple words at the start of the permuted vectors. */
  readonly opened: number;
  /** What the shuffle permutes: bits, or whole words (module doc). */
  readonly unit: 'bit' | 'word';
  ta: Words2;
  tb: Words2;
  tc: Words2;
}

const cat2 = (parts: readonly Words2[]): Words2 => ({ a: concatWords(parts.map((p) => p.a)), b: concatWords(parts.map((p) => p.b)) });

/** Step 1: the claims' vectors and the M random triples (one reshare). */
export async function makeAndTriples(ctx: ProtocolContext, claims: readonly AndClaim[]): Promise<AndWork> {
  const x = cat2(claims.map((c) => c.x));
  const y = cat2(claims.map((c) => c.y));
  const z = cat2(claims.map((c) => c.z));
  const unit = x.a.length >= WORD_SHUFFLE_WORDS ? 'word' : 'bit';
  const { bucket, rowWords, opened } = unit === 'word' ? wordBucketParameters(x.a.length) : ((p) => ({ bucket: p.bucket, rowWords: p.buckets / 64, opened: OPENED_TRIPLES / 64 }))(bucketParameters(64 * x.a.length));
  const total = opened + bucket * rowWords;
  const tag = ctx.nextTag('and-triples');
  const ta = ctx.randomness.randomShare(`${tag}/a`, total);
  const tb = ctx.randomness.randomShare(`${tag}/b`, total);
  const tc = await reshareAnd(ctx, tag, ta, tb);
  return { x, y, z, bucket, rowWords, opened, unit, ta: { a: ta.a, b: ta.b }, tb: { a: tb.a, b: tb.b }, tc: { a: tc.a, b: tc.b } };
}

/** A uniformly random permutation of 0..m-1 from `prg` (Fisher-Yates, unbiased by rejection). */
export function randomPermutation(prg: Prg, m: number): Uint32Array {
  const perm = new Uint32Array(m);
  for (let i = 0; i < m; i++) perm[i] = i;
  // One 32-bit draw per step (little-endian words of the PRG stream), more if a draw is rejected.
  let words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  let k = 0;
  const refill = (count: number): void => {
    const bytes = prg.fill(new Uint8Array(4 * count));
    words = HOST_LITTLE_ENDIAN ? new Uint32Array(bytes.buffer, bytes.byteOffset, count) : Uint32Array.from({ length: count }, (_, t) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(4 * t, true));
    k = 0;
  };
  refill(Math.max(m, 1));
  for (let i = m - 1; i > 0; i--) {
    // Lemire's multiply-and-reject: j = floor(r bound / 2^32),
    // uniform on 0..bound-1 once the low 32 bits of r bound below 2^32 mod bound are rejected.
    const bound = i + 1;
    let j: number;
    for (;;) {
      if (k === words.length) refill(1024);
      // r bound exactly, as high and low 32-bit halves (r bound reaches 2^56 for 2^24 triples):
      // r = rh 2^16 + rl, each partial product below 2^48.
      const r = words[k++]!;
      const low = Math.imul(r, bound) >>> 0;
      j = Math.floor(((r >>> 16) * bound + Math.floor(((r & 0xffff) * bound) / 65536)) / 65536);
      if (low >= bound || low >= 4294967296 % bound) break;
    }
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  return perm;
}

/** Word i of each output is word perm[i] of its input (a plain gather: faster here than on 32-bit lanes or interleaved). */
function permuteWords(src: readonly BigUint64Array[], perm: Uint32Array): BigUint64Array[] {
  return src.map((v) => {
    const out = new BigUint64Array(v.length);
    for (let i = 0; i < perm.length; i++) out[i] = v[perm[i]!]!;
    return out;
  });
}

/** Step 2: permutes the triples (bits, on the ring's kernel, or words) with the coin's PRG (the same permutation at the three parties). */
export function shuffleTriples(work: AndWork, prg: Prg, ring: Ring64): void {
  const src = [work.ta.a, work.ta.b, work.tb.a, work.tb.b, work.tc.a, work.tc.b];
  const [aa, ab, ba, bb, ca, cb] = work.unit === 'word' ? permuteWords(src, randomPermutation(prg, work.ta.a.length)) : ring.permuteBits(src, randomPermutation(prg, 64 * work.ta.a.length));
  work.ta = { a: aa!, b: ab! };
  work.tb = { a: ba!, b: bb! };
  work.tc = { a: ca!, b: cb! };
}

/** Row k (bucket position k of every bucket) of a permuted triple vector. */
const row = (v: BigUint64Array, w: AndWork, k: number): BigUint64Array => v.subarray(w.opened + k * w.rowWords, w.opened + (k + 1) * w.rowWords);

/** The public differences of step 3: rho and sigma of the real gates, rho_k and sigma_k of each bucket row k >= 1. */
export interface AndOpened {
  readonly rho: BigUint64Array;
  readonly sigma: BigUint64Array;
  readonly rhoK: BigUint64Array[];
  readonly sigmaK: BigUint64Array[];
}

/**
 * Step 3: one digest-checked open of the C triples and every difference; checks the opened
 * triples (step 4, first half).
 * @throws VerificationFailedError (check `zero-test`) when an opened triple is not an AND.
 */
export async function openAndDifferences(ctx: ProtocolContext, work: AndWork): Promise<AndOpened> {
  const ring = ctx.ring;
  const tag = ctx.nextTag('and-open');
  const n = work.x.a.length;
  const c = work.opened;
  const parts = (side: 'a' | 'b'): BigUint64Array[] => {
    const a0 = row(work.ta[side], work, 0);
    const b0 = row(work.tb[side], work, 0);
    const out = [work.ta[side].subarray(0, c), work.tb[side].subarray(0, c), work.tc[side].subarray(0, c), ring.xor(work.x[side], a0.subarray(0, n)), ring.xor(work.y[side], b0.subarray(0, n))];
    for (let k = 1; k < work.bucket; k++) out.push(ring.xor(a0, row(work.ta[side], work, k)), ring.xor(b0, row(work.tb[side], work, k)));
    return out;
  };
  const pa = parts('a');
  const pb = parts('b');
  const lengths = pa.map((p) => p.length);
  const A = concatWords(pa);
  const missing = await openMissingComponent(ctx, tag, A, concatWords(pb));
  const open = cutWords(ring.xor(ring.xor(A, concatWords(pb)), missing), lengths);
  const [oa, ob, oc] = open;
  if (!ring.xor(ring.and(oa!, ob!), oc!).every((v) => v === 0n)) {
    throw new VerificationFailedError(`${tag}: an opened AND triple at party ${ctx.self} is not an AND (a triple reshare was not what the protocol computes)`, {
      step: tag,
      check: 'zero-test',
      suspects: [prevParty(ctx.self), nextParty(ctx.self)],
    });
  }
  const rhoK: BigUint64Array[] = [];
  const sigmaK: BigUint64Array[] = [];
  for (let k = 1; k < work.bucket; k++) {
    rhoK.push(open[3 + 2 * k]!);
    sigmaK.push(open[4 + 2 * k]!);
  }
  return { rho: open[3]!, sigma: open[4]!, rhoK, sigmaK };
}

/** This party's components of the zero-test values of step 4. */
function zeroValues(ctx: ProtocolContext, work: AndWork, o: AndOpened): Words2 {
  const ring = ctx.ring;
  const n = work.x.a.length;
  const side = (s: 'a' | 'b'): BigUint64Array => {
    // The public term rho & sigma goes into component 0 (party 0's a, party 2's b).
    const withPublic = (v: BigUint64Array, p: BigUint64Array): BigUint64Array => ((s === 'a' && ctx.self === 0) || (s === 'b' && ctx.self === 2) ? ring.xor(v, p) : v);
    const check = (z: BigUint64Array, c0: BigUint64Array, a: BigUint64Array, b: BigUint64Array, rho: BigUint64Array, sigma: BigUint64Array): BigUint64Array =>
      withPublic(ring.xor(ring.xor(ring.xor(z, c0), ring.and(sigma, a)), ring.and(rho, b)), ring.and(rho, sigma));
    const c0 = row(work.tc[s], work, 0);
    const out = [check(work.z[s], c0.subarray(0, n), row(work.ta[s], work, 0).subarray(0, n), row(work.tb[s], work, 0).subarray(0, n), o.rho, o.sigma)];
    for (let k = 1; k < work.bucket; k++) out.push(check(c0, row(work.tc[s], work, k), row(work.ta[s], work, k), row(work.tb[s], work, k), o.rhoK[k - 1]!, o.sigmaK[k - 1]!));
    return concatWords(out);
  };
  return { a: side('a'), b: side('b') };
}

/**
 * Step 4, second half: the zero test of every real gate and every sacrifice (digest-open
 * `digestZeroTest`: for an XOR sharing of zero, w_{i-1} = w_i ^ w_{i+1}).
 * @throws VerificationFailedError (check `zero-test`) naming both peers.
 */
export async function andZeroTest(ctx: ProtocolContext, work: AndWork, o: AndOpened): Promise<void> {
  const tag = ctx.nextTag('and-zero-test');
  const w = zeroValues(ctx, work, o);
  keepZeroTest(ctx.malicious!, tag, { a: w.a, b: w.b });
  await digestZeroTest(ctx, tag, w.a, w.b, ctx.ring.xor(w.a, w.b), 'AND', 'an AND or triple reshare was not what the protocol computes');
}
