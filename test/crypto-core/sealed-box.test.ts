/**
 * Sealed boxes (crypto-core/sealed-box): round trip, the documented format opened with
 * independent implementations of the primitives, and refusal of every tampered region,
 * truncation, wrong aad and wrong key.
 */
import { describe, expect, it } from 'vitest';
import { createDecipheriv, randomBytes } from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { open, seal, SEALED_BOX_HEADER_LENGTH, SEALED_BOX_OVERHEAD, SEALED_BOX_VERSION } from '../../crypto-core/sealed-box.js';
import { generateAgreementKeyPair } from '../../crypto-core/keys/agreement.js';
import { LowOrderPointError } from '../../crypto-core/keys/errors.js';
import { DecryptionError } from '../../crypto-core/errors.js';
import { Prg } from '../../crypto-core/prg.js';

const recipient = generateAgreementKeyPair();
const enc = (s: string) => new TextEncoder().encode(s);

/**
 * Opens a version-1 box following the format in the module header, with other implementations
 * of the primitives: noble for X25519 and HKDF (ours use OpenSSL), node:crypto for AES-GCM.
 */
function openIndependently(secretKey: Uint8Array, publicKey: Uint8Array, box: Uint8Array, aad: Uint8Array): Uint8Array {
  const epk = box.subarray(1, 33);
  const nonce = box.subarray(33, 45);
  const shared = x25519.getSharedSecret(secretKey, epk);
  const key = hkdf(sha256, shared, Buffer.concat([epk, publicKey]), new TextEncoder().encode('mpc-sealed-box/v1'), 32);
  const d = createDecipheriv('aes-256-gcm', key, nonce);
  d.setAAD(Buffer.concat([box.subarray(0, 45), aad]));
  d.setAuthTag(box.subarray(box.length - 16));
  return new Uint8Array(Buffer.concat([d.update(box.subarray(45, box.length - 16)), d.final()]));
}

describe('sealed box', () => {
  it('round-trips plaintexts of many sizes, with and without aad', () => {
    for (const n of [0, 1, 16, 1000, 100_000]) {
      const pt = new Uint8Array(randomBytes(n));
      for (const aad of [new Uint8Array(0), enc('job-42/party-1')]) {
        const box = seal(recipient.publicKey, pt, aad);
        expect(box.length).toBe(n + SEALED_BOX_OVERHEAD);
        expect(open(recipient.secretKey, box, aad)).toEqual(pt);
      }
    }
  });

  it('has the documented layout and opens with independent primitives following the module header', () => {
    const pt = enc('shares for party 2');
    const aad = enc('job-7');
    const box = seal(recipient.publicKey, pt, aad);
    expect(box[0]).toBe(SEALED_BOX_VERSION);
    expect(SEALED_BOX_HEADER_LENGTH).toBe(45);
    expect(SEALED_BOX_OVERHEAD).toBe(61);
    expect(openIndependently(recipient.secretKey, recipient.publicKey, box, aad)).toEqual(pt);
  });

  it('uses a fresh ephemeral key and nonce per box; is deterministic in its rng', () => {
    const pt = enc('same');
    const a = seal(recipient.publicKey, pt);
    const b = seal(recipient.publicKey, pt);
    expect(Buffer.from(a.subarray(1, 45)).equals(Buffer.from(b.subarray(1, 45)))).toBe(false);
    const rngA = Prg.fromSeed(new Uint8Array(32).fill(3));
    const rngB = Prg.fromSeed(new Uint8Array(32).fill(3));
    const c = seal(recipient.publicKey, pt, undefined, (n) => rngA.bytes(n));
    const d = seal(recipient.publicKey, pt, undefined, (n) => rngB.bytes(n));
    expect(c).toEqual(d);
    expect(open(recipient.secretKey, c)).toEqual(pt);
  });

  describe('tampering', () => {
    const pt = enc('0123456789');
    const aad = enc('aad');
    const box = seal(recipient.publicKey, pt, aad);
    const regions: [string, number, number][] = [
      ['version', 0, 1],
      ['ephemeral key', 1, 33],
      ['nonce', 33, 45],
      ['ciphertext', 45, 45 + pt.length],
      ['tag', 45 + pt.length, box.length],
    ];
    it.each(regions)('flipping any bit pattern in the %s is refused with DecryptionError', (_name, from, to) => {
      for (let i = from; i < to; i++) {
        for (const mask of [0x01, 0x80]) {
          const bad = Uint8Array.from(box);
          bad[i] ^= mask;
          expect(() => open(recipient.secretKey, bad, aad)).toThrow(DecryptionError);
        }
      }
    });
    it('every truncation and an appended byte are refused', () => {
      for (let n = 0; n < box.length; n++) expect(() => open(recipient.secretKey, box.subarray(0, n), aad)).toThrow(DecryptionError);
      expect(() => open(recipient.secretKey, Uint8Array.from([...box, 0]), aad)).toThrow(DecryptionError);
    });
    it('wrong aad (changed, extended, missing) is refused', () => {
      expect(() => open(recipient.secretKey, box, enc('aae'))).toThrow(DecryptionError);
      expect(() => open(recipient.secretKey, box, enc('aad\0'))).toThrow(DecryptionError);
      expect(() => open(recipient.secretKey, box)).toThrow(DecryptionError);
    });
    it('a different recipient is refused', () => {
      expect(() => open(generateAgreementKeyPair().secretKey, box, aad)).toThrow(DecryptionError);
    });
    it('an unknown version is refused with a message naming the version', () => {
      const v2 = Uint8Array.from(box);
      v2[0] = 2;
      expect(() => open(recipient.secretKey, v2, aad)).toThrow(/version 2/);
    });
    it('a low-order ephemeral key is refused with DecryptionError', () => {
      const bad = Uint8Array.from(box);
      bad.fill(0, 1, 33);
      expect(() => open(recipient.secretKey, bad, aad)).toThrow(DecryptionError);
    });
    it('the untouched box still opens (the tampering tests start from a valid box)', () => {
      expect(open(recipient.secretKey, box, aad)).toEqual(pt);
    });
  });

  it('seal refuses a low-order recipient key', () => {
    expect(() => seal(new Uint8Array(32), enc('x'))).toThrow(LowOrderPointError);
  });
});
