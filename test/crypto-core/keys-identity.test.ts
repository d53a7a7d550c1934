/**
 * Service identities (crypto-core/keys/identity) and the text encodings they use
 * (crypto-core/encoding).
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { checkIdentity, generateIdentity, keyId, parsePublicIdentity, publicIdentity, KEY_ID_HEX_LENGTH } from '../../crypto-core/keys/identity.js';
import { agree } from '../../crypto-core/keys/agreement.js';
import { sign, verifySignature } from '../../crypto-core/keys/signing.js';
import { fromBase64, fromHex, toBase64, toHex, utf8 } from '../../crypto-core/encoding.js';
import { Prg } from '../../crypto-core/prg.js';

describe('identity', () => {
  it('generateIdentity gives two distinct, working key pairs', () => {
    const a = generateIdentity();
    const b = generateIdentity();
    expect(checkIdentity(a)).toBe(a);
    expect(toHex(a.signing.secretKey)).not.toBe(toHex(a.agreement.secretKey));
    const msg = utf8('hello');
    expect(verifySignature(sign(msg, a.signing.secretKey), msg, a.signing.publicKey)).toBe(true);
    expect(agree(a.agreement.secretKey, b.agreement.publicKey)).toEqual(agree(b.agreement.secretKey, a.agreement.publicKey));
  });

  it('is deterministic in its rng, and draws the two secrets from it in order', () => {
    const seed = new Uint8Array(32).fill(9);
    const a = generateIdentity((n) => Prg.fromSeed(seed).bytes(n)); // same 32 bytes for both draws
    expect(a.signing.secretKey).toEqual(a.agreement.secretKey);
    const p1 = Prg.fromSeed(seed);
    const p2 = Prg.fromSeed(seed);
    expect(generateIdentity((n) => p1.bytes(n))).toEqual(generateIdentity((n) => p2.bytes(n)));
  });

  it('publicIdentity exposes only the public keys, as hex, and parsePublicIdentity inverts it', () => {
    const id = generateIdentity();
    const pub = publicIdentity(id);
    expect(Object.keys(pub).sort()).toEqual(['agreementPublicKey', 'signingPublicKey']);
    expect(pub.signingPublicKey).toBe(toHex(id.signing.publicKey));
    expect(JSON.stringify(pub)).not.toContain(toHex(id.signing.secretKey));
    expect(JSON.stringify(pub)).not.toContain(toHex(id.agreement.secretKey));
    const back = parsePublicIdentity(pub);
    expect(back.signingPublicKey).toEqual(id.signing.publicKey);
    expect(back.agreementPublicKey).toEqual(id.agreement.publicKey);
  });

  it('checkIdentity refuses a swapped public key, naming the field', () => {
    const id = generateIdentity();
    expect(() => checkIdentity({ ...id, signing: { ...id.signing, publicKey: id.agreement.publicKey } })).toThrow(/^identity\.signing\.publicKey: does not match/);
  });

  it('keyId: first 16 hex characters of SHA-256 (known answer computed with Python hashlib)', () => {
    // RFC 8032 TEST 1 public key; python3 -c "hashlib.sha256(bytes.fromhex(pk)).hexdigest()[:16]"
    expect(keyId(fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'))).toBe('21fe31dfa154a261');
    expect(KEY_ID_HEX_LENGTH).toBe(16);
    const k = generateIdentity().signing.publicKey;
    expect(keyId(k)).toBe(keyId(Uint8Array.from(k)));
    expect(keyId(k)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('encoding', () => {
  it('hex and base64 round-trip random bytes of many lengths, respecting subarray offsets', () => {
    for (const n of [0, 1, 2, 3, 31, 32, 33, 1000]) {
      const big = new Uint8Array(randomBytes(n + 10));
      const b = big.subarray(5, 5 + n);
      expect(toHex(b)).toBe(Buffer.from(b).toString('hex'));
      expect(fromHex(toHex(b))).toEqual(b);
      expect(toBase64(b)).toBe(Buffer.from(b).toString('base64'));
      expect(fromBase64(toBase64(b))).toEqual(b);
    }
  });
  it('fromHex checks the expected length and names the parameter', () => {
    expect(fromHex('abcd', 'tag', 2)).toEqual(new Uint8Array([0xab, 0xcd]));
    expect(() => fromHex('abcd', 'tag', 3)).toThrow(/^tag: expected 6 hex characters \(3 bytes\), got 4/);
  });
  it('utf8 encodes non-ASCII text', () => {
    expect(toHex(utf8('é€😀'))).toBe('c3a9e282acf09f9880');
  });
});
