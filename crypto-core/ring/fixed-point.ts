/**
 * @module crypto-core/ring/fixed-point
 * Fixed-point encoding of reals into Z_2^64: v becomes round(v * 2^f) in two's complement.
 * A product of two encodings carries 2f fractional bits and must be truncated by f.
 */
import { FixedPointRangeError, InvalidArgumentError } from '../errors.js';
import { describe } from './check.js';

/** Default number of fractional bits (ARCHITECTURE.md). */
export const DEFAULT_FRACTION_BITS = 16;

/** Largest |v * 2^f| that encodes exactly enough: 2^62 leaves headroom for one addition. */
const LIMIT = 2 ** 62;

function checkF(f: unknown): number {
  if (typeof f !== 'number' || !Number.isInteger(f) || f < 0 || f > 52) {
    throw new InvalidArgumentError(`f: expected integer fractional bits in 0..52, got ${describe(f)}`);
  }
  return f;
}

/**
 * Encodes reals as fixed-point ring elements.
 * @throws FixedPointRangeError on NaN, infinity, or |v| * 2^f >= 2^62 (naming the index).
 */
export function encodeFixed(values: Float64Array | readonly number[], f: number = DEFAULT_FRACTION_BITS): BigUint64Array {
  if (!(values instanceof Float64Array) && !Array.isArray(values)) {
    throw new InvalidArgumentError(`values: expected Float64Array or number[], got ${describe(values)}`);
  }
  const scale = 2 ** checkF(f);
  const out = new BigUint64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new FixedPointRangeError(`values[${i}]: expected a finite number, got ${describe(v)}`);
    }
    const scaled = Math.round(v * scale);
    if (Math.abs(scaled) >= LIMIT) {
      throw new FixedPointRangeError(`values[${i}]: ${v} overflows fixed point with f=${f} (|v| must be < 2^${62 - f})`);
    }
    out[i] = BigInt(scaled); // negative values wrap to two's complement on assignment
  }
  return out;
}

/** Decodes fixed-point ring elements (two's complement, f fractional bits) to reals. */
export function decodeFixed(a: BigUint64Array, f: number = DEFAULT_FRACTION_BITS): Float64Array {
  if (!(a instanceof BigUint64Array)) throw new InvalidArgumentError(`a: expected BigUint64Array, got ${describe(a)}`);
  const scale = 2 ** checkF(f);
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Number(BigInt.asIntN(64, a[i]!)) / scale;
  return out;
}
