/**
 * RFC 7748 X25519 known answers (test/vectors/rfc7748-x25519): section 5.2 scalar
 * multiplications and the 1 and 1,000 iteration values, section 6.1 Diffie-Hellman; then
 * low-order rejection. agree runs on OpenSSL (node:crypto); the independent implementation it
 * is cross-checked against is @noble/curves.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { x25519 } from '@noble/curves/ed25519.js';
import {
  agree,
  agreementPublicKey,
  generateAgreementKeyPair,
  isValidAgreementPublicKey,
} from '../../crypto-core/keys/agreement.js';
import { LowOrderPointError } from '../../crypto-core/keys/errors.js';
import { fromHex, toHex } from '../../crypto-core/encoding.js';

interface X25519Vectors {
  scalarMult: { name: string; scalar: string; u: string; output: string }[];
  iterated: { start: string; after1: string; after1000: string };
  diffieHellman: { alicePrivate: string; alicePublic: string; bobPrivate: string; bobPublic: string; shared: string };
}
const x = JSON.parse(readFileSync(new URL('../vectors/rfc7748-x25519/vectors.json', import.meta.url), 'utf8')) as X25519Vectors;

/** The independent implementation: noble's Montgomery ladder, which also refuses low-order points. */
function nobleAgree(sk: Uint8Array, pk: Uint8Array): Uint8Array {
  return x25519.getSharedSecret(sk, pk);
}

/**
 * u-coordinates of small order (on the curve or its twist) and their non-canonical aliases
 * (u >= p, top bit set): the blocklist libsodium uses; every one makes the shared secret zero.
 */
const LOW_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000', // u = 0
  '0100000000000000000000000000000000000000000000000000000000000000', // u = 1
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', // order 8
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157', // order 8
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // u = p - 1
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // u = p, alias of 0
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // u = p + 1, alias of 1
  '0000000000000000000000000000000000000000000000000000000000000080', // 0 with the top bit set
  '0100000000000000000000000000000000000000000000000000000000000080', // 1 with the top bit set
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880', // order 8, top bit set
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7', // order 8, top bit set
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', // p - 1, top bit set
];

describe('RFC 7748 5.2 X25519', () => {
  it.each(x.scalarMult)('$name', (v) => {
    expect(toHex(agree(fromHex(v.scalar), fromHex(v.u)))).toBe(v.output);
    expect(toHex(nobleAgree(fromHex(v.scalar), fromHex(v.u)))).toBe(v.output);
  });

  it('iterated: k = u = 9, after 1 and 1,000 iterations', () => {
    let k = fromHex(x.iterated.start);
    let u = fromHex(x.iterated.start);
    for (let i = 1; i <= 1000; i++) {
      const next = agree(k, u);
      u = k;
      k = next;
      if (i === 1) expect(toHex(k)).toBe(x.iterated.after1);
    }
    expect(toHex(k)).toBe(x.iterated.after1000);
  });
});

describe('RFC 7748 6.1 Diffie-Hellman', () => {
  const dh = x.diffieHellman;
  it('derives Alice and Bob public keys', () => {
    expect(toHex(agreementPublicKey(fromHex(dh.alicePrivate)))).toBe(dh.alicePublic);
    expect(toHex(agreementPublicKey(fromHex(dh.bobPrivate)))).toBe(dh.bobPublic);
  });
  it('both sides compute the published shared secret', () => {
    expect(toHex(agree(fromHex(dh.alicePrivate), fromHex(dh.bobPublic)))).toBe(dh.shared);
    expect(toHex(agree(fromHex(dh.bobPrivate), fromHex(dh.alicePublic)))).toBe(dh.shared);
  });
  it('key generation uses the given rng', () => {
    const kp = generateAgreementKeyPair((n) => fromHex(dh.alicePrivate).subarray(0, n));
    expect(toHex(kp.secretKey)).toBe(dh.alicePrivate);
    expect(toHex(kp.publicKey)).toBe(dh.alicePublic);
  });
});

describe('X25519 low-order points', () => {
  const sk = fromHex(x.diffieHellman.alicePrivate);
  it.each(LOW_ORDER)('agree rejects %s with LowOrderPointError, and noble refuses it too', (hex) => {
    const pk = fromHex(hex);
    expect(() => agree(sk, pk)).toThrow(LowOrderPointError);
    expect(() => agree(sk, pk)).toThrow(/peerPublicKey/);
    expect(isValidAgreementPublicKey(pk)).toBe(false);
    // noble refuses these too (its blocklist / zero-result check): an independent opinion.
    expect(() => nobleAgree(sk, pk)).toThrow(/invalid private or public key/);
  });
  it('error has the stable code low-order-point', () => {
    try {
      agree(sk, new Uint8Array(32));
      expect.unreachable();
    } catch (e) {
      expect((e as LowOrderPointError).code).toBe('low-order-point');
      expect((e as Error).name).toBe('LowOrderPointError');
    }
  });
  it('isValidAgreementPublicKey accepts ordinary public keys', () => {
    expect(isValidAgreementPublicKey(fromHex(x.diffieHellman.alicePublic))).toBe(true);
    expect(isValidAgreementPublicKey(generateAgreementKeyPair().publicKey)).toBe(true);
    expect(isValidAgreementPublicKey(new Uint8Array(31))).toBe(false);
  });
});

describe('X25519 cross-implementation', () => {
  it('random key pairs: shared secrets equal on both sides and equal to noble', () => {
    for (let i = 0; i < 16; i++) {
      const a = generateAgreementKeyPair();
      const b = generateAgreementKeyPair();
      const ab = agree(a.secretKey, b.publicKey);
      expect(toHex(agree(b.secretKey, a.publicKey))).toBe(toHex(ab));
      expect(toHex(nobleAgree(a.secretKey, b.publicKey))).toBe(toHex(ab));
      expect(toHex(x25519.getPublicKey(a.secretKey))).toBe(toHex(a.publicKey));
    }
  });
});
