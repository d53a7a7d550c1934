/**
 * @module test/helpers/read-f32
 * Reads a little-endian float32 fixture file. The Buffer readFileSync returns may be a view at
 * a non-zero offset of a larger ArrayBuffer, so its `.buffer` is not the file: copy the view.
 */
import { readFileSync } from 'node:fs';

/** The file's float32 values (a copy). */
export function readF32(path: string): Float32Array {
  const buf = readFileSync(path);
  if (buf.byteLength % 4 !== 0) throw new Error(`${path}: ${buf.byteLength} bytes is not a whole number of float32 values`);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}
