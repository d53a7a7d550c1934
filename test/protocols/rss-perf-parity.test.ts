/**
 * @module test/protocols/rss-perf-parity
 * Parity of the RSS hot paths that moved from per-element BigInt loops to ring vector operations
 * (zero shares, grouped sums, dot products, products): the native ring, the TypeScript ring and a
 * plain BigInt reference written here (the loops the code used before) must agree bit for bit,
 * on random values, on edge values (0, 1, 2^63 - 1, 2^63, 2^64 - 1) and on odd sizes around the
 * 64 KiB keystream chunk (8192 elements), the 64-wide column form and its 4096-element threshold.
 * Tolerance: none, every comparison is exact mod 2^64.
 */
import { describe, expect, it } from 'vitest';
import { Prg } from '../../crypto-core/prg.js';
import type { Ring64 } from '../../crypto-core/ring/index.js';
import type { PartyIndex } from '../../protocols/channel/channel.js';
import { createMemoryNetwork } from '../../protocols/testing/memory-channel.js';
import { createProtocolContext, type ProtocolContext } from '../../protocols/rss/context.js';
import { createCorrelatedRandomness, generateSeedTriple, type PairwiseSeeds } from '../../protocols/rss/correlated-randomness.js';
import { groupSums, sum } from '../../protocols/rss/local-ops.js';
import { dot, mul } from '../../protocols/rss/mul.js';
import { openChecked, shareSecret, type ReplicatedShare } from '../../protocols/rss/replicated-share.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { ShapeError } from '../../protocols/rss/errors.js';
import { ringsUnderTest, seeded } from './helpers.js';

const RINGS = ringsUnderTest();
const EDGES = [0n, 1n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n];

/** Random values with every fifth element replaced by an edge value. */
function values(rng: Prg, n: number): BigUint64Array {
  const v = rng.u64(n);
  for (let i = 0; i < n; i += 5) v[i] = EDGES[(i / 5) % EDGES.length]!;
  return v;
}

// ---- plain BigInt references: the loops the hot paths ran before ----

function refGroupSums(v: BigUint64Array, g: number): BigUint64Array {
  const out = new BigUint64Array(v.length / g);
  for (let r = 0; r < out.length; r++) {
    let s = 0n;
    for (let t = r * g; t < (r + 1) * g; t++) s += v[t]!;
    out[r] = s; // wraps mod 2^64
  }
  return out;
}

function refStream(seed: Uint8Array, purpose: string, label: string, n: number): BigUint64Array {
  return Prg.fromSeed(seed).fork(`${purpose}\u0000${label}`).u64(n);
}

function refZeroShare(seeds: PairwiseSeeds, label: string, n: number, binary: boolean): BigUint64Array {
  const purpose = binary ? 'zero-xor' : 'zero';
  const f = refStream(seeds.next, purpose, label, n);
  const g = refStream(seeds.prev, purpose, label, n);
  for (let t = 0; t < n; t++) f[t] = binary ? f[t]! ^ g[t]! : f[t]! - g[t]!;
  return f;
}

/** Party i's z_i before the reshare: alpha + the local terms, summed per row when `length` is given. */
function refLocal(seeds: PairwiseSeeds, tag: string, x: ReplicatedShare, y: ReplicatedShare, length?: number): BigUint64Array {
  const n = x.a.length;
  const terms = new BigUint64Array(n);
  for (let t = 0; t < n; t++) terms[t] = x.a[t]! * y.a[t]! + x.a[t]! * y.b[t]! + x.b[t]! * y.a[t]!;
  const rows = length === undefined ? n : n / length;
  const z = refZeroShare(seeds, tag, rows, false);
  const summed = length === undefined ? terms : refGroupSums(terms, length);
  for (let r = 0; r < rows; r++) z[r] = z[r]! + summed[r]!;
  return z;
}

/** Three contexts whose contexts and correlated randomness both use `ring`. */
function parties(ring: Ring64, seeds: readonly PairwiseSeeds[]): ProtocolContext[] {
  const net = createMemoryNetwork('perf-parity');
  return [0, 1, 2].map((i) =>
    createProtocolContext({ channel: net.channels[i]!, ring, randomness: createCorrelatedRandomness(i as PartyIndex, seeds[i]!, ring) }),
  );
}

describe('groupSums and sum: native, ts and BigInt reference agree', () => {
  const rng = seeded('perf-parity-sums');
  // (length, group size): g = 1, tiny groups, odd groups, the column-form threshold 4096 and
  // around it, groups with and without a tail beyond a multiple of 64, one large group.
  const cases: [number, number][] = [
    [1, 1],
    [7, 1],
    [7, 7],
    [63, 3],
    [64, 64],
    [65, 65],
    [1000, 4],
    [999, 9],
    [3 * 4095, 4095],
    [2 * 4096, 4096],
    [3 * 4097, 4097],
    [2 * (64 * 70 + 63), 64 * 70 + 63],
    [100_003, 100_003],
  ];
  it.each(cases)('n = %i, groupSize = %i', (n, g) => {
    const v = values(rng, n);
    const want = refGroupSums(v, g);
    for (const ring of RINGS) expect(groupSums(ring, v, g), ring.name).toEqual(want);
  });

  it.each([[0], [-4], [5], [2.5], [Number.NaN]])('groupSums rejects groupSize %s for 12 elements', (g) => {
    for (const ring of RINGS) expect(() => groupSums(ring, new BigUint64Array(12), g)).toThrow(ShapeError);
  });

  it('groupSums rejects a vector that is not a BigUint64Array', () => {
    expect(() => groupSums(RINGS[0]!, new Float64Array(4) as unknown as BigUint64Array, 2)).toThrow(InvalidArgumentError);
  });

  it('all-ones and all-(2^64 - 1) inputs wrap exactly', () => {
    for (const fill of [1n, (1n << 64n) - 1n, 1n << 63n]) {
      const v = new BigUint64Array(64 * 100 + 17).fill(fill);
      const want = refGroupSums(v, v.length);
      for (const ring of RINGS) expect(groupSums(ring, v, v.length), `${ring.name} fill ${fill}`).toEqual(want);
    }
  });

  it('sum(x, groupSize, ring) sums both components under every ring, and leaves x untouched', () => {
    const x = { a: values(rng, 8 * 4099), b: values(rng, 8 * 4099) };
    const copy = { a: x.a.slice(), b: x.b.slice() };
    for (const g of [undefined, 1, 4099, 8 * 4099]) {
      const wantA = refGroupSums(x.a, g ?? x.a.length);
      const wantB = refGroupSums(x.b, g ?? x.b.length);
      for (const ring of [...RINGS, undefined]) {
        const s = sum(x, g, ring);
        expect(s.a).toEqual(wantA);
        expect(s.b).toEqual(wantB);
        expect(s.shape).toEqual(g === undefined ? undefined : [wantA.length]);
      }
    }
    expect(x).toEqual(copy);
  });
});

describe('zero shares: chunked ring combination equals the whole-stream BigInt loop', () => {
  const seeds = generateSeedTriple(seeded('perf-parity-seeds'));
  const sizes = [0, 1, 8191, 8192, 8193, 3 * 8192 + 5];
  it.each(sizes)('n = %i, arithmetic and binary, every party and ring', (n) => {
    for (const ring of RINGS) {
      const providers = [0, 1, 2].map((i) => createCorrelatedRandomness(i as PartyIndex, seeds[i]!, ring));
      const arith = providers.map((p) => p.zeroShare('step#3', n));
      const bin = providers.map((p) => p.zeroShareBinary('step#3', n));
      providers.forEach((_, i) => {
        expect(arith[i], `${ring.name} party ${i}`).toEqual(refZeroShare(seeds[i]!, 'step#3', n, false));
        expect(bin[i], `${ring.name} party ${i}`).toEqual(refZeroShare(seeds[i]!, 'step#3', n, true));
      });
      // The defining property, checked on the values themselves.
      const arithSum = arith[0]!.map((v, t) => v + arith[1]![t]! + arith[2]![t]!);
      const binXor = bin[0]!.map((v, t) => v ^ bin[1]![t]! ^ bin[2]![t]!);
      expect(arithSum).toEqual(new BigUint64Array(n));
      expect(binXor).toEqual(new BigUint64Array(n));
    }
  });

  it('rejects a ring that is not a Ring64', () => {
    expect(() => createCorrelatedRandomness(0, seeds[0], {} as Ring64)).toThrow(InvalidArgumentError);
  });
});

describe('mul and dot: every ring gives the reference local terms and the plaintext result', () => {
  const seeds = generateSeedTriple(seeded('perf-parity-mul-seeds'));
  const rng = seeded('perf-parity-mul');
  // (rows, length): one long row (the column form), odd short rows, one row around the threshold.
  const dotCases: [number, number][] = [
    [1, 10_007],
    [1, 4096],
    [333, 3],
    [5, 4097],
    [17, 1],
  ];
  it.each(dotCases)('dot: %i rows of length %i', async (rows, length) => {
    const x = values(rng, rows * length);
    const y = values(rng, rows * length);
    const X = shareSecret(x, rng.fork('x'));
    const Y = shareSecret(y, rng.fork('y'));
    const want = new BigUint64Array(rows);
    for (let r = 0; r < rows; r++) {
      let s = 0n;
      for (let t = r * length; t < (r + 1) * length; t++) s += x[t]! * y[t]!;
      want[r] = s;
    }
    for (const ring of RINGS) {
      const ctxs = parties(ring, seeds);
      const out = await Promise.all(ctxs.map((c, i) => dot(c, X[i]!, Y[i]!, length)));
      out.forEach((o, i) => expect(o.a, `${ring.name} party ${i}`).toEqual(refLocal(seeds[i]!, 'dot#0', X[i]!, Y[i]!, length)));
      expect(openChecked(out as [ReplicatedShare, ReplicatedShare, ReplicatedShare]), ring.name).toEqual(want);
    }
  });

  it.each([1, 8191, 8193, 20_001])('mul: n = %i', async (n) => {
    const x = values(rng, n);
    const y = values(rng, n);
    const X = shareSecret(x, rng.fork('x'));
    const Y = shareSecret(y, rng.fork('y'));
    const want = x.map((v, t) => v * y[t]!);
    for (const ring of RINGS) {
      const ctxs = parties(ring, seeds);
      const out = await Promise.all(ctxs.map((c, i) => mul(c, X[i]!, Y[i]!)));
      out.forEach((o, i) => expect(o.a, `${ring.name} party ${i}`).toEqual(refLocal(seeds[i]!, 'mul#0', X[i]!, Y[i]!)));
      expect(openChecked(out as [ReplicatedShare, ReplicatedShare, ReplicatedShare]), ring.name).toEqual(want);
    }
  });
});
