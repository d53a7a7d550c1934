/**
 * Bit-plane circuits (protocols/rss/bit-planes, plane-decompose, plane-compare, plane-popcount)
 * against the clear computation, under every ring backend: the low k bits of shared values
 * (values at 0 and 2^k - 1, n not a multiple of 64), [y < c] for constants at and around the
 * values, and popcounts of vectors of every density, including the all-ones and empty ones.
 */
import { describe, expect, it } from 'vitest';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { makeBinaryShare, openBinary, shareBinary } from '../../protocols/rss/binary-share.js';
import { bitPlaneOf, fromPlanes, planeWords, toPlanes } from '../../protocols/rss/bit-planes.js';
import { decomposeToPlanes } from '../../protocols/rss/plane-decompose.js';
import { lessThanPublicPlanes } from '../../protocols/rss/plane-compare.js';
import { popcountVectors } from '../../protocols/rss/plane-popcount.js';
import { open } from '../../protocols/rss/open.js';
import { dealt, mapU64, ringsUnderTest, seeded } from './helpers.js';

const bitsOf = (planes: BigUint64Array, n: number): number[] => Array.from({ length: n }, (_, r) => Number((planes[r >>> 6]! >> BigInt(r & 63)) & 1n));

for (const ring of ringsUnderTest()) {
  describe(`bit planes (ring: ${ring.name})`, () => {
    const rng = seeded(`planes-${ring.name}`);
    const parties = (label: string) => createLocalParties({ ring, rng: seeded(`${label}-${ring.name}`) });

    it('toPlanes / fromPlanes round-trip the low k bits; padding rows are 0', () => {
      const v = rng.u64(131);
      const p = toPlanes(v, 13);
      expect(p.length).toBe(13 * planeWords(131));
      expect([...fromPlanes(p, 131, 13)]).toEqual([...v].map((x) => x & 0x1fffn));
      for (let j = 0; j < 13; j++) expect(p[j * 3 + 2]! >> 3n).toBe(0n); // rows 131..191 of word 2
    });

    it('bitPlaneOf of an arithmetic sharing of 0/1 values opens to those bits', async () => {
      const n = 100;
      const g = mapU64(n, (r) => BigInt((r * 7) % 3 === 0 ? 1 : 0));
      const G = dealt(g, rng);
      const opened = (await parties('gate').run((ctx, i) => openBinary(ctx, bitPlaneOf(G(i)))))[0];
      expect(bitsOf(opened, n)).toEqual([...g].map(Number));
    });

    it.each([1, 2, 5, 17, 32])('decomposeToPlanes gives the low %i bits, for two columns at once', async (k) => {
      const n = 70;
      const K = 1n << BigInt(k);
      const x = rng.u64(n);
      const y = mapU64(n, (r) => (r === 0 ? 0n : r === 1 ? K - 1n : rng.u64(1)[0]! % K));
      const X = dealt(x, rng);
      const Y = dealt(y, rng);
      const p = parties(`dec-${k}`);
      const planes = await p.run((ctx, i) => decomposeToPlanes(ctx, [X(i), Y(i)], [k, Math.min(32, k + 3)]));
      const openAll = async (c: number, kk: number): Promise<bigint[]> => {
        const words = new BigUint64Array(kk * planeWords(n));
        for (let j = 0; j < kk; j++) {
          const o = (await p.run((ctx, i) => openBinary(ctx, planes[i]![c]![j]!)))[0];
          words.set(o, j * planeWords(n));
        }
        return [...fromPlanes(words, n, kk)];
      };
      expect(await openAll(0, k)).toEqual([...x].map((v) => v % K));
      const k2 = Math.min(32, k + 3);
      expect(await openAll(1, k2)).toEqual([...y].map((v) => v % (1n << BigInt(k2))));
    });

    it('lessThanPublicPlanes is exact for constants at, below and above every value', async () => {
      const n = 77;
      const k = 9;
      const y = mapU64(n, (r) => (r < 4 ? [0n, 1n, 255n, 511n][r]! : rng.u64(1)[0]! % 512n));
      const consts = [0n, 1n, 2n, 255n, 256n, 300n, 510n, 511n, y[10]!, y[11]! + 1n].filter((c) => c < 512n);
      const planes = toPlanes(y, k);
      const shares = shareBinary(planes, rng.fork('y'));
      const W = planeWords(n);
      const p = parties('cmp');
      const lt = await p.run((ctx, i) =>
        lessThanPublicPlanes(ctx, [{ planes: Array.from({ length: k }, (_, j) => makeBinaryShare(shares[i]!.a.subarray(j * W, (j + 1) * W), shares[i]!.b.subarray(j * W, (j + 1) * W))), constants: consts }]),
      );
      for (const [j, c] of consts.entries()) {
        const o = (await p.run((ctx, i) => openBinary(ctx, lt[i]![0]![j]!)))[0];
        expect(bitsOf(o, n), `c = ${c}`).toEqual([...y].map((v) => (v < c ? 1 : 0)));
      }
    });

    it.each([1, 2, 3, 7, 64, 200, 4700])('popcountVectors counts the 1s of vectors of %i words', async (W) => {
      const V = 4;
      const words = new BigUint64Array(V * W);
      const r = rng.u64(V * W);
      for (let t = 0; t < W; t++) {
        words[t] = 0xffffffffffffffffn; // all ones
        words[W + t] = 0n; // empty
        words[2 * W + t] = r[t]!; // dense random
        words[3 * W + t] = r[W + t]! & r[2 * W + t]! & (t % 5 === 0 ? r[3 * W + t]! : 0n); // sparse
      }
      const shares = shareBinary(words, rng.fork(`pc-${W}`));
      const p = parties(`pc-${W}`);
      const counts = await p.run((ctx, i) => popcountVectors(ctx, shares[i]!, V));
      const got = (await p.run((ctx, i) => open(ctx, counts[i]!)))[0];
      const pop = (from: number): bigint => {
        let s = 0n;
        for (let t = 0; t < W; t++) for (let b = 0; b < 64; b++) s += (words[from * W + t]! >> BigInt(b)) & 1n;
        return s;
      };
      expect([...got]).toEqual([0, 1, 2, 3].map(pop));
    });
  });
}
