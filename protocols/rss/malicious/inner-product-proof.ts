/**
 * @module protocols/rss/malicious/inner-product-proof
 * The distributed zero-knowledge proof of Boyle, Gilboa, Ishai and Nof (CCS 2019, "Practical
 * fully secure three-party computation via sublinear distributed zero-knowledge proofs"), in its
 * inner-product form over GR(2^64, 56) (crypto-core/ring/galois-ring): prover i knows vectors u
 * and v; party i-1 (the u-holder, "P") holds u, party i+1 (the v-holder, "N") holds v, and the
 * two hold additive shares c_P + c_N of a claim c. The proof convinces both that <u, v> = c
 * while neither learns anything about the other's vector. All three parties prove at once (each
 * is prover of its own statement, u-holder of party i+1's and v-holder of party i-1's), so the
 * rounds are shared.
 *
 * One round halves the length: with f(X) = u_L + X (u_R - u_L) and g likewise for v,
 * h(X) = <f(X), g(X)> has degree 2, h(0) + h(1) = <u, v>. The prover sends N its share of h(1)
 * and h(X) (P's share comes from the PRF they share); both verifiers set h(0) = c - h(1), so the
 * check h(0) + h(1) = c is built in. N draws r from the seed it shares with P (the prover never
 * sees that seed) and sends it to the prover only after the prover's message arrived; the new
 * claim is <f(r), g(r)> = h(r). With two elements left, the last round pads f and g to degree 2
 * with a random third point (X: ρ_P, known to prover and P; ρ_N to prover and N), h = f g has
 * degree 4 and is sent at the points 1, X, 1+X, X^2; N reveals g(r) to P
 * for an r with r and r - 1 units (P already knows it), so g(r) is a uniform mask of v; P checks
 * h(r) = f(r) g(r). Every check is a pair of shares of zero; the verifiers compare
 * SHA-256 digests of them (P's shares against the negation of N's), which say nothing new.
 *
 * Soundness: a false claim survives one round only if r is a root of the non-zero difference of
 * the prover's and the true h (degree 2, probability ≤ 2/2^56), and the last check only if r is
 * a root of a degree-4 difference: ≤ (2 rounds + 4) / 2^56 per proof. Messages per party and
 * round: 2 elements (896 bytes) to N and a 32-byte seed back; the last round 4 elements and one
 * element from N to P. Rounds: ceil(log2(n / 2)) + 2.
 */
import { bytesEqual } from '../../../crypto-core/keys/byte-checks.js';
import { Prg } from '../../../crypto-core/prg.js';
import { galoisRingFor, grBinary, grInverse, grIsUnit, grMul, GR_DEGREE, type GaloisRing } from '../../../crypto-core/ring/galois-ring.js';
import type { Ring64 } from '../../../crypto-core/ring/ring64.js';
import { nextParty, prevParty } from '../../channel/channel.js';
import { u64ToBytes } from '../../wire.js';
import type { ProtocolContext } from '../context.js';
import { VerificationFailedError } from '../errors.js';
import { recvVector, sendVector } from '../exchange.js';
import { sha256 } from './transcript.js';
import { concatWords } from './word-vectors.js';

const D = GR_DEGREE;

/** What one party holds for the three proofs of a batch (all vectors of the same element count). */
export interface ProofRoles {
  /** As prover of its own statement: both vectors. */
  readonly prover: { readonly u: BigUint64Array; readonly v: BigUint64Array };
  /** As u-holder of party i+1's statement: u and its share of the claim. */
  readonly uHolder: { readonly u: BigUint64Array; readonly c: BigUint64Array };
  /** As v-holder of party i-1's statement: v and its share of the claim. */
  readonly vHolder: { readonly v: BigUint64Array; readonly c: BigUint64Array };
}

// --- Element helpers. ---------------------------------------------------------------------

const elem = (v: BigUint64Array, t: number): BigUint64Array => v.subarray(t * D, (t + 1) * D);

/** Word-wise difference of single elements (constants; vectors use the ring's kernels). */
function subW(a: BigUint64Array, b: BigUint64Array): BigUint64Array {
  const out = new BigUint64Array(a.length);
  for (let w = 0; w < a.length; w++) out[w] = a[w]! - b[w]!;
  return out;
}

/** A vector padded with zero elements to `n` elements. */
function padTo(v: BigUint64Array, n: number): BigUint64Array {
  if (v.length === n * D) return v;
  const out = new BigUint64Array(n * D);
  out.set(v);
  return out;
}

/** Lagrange basis at r for the given points: l_j(r) = prod_{m≠j} (r - p_m) / (p_j - p_m). */
function lagrange(gr: GaloisRing, points: readonly BigUint64Array[], denInv: readonly BigUint64Array[], r: BigUint64Array): BigUint64Array[] {
  const diffs = points.map((p) => subW(r, p));
  return points.map((_, j) => {
    let num = denInv[j]!;
    diffs.forEach((d, m) => {
      if (m !== j) num = gr.mul(num, d);
    });
    return num;
  });
}

/** The inverted denominators of the Lagrange basis of `points`. */
function denominators(points: readonly BigUint64Array[]): BigUint64Array[] {
  return points.map((pj, j) => {
    let den = grBinary(1);
    points.forEach((pm, m) => {
      if (m !== j) den = grMul(den, subW(pj, pm));
    });
    return grInverse(den);
  });
}

const X = grBinary(0b10);
/** Points of the halving rounds (h of degree 2) and of f, g in the last round. */
const P3 = [grBinary(0), grBinary(1), X];
/** Points of h in the last round (degree 4). */
const P5 = [grBinary(0), grBinary(1), X, grBinary(0b11), grBinary(0b100)];
let den3: BigUint64Array[] | undefined;
let den5: BigUint64Array[] | undefined;
const l3 = (gr: GaloisRing, r: BigUint64Array): BigUint64Array[] => lagrange(gr, P3, (den3 ??= denominators(P3)), r);
const l5 = (gr: GaloisRing, r: BigUint64Array): BigUint64Array[] => lagrange(gr, P5, (den5 ??= denominators(P5)), r);

/** sum_j c_j e_j for single elements e_j. */
function combine(gr: GaloisRing, coeffs: readonly BigUint64Array[], elems: readonly BigUint64Array[]): BigUint64Array {
  return gr.dot(concatWords(coeffs), concatWords(elems));
}

/** c_0 a + c_1 b + c_2 e for vectors a, b, e. */
function combineVectors(ring: Ring64, gr: GaloisRing, c: readonly BigUint64Array[], vs: readonly BigUint64Array[]): BigUint64Array {
  let acc = gr.scale(vs[0]!, c[0]!);
  for (let j = 1; j < vs.length; j++) acc = ring.add(acc, gr.scale(vs[j]!, c[j]!));
  return acc;
}

/** lo + r (hi - lo) of the two halves of v. */
function fold(ring: Ring64, gr: GaloisRing, v: BigUint64Array, r: BigUint64Array): BigUint64Array {
  const half = v.length / 2;
  const lo = v.subarray(0, half);
  return ring.add(lo, gr.scale(ring.sub(v.subarray(half), lo), r));
}

/**
 * X·a for every element of a: the coefficients move up by one and the top one comes back as
 * X^56 = -(X^7 + X^4 + X^2 + 1) (no product needed).
 */
function timesX(a: BigUint64Array): BigUint64Array {
  const out = new BigUint64Array(a.length);
  out.set(a.subarray(0, a.length - 1), 1);
  for (let t = 0; t < a.length; t += D) {
    const top = a[t + D - 1]!;
    out[t] = -top;
    out[t + 2] = out[t + 2]! - top;
    out[t + 4] = out[t + 4]! - top;
    out[t + 7] = out[t + 7]! - top;
  }
  return out;
}

/** The round challenge from a 32-byte seed. */
const challenge = (seed: BigUint64Array): BigUint64Array => Prg.fromSeed(u64ToBytes(seed)).u64(D);

/** The last round's r: drawn again until r and r - 1 are units (so l_2(r), the mask's weight, is a unit). */
function lastChallenge(seed: BigUint64Array): BigUint64Array {
  const prg = Prg.fromSeed(u64ToBytes(seed));
  for (;;) {
    const r = prg.u64(D);
    if (grIsUnit(r) && grIsUnit(subW(r, grBinary(1)))) return r;
  }
}

/** Halving rounds for n elements: each pads an odd count by one and halves it, down to 2. */
function rounds(n: number): number {
  let k = 0;
  for (let len = Math.max(n, 2); len > 2; len = Math.ceil(len / 2)) k++;
  return k;
}

/**
 * Runs the three proofs of a batch under `tag` (every party calls it with its three roles; the
 * vectors of all roles have `n` elements). Resolves when this party's two verifications passed.
 * @throws VerificationFailedError (check `proof`) naming both peers: the prover or the other
 * verifier deviated.
 */
export async function proveInnerProducts(ctx: ProtocolContext, tag: string, n: number, roles: ProofRoles): Promise<void> {
  const ring = ctx.ring;
  const gr = galoisRingFor(ring);
  const next = nextParty(ctx.self);
  const prev = prevParty(ctx.self);
  const total = rounds(n);
  // The prover talks to its v-holder (next) and gets seeds back from it; the u-holder of
  // party i+1's proof is this party, whose partner (that proof's v-holder) is party i-1.
  let pu = padTo(roles.prover.u, Math.max(n, 2));
  let pv = padTo(roles.prover.v, Math.max(n, 2));
  let uu = padTo(roles.uHolder.u, Math.max(n, 2));
  let vv = padTo(roles.vHolder.v, Math.max(n, 2));
  let cU = roles.uHolder.c;
  let cV = roles.vHolder.c;
  for (let k = 0; k < total; k++) {
    const len = pu.length / D;
    if (len % 2 === 1) {
      [pu, pv, uu, vv] = [pu, pv, uu, vv].map((v) => padTo(v, len + 1)) as [BigUint64Array, BigUint64Array, BigUint64Array, BigUint64Array];
    }
    const half = pu.length / 2;
    const t = `${tag}/round${k}`;
    // Prover: h(1) and h(X), minus the u-holder's PRF share, to the v-holder.
    const h1 = gr.dot(pu.subarray(half), pv.subarray(half));
    const atX = (v: BigUint64Array): BigUint64Array => ring.add(v.subarray(0, half), timesX(ring.sub(v.subarray(half), v.subarray(0, half))));
    const hx = gr.dot(atX(pu), atX(pv));
    const toV = ring.sub(concatWords([h1, hx]), ctx.randomness.sharedWithPrev(`${t}/h`, 2 * D));
    // u-holder of party i+1's proof: its share from the PRF with that prover (its next).
    const hU = ctx.randomness.sharedWithNext(`${t}/h`, 2 * D);
    const [, hV, seed] = await Promise.all([
      sendVector(ctx, next, `${t}/h`, toV),
      // v-holder of party i-1's proof: the seed goes back only after that prover's h arrived.
      recvVector(ctx, prev, `${t}/h`, 2 * D).then(async (h) => {
        await sendVector(ctx, prev, `${t}/r`, ctx.randomness.sharedWithNext(`${t}/r`, 4));
        return h;
      }),
      recvVector(ctx, next, `${t}/r`, 4),
    ]);
    const rProver = challenge(seed);
    const rU = challenge(ctx.randomness.sharedWithPrev(`${t}/r`, 4));
    const rV = challenge(ctx.randomness.sharedWithNext(`${t}/r`, 4));
    // New claims h(r) = l0 (c - h(1)) + l1 h(1) + l2 h(X), on each verifier's shares.
    const nextClaim = (c: BigUint64Array, h: BigUint64Array, r: BigUint64Array): BigUint64Array => {
      return combine(gr, l3(gr, r), [subW(c, elem(h, 0)), elem(h, 0), elem(h, 1)]);
    };
    cU = nextClaim(cU, hU, rU);
    cV = nextClaim(cV, hV, rV);
    pu = fold(ring, gr, pu, rProver);
    pv = fold(ring, gr, pv, rProver);
    uu = fold(ring, gr, uu, rU);
    vv = fold(ring, gr, vv, rV);
  }
  // Last round: two elements each, masked by a random third point of f and g. The masks of
  // the two pairs a party shares with a peer get their own labels (rho-u: prover and u-holder,
  // rho-v: prover and v-holder), so no mask is used in two proofs.
  const t = `${tag}/last`;
  const rhoP = ctx.randomness.sharedWithPrev(`${t}/rho-u`, D);
  const rhoN = ctx.randomness.sharedWithNext(`${t}/rho-v`, D);
  const fAt = (u: BigUint64Array, rho: BigUint64Array, p: BigUint64Array): BigUint64Array => combineVectors(ring, gr, l3(gr, p), [elem(u, 0), elem(u, 1), rho]);
  const hAt = (p: BigUint64Array): BigUint64Array => gr.dot(fAt(pu, rhoP, p), fAt(pv, rhoN, p));
  const toV = ring.sub(concatWords(P5.slice(1).map(hAt)), ctx.randomness.sharedWithPrev(`${t}/h`, 4 * D));
  const hU = ctx.randomness.sharedWithNext(`${t}/h`, 4 * D);
  const rU = lastChallenge(ctx.randomness.sharedWithPrev(`${t}/r`, 4));
  const rV = lastChallenge(ctx.randomness.sharedWithNext(`${t}/r`, 4));
  // The v-holder reveals g(r) to its partner, the u-holder (party i+1), who checks h(r) = f(r) g(r).
  const fU = fAt(uu, ctx.randomness.sharedWithNext(`${t}/rho-u`, D), rU);
  const gV = fAt(vv, ctx.randomness.sharedWithPrev(`${t}/rho-v`, D), rV);
  const [, , hV, gFromPartner] = await Promise.all([
    sendVector(ctx, next, `${t}/h`, toV),
    sendVector(ctx, next, `${t}/g`, gV),
    recvVector(ctx, prev, `${t}/h`, 4 * D),
    recvVector(ctx, prev, `${t}/g`, D),
  ]);
  const lastAt = (c: BigUint64Array, h: BigUint64Array, r: BigUint64Array): BigUint64Array => combine(gr, l5(gr, r), [subW(c, elem(h, 0)), elem(h, 0), elem(h, 1), elem(h, 2), elem(h, 3)]);
  const checkU = ring.sub(lastAt(cU, hU, rU), gr.dot(fU, gFromPartner));
  const checkV = lastAt(cV, hV, rV);
  // The checks: this party's u-holder shares against the negated v-holder shares of its partner.
  const dU = sha256(u64ToBytes(checkU));
  const dV = sha256(u64ToBytes(ring.neg(checkV)));
  const [, , fromV, fromU] = await Promise.all([
    ctx.channel.send(prev, `${t}/check`, dU),
    ctx.channel.send(next, `${t}/check`, dV),
    ctx.channel.recv(prev, `${t}/check`),
    ctx.channel.recv(next, `${t}/check`),
  ]);
  const failed: string[] = [];
  if (!bytesEqual(fromV, dU)) failed.push(`party ${next}'s proof (verified with party ${prev})`);
  if (!bytesEqual(fromU, dV)) failed.push(`party ${prev}'s proof (verified with party ${next})`);
  if (failed.length > 0) {
    throw new VerificationFailedError(`${tag}: ${failed.join(' and ')} failed at party ${ctx.self} (a product's reshare was not what the protocol computes, or a verifier deviated)`, {
      step: tag,
      check: 'proof',
      suspects: [prev, next],
    });
  }
}
