/**
 * @module protocols/rss/plane-compare
 * [y < c] for k-bit values y held as bit planes (rss/plane-decompose) and public constants c,
 * every constant of every column batched: a ripple from the least significant bit,
 *   lt_{-1} = 0;  lt_i = c_i ? (~y_i | lt_{i-1}) = ~(y_i & ~lt_{i-1}) : (~y_i & lt_{i-1}),
 * one AND per bit and constant, and none while lt is still the public 0 (below c's lowest set
 * bit). k rounds, at most k n/8 bytes per constant from every party; the planes are decomposed
 * once and shared by every constant (histogram edges, filter leaves on the same column).
 * The AND gate is a parameter, as in rss/msb and rss/and-tree: rss/binary-share `andB`
 * (semi-honest) or the verified gate of malicious/verified-and, whose every plane AND goes to
 * the job's batch check (the NOTs are local, so the result is then verified as a whole).
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { andB, concatB, makeBinaryShare, notB, splitB, type BinaryShare } from './binary-share.js';
import type { ProtocolContext } from './context.js';
import type { AndGate } from './msb.js';

/** One column's planes (least significant first) and the constants it is compared with. */
export interface PlaneComparison {
  readonly planes: readonly BinaryShare[];
  /** Constants c with 0 <= c < 2^k (k = planes.length); c = 0 gives the shared plane 0. */
  readonly constants: readonly bigint[];
}

/** [y < c] as one plane per constant, per column, in order, with the AND gate `and` (default `andB`). */
export async function lessThanPublicPlanes(parent: ProtocolContext, columns: readonly PlaneComparison[], and: AndGate = andB): Promise<BinaryShare[][]> {
  const ctx = parent.scope('plane-compare');
  const W = columns.find((c) => c.planes.length > 0)?.planes[0]!.a.length ?? 0;
  for (const [i, c] of columns.entries()) {
    if (c.planes.length === 0 || c.planes.length > 64) throw new InvalidArgumentError(`columns[${i}]: expected 1..64 planes, got ${c.planes.length}`);
    if (c.planes.some((p) => p.a.length !== W || p.b.length !== W)) throw new InvalidArgumentError(`columns[${i}]: every plane must have ${W} words`);
    for (const t of c.constants) if (t < 0n || t >= 1n << BigInt(c.planes.length)) throw new InvalidArgumentError(`columns[${i}]: constant ${t} outside [0, 2^${c.planes.length})`);
  }
  // lt[c][j]: undefined while it is the public 0.
  const lt: (BinaryShare | undefined)[][] = columns.map((c) => c.constants.map(() => undefined));
  const maxK = Math.max(0, ...columns.map((c) => c.planes.length));
  for (let i = 0; i < maxK; i++) {
    const xs: BinaryShare[] = [];
    const ys: BinaryShare[] = [];
    const at: { c: number; j: number; one: boolean }[] = [];
    columns.forEach((col, c) => {
      if (i >= col.planes.length) return;
      const y = col.planes[i]!;
      col.constants.forEach((t, j) => {
        const one = ((t >> BigInt(i)) & 1n) === 1n;
        const prev = lt[c]![j];
        if (prev === undefined) {
          if (one) lt[c]![j] = notB(ctx, y); // ~y_i | 0
          return;
        }
        xs.push(one ? y : notB(ctx, y));
        ys.push(one ? notB(ctx, prev) : prev);
        at.push({ c, j, one });
      });
    });
    if (at.length === 0) continue;
    const prods = splitB(await and(ctx, concatB(xs), concatB(ys)), at.length);
    at.forEach(({ c, j, one }, q) => {
      const p = prods[q]!;
      lt[c]![j] = one ? notB(ctx, p) : p;
    });
  }
  return lt.map((row) => row.map((p) => p ?? makeBinaryShare(new BigUint64Array(W), new BigUint64Array(W))));
}
