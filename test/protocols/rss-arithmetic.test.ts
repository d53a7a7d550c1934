/**
 * Arithmetic replicated-sharing protocols run by three concurrent parties over the in-memory
 * network, each result compared exactly (bigint mod 2^64) with the same computation in the clear.
 * The same bodies run under every ring backend that loads.
 */
import { describe, expect, it } from 'vitest';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { open, revealTo } from '../../protocols/rss/open.js';
import { dot, matmul, mul } from '../../protocols/rss/mul.js';
import { add, addPublic, concat, gather, mulPublic, mulPublicVector, matmulPublic, neg, publicShare, split, sub, subFromPublic, sum } from '../../protocols/rss/local-ops.js';
import { inputFrom } from '../../protocols/rss/input.js';
import { InconsistentShareError, PartyUnavailableError, ShapeError, ChannelTimeoutError } from '../../protocols/rss/errors.js';
import { dealt, mapU64, ringsUnderTest, seeded } from './helpers.js';

const N = 257;

for (const ring of ringsUnderTest()) {
  describe(`arithmetic RSS protocols (ring: ${ring.name})`, () => {
    const rng = seeded(`arith-${ring.name}`);
    const x = rng.u64(N);
    const y = rng.u64(N);
    const X = dealt(x, rng);
    const Y = dealt(y, rng);
    const parties = () => createLocalParties({ ring, rng: seeded(`seeds-${ring.name}`) });

    it('open (checked and unchecked) and revealTo give the secret', async () => {
      const p = parties();
      const [o0, o1, o2] = await p.run((ctx, i) => open(ctx, X(i)));
      expect(o0).toEqual(x);
      expect(o1).toEqual(x);
      expect(o2).toEqual(x);
      const before = p.contexts.map((c) => c.channel.stats);
      const unchecked = await p.run((ctx, i) => open(ctx, X(i), { checked: false }));
      unchecked.forEach((o) => expect(o).toEqual(x));
      p.contexts.forEach((c, i) => {
        expect(c.channel.stats.rounds - before[i]!.rounds).toBe(1);
        expect(c.channel.stats.bytesSent - before[i]!.bytesSent).toBe(8 * N);
      });
      for (const target of [0, 1, 2] as const) {
        const r = await p.run((ctx, i) => revealTo(ctx, X(i), target));
        r.forEach((v, i) => (i === target ? expect(v).toEqual(x) : expect(v).toBeUndefined()));
      }
    });

    it('local ops: add, sub, neg, public constants, sums, gather/concat/split', async () => {
      const p = parties();
      const c = 0xdeadbeefn;
      const cv = rng.u64(N);
      const res = await p.run(async (ctx, i) => {
        const xi = X(i);
        const yi = Y(i);
        const outs = [
          add(ctx, xi, yi),
          sub(ctx, xi, yi),
          neg(ctx, xi),
          addPublic(ctx, xi, c),
          addPublic(ctx, xi, cv),
          subFromPublic(ctx, -5n, xi),
          mulPublic(ctx, xi, -3n),
          mulPublicVector(ctx, xi, cv),
          publicShare(ctx, cv),
        ];
        const opened = [];
        for (const o of outs) opened.push(await open(ctx, o));
        opened.push(await open(ctx, sum(xi)));
        opened.push(await open(ctx, sum(gather(xi, [0, 1, 2, 3, 4, 5]), 3)));
        const [s1, s2] = split(concat([xi, yi]), [N, N]);
        opened.push(await open(ctx, s1!), await open(ctx, s2!));
        return opened;
      });
      const expected = [
        mapU64(N, (t) => x[t]! + y[t]!),
        mapU64(N, (t) => x[t]! - y[t]!),
        mapU64(N, (t) => -x[t]!),
        mapU64(N, (t) => x[t]! + c),
        mapU64(N, (t) => x[t]! + cv[t]!),
        mapU64(N, (t) => -5n - x[t]!),
        mapU64(N, (t) => x[t]! * -3n),
        mapU64(N, (t) => x[t]! * cv[t]!),
        cv,
        new BigUint64Array([x.reduce((s, v) => s + v, 0n)]),
        new BigUint64Array([x[0]! + x[1]! + x[2]!, x[3]! + x[4]! + x[5]!]),
        x,
        y,
      ];
      for (const r of res) r.forEach((v, k) => expect(v, `output ${k}`).toEqual(expected[k]));
    });

    it('mul: one round, 8n bytes sent per party, exact mod 2^64', async () => {
      const p = parties();
      const zs = await p.run((ctx, i) => mul(ctx, X(i), Y(i)));
      p.contexts.forEach((c) => {
        expect(c.channel.stats.rounds).toBe(1);
        expect(c.channel.stats.bytesSent).toBe(8 * N);
        expect(c.channel.stats.messagesSent).toBe(1);
      });
      const opened = await p.run((ctx, i) => open(ctx, zs[i]!));
      expect(opened[0]).toEqual(mapU64(N, (t) => x[t]! * y[t]!));
    });

    it('matmul: one round, output-size communication, exact', async () => {
      const [m, k, n] = [5, 7, 3];
      const a = rng.u64(m * k);
      const b = rng.u64(k * n);
      const A = dealt(a, rng);
      const B = dealt(b, rng);
      const p = parties();
      const zs = await p.run((ctx, i) => matmul(ctx, A(i), B(i), m, k, n));
      p.contexts.forEach((c) => {
        expect(c.channel.stats.rounds).toBe(1);
        expect(c.channel.stats.bytesSent).toBe(8 * m * n);
      });
      expect(zs[0]!.shape).toEqual([m, n]);
      const want = ring.matmul(a, b, m, k, n);
      // cross-check the reference itself against bigint
      let s = 0n;
      for (let q = 0; q < k; q++) s += a[q]! * b[q * n]!;
      expect(want[0]).toBe(BigInt.asUintN(64, s));
      const opened = await p.run((ctx, i) => open(ctx, zs[i]!));
      expect(opened[1]).toEqual(want);
      const pub = await p.run((ctx, i) => open(ctx, matmulPublic(ctx, A(i), b, m, k, n)));
      expect(pub[2]).toEqual(want);
    });

    it('dot: batched dot products, one element per product on the wire', async () => {
      const rows = 4;
      const len = 8;
      const a = rng.u64(rows * len);
      const b = rng.u64(rows * len);
      const A = dealt(a, rng);
      const B = dealt(b, rng);
      const p = parties();
      const zs = await p.run((ctx, i) => dot(ctx, A(i), B(i), len));
      p.contexts.forEach((c) => expect(c.channel.stats.bytesSent).toBe(8 * rows));
      const opened = await p.run((ctx, i) => open(ctx, zs[i]!));
      const want = mapU64(rows, (r) => {
        let s = 0n;
        for (let t = r * len; t < (r + 1) * len; t++) s += a[t]! * b[t]!;
        return s;
      });
      expect(opened[0]).toEqual(want);
    });

    it('inputFrom: each party can share its own input in one round', async () => {
      for (const owner of [0, 1, 2] as const) {
        const p = parties();
        const shares = await p.run((ctx, i) => inputFrom(ctx, owner, i === owner ? x : undefined, N));
        const maxRounds = Math.max(...p.contexts.map((c) => c.channel.stats.rounds));
        expect(maxRounds).toBe(1);
        const opened = await p.run((ctx, i) => open(ctx, shares[i]!));
        expect(opened[0]).toEqual(x);
      }
    });

    it('a sequence of products (x*y)*x matches the clear computation', async () => {
      const p = parties();
      const opened = await p.run(async (ctx, i) => {
        const xy = await mul(ctx, X(i), Y(i));
        const xyx = await mul(ctx, xy, X(i));
        return open(ctx, add(ctx, xyx, X(i)));
      });
      expect(opened[2]).toEqual(mapU64(N, (t) => x[t]! * y[t]! * x[t]! + x[t]!));
    });

    it('a party that alters its share before a checked open is caught by an honest party', async () => {
      const p = parties();
      const results = await Promise.allSettled(
        p.contexts.map((ctx, i) => {
          const s = X(i);
          if (i !== 1) return open(ctx, s);
          const b = s.b.slice();
          b[10] = b[10]! + 1n; // party 1 lies about x2 to party 0
          return open(ctx, { a: s.a, b });
        }),
      );
      expect(results[0]!.status).toBe('rejected');
      const err = (results[0] as PromiseRejectedResult).reason as InconsistentShareError;
      expect(err).toBeInstanceOf(InconsistentShareError);
      expect(err.suspects).toContain(1);
    });

    it('a killed party makes the others reject promptly instead of hanging', async () => {
      const p = parties();
      // mul then open: every survivor needs a message from party 1 at some point.
      const survivors = [p.contexts[0], p.contexts[2]].map(async (ctx) => open(ctx, await mul(ctx, X(ctx.self), Y(ctx.self))));
      p.network.kill(1); // party 1 never runs its half
      const settled = await Promise.allSettled(survivors);
      for (const s of settled) {
        expect(s.status).toBe('rejected');
        expect((s as PromiseRejectedResult).reason).toBeInstanceOf(PartyUnavailableError);
        expect(((s as PromiseRejectedResult).reason as PartyUnavailableError).party).toBe(1);
      }
    });

    it('a silent party hits the receive timeout', async () => {
      const p = createLocalParties({ ring, rng: seeded('timeout'), recvTimeoutMs: 30 });
      const r = await Promise.allSettled([open(p.contexts[0], X(0)), open(p.contexts[1], X(1))]);
      expect(r.some((s) => s.status === 'rejected' && s.reason instanceof ChannelTimeoutError)).toBe(true);
    });

    it('rejects mismatched operands naming them', async () => {
      const p = parties();
      const short = { a: new BigUint64Array(3), b: new BigUint64Array(3) };
      await expect(mul(p.contexts[0], X(0), short)).rejects.toThrow(ShapeError);
      await expect(mul(p.contexts[0], X(0), short)).rejects.toThrow(/y:/);
      await expect(matmul(p.contexts[0], short, short, 2, 2, 1)).rejects.toThrow(/x:/);
      await expect(dot(p.contexts[0], X(0), Y(0), 2)).rejects.toThrow(/length/);
      expect(() => add(p.contexts[0], X(0), short)).toThrow(ShapeError);
      expect(() => sum(X(0), 2)).toThrow(/groupSize/);
      expect(() => addPublic(p.contexts[0], X(0), 5 as unknown as bigint)).toThrow(/c:/);
    });
  });
}
