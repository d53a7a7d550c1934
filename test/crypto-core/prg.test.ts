import { describe, expect, it } from 'vitest';
import { createCipheriv, createHmac } from 'node:crypto';
import { Prg } from '../../crypto-core/prg.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';

describe('Prg', () => {
  const seed = new Uint8Array(32).map((_, i) => i);
  it('is the AES-256-CTR keystream with a zero IV, across chunk boundaries', () => {
    const want = createCipheriv('aes-256-ctr', seed, new Uint8Array(16)).update(new Uint8Array(200_000));
    const p = Prg.fromSeed(seed);
    const got = new Uint8Array(200_000);
    got.set(p.bytes(7), 0);
    got.set(p.bytes(70_000), 7);
    got.set(p.bytes(200_000 - 70_007), 70_007);
    expect(Buffer.from(got).equals(want)).toBe(true);
  });
  it('u64 and bytes of every size (copy-free up to 64 KiB, chunked beyond) continue one keystream', () => {
    // Sizes around the 64 KiB (8192-word) threshold, in an order that mixes both paths.
    const words = [0, 1, 8191, 8192, 8193, 3, 20_000];
    const total = words.reduce((a, b) => a + b, 0) * 8 + 5 + Prg.CHUNK_BYTES + 1;
    const want = createCipheriv('aes-256-ctr', seed, new Uint8Array(16)).update(new Uint8Array(total));
    const p = Prg.fromSeed(seed);
    const got = new Uint8Array(total);
    let off = 0;
    for (const w of words) {
      const v = p.u64(w);
      expect(v).toBeInstanceOf(BigUint64Array);
      expect(v.length).toBe(w);
      got.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), off);
      off += w * 8;
    }
    for (const n of [5, Prg.CHUNK_BYTES + 1]) {
      got.set(p.bytes(n), off);
      off += n;
    }
    expect(Buffer.from(got).equals(want)).toBe(true);
  });
  it('hands out draws that own their whole buffer and are independent of later draws', () => {
    const p = Prg.fromSeed(seed);
    const a = p.bytes(16);
    const b = p.u64(2);
    expect(a.constructor).toBe(Uint8Array);
    expect(a.buffer.byteLength).toBe(16);
    expect(b.buffer.byteLength).toBe(16);
    expect(a.buffer).not.toBe(b.buffer);
    const before = b.slice();
    a.fill(0);
    expect(b).toEqual(before);
    expect(p.bytes(16)).toEqual(Prg.fromSeed(seed).bytes(48).subarray(32));
  });
  it('fill writes only the view it is given', () => {
    const buf = new Uint8Array(100).fill(0xaa);
    Prg.fromSeed(seed).fill(buf.subarray(3, 90));
    expect(buf.subarray(0, 3)).toEqual(new Uint8Array(3).fill(0xaa));
    expect(buf.subarray(90)).toEqual(new Uint8Array(10).fill(0xaa));
    expect(buf.subarray(3, 90)).toEqual(Prg.fromSeed(seed).bytes(87));
  });
  it('is deterministic per seed and label, independent across labels', () => {
    const a = Prg.fromSeed(seed).fork('job-1').u64(4);
    const b = Prg.fromSeed(seed).fork('job-1').u64(4);
    const c = Prg.fromSeed(seed).fork('job-2').u64(4);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
  it('forks to the AES-256-CTR keystream of HMAC-SHA256(seed, label), at any depth', () => {
    const keystream = (key: Uint8Array, n: number): Buffer => createCipheriv('aes-256-ctr', key, new Uint8Array(16)).update(new Uint8Array(n));
    const child = createHmac('sha256', seed).update('job-1', 'utf8').digest();
    const grandchild = createHmac('sha256', child).update('relu#0/ltz#0', 'utf8').digest();
    const p = Prg.fromSeed(seed);
    expect(Buffer.from(p.fork('job-1').bytes(100)).equals(keystream(child, 100))).toBe(true);
    expect(Buffer.from(p.fork('job-1').fork('relu#0/ltz#0').bytes(70_000)).equals(keystream(grandchild, 70_000))).toBe(true);
  });
  it('leaves the caller\'s seed as it was', () => {
    const mine = seed.slice();
    Prg.fromSeed(mine).fork('a');
    expect(mine).toEqual(seed);
  });
  it('forks from the seed, not the position', () => {
    const p = Prg.fromSeed(seed);
    p.bytes(100);
    expect(p.fork('x').u64(2)).toEqual(Prg.fromSeed(seed).fork('x').u64(2));
  });
  it.each([[new Uint8Array(31)], [new Uint8Array(33)], ['seed'], [null]])('rejects seed %#', (s) => {
    expect(() => Prg.fromSeed(s as Uint8Array)).toThrow(InvalidArgumentError);
  });
  it('rejects bad lengths', () => {
    expect(() => Prg.random().bytes(-1)).toThrow(InvalidArgumentError);
    expect(() => Prg.random().u64(1.5)).toThrow(InvalidArgumentError);
  });
});
