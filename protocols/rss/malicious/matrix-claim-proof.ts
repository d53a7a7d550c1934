/**
 * @module protocols/rss/malicious/matrix-claim-proof
 * The sublinear check of the matrix-product claims of a verification batch
 * (docs/protocols-malicious.md, "Matrix products"): each party proves that the reshare values it
 * sent are what the protocol computes, with the distributed inner-product proof
 * (malicious/inner-product-proof), so no masked copy of an operand is ever opened.
 *
 * For a claim Z = X·Y (m×k, k×n) with random ψ ∈ GR^m, φ ∈ GR^n (drawn from the batch coin,
 * after every Z was fixed), party i's local terms satisfy
 *   ψ^T (Z_i - X_i Y_i) φ - <X_i^T ψ, Y_{i+1} φ> - <Y_i φ, X_{i+1}^T ψ> = ψ^T α_i φ,
 * where α_i is its zero share. Party i sends W_i = (left side) + γ_i to party i-1, γ a fresh zero
 * sharing over GR, and proves <u, v> = c with u = (X_i^T ψ, Y_i φ) held by party i-1,
 * v = (Y_{i+1} φ, X_{i+1}^T ψ) held by party i+1, c_P = ψ^T (Z_i - X_i Y_i) φ - W_i - γ^prev_i
 * (party i-1: it holds Z_i, X_i, Y_i, W_i and the PRF of γ^prev_i) and c_N = γ^next_i (party
 * i+1). The two holders of each component are never both the cheater, so each party's
 * statement is checked on honest copies, and the W_i form a replicated sharing of
 * sum_c ψ^T (Z - X Y) φ, which the batch's zero test checks is zero: a wrong product survives
 * only if ψ^T Δ φ = 0 for its error Δ ≠ 0, probability ≤ 2/2^56 (degree 2 in ψ, φ).
 *
 * Cost per party and batch: four products of its components with ψ or φ (k(m + n) · 56
 * multiply-adds each), the proof over 2 sum_c k elements, and one element (448 bytes) for W.
 */
import type { Prg } from '../../../crypto-core/prg.js';
import { galoisRingFor, GR_DEGREE } from '../../../crypto-core/ring/galois-ring.js';
import { nextParty, prevParty } from '../../channel/channel.js';
import type { ProtocolContext } from '../context.js';
import { recvVector, sendVector } from '../exchange.js';
import type { ReplicatedShare } from '../replicated-share.js';
import type { ProofRoles } from './inner-product-proof.js';
import { concatWords } from './word-vectors.js';

const D = GR_DEGREE;

/** A matrix claim of the batch. */
export interface MatrixClaim {
  readonly x: ReplicatedShare;
  readonly y: ReplicatedShare;
  readonly z: ReplicatedShare;
  readonly m: number;
  readonly k: number;
  readonly n: number;
}

/** This party's side of the batch's matrix statements, before W_{i+1} arrived. */
export interface MatrixStatements {
  /** Elements of every proof vector (the same at the three parties). */
  readonly length: number;
  /** W_i, sent to party i-1. */
  readonly w: BigUint64Array;
  /** The three roles once W_{i+1} (from party i+1) is known. */
  roles(wNext: BigUint64Array): ProofRoles;
}

function transpose(x: BigUint64Array, m: number, k: number): BigUint64Array {
  const out = new BigUint64Array(m * k);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) out[p * m + i] = x[i * k + p]!;
  return out;
}

/**
 * Builds this party's statements for the matrix claims (in batch order) with ψ and φ from the
 * batch coin's `prg`. Local only; the caller sends `w` and runs the proof.
 */
export function matrixStatements(ctx: ProtocolContext, tag: string, claims: readonly MatrixClaim[], prg: Prg): MatrixStatements {
  const ring = ctx.ring;
  const gr = galoisRingFor(ring);
  const xaPsi: BigUint64Array[] = [];
  const yaPhi: BigUint64Array[] = [];
  const xbPsi: BigUint64Array[] = [];
  const ybPhi: BigUint64Array[] = [];
  let sA: BigUint64Array = new BigUint64Array(D);
  let sB: BigUint64Array = new BigUint64Array(D);
  claims.forEach((c, j) => {
    const psi = prg.fork(`psi/${j}`).u64(c.m * D);
    const phi = prg.fork(`phi/${j}`).u64(c.n * D);
    const withPsi = (x: BigUint64Array): BigUint64Array => ring.matmul(transpose(x, c.m, c.k), psi, c.k, c.m, D);
    const withPhi = (y: BigUint64Array): BigUint64Array => ring.matmul(y, phi, c.k, c.n, D);
    // psi^T (Z - X Y) phi for one component.
    const local = (z: BigUint64Array, x: BigUint64Array, y: BigUint64Array): BigUint64Array => gr.dot(psi, ring.matmul(ring.sub(z, ring.matmul(x, y, c.m, c.k, c.n)), phi, c.m, c.n, D));
    xaPsi.push(withPsi(c.x.a));
    yaPhi.push(withPhi(c.y.a));
    xbPsi.push(withPsi(c.x.b));
    ybPhi.push(withPhi(c.y.b));
    sA = ring.add(sA, local(c.z.a, c.x.a, c.y.a));
    sB = ring.add(sB, local(c.z.b, c.x.b, c.y.b));
  });
  const interleave = (first: BigUint64Array[], second: BigUint64Array[]): BigUint64Array => concatWords(first.flatMap((f, j) => [f, second[j]!]));
  const proverU = interleave(xaPsi, yaPhi);
  const proverV = interleave(ybPhi, xbPsi);
  const length = proverU.length / D;
  // gamma: a zero sharing over GR, gamma_i = PRF(i, i+1) - PRF(i-1, i).
  const gNext = ctx.randomness.sharedWithNext(`${tag}/gamma`, D);
  const gPrev = ctx.randomness.sharedWithPrev(`${tag}/gamma`, D);
  const w = ring.add(ring.sub(sA, gr.dot(proverU, proverV)), ring.sub(gNext, gPrev));
  return {
    length,
    w,
    roles(wNext: BigUint64Array): ProofRoles {
      return {
        prover: { u: proverU, v: proverV },
        // Party i+1's statement: c_P = psi^T (Z_{i+1} - X_{i+1} Y_{i+1}) phi - W_{i+1} - PRF(i, i+1).
        uHolder: { u: interleave(xbPsi, ybPhi), c: ring.sub(ring.sub(sB, wNext), gNext) },
        // Party i-1's statement: c_N = PRF(i-1, i).
        vHolder: { v: interleave(yaPhi, xaPsi), c: gPrev },
      };
    },
  };
}

/** Sends W_i to party i-1 and returns W_{i+1} from party i+1 (one round). */
export async function exchangeW(ctx: ProtocolContext, tag: string, w: BigUint64Array): Promise<BigUint64Array> {
  const [, theirs] = await Promise.all([sendVector(ctx, prevParty(ctx.self), `${tag}/w`, w), recvVector(ctx, nextParty(ctx.self), `${tag}/w`, D)]);
  return theirs;
}
