/**
 * Boolean sharing, conversions and comparisons run by three concurrent parties and compared
 * exactly with the same computation in the clear, on random inputs and edge values; round
 * counts per operation asserted (the maximum over the three parties' channel counters).
 */
import { describe, expect, it } from 'vitest';
import { createLocalParties, type LocalParties } from '../../protocols/testing/local-parties.js';
import { open } from '../../protocols/rss/open.js';
import {
  andB,
  andPublicB,
  notB,
  openBinary,
  reconstructBinary,
  shareBinary,
  shiftLeftB,
  shiftRightB,
  xorB,
  xorPublicB,
  type BinaryShare,
} from '../../protocols/rss/binary-share.js';
import { a2b, addBinary, bitInjection } from '../../protocols/rss/conversion.js';
import { b2aWithDaBits, randomDaBits } from '../../protocols/rss/dabit.js';
import { abs, equal, equalZero, lessThan, ltz, max, min, relu, select } from '../../protocols/rss/comparison.js';
import { argmax, maxLastAxis } from '../../protocols/rss/argmax.js';
import { msbBit } from '../../protocols/rss/msb.js';
import { InconsistentShareError } from '../../protocols/rss/errors.js';
import type { ProtocolContext } from '../../protocols/rss/context.js';
import type { ReplicatedShare } from '../../protocols/rss/replicated-share.js';
import { dealt, mapU64, ringsUnderTest, seeded, signed, smallSigned } from './helpers.js';

const U = (v: bigint): bigint => BigInt.asUintN(64, v);
const EDGES = [0n, 1n, -1n, 2n, -2n, (1n << 62n) - 1n, -(1n << 62n) + 1n, 1n << 61n, -(1n << 61n), 65536n, -65536n].map(U);

/**
 * Runs `body` at the three parties and reports its latency in rounds: the longest chain of
 * dependent messages (the network's Lamport depth), which the per-channel counters can
 * undercount when a party sends in two consecutive rounds without receiving in between.
 */
async function measured<T>(p: LocalParties, body: (ctx: ProtocolContext, i: number) => Promise<T>): Promise<{ out: [T, T, T]; rounds: number }> {
  p.network.alignClocks();
  const before = p.network.depth();
  const out = await p.run(body);
  return { out, rounds: p.network.depth() - before };
}

const openA = (p: LocalParties, s: readonly ReplicatedShare[]): Promise<BigUint64Array> => p.run((ctx, i) => open(ctx, s[i]!)).then((r) => r[0]);
const openB = (p: LocalParties, s: readonly BinaryShare[]): Promise<BigUint64Array> => p.run((ctx, i) => openBinary(ctx, s[i]!)).then((r) => r[0]);

for (const ring of ringsUnderTest()) {
  describe(`boolean sharing and comparisons (ring: ${ring.name})`, () => {
    const rng = seeded(`bool-${ring.name}`);
    const parties = (label: string) => createLocalParties({ ring, rng: seeded(`${label}-${ring.name}`) });
    const N = 200;

    it('xor, not, public and/xor, shifts are local; AND is one round, 8 bytes per word', async () => {
      const x = rng.u64(N);
      const y = rng.u64(N);
      const sx = shareBinary(x, rng);
      const sy = shareBinary(y, rng);
      expect(reconstructBinary(sx)).toEqual(x);
      const p = parties('bool-local');
      const { out, rounds } = await measured(p, async (ctx, i) => [
        xorB(ctx, sx[i]!, sy[i]!),
        notB(ctx, sx[i]!),
        xorPublicB(ctx, sx[i]!, 0x1234n),
        andPublicB(ctx, sx[i]!, 0xff00n),
        shiftLeftB(ctx, sx[i]!, 5),
        shiftRightB(ctx, sx[i]!, 7),
      ]);
      expect(rounds).toBe(0);
      const want = [
        mapU64(N, (t) => x[t]! ^ y[t]!),
        mapU64(N, (t) => ~x[t]!),
        mapU64(N, (t) => x[t]! ^ 0x1234n),
        mapU64(N, (t) => x[t]! & 0xff00n),
        mapU64(N, (t) => x[t]! << 5n),
        mapU64(N, (t) => x[t]! >> 7n),
      ];
      for (let k = 0; k < want.length; k++) expect(await openB(p, out.map((o) => o[k]!)), `op ${k}`).toEqual(want[k]);
      const q = parties('bool-and');
      const and = await measured(q, (ctx, i) => andB(ctx, sx[i]!, sy[i]!));
      expect(and.rounds).toBe(1);
      q.contexts.forEach((c) => expect(c.channel.stats.bytesSent).toBe(8 * N));
      expect(await openB(q, and.out)).toEqual(mapU64(N, (t) => x[t]! & y[t]!));
    });

    it('openBinary catches a party that alters its boolean share', async () => {
      const sx = shareBinary(rng.u64(4), rng);
      const p = parties('bool-lie');
      const r = await Promise.allSettled(
        p.contexts.map((ctx, i) => {
          if (i !== 2) return openBinary(ctx, sx[i]!);
          const a = sx[2].a.slice();
          a[0] = a[0]! ^ 1n;
          return openBinary(ctx, { kind: 'binary', a, b: sx[2].b });
        }),
      );
      expect(r[0]!.status).toBe('rejected');
      expect((r[0] as PromiseRejectedResult).reason).toBeInstanceOf(InconsistentShareError);
      expect(((r[0] as PromiseRejectedResult).reason as InconsistentShareError).suspects).toContain(2);
    });

    it('Kogge-Stone addBinary adds words mod 2^64 in 7 rounds', async () => {
      const x = new BigUint64Array([...rng.u64(N - 4), 2n ** 64n - 1n, 0n, 2n ** 63n, 1n]);
      const y = new BigUint64Array([...rng.u64(N - 4), 1n, 0n, 2n ** 63n, 2n ** 64n - 1n]);
      const sx = shareBinary(x, rng);
      const sy = shareBinary(y, rng);
      const p = parties('ppa');
      const { out, rounds } = await measured(p, (ctx, i) => addBinary(ctx, sx[i]!, sy[i]!));
      expect(rounds).toBe(7);
      expect(await openB(p, out)).toEqual(mapU64(N, (t) => x[t]! + y[t]!));
    });

    it('a2b: the boolean sharing of x equals x bit for bit, 8 rounds', async () => {
      const x = new BigUint64Array([...rng.u64(N), ...EDGES, 2n ** 64n - 1n, 2n ** 63n]);
      const X = dealt(x, rng);
      const p = parties('a2b');
      const { out, rounds } = await measured(p, (ctx, i) => a2b(ctx, X(i)));
      expect(rounds).toBe(8);
      expect(await openB(p, out)).toEqual(x);
    });

    for (const n of [1, 31, 33, 64, 257]) {
      it(`msbBit: packed carry-out tree gives bit 63 of any ring element, ${n} values, 8 rounds, ~24 bytes each`, async () => {
        const x = rng.u64(n);
        EDGES.slice(0, Math.min(n, EDGES.length)).forEach((e, t) => (x[t] = e));
        if (n > EDGES.length + 1) {
          x[EDGES.length] = 2n ** 63n; // most negative
          x[EDGES.length + 1] = 2n ** 63n - 1n; // most positive
        }
        const X = dealt(x, rng);
        const p = parties(`msb${n}`);
        const { out, rounds } = await measured(p, (ctx, i) => msbBit(ctx, X(i)));
        expect(rounds).toBe(8);
        const bytes = p.contexts.map((c) => c.channel.stats.bytesSent);
        // 8 (G) + 8 (level 1) bytes per element, then shrinking packed levels rounded up to words
        const andWords = 2 * n + [32, 16, 8, 4, 1].reduce((s, bits) => s + Math.ceil(Math.ceil((n * bits) / 32) / 2), 0);
        expect(bytes).toEqual([8 * n + 8 * andWords, 8 * andWords, 8 * andWords]);
        expect(await openB(p, out)).toEqual(mapU64(n, (t) => x[t]! >> 63n));
      });
    }

    it('bitInjection: boolean bit -> arithmetic 0/1 in one round (32n / 8n / 8n bytes)', async () => {
      const words = rng.u64(N); // only the low bit counts; high bits are noise to ignore
      const sb = shareBinary(words, rng);
      const p = parties('b2a');
      const { out, rounds } = await measured(p, (ctx, i) => bitInjection(ctx, sb[i]!));
      expect(rounds).toBe(1);
      expect(p.contexts.map((c) => c.channel.stats.bytesSent)).toEqual([32 * N, 8 * N, 8 * N]);
      expect(await openA(p, out)).toEqual(mapU64(N, (t) => words[t]! & 1n));
    });

    it('daBits: made in 2 rounds at 16 bytes per bit from every party; b2a with one is 1 round and n/8 bytes; same bits as bitInjection', async () => {
      const words = rng.u64(N);
      const sb = shareBinary(words, rng);
      const p = parties('dabits');
      const made = await measured(p, (ctx) => randomDaBits(ctx, N));
      expect(made.rounds).toBe(2);
      expect(p.contexts.map((c) => c.channel.stats.bytesSent)).toEqual([16 * N, 16 * N, 16 * N]);
      // The two sharings hold the same random bit.
      const rB = mapU64(N, (t) => reconstructBinary(made.out.map((d) => d.bool) as [BinaryShare, BinaryShare, BinaryShare])[t]! & 1n);
      expect(await openA(p, made.out.map((d) => d.arith))).toEqual(rB);
      const before = p.contexts.map((c) => c.channel.stats.bytesSent);
      const used = await measured(p, (ctx, i) => b2aWithDaBits(ctx, sb[i]!, made.out[i]!));
      expect(used.rounds).toBe(1);
      expect(p.contexts.map((c, i) => c.channel.stats.bytesSent - before[i]!)).toEqual([3, 3, 3].map(() => 8 * Math.ceil(N / 64)));
      const want = mapU64(N, (t) => words[t]! & 1n);
      expect(await openA(p, used.out)).toEqual(want);
      const ot = await p.run((ctx, i) => bitInjection(ctx, sb[i]!));
      expect(await openA(p, ot)).toEqual(want);
    });

    it('ltz / lessThan on random and edge values, 9 rounds', async () => {
      const a = new BigUint64Array([...smallSigned(rng, N, 40), ...EDGES, ...smallSigned(rng, 20, 61)]);
      const b = new BigUint64Array([...smallSigned(rng, N, 40), ...EDGES.map((e) => e), ...smallSigned(rng, 20, 61)]);
      b[5] = a[5]!; // equal values
      const n = a.length;
      const A = dealt(a, rng);
      const B = dealt(b, rng);
      const p = parties('ltz');
      const l = await measured(p, (ctx, i) => ltz(ctx, A(i)));
      expect(l.rounds).toBe(9);
      expect(await openA(p, l.out)).toEqual(mapU64(n, (t) => (signed(a[t]!) < 0n ? 1n : 0n)));
      const lt = await measured(p, (ctx, i) => lessThan(ctx, A(i), B(i)));
      expect(lt.rounds).toBe(9);
      expect(await openA(p, lt.out)).toEqual(mapU64(n, (t) => (signed(a[t]!) < signed(b[t]!) ? 1n : 0n)));
    });

    it('equalZero / equal: exact on any ring element, 8 rounds', async () => {
      const a = new BigUint64Array([...rng.u64(N), ...EDGES, 2n ** 64n - 1n, 2n ** 63n]);
      const b = a.slice();
      for (let t = 0; t < b.length; t += 3) b[t] = b[t]! + (t % 2 === 0 ? 1n : 2n ** 63n); // differ in one low or the top bit
      for (let t = 1; t < b.length; t += 7) b[t] = b[t]! ^ 0x100n;
      const n = a.length;
      const A = dealt(a, rng);
      const B = dealt(b, rng);
      const p = parties('eq');
      const bytesBefore = p.contexts.map((c) => c.channel.stats.bytesSent);
      const e = await measured(p, (ctx, i) => equal(ctx, A(i), B(i)));
      expect(e.rounds).toBe(8);
      // input 8n (party 0), packed AND tree of 32+16+8+4+2+1 bits, bit injection 32n / 8n / 8n
      const tree = 8 * [32, 16, 8, 4, 2, 1].reduce((s, bits) => s + Math.ceil(Math.ceil((n * bits) / 32) / 2), 0);
      expect(p.contexts.map((c, i) => c.channel.stats.bytesSent - bytesBefore[i]!)).toEqual([8 * n + tree + 32 * n, tree + 8 * n, tree + 8 * n]);
      const want = mapU64(n, (t) => (a[t] === b[t] ? 1n : 0n));
      expect(want.includes(0n) && want.includes(1n)).toBe(true);
      expect(await openA(p, e.out)).toEqual(want);
      const z = await measured(p, (ctx, i) => equalZero(ctx, A(i)));
      expect(await openA(p, z.out)).toEqual(mapU64(n, (t) => (a[t] === 0n ? 1n : 0n)));
    });

    it('select, relu, max, min, abs on fixed-point-range values (exact)', async () => {
      const a = new BigUint64Array([...smallSigned(rng, N, 45), ...EDGES]);
      const b = new BigUint64Array([...smallSigned(rng, N, 45), ...EDGES.slice().reverse()]);
      b[3] = a[3]!;
      const n = a.length;
      const c = mapU64(n, (t) => BigInt(t % 2));
      const A = dealt(a, rng);
      const B = dealt(b, rng);
      const C = dealt(c, rng);
      const p = parties('select');
      const sel = await measured(p, (ctx, i) => select(ctx, C(i), A(i), B(i)));
      expect(sel.rounds).toBe(1);
      expect(await openA(p, sel.out)).toEqual(mapU64(n, (t) => (c[t] === 1n ? a[t]! : b[t]!)));
      const r = await measured(p, (ctx, i) => relu(ctx, A(i)));
      expect(r.rounds).toBe(10);
      expect(await openA(p, r.out)).toEqual(mapU64(n, (t) => (signed(a[t]!) > 0n ? a[t]! : 0n)));
      const mx = await measured(p, (ctx, i) => max(ctx, A(i), B(i)));
      expect(mx.rounds).toBe(10);
      expect(await openA(p, mx.out)).toEqual(mapU64(n, (t) => U(signed(a[t]!) > signed(b[t]!) ? a[t]! : b[t]!)));
      const mn = await p.run((ctx, i) => min(ctx, A(i), B(i)));
      expect(await openA(p, mn)).toEqual(mapU64(n, (t) => U(signed(a[t]!) < signed(b[t]!) ? a[t]! : b[t]!)));
      const ab = await p.run((ctx, i) => abs(ctx, A(i)));
      expect(await openA(p, ab)).toEqual(mapU64(n, (t) => U(signed(a[t]!) < 0n ? -signed(a[t]!) : signed(a[t]!))));
    });

    for (const cols of [1, 2, 5, 8]) {
      it(`argmax / maxLastAxis over ${cols} columns: first maximum, <= 10 * ceil(log2 ${cols}) rounds`, async () => {
        const rows = 12;
        const x = smallSigned(rng, rows * cols, 30);
        // ties: row 0 all equal, row 1 has its max twice
        for (let c = 0; c < cols; c++) x[c] = 77n;
        if (cols > 2) {
          x[cols + 1] = U(1n << 40n);
          x[cols + cols - 1] = U(1n << 40n);
        }
        x[2 * cols] = U(-(1n << 61n)); // extreme values in row 2
        if (cols > 1) x[2 * cols + 1] = U((1n << 61n) - 1n);
        const X = dealt(x, rng);
        const p = parties(`argmax${cols}`);
        const { out, rounds } = await measured(p, (ctx, i) => argmax(ctx, X(i), rows, cols));
        // 10 rounds per layer; consecutive layers may overlap by a hop (party 0 needs no message
        // from the bit injection before its next product), so the depth is between 9 and 10 per layer.
        const layers = Math.ceil(Math.log2(cols));
        expect(rounds).toBeLessThanOrEqual(10 * layers);
        expect(rounds).toBeGreaterThanOrEqual(9 * layers);
        const wantMax = new BigUint64Array(rows);
        const wantIdx = new BigUint64Array(rows);
        for (let r = 0; r < rows; r++) {
          let best = 0;
          for (let c = 1; c < cols; c++) if (signed(x[r * cols + c]!) > signed(x[r * cols + best]!)) best = c;
          wantMax[r] = x[r * cols + best]!;
          wantIdx[r] = BigInt(best);
        }
        expect(await openA(p, out.map((o) => o.max))).toEqual(wantMax);
        expect(await openA(p, out.map((o) => o.index))).toEqual(wantIdx);
        const m = await p.run((ctx, i) => maxLastAxis(ctx, X(i), rows, cols));
        expect(await openA(p, m)).toEqual(wantMax);
      });
    }

    it('rejects malformed arguments naming them', async () => {
      const p = parties('bad');
      const ctx = p.contexts[0];
      const X = dealt(new BigUint64Array(6), rng);
      await expect(argmax(ctx, X(0), 4, 2)).rejects.toThrow(/x:/);
      await expect(argmax(ctx, X(0), 0, 2)).rejects.toThrow(/rows/);
      await expect(andB(ctx, X(0) as unknown as BinaryShare, X(0) as unknown as BinaryShare)).rejects.toThrow(/x: expected a binary share/);
      await expect(bitInjection(ctx, { a: new BigUint64Array(1) } as unknown as BinaryShare)).rejects.toThrow(/bit:/);
      await expect(lessThan(ctx, X(0), dealt(new BigUint64Array(2), rng)(0))).rejects.toThrow(/y:/);
    });
  });
}
