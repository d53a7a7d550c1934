/**
 * @module protocols/rss/replicated-share
 * The arithmetic replicated share over Z_2^64 (Araki et al., CCS 2016; ABY3, Mohassel & Rindal,
 * CCS 2018): x = x0 + x1 + x2 mod 2^64 and party i holds the pair (x_i, x_{i+1}), indices mod 3.
 * Any two parties together hold all three components; any one party sees two uniformly random
 * ring elements. This file holds the type and the client/dealer-side functions: splitting a
 * secret, reconstructing it, and the checked open that catches a party altering its shares.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { Prg } from '../../crypto-core/prg.js';
import type { PartyIndex } from '../channel/channel.js';
import { InconsistentShareError, ShapeError } from './errors.js';

/** One party's half of an arithmetic replicated sharing: party i holds `a` = x_i, `b` = x_{i+1}. */
export interface ReplicatedShare {
  /** x_i: the component indexed by the holder. */
  readonly a: BigUint64Array;
  /** x_{i+1}: the component of the next party. */
  readonly b: BigUint64Array;
  /** Optional logical shape (row-major); its product must equal the vector length. */
  readonly shape?: readonly number[];
}

/** The three parties' shares of one value, party 0 first. */
export type ShareTriple = readonly [ReplicatedShare, ReplicatedShare, ReplicatedShare];

/**
 * Checks that `x` is a well-formed share (two BigUint64Arrays of equal length, a shape whose
 * product is that length) and returns its length.
 */
export function checkShare(name: string, x: unknown): number {
  const s = x as ReplicatedShare | null;
  if (s === null || typeof s !== 'object' || !(s.a instanceof BigUint64Array) || !(s.b instanceof BigUint64Array)) {
    throw new InvalidArgumentError(`${name}: expected a share { a: BigUint64Array, b: BigUint64Array }`);
  }
  if (s.a.length !== s.b.length) {
    throw new ShapeError(`${name}: components differ in length (a: ${s.a.length}, b: ${s.b.length})`);
  }
  if (s.shape !== undefined) {
    const size = s.shape.reduce((p, d) => p * d, 1);
    if (size !== s.a.length) throw new ShapeError(`${name}: shape [${s.shape.join(', ')}] has ${size} elements, vector has ${s.a.length}`);
  }
  return s.a.length;
}

/** Checks that two shares have the same length (elementwise operands) and returns it. */
export function checkSameLength(xName: string, x: ReplicatedShare, yName: string, y: ReplicatedShare): number {
  const n = checkShare(xName, x);
  const m = checkShare(yName, y);
  if (n !== m) throw new ShapeError(`${yName}: expected ${n} elements like ${xName}, got ${m}`);
  return n;
}

/** Builds a share object, attaching `shape` only when given (keeps objects small and uniform). */
export function makeShare(a: BigUint64Array, b: BigUint64Array, shape?: readonly number[]): ReplicatedShare {
  return shape === undefined ? { a, b } : { a, b, shape };
}

/**
 * Splits `values` into three replicated shares (dealer or client side).
 * x1 and x2 are uniform from `rng`; x0 = v - x1 - x2.
 * @param rng randomness source; defaults to a fresh OS-seeded generator.
 */
export function shareSecret(values: BigUint64Array, rng: Prg = Prg.random(), shape?: readonly number[]): [ReplicatedShare, ReplicatedShare, ReplicatedShare] {
  if (!(values instanceof BigUint64Array)) throw new InvalidArgumentError('values: expected BigUint64Array');
  const n = values.length;
  const x1 = rng.u64(n);
  const x2 = rng.u64(n);
  const x0 = new BigUint64Array(n);
  for (let i = 0; i < n; i++) x0[i] = values[i]! - x1[i]! - x2[i]!;
  const comps = [x0, x1, x2];
  if (shape !== undefined) checkShare('values', { a: values, b: values, shape });
  // Each party gets its own copies, so one party mutating its arrays cannot touch another's.
  return [0, 1, 2].map((i) => makeShare(comps[i]!.slice(), comps[(i + 1) % 3]!.slice(), shape)) as [ReplicatedShare, ReplicatedShare, ReplicatedShare];
}

/** x0 + x1 + x2 from the three shares, using each party's `a` only (no consistency check). */
export function reconstruct(shares: ShareTriple): BigUint64Array {
  const n = checkTriple(shares);
  const out = new BigUint64Array(n);
  for (let i = 0; i < n; i++) out[i] = shares[0].a[i]! + shares[1].a[i]! + shares[2].a[i]!;
  return out;
}

function checkTriple(shares: unknown): number {
  if (!Array.isArray(shares) || shares.length !== 3) throw new InvalidArgumentError('shares: expected the three parties\' shares [s0, s1, s2]');
  const n = checkShare('shares[0]', shares[0]);
  for (const i of [1, 2]) {
    const m = checkShare(`shares[${i}]`, shares[i]);
    if (m !== n) throw new ShapeError(`shares[${i}]: expected ${n} elements like shares[0], got ${m}`);
  }
  return n;
}

/**
 * Checked reconstruction (client side): every component x_j arrives twice, as party j's `a` and
 * as party (j-1)'s `b`; the two copies must agree.
 *
 * Identifying the culprit: component x_j is vouched for by the pair {P_j, P_{j-1}}. A party P_c
 * holds copies of two components, x_c (its `a`) and x_{c+1} (its `b`), whose pairs are
 * {P_c, P_{c-1}} and {P_{c+1}, P_c}. So when a single party lies:
 * - if it altered both of its components, exactly two components disagree and the one party
 *   common to their pairs is the culprit (`culprit` is set);
 * - if it altered only one, exactly one component disagrees and either member of that pair could
 *   be the liar (`suspects` names both, `culprit` is undefined);
 * - all three components disagreeing cannot come from one party: `suspects` names all three.
 * Mismatches are gathered over all elements before deciding, so a liar that alters its `a` in one
 * element and its `b` in another is still pinned.
 * @throws InconsistentShareError naming the suspects (and the culprit when identified).
 */
export function openChecked(shares: ShareTriple): BigUint64Array {
  const n = checkTriple(shares);
  const bad: number[] = [];
  for (let j = 0; j < 3; j++) {
    const own = shares[j]!.a;
    const copy = shares[(j + 2) % 3]!.b;
    for (let t = 0; t < n; t++) {
      if (own[t] !== copy[t]) {
        bad.push(j);
        break;
      }
    }
  }
  if (bad.length > 0) throw inconsistency(bad);
  return reconstruct(shares);
}

/** The error for a set of disagreeing components j (pairs {P_j, P_{j-1}}). */
function inconsistency(components: number[]): InconsistentShareError {
  const pairOf = (j: number): PartyIndex[] => [j as PartyIndex, ((j + 2) % 3) as PartyIndex];
  if (components.length === 1) {
    const [p, q] = pairOf(components[0]!);
    const suspects = [p!, q!].sort((u, v) => u - v);
    return new InconsistentShareError(
      `component x${components[0]} disagrees between party ${p} and party ${q}: one of parties ${suspects.join(' and ')} altered its shares`,
      { suspects, components },
    );
  }
  if (components.length === 2) {
    const [p1, q1] = pairOf(components[0]!);
    const second = pairOf(components[1]!);
    const culprit = (second.includes(p1!) ? p1 : q1)!;
    return new InconsistentShareError(
      `components x${components[0]} and x${components[1]} disagree: party ${culprit} altered its shares`,
      { suspects: [culprit], culprit, components },
    );
  }
  return new InconsistentShareError('all three components disagree: more than one party altered its shares', {
    suspects: [0, 1, 2],
    components,
  });
}
