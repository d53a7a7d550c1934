/**
 * AES-256-GCM known answers: test cases 13-18 of the GCM specification (McGrew & Viega), the
 * AES-256 cases, with and without AAD (test/vectors/gcm-spec-aes256). Cases 17 and 18 use IVs
 * other than 96 bits, which aeadEncrypt refuses by design; they are checked against node:crypto
 * to keep the vector file honest, and our refusal is checked.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createCipheriv } from 'node:crypto';
import { aeadDecrypt, aeadEncrypt } from '../../crypto-core/aead.js';
import { DecryptionError, InvalidArgumentError } from '../../crypto-core/errors.js';
import { fromHex, toHex } from '../../crypto-core/encoding.js';

interface GcmVector { name: string; key: string; iv: string; plaintext: string; aad: string; ciphertext: string; tag: string }
const { vectors } = JSON.parse(readFileSync(new URL('../vectors/gcm-spec-aes256/vectors.json', import.meta.url), 'utf8')) as { vectors: GcmVector[] };
const ours = vectors.filter((v) => v.iv.length === 24);
const otherIv = vectors.filter((v) => v.iv.length !== 24);

describe('GCM spec test cases 13-18 (AES-256)', () => {
  it('has cases 13 to 18; 13-16 with 96-bit IVs, 15 without and 16 with AAD', () => {
    expect(vectors.map((v) => v.name.split(' ')[2])).toEqual(['13', '14', '15', '16', '17', '18']);
    expect(ours.map((v) => v.name)).toEqual(['Test Case 13', 'Test Case 14', 'Test Case 15', 'Test Case 16']);
    expect(vectors[2].aad).toBe('');
    expect(vectors[3].aad).not.toBe('');
  });

  describe.each(ours)('$name', (v) => {
    const key = fromHex(v.key);
    const iv = fromHex(v.iv);
    const aad = fromHex(v.aad);
    const sealed = fromHex(v.ciphertext + v.tag);
    it('encrypts to ciphertext || tag', () => {
      expect(toHex(aeadEncrypt(key, iv, fromHex(v.plaintext), aad))).toBe(v.ciphertext + v.tag);
    });
    it('decrypts to the plaintext', () => {
      expect(toHex(aeadDecrypt(key, iv, sealed, aad))).toBe(v.plaintext);
    });
    it('refuses every single-bit change of ciphertext or tag, and wrong aad, key or nonce', () => {
      for (let i = 0; i < sealed.length; i++) {
        const bad = Uint8Array.from(sealed);
        bad[i] ^= 1 << (i % 8);
        expect(() => aeadDecrypt(key, iv, bad, aad)).toThrow(DecryptionError);
      }
      expect(() => aeadDecrypt(key, iv, sealed, Uint8Array.from([...aad, 0]))).toThrow(DecryptionError);
      const key2 = Uint8Array.from(key);
      key2[31] ^= 0x80;
      expect(() => aeadDecrypt(key2, iv, sealed, aad)).toThrow(DecryptionError);
      const iv2 = Uint8Array.from(iv);
      iv2[0] ^= 1;
      expect(() => aeadDecrypt(key, iv2, sealed, aad)).toThrow(DecryptionError);
    });
    it('refuses every truncation', () => {
      for (let n = 0; n < sealed.length; n++) {
        expect(() => aeadDecrypt(key, iv, sealed.subarray(0, n), aad)).toThrow(DecryptionError);
      }
    });
  });

  describe.each(otherIv)('$name', (v) => {
    it('the vector matches node:crypto AES-256-GCM', () => {
      const c = createCipheriv('aes-256-gcm', fromHex(v.key), fromHex(v.iv));
      c.setAAD(fromHex(v.aad));
      const ct = Buffer.concat([c.update(fromHex(v.plaintext)), c.final()]);
      expect(ct.toString('hex')).toBe(v.ciphertext);
      expect(c.getAuthTag().toString('hex')).toBe(v.tag);
    });
    it('aeadEncrypt and aeadDecrypt refuse its IV length, naming the nonce', () => {
      expect(() => aeadEncrypt(fromHex(v.key), fromHex(v.iv), fromHex(v.plaintext), fromHex(v.aad))).toThrow(InvalidArgumentError);
      expect(() => aeadDecrypt(fromHex(v.key), fromHex(v.iv), fromHex(v.ciphertext + v.tag), fromHex(v.aad))).toThrow(/^nonce: /);
    });
  });
});

describe('aead round trip', () => {
  it('round-trips sizes around block and chunk boundaries, with and without aad', () => {
    const key = new Uint8Array(32).fill(7);
    const nonce = new Uint8Array(12).fill(9);
    for (const n of [0, 1, 15, 16, 17, 255, 4096, 70_000]) {
      const pt = Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);
      for (const aad of [new Uint8Array(0), new Uint8Array([1, 2, 3])]) {
        const sealed = aeadEncrypt(key, nonce, pt, aad);
        expect(sealed.length).toBe(n + 16);
        expect(aeadDecrypt(key, nonce, sealed, aad)).toEqual(pt);
      }
    }
  });
  it('default aad is the empty string', () => {
    const key = new Uint8Array(32);
    const nonce = new Uint8Array(12);
    expect(aeadDecrypt(key, nonce, aeadEncrypt(key, nonce, new Uint8Array([5])), new Uint8Array(0))).toEqual(new Uint8Array([5]));
  });
  it('the error has code decryption-failed and names the sealed input', () => {
    try {
      aeadDecrypt(new Uint8Array(32), new Uint8Array(12), new Uint8Array(16));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DecryptionError);
      expect((e as DecryptionError).code).toBe('decryption-failed');
      expect((e as Error).message).toMatch(/^sealed: /);
    }
  });
});
