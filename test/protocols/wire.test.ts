import { describe, expect, it } from 'vitest';
import { bytesToU64, u64ToBytes } from '../../protocols/wire.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';

describe('wire: u64 vectors <-> little-endian bytes', () => {
  it('round-trips and is little-endian', () => {
    const v = new BigUint64Array([0n, 1n, 0x0102030405060708n, 2n ** 64n - 1n]);
    const bytes = u64ToBytes(v);
    expect(bytes.length).toBe(32);
    expect([...bytes.subarray(16, 24)]).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect(bytesToU64(bytes)).toEqual(v);
  });

  it('decodes from a Buffer view at an odd byte offset (copying, no alias)', () => {
    const v = new BigUint64Array([123456789n, 2n ** 63n + 5n, 42n]);
    const slab = Buffer.alloc(3 + 24 + 5);
    Buffer.from(u64ToBytes(v)).copy(slab, 3);
    const view = slab.subarray(3, 27);
    expect(view.byteOffset % 8).not.toBe(0);
    const out = bytesToU64(view, 3);
    expect(out).toEqual(v);
    slab.fill(0);
    expect(out).toEqual(v);
  });

  it('encodes a subarray view, not its whole buffer', () => {
    const big = new BigUint64Array([1n, 2n, 3n, 4n]);
    expect(bytesToU64(u64ToBytes(big.subarray(1, 3)))).toEqual(new BigUint64Array([2n, 3n]));
  });

  it.each([
    ['not a multiple of 8', new Uint8Array(7), undefined],
    ['wrong expected length', new Uint8Array(16), 3],
  ])('rejects %s', (_name, bytes, n) => {
    expect(() => bytesToU64(bytes, n)).toThrow(InvalidArgumentError);
  });

  it('rejects wrong types', () => {
    expect(() => u64ToBytes([1, 2] as unknown as BigUint64Array)).toThrow(/values/);
    expect(() => bytesToU64('abc' as unknown as Uint8Array)).toThrow(/bytes/);
  });
});
