/**
 * RFC 5869 appendix A.1-A.3 HKDF-SHA256 known answers (test/vectors/rfc5869-hkdf), and the
 * properties callers rely on: string info is UTF-8, shorter outputs are prefixes, the length limit.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { hkdfSha256, HKDF_SHA256_MAX_LENGTH } from '../../crypto-core/hkdf.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { fromHex, toHex } from '../../crypto-core/encoding.js';

interface HkdfVector { name: string; ikm: string; salt: string; info: string; length: number; prk: string; okm: string }
const { vectors } = JSON.parse(readFileSync(new URL('../vectors/rfc5869-hkdf/vectors.json', import.meta.url), 'utf8')) as { vectors: HkdfVector[] };

describe('RFC 5869 appendix A HKDF-SHA256', () => {
  it.each(vectors)('$name: OKM', (v) => {
    const okm = hkdfSha256(fromHex(v.ikm), fromHex(v.salt), fromHex(v.info), v.length);
    expect(okm.length).toBe(v.length);
    expect(toHex(okm)).toBe(v.okm);
  });
  it.each(vectors)('$name: the vector file PRK is HMAC(salt, IKM) (keeps the file consistent)', (v) => {
    const salt = v.salt === '' ? new Uint8Array(32) : fromHex(v.salt);
    expect(createHmac('sha256', salt).update(fromHex(v.ikm)).digest('hex')).toBe(v.prk);
  });
});

describe('hkdfSha256 properties', () => {
  const ikm = fromHex(vectors[0].ikm);
  const salt = fromHex(vectors[0].salt);
  it('string info is its UTF-8 bytes', () => {
    const label = 'mpc/prf-key/v1 · ü';
    expect(toHex(hkdfSha256(ikm, salt, label, 32))).toBe(toHex(hkdfSha256(ikm, salt, new TextEncoder().encode(label), 32)));
  });
  it('a shorter output is a prefix of a longer one; different info gives unrelated output', () => {
    const long = hkdfSha256(ikm, salt, 'a', 100);
    expect(toHex(hkdfSha256(ikm, salt, 'a', 33))).toBe(toHex(long.subarray(0, 33)));
    expect(toHex(hkdfSha256(ikm, salt, 'b', 33))).not.toBe(toHex(long.subarray(0, 33)));
  });
  it('accepts an empty IKM and the maximum length 255 * 32', () => {
    expect(hkdfSha256(new Uint8Array(0), salt, '', 32).length).toBe(32);
    expect(hkdfSha256(ikm, salt, '', HKDF_SHA256_MAX_LENGTH).length).toBe(8160);
  });
  it.each([0, -1, 8161, 1.5, Number.NaN, Infinity])('rejects length %s naming the parameter', (len) => {
    expect(() => hkdfSha256(ikm, salt, '', len)).toThrow(InvalidArgumentError);
    expect(() => hkdfSha256(ikm, salt, '', len)).toThrow(/^length: /);
  });
  it('rejects info longer than 1024 bytes naming the parameter', () => {
    expect(() => hkdfSha256(ikm, salt, new Uint8Array(1025), 32)).toThrow(/^info: /);
    expect(hkdfSha256(ikm, salt, new Uint8Array(1024), 32).length).toBe(32);
  });
});
