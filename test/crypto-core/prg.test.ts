import { describe, expect, it } from 'vitest';
import { createCipheriv } from 'node:crypto';
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
  it('is deterministic per seed and label, independent across labels', () => {
    const a = Prg.fromSeed(seed).fork('job-1').u64(4);
    const b = Prg.fromSeed(seed).fork('job-1').u64(4);
    const c = Prg.fromSeed(seed).fork('job-2').u64(4);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
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
