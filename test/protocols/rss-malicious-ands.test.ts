/**
 * Verified boolean ANDs of the malicious mode (rss/malicious/verified-and, verify-ands; FLNW17 /
 * Araki et al. 2017): honest ANDs open to the clear x & y after the bucket check; the bucket
 * parameters meet the stated bound; the shuffle is a permutation, the same for the same coin;
 * and a gate whose output is wrong but *consistently* shared (what a party gets by adding an
 * error to its AND term before the reshare, in its kept copy and the sent one alike, which no
 * digest of an open can see) is caught by its bucket's check before anything is opened.
 */
import { describe, expect, it } from 'vitest';
import { Prg } from '../../crypto-core/prg.js';
import { getRing, tsRing } from '../../crypto-core/ring/index.js';
import type { PartyIndex } from '../../protocols/channel/channel.js';
import { makeBinaryShare, reconstructBinary, shareBinary, type BinaryShare } from '../../protocols/rss/binary-share.js';
import { VerificationFailedError } from '../../protocols/rss/errors.js';
import { registerClaim } from '../../protocols/rss/malicious/state.js';
import { andVerified } from '../../protocols/rss/malicious/verified-and.js';
import { AND_SECURITY_BITS, bucketParameters, OPENED_TRIPLES, randomPermutation, WORD_SHUFFLE_WORDS, wordBucketParameters } from '../../protocols/rss/malicious/verify-ands.js';
import { verifyJob } from '../../protocols/rss/malicious/verify-products.js';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { recordingChannel, seeded } from './helpers.js';

function parties() {
  return createLocalParties({ ring: tsRing, rng: Prg.fromSeed(new Uint8Array(32).fill(9)), recvTimeoutMs: 10_000, security: 'malicious' });
}

describe('verified boolean ANDs', () => {
  const rng = seeded('malicious-ands');
  const n = 40;
  const xv = rng.u64(n);
  const yv = rng.u64(n);
  const X = shareBinary(xv, rng);
  const Y = shareBinary(yv, rng);
  const [XS, YS] = [X, Y];

  it('honest ANDs give x & y and pass the bucket check', async () => {
    const p = parties();
    const res = await p.run(async (ctx, s) => {
      const z = await andVerified(ctx, X[s]!, Y[s]!);
      await verifyJob(ctx);
      return z;
    });
    const z = reconstructBinary(res as [BinaryShare, BinaryShare, BinaryShare]);
    expect([...z]).toEqual([...xv].map((v, i) => v & yv[i]!));
  });

  it('a batch over 2^17 words is checked in groups (shuffled as words), each passing on honest ANDs', async () => {
    const big = 70_000;
    const bx = shareBinary(rng.u64(2 * big), rng);
    const by = shareBinary(rng.u64(2 * big), rng);
    const part = (v: BinaryShare, k: number): BinaryShare => makeBinaryShare(v.a.subarray(k * big, (k + 1) * big), v.b.subarray(k * big, (k + 1) * big));
    const tags: string[] = [];
    const p = createLocalParties({
      ring: getRing(),
      rng: Prg.fromSeed(new Uint8Array(32).fill(9)),
      recvTimeoutMs: 60_000,
      security: 'malicious',
      wrapChannel: (ch, self) => (self === 0 ? recordingChannel(ch, tags) : ch),
    });
    const res = await p.run(async (ctx, s) => {
      const z = await Promise.all([0, 1].map((k) => andVerified(ctx.scope(`g${k}`), part(bx[s]!, k), part(by[s]!, k))));
      await verifyJob(ctx);
      return z;
    });
    for (const k of [0, 1]) {
      const z = reconstructBinary([res[0][k]!, res[1][k]!, res[2][k]!]);
      const x = reconstructBinary(bx.map((v) => part(v, k)) as [BinaryShare, BinaryShare, BinaryShare]);
      const y = reconstructBinary(by.map((v) => part(v, k)) as [BinaryShare, BinaryShare, BinaryShare]);
      expect(z.every((v, i) => v === (x[i]! & y[i]!))).toBe(true);
    }
    expect(new Set(tags.filter((t) => /\/and-triples#\d+$/.test(t))).size).toBe(2);
  }, 120_000);

  it('bucket parameters: N^(B-1) >= 2^48 with at least as many buckets as gates and C >= B', () => {
    for (const gates of [1, 64, 1000, 4096, 6464, 70_000, 1 << 16, 1 << 20, 1 << 24, 3_000_000]) {
      const { bucket, buckets } = bucketParameters(gates);
      expect(buckets).toBeGreaterThanOrEqual(gates);
      expect(buckets % 64).toBe(0);
      expect((bucket - 1) * Math.log2(buckets)).toBeGreaterThanOrEqual(AND_SECURITY_BITS);
      expect(OPENED_TRIPLES).toBeGreaterThanOrEqual(bucket);
    }
    // Word-shuffled groups: N'_w word buckets (each lane is the bit game with N'_w buckets), C = B opened words.
    for (const words of [1, 100, 4096, WORD_SHUFFLE_WORDS, 100_000, 1 << 17]) {
      const { bucket, rowWords, opened } = wordBucketParameters(words);
      expect(rowWords).toBeGreaterThanOrEqual(words);
      expect((bucket - 1) * Math.log2(rowWords)).toBeGreaterThanOrEqual(AND_SECURITY_BITS);
      expect(opened).toBeGreaterThanOrEqual(bucket);
    }
    // B = 5 where groups start shuffling words; from 2^16 words B = 4 as for bits: no extra bytes.
    expect(wordBucketParameters(WORD_SHUFFLE_WORDS).bucket).toBe(5);
    expect(wordBucketParameters(1 << 16).bucket).toBe(4);
    expect(wordBucketParameters(1 << 17).bucket).toBe(4);
    expect(bucketParameters(70_000).bucket).toBe(4);
    expect(bucketParameters(1 << 24).bucket).toBe(3);
  });

  it('the shuffle is a permutation, equal for equal coins and different for different ones', () => {
    const m = 5000;
    const a = randomPermutation(Prg.fromSeed(new Uint8Array(32).fill(1)), m);
    const b = randomPermutation(Prg.fromSeed(new Uint8Array(32).fill(1)), m);
    const c = randomPermutation(Prg.fromSeed(new Uint8Array(32).fill(2)), m);
    expect([...a].sort((u, v) => u - v)).toEqual(Array.from({ length: m }, (_, i) => i));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    // Position 0 of a uniform permutation of 0..3 takes each value ~1/4 of the time.
    const counts = [0, 0, 0, 0];
    const prg = seeded('perm-counts');
    for (let r = 0; r < 4000; r++) counts[randomPermutation(prg, 4)[0]!]!++;
    counts.forEach((k) => expect(Math.abs(k - 1000)).toBeLessThan(150));
  });

  it('a consistently shared wrong AND output is caught by the bucket check, before anything is opened (bit and word shuffles)', async () => {
    const wide = WORD_SHUFFLE_WORDS + 10;
    const XW = shareBinary(rng.u64(wide), rng);
    const YW = shareBinary(rng.u64(wide), rng);
    for (const [word, bit, words] of [
      [0, 0, n],
      [17, 63, n],
      [39, 31, n],
      [5, 7, wide],
      [wide - 1, 62, wide],
    ] as const) {
      const [X, Y] = words === n ? [XS, YS] : [XW, YW];
      const p = parties();
      const results = await Promise.allSettled(
        p.contexts.map(async (ctx) => {
          try {
            const s = ctx.self;
            const z = await andVerified(ctx, X[s]!, Y[s]!);
            // The wrong gate: component 0 of z flipped at one bit, in both its holders' copies
            // (party 0's a, party 2's b), as a party 0 that adds the error before its reshare gets.
            const e = new BigUint64Array(words);
            e[word] = 1n << BigInt(bit);
            const wrong = makeBinaryShare(s === 0 ? tsRing.xor(z.a, e) : z.a, s === 2 ? tsRing.xor(z.b, e) : z.b);
            registerClaim(ctx.malicious, ctx.nextTag('wrong-and'), Promise.resolve(wrong), (w) => ({ kind: 'and', x: X[s]!, y: Y[s]!, z: w }));
            await verifyJob(ctx);
            return wrong;
          } catch (err) {
            p.network.kill(ctx.self);
            throw err;
          }
        }),
      );
      for (const q of [1, 2] as PartyIndex[]) expect(results[q]!.status, `bit ${word}:${bit}: party ${q}`).toBe('rejected');
      const named = results.some((r) => r.status === 'rejected' && r.reason instanceof VerificationFailedError && r.reason.suspects.includes(0));
      expect(named, `bit ${word}:${bit}: a party names a set containing party 0`).toBe(true);
    }
  });
});
