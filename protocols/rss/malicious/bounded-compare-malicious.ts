/**
 * @module protocols/rss/malicious/bounded-compare-malicious
 * Range-aware comparisons on a malicious context: [x - t < 0] for values known to satisfy
 * -2^k <= x - t < 2^k, on the verified boolean circuit of malicious/compare-malicious but on
 * W = k + 1 bits only: with x - t = x0 + x1 + (x2 - t) and x - t in W-bit two's complement
 * range, [x - t < 0] is bit W-1 of (x0 + x1 + (x2 - t)) mod 2^W.
 *
 * For every threshold each party places the low W bits of its components (component 2 less t,
 * known to its two holders) at the top of a field of F = W rounded up to a power of two bits
 * (64 above 32), packs 64 / F fields per word, and runs the carry-save layer (one verified AND),
 * the generate layer (one) and the carry tree over the field (log2 F): F + F + ~F verified AND
 * gates per value and threshold instead of ~253 for the 64-bit `ltz` (W = 13: F = 16, 9 AND
 * rounds with the two B2A products, 6 + 2 with the input check beside the first). The holders'
 * copies of x are compared once (malicious/consistency), whatever the number of thresholds.
 *
 * What the bound means here: the result is bit W-1 of (x - t) mod 2^W, a fixed function of the
 * shared value that no party can choose (every AND and product is verified). It is the true
 * sign when the bound holds; for a value outside it the bit is that function of the wrong
 * value, as the semi-honest bounded comparison's (rss/bounded-msb, W <= 32), so callers must use it
 * only on rows whose bound was itself established by verified checks (analytics: the column
 * validity bit, computed in malicious mode, gates every such row).
 */
import { InvalidArgumentError } from '../../../crypto-core/errors.js';
import type { ProtocolContext } from '../context.js';
import { split } from '../local-ops.js';
import { checkShare, makeShare, type ReplicatedShare } from '../replicated-share.js';
import { besideCheck, bitToArithmetic, signBitOfSum } from './compare-malicious.js';
import { checkConsistent } from './consistency.js';

/**
 * [x < t] for every public threshold t of `thresholds` (a signed ring integer for every element,
 * or one per element), as arithmetic 0/1 sharings of x's shape, one per threshold, on a
 * malicious context: exact for every element with -2^bits <= x - t < 2^bits (see the module doc
 * for the others). At bits = 63 (W = 64) the result is msb(x - t mod 2^64) for every element,
 * the 64-bit `ltz` of x - t.
 * @param bits the range exponent k, an integer in 1..63.
 */
export async function ltzThresholdsMalicious(parent: ProtocolContext, x: ReplicatedShare, thresholds: readonly (bigint | BigUint64Array)[], bits: number): Promise<ReplicatedShare[]> {
  if (!Number.isInteger(bits) || bits < 1 || bits > 63) throw new InvalidArgumentError(`bits: expected an integer in 1..63, got ${String(bits)}`);
  if (thresholds.length === 0) return [];
  const ctx = parent.scope('ltz-bounded-mal');
  const n = checkShare('x', x);
  const m = thresholds.length;
  // Thresholds after one another: element i * n + e is x[e] against threshold i.
  const t2 = new BigUint64Array(m * n);
  thresholds.forEach((t, i) => {
    if (typeof t !== 'bigint' && (!(t instanceof BigUint64Array) || t.length !== n)) throw new InvalidArgumentError(`thresholds: expected a bigint or ${n} elements, got ${String((t as { length?: unknown }).length)}`);
    if (typeof t === 'bigint') t2.fill(BigInt.asUintN(64, t), i * n, (i + 1) * n);
    else t2.set(t, i * n);
  });
  const repeat = (v: BigUint64Array): BigUint64Array => {
    if (m === 1) return v;
    const out = new BigUint64Array(m * n);
    for (let i = 0; i < m; i++) out.set(v, i * n);
    return out;
  };
  const [mine, theirs] = await besideCheck(checkConsistent(ctx, x), signBitOfSum(ctx, repeat(x.a), repeat(x.b), t2, bits + 1));
  const out = await bitToArithmetic(ctx, mine, theirs);
  return split(out, thresholds.map(() => n)).map((s) => makeShare(s.a, s.b, x.shape));
}

/** [x < 0] for x known to satisfy -2^bits <= x < 2^bits, on a malicious context (bits in 1..63). */
export async function ltzBoundedMalicious(parent: ProtocolContext, x: ReplicatedShare, bits: number): Promise<ReplicatedShare> {
  const [out] = await ltzThresholdsMalicious(parent, x, [0n], bits);
  return out!;
}
