import { describe, expect, it } from 'vitest';
import { decodeFixed, encodeFixed } from '../../crypto-core/ring/index.js';
import { FixedPointRangeError, InvalidArgumentError } from '../../crypto-core/errors.js';

describe('fixed point', () => {
  it('round-trips within half a unit in the last place', () => {
    const v = Float64Array.from([0, 1, -1, 3.14159, -2.5e-5, 12345.678, -98765.4321]);
    const back = decodeFixed(encodeFixed(v, 16), 16);
    for (let i = 0; i < v.length; i++) expect(Math.abs(back[i]! - v[i]!)).toBeLessThanOrEqual(2 ** -17);
  });
  it('encodes negatives in two\'s complement', () => {
    expect(encodeFixed([-1], 16)[0]).toBe(2n ** 64n - 65536n);
  });
  it.each([[NaN], [Infinity], [-Infinity], [2 ** 47]])('rejects %s', (x) => {
    expect(() => encodeFixed([x], 16)).toThrow(FixedPointRangeError);
  });
  it.each([[-1], [53], [1.5], ['16']])('rejects fractional bits %s', (f) => {
    expect(() => encodeFixed([1], f as number)).toThrow(InvalidArgumentError);
  });
  it('rejects a non-array', () => {
    expect(() => encodeFixed('1' as unknown as number[])).toThrow(/values: expected/);
  });
});
