/**
 * `crypto-core/keys/signing` signs and verifies through OpenSSL with cached KeyObjects; these
 * tests hold it to `@noble/curves` (the implementation it replaced on the hot path): the RFC 8032
 * 7.1 vectors (test/vectors/rfc8032-ed25519) and random keys and messages both ways, the caches
 * (a secret-key array overwritten in place, a bad public key seen twice), and the one place the
 * two verifiers differ by design: a signature with a torsion component in R, which noble's
 * cofactored equation accepts and ours refuses.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { generateSigningKeyPair, sign, signingPublicKey, verifySignature } from '../../crypto-core/keys/signing.js';
import { fromHex, toHex } from '../../crypto-core/encoding.js';

interface Ed25519Vector { name: string; secretKey: string; publicKey: string; message: string; signature: string }
const { vectors } = JSON.parse(readFileSync(new URL('../vectors/rfc8032-ed25519/vectors.json', import.meta.url), 'utf8')) as { vectors: Ed25519Vector[] };

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const leToBig = (b: Uint8Array): bigint => b.reduceRight((x, v) => (x << 8n) | BigInt(v), 0n);
function bigToLe(x: bigint, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++, x >>= 8n) out[i] = Number(x & 0xffn);
  return out;
}
const sha512 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

describe('Ed25519 through OpenSSL agrees with @noble/curves', () => {
  it.each(vectors)('$name: both sign to the published signature and both verify it', (v) => {
    const sk = fromHex(v.secretKey);
    const msg = fromHex(v.message);
    expect(toHex(ed25519.sign(msg, sk))).toBe(v.signature);
    expect(toHex(sign(msg, sk))).toBe(v.signature);
    expect(toHex(signingPublicKey(sk))).toBe(toHex(ed25519.getPublicKey(sk)));
    expect(ed25519.verify(fromHex(v.signature), msg, fromHex(v.publicKey), { zip215: false })).toBe(true);
    expect(verifySignature(fromHex(v.signature), msg, fromHex(v.publicKey))).toBe(true);
  });

  it('random keys and messages: the same signatures, and each verifies the other one', () => {
    for (let i = 0; i < 24; i++) {
      const { publicKey, secretKey } = generateSigningKeyPair();
      const msg = new Uint8Array(randomBytes(i * 53));
      const ours = sign(msg, secretKey);
      const theirs = ed25519.sign(msg, secretKey);
      expect(toHex(ours)).toBe(toHex(theirs));
      expect(ed25519.verify(ours, msg, publicKey, { zip215: false })).toBe(true);
      expect(verifySignature(theirs, msg, publicKey)).toBe(true);
      // And neither accepts it for a different message.
      const other = Uint8Array.from([...msg, 1]);
      expect(verifySignature(ours, other, publicKey)).toBe(false);
      expect(ed25519.verify(ours, other, publicKey, { zip215: false })).toBe(false);
    }
  });

  it('a secret-key array overwritten in place signs with the new key, not the cached one', () => {
    const a = generateSigningKeyPair();
    const b = generateSigningKeyPair();
    const key = Uint8Array.from(a.secretKey);
    const msg = new Uint8Array([1, 2, 3]);
    expect(toHex(sign(msg, key))).toBe(toHex(ed25519.sign(msg, a.secretKey)));
    expect(toHex(signingPublicKey(key))).toBe(toHex(a.publicKey));
    key.set(b.secretKey);
    expect(toHex(sign(msg, key))).toBe(toHex(ed25519.sign(msg, b.secretKey)));
    expect(toHex(signingPublicKey(key))).toBe(toHex(b.publicKey));
    // The public key handed out is a copy: changing it does not change the cache.
    signingPublicKey(key).fill(0);
    expect(toHex(signingPublicKey(key))).toBe(toHex(b.publicKey));
  });

  it('a small-order public key is refused every time (the cached verdict is the refusal)', () => {
    const identity = new Uint8Array(32);
    identity[0] = 1;
    // With A = identity, R = [S]B is a valid cofactorless and cofactored equation for any message:
    // exactly why small-order keys are refused.
    const s = 12345n;
    const sig = new Uint8Array(64);
    sig.set(ed25519.Point.BASE.multiply(s).toBytes(), 0);
    sig.set(bigToLe(s, 32), 32);
    for (let i = 0; i < 3; i++) expect(verifySignature(sig, new Uint8Array([i]), identity)).toBe(false);
    expect(ed25519.verify(sig, new Uint8Array([0]), identity, { zip215: false })).toBe(false);
  });

  it('refuses S + L in the cache path as well as before it', () => {
    const { publicKey, secretKey } = generateSigningKeyPair();
    const msg = new Uint8Array([9]);
    const sig = sign(msg, secretKey);
    expect(verifySignature(sig, msg, publicKey)).toBe(true); // key now cached
    const mal = Uint8Array.from(sig);
    mal.set(bigToLe(leToBig(sig.subarray(32)) + L, 32), 32);
    expect(verifySignature(mal, msg, publicKey)).toBe(false);
  });

  it('a signature with a torsion point added to R: noble (cofactored) accepts, we refuse', () => {
    const { publicKey, secretKey } = generateSigningKeyPair();
    const h = sha512(secretKey);
    const head = Uint8Array.from(h.subarray(0, 32));
    head[0]! &= 248;
    head[31]! &= 127;
    head[31]! |= 64;
    const a = leToBig(head) % L;
    // A point of order 8 (the torsion subgroup's generator), from noble's own list of them.
    const torsion = ed25519.Point.fromBytes(fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'));
    expect(torsion.isSmallOrder()).toBe(true);
    expect(torsion.is0()).toBe(false);
    const msg = new Uint8Array([4, 2]);
    const r = leToBig(sha512(randomBytes(32))) % L;
    const R = ed25519.Point.BASE.multiply(r).add(torsion);
    const rBytes = R.toBytes();
    const k = leToBig(sha512(rBytes, publicKey, msg)) % L;
    const S = (r + k * a) % L;
    const sig = new Uint8Array(64);
    sig.set(rBytes, 0);
    sig.set(bigToLe(S, 32), 32);
    expect(ed25519.verify(sig, msg, publicKey, { zip215: false })).toBe(true);
    expect(verifySignature(sig, msg, publicKey)).toBe(false);
    // Without the torsion point the same construction is an ordinary signature both accept.
    const R0 = ed25519.Point.BASE.multiply(r).toBytes();
    const k0 = leToBig(sha512(R0, publicKey, msg)) % L;
    const sig0 = new Uint8Array(64);
    sig0.set(R0, 0);
    sig0.set(bigToLe((r + k0 * a) % L, 32), 32);
    expect(verifySignature(sig0, msg, publicKey)).toBe(true);
  });
});
