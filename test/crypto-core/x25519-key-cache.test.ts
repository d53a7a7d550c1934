/**
 * `crypto-core/keys/agreement` keeps imported X25519 private keys per caller array; these tests
 * hold the cache to `@noble/curves`' X25519: repeated agreements with one array, and an array
 * overwritten in place, which must agree (and derive its public key) with the new bytes.
 */
import { describe, expect, it } from 'vitest';
import { x25519 } from '@noble/curves/ed25519.js';
import { agree, agreementPublicKey, generateAgreementKeyPair } from '../../crypto-core/keys/agreement.js';
import { toHex } from '../../crypto-core/encoding.js';

describe('X25519 private-key cache', () => {
  it('repeated agreements with one secret-key array give noble\'s shared secret every time', () => {
    const a = generateAgreementKeyPair();
    for (let i = 0; i < 4; i++) {
      const peer = generateAgreementKeyPair();
      expect(toHex(agree(a.secretKey, peer.publicKey))).toBe(toHex(x25519.getSharedSecret(a.secretKey, peer.publicKey)));
      expect(toHex(agree(peer.secretKey, a.publicKey))).toBe(toHex(agree(a.secretKey, peer.publicKey)));
    }
  });

  it('an array overwritten in place agrees with its new bytes, not the cached key', () => {
    const a = generateAgreementKeyPair();
    const b = generateAgreementKeyPair();
    const peer = generateAgreementKeyPair();
    const key = Uint8Array.from(a.secretKey);
    expect(toHex(agree(key, peer.publicKey))).toBe(toHex(x25519.getSharedSecret(a.secretKey, peer.publicKey)));
    key.set(b.secretKey);
    expect(toHex(agree(key, peer.publicKey))).toBe(toHex(x25519.getSharedSecret(b.secretKey, peer.publicKey)));
    expect(toHex(agreementPublicKey(key))).toBe(toHex(b.publicKey));
  });
});
