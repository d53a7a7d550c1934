/**
 * Both Ring64 backends against a naive reference written with unbounded BigInt arithmetic and
 * an explicit reduction mod 2^64 (no typed-array wrapping, no asUintN), and a table of bad inputs
 * that both must reject with the same error class and the same message naming the parameter.
 * The raw addon is also called directly with bad arguments: its own C++ checks must throw a
 * JavaScript error (never crash the process, never touch memory out of bounds).
 */
import { describe, expect, it } from 'vitest';
import { Prg } from '../../crypto-core/prg.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { tsRing } from '../../crypto-core/ring/ts-ring.js';
import { loadNativeRing, nativeFloat64Matmul, nativeRingInternals } from '../../crypto-core/ring/native-ring.js';
import type { Ring64 } from '../../crypto-core/ring/ring64.js';

const MOD = 2n ** 64n;
const mod = (x: bigint): bigint => ((x % MOD) + MOD) % MOD;
/** The signed value of a ring element (two's complement), computed arithmetically. */
const signed = (x: bigint): bigint => (x >= 2n ** 63n ? x - MOD : x);
/** floor(x / 2^s) for a signed x, without using >> on negative numbers. */
const floorDiv = (x: bigint, s: number): bigint => {
  const d = 2n ** BigInt(s);
  const q = x / d; // truncates toward zero
  return x < 0n && q * d !== x ? q - 1n : q;
};

const reference = {
  add: (a: bigint[], b: bigint[]) => a.map((x, i) => mod(x + b[i]!)),
  sub: (a: bigint[], b: bigint[]) => a.map((x, i) => mod(x - b[i]!)),
  mul: (a: bigint[], b: bigint[]) => a.map((x, i) => mod(x * b[i]!)),
  xor: (a: bigint[], b: bigint[]) => a.map((x, i) => x ^ b[i]!),
  and: (a: bigint[], b: bigint[]) => a.map((x, i) => x & b[i]!),
  neg: (a: bigint[]) => a.map((x) => mod(-x)),
  scalarMul: (a: bigint[], s: bigint) => a.map((x) => mod(x * s)),
  shiftLeft: (a: bigint[], s: number) => a.map((x) => mod(x * 2n ** BigInt(s))),
  shiftRightLogical: (a: bigint[], s: number) => a.map((x) => x / 2n ** BigInt(s)),
  shiftRightArith: (a: bigint[], s: number) => a.map((x) => mod(floorDiv(signed(x), s))),
  matmul(a: bigint[], b: bigint[], m: number, k: number, n: number): bigint[] {
    const out: bigint[] = [];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0n;
        for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
        out.push(mod(s));
      }
    }
    return out;
  },
};

const EDGES = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 32n + 1n, 2n ** 63n, 2n ** 64n - 1n];
const list = (v: BigUint64Array): bigint[] => Array.from(v);

const load = loadNativeRing();
const backends: Ring64[] = load.ok ? [tsRing, load.ring] : [tsRing];

describe.each(backends.map((r) => [r.name, r] as const))('%s ring against the naive BigInt reference', (_name, ring) => {
  const prg = Prg.fromSeed(new Uint8Array(32).fill(3)).fork('ring-reference');
  // Edge values in every pairing, then random values.
  const a = BigUint64Array.from([...EDGES.flatMap((x) => EDGES.map(() => x)), ...prg.u64(51)]);
  const b = BigUint64Array.from([...EDGES.flatMap(() => EDGES), ...prg.u64(51)]);

  it.each(['add', 'sub', 'mul', 'xor', 'and'] as const)('%s', (op) => {
    expect(list(ring[op](a, b))).toEqual(reference[op](list(a), list(b)));
  });

  it('neg', () => expect(list(ring.neg(a))).toEqual(reference.neg(list(a))));

  it.each([0n, 1n, 3n, -1n, -(2n ** 63n), 2n ** 64n - 1n, 2n ** 64n + 7n, 12345678901234567890123n])('scalarMul by %s', (s) => {
    expect(list(ring.scalarMul(a, s))).toEqual(reference.scalarMul(list(a), mod(s)));
  });

  it.each([0, 1, 16, 31, 32, 33, 62, 63])('shifts by %i', (bits) => {
    expect(list(ring.shiftLeft(a, bits))).toEqual(reference.shiftLeft(list(a), bits));
    expect(list(ring.shiftRightLogical(a, bits))).toEqual(reference.shiftRightLogical(list(a), bits));
    expect(list(ring.shiftRightArith(a, bits))).toEqual(reference.shiftRightArith(list(a), bits));
  });

  it.each([
    [1, 1, 1],
    [3, 7, 5],
    [9, 20, 17],
    [7, 7, 7],
  ])('matmul %ix%ix%i with edge values', (m, k, n) => {
    const x = BigUint64Array.from({ length: m * k }, (_, i) => (i % 3 === 0 ? EDGES[i % 7]! : prg.u64(1)[0]!));
    const y = BigUint64Array.from({ length: k * n }, (_, i) => (i % 2 === 0 ? EDGES[(i * 3) % 7]! : prg.u64(1)[0]!));
    expect(list(ring.matmul(x, y, m, k, n))).toEqual(reference.matmul(list(x), list(y), m, k, n));
  });

  it('fusedMul is xi*yi + xi*yi1 + xi1*yi + alpha', () => {
    const [xi, xi1, yi, yi1, al] = [a, b, prg.u64(a.length), prg.u64(a.length), prg.u64(a.length)].map(list);
    const want = xi!.map((x, t) => mod(x * yi![t]! + x * yi1![t]! + xi1![t]! * yi![t]! + al![t]!));
    const got = ring.fusedMul(a, b, BigUint64Array.from(yi!), BigUint64Array.from(yi1!), BigUint64Array.from(al!));
    expect(list(got)).toEqual(want);
  });

  it('fusedMatmul is xi@yi + xi@yi1 + xi1@yi + alpha', () => {
    const [m, k, n] = [6, 11, 5];
    const [xi, xi1] = [prg.u64(m * k), prg.u64(m * k)];
    const [yi, yi1] = [prg.u64(k * n), prg.u64(k * n)];
    xi[0] = 2n ** 64n - 1n;
    yi1[3] = 2n ** 63n;
    const alpha = prg.u64(m * n);
    const t1 = reference.matmul(list(xi), list(yi), m, k, n);
    const t2 = reference.matmul(list(xi), list(yi1), m, k, n);
    const t3 = reference.matmul(list(xi1), list(yi), m, k, n);
    const want = t1.map((v, i) => mod(v + t2[i]! + t3[i]! + alpha[i]!));
    expect(list(ring.fusedMatmul(xi, xi1, yi, yi1, alpha, m, k, n))).toEqual(want);
  });
});

/** One bad call: a description, the call, and the parameter its message must name. */
type BadCall = [label: string, call: (r: Ring64) => unknown, param: string];

const v3 = (): BigUint64Array => new BigUint64Array([1n, 2n, 3n]);
const v4 = (): BigUint64Array => new BigUint64Array(4);
const m2 = (): BigUint64Array => new BigUint64Array(4); // 2 x 2
const asAny = (x: unknown) => x as BigUint64Array;

const BAD: BadCall[] = [
  ['add: a is a Uint32Array', (r) => r.add(asAny(new Uint32Array(3)), v3()), 'a'],
  ['add: a is a number[]', (r) => r.add(asAny([1, 2, 3]), v3()), 'a'],
  ['add: a is null', (r) => r.add(asAny(null), v3()), 'a'],
  ['add: b is a BigInt64Array', (r) => r.add(v3(), asAny(new BigInt64Array(3))), 'b'],
  ['add: b has the wrong length', (r) => r.add(v3(), v4()), 'b'],
  ['sub: out has the wrong length', (r) => r.sub(v3(), v3(), v4()), 'out'],
  ['sub: out is a Float64Array', (r) => r.sub(v3(), v3(), asAny(new Float64Array(3))), 'out'],
  ['mul: b missing', (r) => r.mul(v3(), asAny(undefined)), 'b'],
  ['xor: out partially overlaps a', (r) => {
    const buf = new BigUint64Array(4);
    return r.xor(buf.subarray(0, 3), v3(), buf.subarray(1, 4));
  }, 'out'],
  ['and: b is a string', (r) => r.and(v3(), asAny('123')), 'b'],
  ['neg: a is undefined', (r) => r.neg(asAny(undefined)), 'a'],
  ['neg: out has the wrong length', (r) => r.neg(v3(), v4()), 'out'],
  ['scalarMul: s is a number', (r) => r.scalarMul(v3(), 3 as unknown as bigint), 's'],
  ['scalarMul: s is NaN', (r) => r.scalarMul(v3(), NaN as unknown as bigint), 's'],
  ['shiftLeft: bits = 64', (r) => r.shiftLeft(v3(), 64), 'bits'],
  ['shiftLeft: bits = -1', (r) => r.shiftLeft(v3(), -1), 'bits'],
  ['shiftRightArith: bits = NaN', (r) => r.shiftRightArith(v3(), NaN), 'bits'],
  ['shiftRightLogical: bits = 1.5', (r) => r.shiftRightLogical(v3(), 1.5), 'bits'],
  ['shiftRightLogical: bits is a bigint', (r) => r.shiftRightLogical(v3(), 1n as unknown as number), 'bits'],
  ['matmul: m = NaN', (r) => r.matmul(m2(), m2(), NaN, 2, 2), 'm'],
  ['matmul: k = -1', (r) => r.matmul(m2(), m2(), 2, -1, 2), 'k'],
  ['matmul: n = 2.5', (r) => r.matmul(m2(), m2(), 2, 2, 2.5), 'n'],
  ['matmul: n is a string', (r) => r.matmul(m2(), m2(), 2, 2, '2' as unknown as number), 'n'],
  ['matmul: a has the wrong length', (r) => r.matmul(v3(), m2(), 2, 2, 2), 'a'],
  ['matmul: b has the wrong length', (r) => r.matmul(m2(), v3(), 2, 2, 2), 'b'],
  ['matmul: out has the wrong length', (r) => r.matmul(m2(), m2(), 2, 2, 2, v3()), 'out'],
  ['matmul: out is a', (r) => {
    const a = m2();
    return r.matmul(a, m2(), 2, 2, 2, a);
  }, 'out'],
  ['matmul: out is b', (r) => {
    const b = m2();
    return r.matmul(m2(), b, 2, 2, 2, b);
  }, 'out'],
  ['matmul: out overlaps a through another view', (r) => {
    const buf = new BigUint64Array(6);
    return r.matmul(buf.subarray(0, 4), m2(), 2, 2, 2, buf.subarray(2, 6));
  }, 'out'],
  ['fusedMul: xi1 has the wrong length', (r) => r.fusedMul(v3(), v4(), v3(), v3(), v3()), 'xi1'],
  ['fusedMul: yi is a Uint8Array', (r) => r.fusedMul(v3(), v3(), asAny(new Uint8Array(3)), v3(), v3()), 'yi'],
  ['fusedMul: alpha has the wrong length', (r) => r.fusedMul(v3(), v3(), v3(), v3(), v4()), 'alpha'],
  ['fusedMul: out has the wrong length', (r) => r.fusedMul(v3(), v3(), v3(), v3(), v3(), v4()), 'out'],
  ['fusedMatmul: xi has the wrong length', (r) => r.fusedMatmul(v3(), m2(), m2(), m2(), m2(), 2, 2, 2), 'xi'],
  ['fusedMatmul: yi is a Float64Array', (r) => r.fusedMatmul(m2(), m2(), asAny(new Float64Array(4)), m2(), m2(), 2, 2, 2), 'yi'],
  ['fusedMatmul: yi1 has the wrong length', (r) => r.fusedMatmul(m2(), m2(), m2(), v3(), m2(), 2, 2, 2), 'yi1'],
  ['fusedMatmul: alpha is null', (r) => r.fusedMatmul(m2(), m2(), m2(), m2(), asAny(null), 2, 2, 2), 'alpha'],
  ['fusedMatmul: k = Infinity', (r) => r.fusedMatmul(m2(), m2(), m2(), m2(), m2(), 2, Infinity, 2), 'k'],
  ['fusedMatmul: out is xi1', (r) => {
    const x1 = m2();
    return r.fusedMatmul(m2(), x1, m2(), m2(), m2(), 2, 2, 2, x1);
  }, 'out'],
  ['fusedMatmul: out is yi1', (r) => {
    const y1 = m2();
    return r.fusedMatmul(m2(), m2(), m2(), y1, m2(), 2, 2, 2, y1);
  }, 'out'],
];

describe('bad inputs: both backends reject with the same class and message naming the parameter', () => {
  it.each(BAD)('%s', (_label, call, param) => {
    const outcomes = backends.map((r) => {
      try {
        call(r);
        return { threw: false as const };
      } catch (err) {
        return { threw: true as const, err };
      }
    });
    for (const o of outcomes) {
      expect(o.threw).toBe(true);
      if (!o.threw) continue;
      expect(o.err).toBeInstanceOf(InvalidArgumentError);
      expect((o.err as InvalidArgumentError).code).toBe('invalid-argument');
      expect((o.err as Error).message.startsWith(`${param}:`)).toBe(true);
    }
    const messages = outcomes.map((o) => (o.threw ? (o.err as Error).message : ''));
    expect(new Set(messages).size).toBe(1);
  });

  it('in-place elementwise updates (out is the same view as an input) are allowed on both', () => {
    for (const r of backends) {
      const x = new BigUint64Array([5n, 6n, 7n]);
      expect(r.add(x, new BigUint64Array([1n, 1n, 1n]), x)).toBe(x);
      expect(list(x)).toEqual([6n, 7n, 8n]);
    }
  });
});

const addon = nativeRingInternals();

describe.runIf(addon !== undefined)('raw addon: C++ validates every call on its own', () => {
  const raw = addon!;
  const cases: [string, () => unknown, RegExp][] = [
    ['add without out', () => (raw.add as (...x: unknown[]) => unknown)(v3(), v3()), /^out: expected BigUint64Array/],
    ['add with short b', () => raw.add(v3(), new BigUint64Array(2), v3()), /^b: expected length 3, got 2/],
    ['mul with short out', () => raw.mul(v3(), v3(), new BigUint64Array(1)), /^out: expected length 3/],
    ['neg of a number', () => raw.neg(asAny(7), v3()), /^a: expected BigUint64Array/],
    ['shift by 64', () => raw.shiftLeft(v3(), 64, v3()), /^bits: expected integer in 0\.\.63/],
    ['shift by NaN', () => raw.shiftRightArith(v3(), NaN, v3()), /^bits:/],
    ['scalarMul by a number', () => raw.scalarMul(v3(), 2 as unknown as bigint, v3()), /^s: expected bigint/],
    ['matmul with lengths that do not match m, k', () => raw.matmul(v3(), m2(), 2, 2, 2, m2()), /^a: expected length 4, got 3/],
    ['matmul with huge dims', () => raw.matmul(v3(), m2(), 2 ** 40, 2 ** 40, 2, m2()), /^(m\*k: too large|a: expected length)/],
    ['matmul with negative m', () => raw.matmul(m2(), m2(), -2, 2, 2, m2()), /^m: expected non-negative integer/],
    ['matmul with out aliasing a', () => {
      const a = m2();
      return raw.matmul(a, m2(), 2, 2, 2, a);
    }, /^out: must not overlap a/],
    ['fusedMatmul with out overlapping yi', () => {
      const buf = new BigUint64Array(6);
      return raw.fusedMatmul(m2(), m2(), buf.subarray(0, 4), m2(), m2(), 2, 2, 2, buf.subarray(2, 6));
    }, /^out: must not overlap yi/],
    ['fusedMul with out partially overlapping alpha', () => {
      const buf = new BigUint64Array(4);
      return raw.fusedMul(v3(), v3(), v3(), v3(), buf.subarray(0, 3), buf.subarray(1, 4));
    }, /^out: must be the same view as alpha/],
    ['matmul at a kernel level that does not exist', () => raw.matmul(m2(), m2(), 2, 2, 2, m2(), 7 as never), /^level:/],
    ['float64Matmul with a BigUint64Array', () => raw.float64Matmul(m2() as unknown as Float64Array, new Float64Array(4), 2, 2, 2, new Float64Array(4)), /^a: expected Float64Array/],
  ];
  it.each(cases)('%s throws a JavaScript error', (_label, call, message) => {
    expect(call).toThrow(message);
  });

  it('nativeFloat64Matmul checks its operands with named InvalidArgumentErrors', () => {
    expect(() => nativeFloat64Matmul(new Float64Array(3), new Float64Array(4), 2, 2, 2)).toThrow(/^a: expected length 4, got 3$/);
    expect(() => nativeFloat64Matmul(new Float64Array(4), new Float64Array(4), 2, NaN, 2)).toThrow(InvalidArgumentError);
    expect(Array.from(nativeFloat64Matmul(Float64Array.of(1, 2, 3, 4), Float64Array.of(5, 6, 7, 8), 2, 2, 2))).toEqual([19, 22, 43, 50]);
  });
});
