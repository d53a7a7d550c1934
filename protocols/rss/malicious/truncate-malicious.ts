/**
 * @module protocols/rss/malicious/truncate-malicious
 * Truncation on a malicious context. The halves are those of the share truncation
 * (rss/truncate): A = x0 + x1 at party 0, B = x2 at parties 1 and 2. Party 0 alone knows A,
 * so instead of sending (A >> d) - r, which nobody could check, it inputs the 64 bits of A;
 * the verifier gets the claims a_j (1 - a_j) = 0 for every bit and sum_j 2^j a_j - [A] = 0,
 * and [A >> d] = sum_{d<=j<63} 2^(j-d) a_j - 2^(63-d) a_63 is linear in the bits.
 * [B'] = -((-B) >> d) is computed by parties 1 and 2 alike (component 2 of the sharing, held by
 * both). The value is the share truncation's: floor(x / 2^d) or one above, with the same
 * big-error probability |x| / 2^64 when B is uniform.
 * Cost: 1 round (the input), 512 bytes per element from party 0, and 64 bit claims per
 * element for the batch check.
 */
import type { ProtocolContext } from '../context.js';
import { inputFrom } from '../input.js';
import { makeShare, type ReplicatedShare } from '../replicated-share.js';
import { registerClaim } from './state.js';

const WORD = 64;

/** Party 0's bits of A = a + b, bit-major: element j*n + t is bit j of A[t]. */
function bitsOf(ctx: ProtocolContext, x: ReplicatedShare): BigUint64Array {
  const n = x.a.length;
  const A = ctx.ring.add(x.a, x.b);
  const out = new BigUint64Array(WORD * n);
  for (let j = 0; j < WORD; j++) out.set(ctx.ring.and(ctx.ring.shiftRightLogical(A, j), new BigUint64Array(n).fill(1n)), j * n);
  return out;
}

/** sum_j coef(j) * bits_j (bit-major vector of WORD * n), for one component. */
function weighted(ctx: ProtocolContext, bits: BigUint64Array, n: number, coef: (j: number) => bigint): BigUint64Array {
  const out = new BigUint64Array(n);
  for (let j = 0; j < WORD; j++) {
    const c = coef(j);
    if (c !== 0n) ctx.ring.add(out, ctx.ring.scalarMul(bits.subarray(j * n, (j + 1) * n), c), out);
  }
  return out;
}

/** [x >> bits] on a malicious context (see the module doc). */
export async function truncateMalicious(parent: ProtocolContext, x: ReplicatedShare, bits: number): Promise<ReplicatedShare> {
  const ctx = parent.scope('trunc-mal');
  const n = x.a.length;
  const ring = ctx.ring;
  const zeros = new BigUint64Array(n);
  // [A] = (x0, x1, 0): party 0 holds (x0, x1), party 1 (x1, 0), party 2 (0, x0).
  const shareA = ctx.self === 0 ? x : ctx.self === 1 ? makeShare(x.a, zeros) : makeShare(zeros, x.b);
  const input = inputFrom(ctx, 0, ctx.self === 0 ? bitsOf(ctx, x) : undefined, WORD * n);
  const one = (v: BigUint64Array): BigUint64Array => new BigUint64Array(v.length).fill(1n);
  registerClaim(ctx.malicious, input, (b) => {
      // 1 - b as a sharing: the public 1 goes into component 0 (party 0's a, party 2's b).
      const y = makeShare(ctx.self === 0 ? ring.sub(one(b.a), b.a) : ring.neg(b.a), ctx.self === 2 ? ring.sub(one(b.b), b.b) : ring.neg(b.b));
      const z = makeShare(new BigUint64Array(b.a.length), new BigUint64Array(b.a.length));
      return { kind: 'hadamard', x: b, y, z, group: 1 };
  });
  registerClaim(ctx.malicious, input, (b) => {
      const pow = (j: number): bigint => 1n << BigInt(j);
      const w = makeShare(ring.sub(weighted(ctx, b.a, n, pow), shareA.a), ring.sub(weighted(ctx, b.b, n, pow), shareA.b));
      return { kind: 'zero', w };
  });
  const b = await input;
  const d = BigInt(bits);
  const shifted = (j: number): bigint => (j < bits ? 0n : j === WORD - 1 ? -(1n << (63n - d)) : 1n << (BigInt(j) - d));
  const hi = makeShare(weighted(ctx, b.a, n, shifted), weighted(ctx, b.b, n, shifted));
  // -((-B) >> d), B = x2: party 1's b, party 2's a.
  const ceilShift = (v: BigUint64Array): BigUint64Array => ring.neg(ring.shiftRightArith(ring.neg(v), bits));
  const lo = ctx.self === 0 ? makeShare(zeros, zeros) : ctx.self === 1 ? makeShare(zeros, ceilShift(x.b)) : makeShare(ceilShift(x.a), zeros);
  return makeShare(ring.add(hi.a, lo.a), ring.add(hi.b, lo.b), x.shape);
}
