/**
 * RFC 8032 section 7.1 Ed25519 known answers (test/vectors/rfc8032-ed25519), plus a cross-check
 * of our signatures against OpenSSL through node:crypto and the strict-verification cases.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, randomBytes, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import {
  generateSigningKeyPair,
  isValidSigningPublicKey,
  sign,
  signingPublicKey,
  verifySignature,
} from '../../crypto-core/keys/signing.js';
import { fromHex, toHex } from '../../crypto-core/encoding.js';

interface Ed25519Vector { name: string; secretKey: string; publicKey: string; message: string; signature: string }
const { vectors } = JSON.parse(readFileSync(new URL('../vectors/rfc8032-ed25519/vectors.json', import.meta.url), 'utf8')) as { vectors: Ed25519Vector[] };

// DER prefixes of RFC 8410 PKCS#8 / SPKI for Ed25519, to hand raw keys to OpenSSL.
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');
const nodePrivate = (sk: Uint8Array) => createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, sk]), format: 'der', type: 'pkcs8' });
const nodePublic = (pk: Uint8Array) => createPublicKey({ key: Buffer.concat([SPKI_ED25519, pk]), format: 'der', type: 'spki' });

/** The group order L of Ed25519, little-endian arithmetic on the S half of a signature. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
function leToBig(b: Uint8Array): bigint {
  let x = 0n;
  for (let i = b.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i]);
  return x;
}
function bigToLe(x: bigint, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++, x >>= 8n) out[i] = Number(x & 0xffn);
  return out;
}

describe('RFC 8032 7.1 Ed25519', () => {
  it('has the five vectors of section 7.1', () => {
    expect(vectors.map((v) => v.name)).toEqual(['TEST 1', 'TEST 2', 'TEST 3', 'TEST 1024', 'TEST SHA(abc)']);
    expect(fromHex(vectors[3].message).length).toBe(1023);
  });

  describe.each(vectors)('$name', (v) => {
    const sk = fromHex(v.secretKey);
    const pk = fromHex(v.publicKey);
    const msg = fromHex(v.message);
    const sig = fromHex(v.signature);

    it('derives the public key', () => {
      expect(toHex(signingPublicKey(sk))).toBe(v.publicKey);
    });
    it('signs to the published signature', () => {
      expect(toHex(sign(msg, sk))).toBe(v.signature);
    });
    it('verifies the published signature', () => {
      expect(verifySignature(sig, msg, pk)).toBe(true);
    });
    it('rejects the signature for an altered message, signature or key', () => {
      const m2 = msg.length === 0 ? new Uint8Array([0]) : Uint8Array.from(msg, (b, i) => (i === 0 ? b ^ 1 : b));
      expect(verifySignature(sig, m2, pk)).toBe(false);
      for (const pos of [0, 31, 32, 63]) {
        const s2 = Uint8Array.from(sig);
        s2[pos] ^= 0x01;
        expect(verifySignature(s2, msg, pk)).toBe(false);
      }
      const other = fromHex(vectors[(vectors.indexOf(v) + 1) % vectors.length].publicKey);
      expect(verifySignature(sig, msg, other)).toBe(false);
    });
    it('agrees with OpenSSL (node:crypto) on the signature', () => {
      expect(toHex(new Uint8Array(nodeSign(null, msg, nodePrivate(sk))))).toBe(v.signature);
    });
  });
});

describe('Ed25519 cross-implementation and strictness', () => {
  it('random keys and messages: our signatures verify in OpenSSL and OpenSSL signatures verify here', () => {
    for (let i = 0; i < 16; i++) {
      const { publicKey, secretKey } = generateSigningKeyPair();
      const msg = new Uint8Array(randomBytes(i * 37));
      const ours = sign(msg, secretKey);
      expect(nodeVerify(null, msg, nodePublic(publicKey), ours)).toBe(true);
      const theirs = new Uint8Array(nodeSign(null, msg, nodePrivate(secretKey)));
      expect(verifySignature(theirs, msg, publicKey)).toBe(true);
      expect(toHex(ours)).toBe(toHex(theirs));
    }
  });

  it('rejects a malleated signature with S + L (non-canonical S), as OpenSSL does', () => {
    const v = vectors[1];
    const sig = fromHex(v.signature);
    const s = leToBig(sig.subarray(32));
    const mal = Uint8Array.from(sig);
    mal.set(bigToLe(s + L, 32), 32);
    expect(nodeVerify(null, fromHex(v.message), nodePublic(fromHex(v.publicKey)), mal)).toBe(false);
    expect(verifySignature(mal, fromHex(v.message), fromHex(v.publicKey))).toBe(false);
  });

  it('rejects a non-canonical public key encoding (y >= p)', () => {
    // y = p + 1 encodes the same point as y = 1 (the identity) only under lax decoding.
    const p = 2n ** 255n - 19n;
    const nonCanonical = bigToLe(p + 1n, 32);
    expect(isValidSigningPublicKey(nonCanonical)).toBe(false);
    const sig = sign(new Uint8Array([1]), fromHex(vectors[0].secretKey));
    expect(verifySignature(sig, new Uint8Array([1]), nonCanonical)).toBe(false);
  });

  it('isValidSigningPublicKey: accepts real keys, refuses small-order points and garbage', () => {
    for (const v of vectors) expect(isValidSigningPublicKey(fromHex(v.publicKey))).toBe(true);
    const identity = new Uint8Array(32);
    identity[0] = 1; // y = 1: the neutral element, order 1
    expect(isValidSigningPublicKey(identity)).toBe(false);
    // (0, -1): order 2, encoded as y = p - 1.
    expect(isValidSigningPublicKey(bigToLe(2n ** 255n - 20n, 32))).toBe(false);
    expect(isValidSigningPublicKey(new Uint8Array(31))).toBe(false);
    expect(isValidSigningPublicKey('00' as unknown as Uint8Array)).toBe(false);
  });

  it('key generation uses the given rng and is deterministic in it', () => {
    const seed = fromHex(vectors[0].secretKey);
    const kp = generateSigningKeyPair((n) => seed.subarray(0, n));
    expect(toHex(kp.secretKey)).toBe(vectors[0].secretKey);
    expect(toHex(kp.publicKey)).toBe(vectors[0].publicKey);
    // The key pair holds a copy: changing the rng's buffer later does not change the key.
    const buf = Uint8Array.from(seed);
    const kp2 = generateSigningKeyPair(() => buf);
    buf.fill(0);
    expect(toHex(kp2.secretKey)).toBe(vectors[0].secretKey);
  });
});
