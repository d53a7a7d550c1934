/**
 * @module protocols/rss/malicious/verified-bits
 * The bit decompositions of the malicious mode, as arithmetic sharings of 0/1 values (an AND
 * is then a verified product, an XOR u + v - 2uv). A shared x = A + B splits into the halves
 * of the share truncation: A = x0 + x1 known to party 0 alone, B = x2 known to parties 1 and 2.
 *
 * - `inputBitsOfA`: party 0 inputs the 64 bits of A; the verifier gets the claims
 *   a_j (1 - a_j) = 0 for every bit and sum_j 2^j a_j - [A] = 0, so a party 0 that inputs
 *   anything else is caught (an odd one of b, 1 - b must vanish mod 2^64: b in {0, 1}).
 * - `bitsKnownTo12`: the bits of a value that parties 1 and 2 both know, as component x2 of a
 *   sharing (no message: each holder places it; a holder that places another value deviates in
 *   its later messages, which the checks see).
 * Bit-major layout throughout: element j*n + t is bit j of element t.
 */
import type { ProtocolContext } from '../context.js';
import { inputFrom } from '../input.js';
import { addPublic } from '../local-ops.js';
import { makeShare, type ReplicatedShare } from '../replicated-share.js';
import { registerClaim } from './state.js';

/** Bits per ring element. */
export const WORD = 64;

/** The 64 bits of each element of v, bit-major (WORD * v.length). */
export function bitsOfWords(ctx: ProtocolContext, v: BigUint64Array): BigUint64Array {
  const n = v.length;
  const out = new BigUint64Array(WORD * n);
  const ones = new BigUint64Array(n).fill(1n);
  for (let j = 0; j < WORD; j++) out.set(ctx.ring.and(ctx.ring.shiftRightLogical(v, j), ones), j * n);
  return out;
}

/** sum_j coef(j) * bits_j over a bit-major vector of WORD * n, for one component. */
export function weightedBits(ctx: ProtocolContext, bits: BigUint64Array, n: number, coef: (j: number) => bigint): BigUint64Array {
  const out = new BigUint64Array(n);
  for (let j = 0; j < WORD; j++) {
    const c = coef(j);
    if (c !== 0n) ctx.ring.add(out, ctx.ring.scalarMul(bits.subarray(j * n, (j + 1) * n), c), out);
  }
  return out;
}

/** The sharing of A = x0 + x1 (components x0, x1, 0): party 0 holds (x0, x1), party 1 (x1, 0), party 2 (0, x0). */
export function halfA(ctx: ProtocolContext, x: ReplicatedShare): ReplicatedShare {
  const zeros = new BigUint64Array(x.a.length);
  return ctx.self === 0 ? x : ctx.self === 1 ? makeShare(x.a, zeros) : makeShare(zeros, x.b);
}

/** What parties 1 and 2 both know of x: B = x2 (party 1's b, party 2's a); undefined at party 0. */
export function halfB(ctx: ProtocolContext, x: ReplicatedShare): BigUint64Array | undefined {
  return ctx.self === 0 ? undefined : ctx.self === 1 ? x.b : x.a;
}

/** A sharing whose component x2 is `v` (known to parties 1 and 2), the others 0; `n` elements. */
export function knownTo12(ctx: ProtocolContext, v: BigUint64Array | undefined, n: number): ReplicatedShare {
  const zeros = new BigUint64Array(n);
  if (ctx.self === 0) return makeShare(zeros, zeros.slice());
  return ctx.self === 1 ? makeShare(zeros, v!) : makeShare(v!, zeros);
}

/** The bits of `v`, known to parties 1 and 2, as a sharing (bit-major, WORD * n). */
export function bitsKnownTo12(ctx: ProtocolContext, v: BigUint64Array | undefined, n: number): ReplicatedShare {
  return knownTo12(ctx, v === undefined ? undefined : bitsOfWords(ctx, v), WORD * n);
}

/**
 * Party 0 inputs the bits of A + offset, A = x0 + x1, for a public `offset` (1 round), and the
 * claims that they are the bits of [A] + offset go to the verifier. Returns the bit sharing
 * (bit-major) and [A].
 */
export async function inputBitsOfA(ctx: ProtocolContext, x: ReplicatedShare, offset = 0n): Promise<{ bits: ReplicatedShare; shareA: ReplicatedShare }> {
  const n = x.a.length;
  const ring = ctx.ring;
  const shareA = offset === 0n ? halfA(ctx, x) : addPublic(ctx, halfA(ctx, x), offset);
  const input = inputFrom(ctx, 0, ctx.self === 0 ? bitsOfWords(ctx, ring.add(shareA.a, shareA.b)) : undefined, WORD * n);
  const one = (v: BigUint64Array): BigUint64Array => new BigUint64Array(v.length).fill(1n);
  registerClaim(ctx.malicious, ctx.nextTag('bits-claim'), input, (b) => {
    // 1 - b as a sharing: the public 1 goes into component 0 (party 0's a, party 2's b).
    const y = makeShare(ctx.self === 0 ? ring.sub(one(b.a), b.a) : ring.neg(b.a), ctx.self === 2 ? ring.sub(one(b.b), b.b) : ring.neg(b.b));
    const z = makeShare(new BigUint64Array(b.a.length), new BigUint64Array(b.a.length));
    return { kind: 'hadamard', x: b, y, z, group: 1 };
  });
  registerClaim(ctx.malicious, ctx.nextTag('sum-claim'), input, (b) => {
    const pow = (j: number): bigint => 1n << BigInt(j);
    return { kind: 'zero', w: makeShare(ring.sub(weightedBits(ctx, b.a, n, pow), shareA.a), ring.sub(weightedBits(ctx, b.b, n, pow), shareA.b)) };
  });
  return { bits: await input, shareA };
}
