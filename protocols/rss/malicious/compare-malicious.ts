/**
 * @module protocols/rss/malicious/compare-malicious
 * `ltz` and `equalZero` on a malicious context, on verified arithmetic bits
 * (malicious/verified-bits) instead of boolean shares: every AND is a product the batch check
 * verifies, so no party chooses a comparison result (in semi-honest mode party 0 alone inputs
 * the value of A2B and MSB, and the OT sender of the bit injection alone fixes its output).
 *
 * - ltz(x) = msb(A + B) = a_63 xor b_63 xor c_63, where c_63 is the carry into bit 63 of
 *   A + B: g_j = a_j b_j and p_j = a_j + b_j - 2 g_j per bit (one product round), then a tree
 *   over bits 0..62 of (G, P) = (G_hi + P_hi G_lo, P_hi P_lo) (G_hi and P_hi G_lo never both 1,
 *   so the OR is a sum): 6 rounds; one more for the final xor. 9 rounds with the input,
 *   ~190 products per element.
 * - equalZero(x): x = 0 iff A = -B = u; e_j = 1 - a_j - u_j + 2 a_j u_j (one round), then
 *   the product tree of the 64 e_j (6 rounds): 8 rounds with the input, ~127 products.
 * Results are arithmetic 0/1, as in semi-honest mode, and bit-identical to it.
 */
import type { ProtocolContext } from '../context.js';
import { add, addPublic, mulPublic, split, sub, concat } from '../local-ops.js';
import { mul } from '../mul.js';
import { makeShare, type ReplicatedShare } from '../replicated-share.js';
import { bitsKnownTo12, halfB, inputBitsOfA, WORD } from './verified-bits.js';

/** Rows lo..hi-1 of a bit-major sharing (row j: bit j of the n elements). */
export function bitRows(x: ReplicatedShare, lo: number, hi: number, n: number): ReplicatedShare {
  return makeShare(x.a.subarray(lo * n, hi * n), x.b.subarray(lo * n, hi * n));
}

/** Bit j (0-based) of a bit-major sharing. */
export const bitRow = (x: ReplicatedShare, j: number, n: number): ReplicatedShare => bitRows(x, j, j + 1, n);

/** u xor v = u + v - 2 uv for 0/1 sharings, given uv. */
export function xorWith(ctx: ProtocolContext, u: ReplicatedShare, v: ReplicatedShare, uv: ReplicatedShare): ReplicatedShare {
  return sub(ctx, add(ctx, u, v), mulPublic(ctx, uv, 2n));
}

/** The carry out of a sum whose per-bit generate/propagate rows are g, p (`rows` rows of n). */
export async function carryTree(ctx: ProtocolContext, g: ReplicatedShare[], p: ReplicatedShare[]): Promise<ReplicatedShare> {
  while (g.length > 1) {
    const pairs = Math.floor(g.length / 2);
    // One product round for every pair: P_hi * G_lo and P_hi * P_lo (the lowest group's P is never needed).
    const left: ReplicatedShare[] = [];
    const right: ReplicatedShare[] = [];
    for (let q = 0; q < pairs; q++) {
      left.push(p[2 * q + 1]!);
      right.push(g[2 * q]!);
      if (q > 0) {
        left.push(p[2 * q + 1]!);
        right.push(p[2 * q]!);
      }
    }
    const n = g[0]!.a.length;
    const prods = split(await mul(ctx, concat(left), concat(right)), left.map(() => n));
    const ng: ReplicatedShare[] = [];
    const np: ReplicatedShare[] = [];
    let k = 0;
    for (let q = 0; q < pairs; q++) {
      ng.push(add(ctx, g[2 * q + 1]!, prods[k++]!));
      np.push(q > 0 ? prods[k++]! : p[2 * q + 1]!);
    }
    if (g.length % 2 === 1) {
      ng.push(g[g.length - 1]!);
      np.push(p[p.length - 1]!);
    }
    g = ng;
    p = np;
  }
  return g[0]!;
}

/** [x < 0] as an arithmetic 0/1 on a malicious context (see the module doc). */
export async function ltzMalicious(parent: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare> {
  const ctx = parent.scope('ltz-mal');
  const n = x.a.length;
  const { bits: a } = await inputBitsOfA(ctx, x);
  const b = bitsKnownTo12(ctx, halfB(ctx, x), n);
  const g = await mul(ctx, a, b);
  const p = xorWith(ctx, a, b, g);
  const rows = (s: ReplicatedShare): ReplicatedShare[] => Array.from({ length: WORD - 1 }, (_, j) => bitRow(s, j, n));
  const carry = await carryTree(ctx, rows(g), rows(p));
  const top = bitRow(p, WORD - 1, n);
  const msb = xorWith(ctx, top, carry, await mul(ctx, top, carry));
  return makeShare(msb.a, msb.b, x.shape);
}

/** [x == 0] as an arithmetic 0/1 on a malicious context (see the module doc). */
export async function equalZeroMalicious(parent: ProtocolContext, x: ReplicatedShare): Promise<ReplicatedShare> {
  const ctx = parent.scope('eqz-mal');
  const n = x.a.length;
  const { bits: a } = await inputBitsOfA(ctx, x);
  const B = halfB(ctx, x);
  const u = bitsKnownTo12(ctx, B === undefined ? undefined : ctx.ring.neg(B), n);
  const au = await mul(ctx, a, u);
  // e = 1 - (a xor u)
  let e = addPublic(ctx, mulPublic(ctx, xorWith(ctx, a, u, au), -1n), 1n);
  let rows = WORD;
  while (rows > 1) {
    const half = rows / 2;
    e = await mul(ctx, bitRows(e, 0, half, n), bitRows(e, half, rows, n));
    rows = half;
  }
  return makeShare(e.a, e.b, x.shape);
}
